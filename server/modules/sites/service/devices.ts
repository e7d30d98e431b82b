import { and, asc, eq, gt, inArray, like, or, sql, type SQL } from 'drizzle-orm';
import { mutate, read, type Ctx } from '../../../context.js';
import { nextSerialId, type Executor, type Tx } from '../../../db/client.js';
import { keysetPage, type Page } from '../../../http/paging.js';
import { invalid, notFound, Problem, ruleViolation } from '../../../http/problem.js';
import { AddressError, parseAddress, parseInterfaceAddress, readStoredCidr, type InterfaceAddress } from '../../../net/cidr.js';
import { assertInScope, assertRole, authorize, inScope } from '../../access/authorize.js';
import { readScope, unitCodeIn } from '../../access/scope.js';
import '../constraints.js';
import { users, type UserRow } from '../../access/schema.js';
import { units, type UnitRow } from '../../divisions/schema.js';
import { assertActive, loadUnit } from '../../divisions/service.js';
import { bareAddress, findAddressInVrfs, loadVrf, mostSpecificPrefix, sharedVrfNames } from '../../ipam/lookup.js';
import { vrfs } from '../../ipam/schema.js';
import type { CreateDeviceInput, DeviceView, ListDevicesQuery, SnmpInput, SshInput, UpdateDeviceInput, Warning } from '../inputs.js';
import { deviceInterfaces, devices, type DeviceInterfaceRow, type DeviceRow, type DeviceRole } from '../schema.js';
import { open, ownerOf, seal, secretKey } from '../../../crypto/secret-box.js';
import { roomInScope } from './rooms.js';

export type SnmpSecret =
  | { community: string }
  | { user: string; authProtocol?: string; authKey?: string; privProtocol?: string; privKey?: string };
export type SshSecret = { password: string } | { privateKey: string; passphrase?: string };

export const defaultPorts = { snmp: 161, ssh: 22 } as const;

// ---- views ---------------------------------------------------------------------------

/** The device as the API shows it: credentials only as {configured}, never their content. */
export function deviceView(row: DeviceRow, interfaces: DeviceInterfaceRow[], agentNames: Map<number, string>): DeviceView {
  const agent = (id: number | null) => (id === null ? null : (agentNames.get(id) ?? null));
  return {
    id: String(row.id),
    hostname: row.hostname,
    room: row.roomId === null ? null : String(row.roomId),
    role: row.role,
    vendor: row.vendor,
    dialect: row.dialect,
    model: row.model,
    serial: row.serial,
    mgmtAddress: row.mgmtAddress === null ? null : bareAddress(row.mgmtAddress),
    mgmtAddressId: row.mgmtAddressId === null ? null : String(row.mgmtAddressId),
    ownerUnit: row.ownerUnitCode,
    responsible: { name: row.responsibleName, phone: row.responsiblePhone },
    interfaces: interfaces
      .filter((i) => i.deviceId === row.id)
      .sort((a, b) => a.id - b.id)
      .map((i) => ({ id: String(i.id), name: i.name, address: i.address })),
    snmp:
      row.snmpPort === null
        ? null
        : { agent: agent(row.snmpAgentUserId), version: row.snmpVersion, port: row.snmpPort, credentials: { configured: row.snmpCredentials !== null } },
    ssh:
      row.sshPort === null
        ? null
        : {
            agent: agent(row.sshAgentUserId),
            port: row.sshPort,
            username: row.sshUsername,
            credentials: { configured: row.sshCredentials !== null },
            hostKeySha256: row.sshHostKeySha256,
            legacyAlgorithms: row.sshLegacyAlgorithms,
          },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Views for many devices with two more queries, not two per device. */
export async function deviceViews(db: Executor, rows: DeviceRow[]): Promise<DeviceView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const interfaces = await db.select().from(deviceInterfaces).where(inArray(deviceInterfaces.deviceId, ids));
  const agentIds = [...new Set(rows.flatMap((r) => [r.snmpAgentUserId, r.sshAgentUserId]).filter((id): id is number => id !== null))];
  const agents = agentIds.length ? await db.select({ id: users.id, username: users.username }).from(users).where(inArray(users.id, agentIds)) : [];
  const names = new Map(agents.map((a) => [a.id, a.username]));
  return rows.map((row) => deviceView(row, interfaces, names));
}

export async function loadDevice(db: Executor, id: number | string, options: { forUpdate?: boolean } = {}): Promise<DeviceRow> {
  const query = db.select().from(devices).where(eq(devices.id, Number(id)));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  if (!row) throw notFound(`device ${id}`);
  return row;
}

/** A device named by id or by hostname, as links and scripts name them. */
export async function findDevice(db: Executor, ref: string): Promise<DeviceRow> {
  const [row] = /^[1-9][0-9]{0,17}$/.test(ref)
    ? await db.select().from(devices).where(eq(devices.id, Number(ref)))
    : await db.select().from(devices).where(eq(devices.hostname, ref));
  if (!row) throw notFound(`device ${ref}`);
  return row;
}

// ---- rules ---------------------------------------------------------------------------

const departmentSide: DeviceRole[] = ['boundary'];
const nodeSide: DeviceRole[] = ['pe', 'core', 'aggregation'];

/**
 * Article 19's boundary device belongs to the department whose network meets the extranet;
 * node devices belong to the division whose O&M unit runs the node. CE routers and firewalls
 * stand on either side.
 */
function assertOwner(role: DeviceRole, owner: UnitRow): void {
  if (departmentSide.includes(role) && owner.kind !== 'department') {
    throw ruleViolation('rule_violation', `a ${role} device is owned by the department whose network it connects, not by the division ${owner.code}`, { field: 'ownerUnit' });
  }
  if (nodeSide.includes(role) && (owner.kind !== 'division' || owner.level === 'township')) {
    throw ruleViolation(
      'rule_violation',
      `a ${role} device is a node device, owned by the region, city or county division that runs the node; ${owner.code} (${owner.name}) is ${owner.kind === 'department' ? 'a department' : 'a township'}`,
      { field: 'ownerUnit' },
    );
  }
  assertActive(owner);
}

function assertResponsible(role: DeviceRole, name: string, phone: string): void {
  if (role === 'boundary' && (!name || !phone)) {
    throw invalid('a boundary device needs its designated responsible person (article 19): give responsible {name, phone}', { field: 'responsible' });
  }
}

/**
 * The agent a device is handed to: an agent user of the actor's subtree (a county never hands
 * its device to a neighbour's poller). Scope comes before the role, so that a refusal tells
 * nothing about a user outside the subtree. Keeping the agent the device already has is no new
 * choice and is not checked again.
 */
async function loadAgent(ctx: Ctx, tx: Executor, username: string, field: string, current: number | null): Promise<UserRow> {
  const [user] = await tx.select().from(users).where(eq(users.username, username));
  if (!user) throw notFound(`user ${username} (${field})`);
  if (user.id === current) return user;
  assertInScope(ctx, await loadUnit(tx, user.unitCode), `the user ${username} named as ${field}`);
  if (user.role !== 'agent') throw ruleViolation('rule_violation', `${username} has the role ${user.role}; only a user with the role agent polls devices`, { field });
  if (user.disabledAt) throw ruleViolation('rule_violation', `the agent ${username} is disabled`, { field });
  return user;
}

// ---- address matching ----------------------------------------------------------------

async function vrfIdsFor(tx: Executor, mgmtVrf: string | undefined): Promise<number[]> {
  if (mgmtVrf) return [(await loadVrf(tx, mgmtVrf)).id];
  const found = await tx.select({ id: vrfs.id }).from(vrfs).where(inArray(vrfs.name, [...sharedVrfNames]));
  return found.map((v) => v.id);
}

function parsed<T>(field: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof AddressError) throw new Problem(400, err.code, `${field}: ${err.message}`, { field, ...(err.suggestion ? { suggestion: err.suggestion } : {}) });
    throw err;
  }
}

interface InterfacePlan {
  name: string;
  address: string | null;
}

function planInterfaces(list: { name: string; address?: string | null }[]): { plan: InterfacePlan[]; parsed: (InterfaceAddress | null)[] } {
  const seen = new Set<string>();
  const plan: InterfacePlan[] = [];
  const addresses: (InterfaceAddress | null)[] = [];
  list.forEach((i, n) => {
    if (seen.has(i.name)) throw invalid(`interface ${i.name} is listed twice`, { field: `interfaces.${n}.name` });
    seen.add(i.name);
    const address = i.address ? parsed(`interfaces.${n}.address`, () => parseInterfaceAddress(i.address!)) : null;
    addresses.push(address);
    plan.push({ name: i.name, address: address ? `${address.address.text}/${address.prefix.length}` : null });
  });
  return { plan, parsed: addresses };
}

/** The IPAM side: which records the device's addresses are, and warnings where there are none. */
async function matchRegistry(
  ctx: Ctx,
  tx: Executor,
  vrfIds: number[],
  mgmt: string | null,
  interfaces: { name: string; index: number; address: InterfaceAddress | null }[],
): Promise<{ mgmtAddressId: number | null; warnings: Warning[] }> {
  const warnings: Warning[] = [];
  let mgmtAddressId: number | null = null;
  if (mgmt) {
    const record = await findAddressInVrfs(tx, vrfIds, mgmt);
    const [holder] = record ? await tx.select({ code: units.code, path: units.path }).from(units).where(eq(units.code, record.holderCode)) : [];
    if (record && holder && !inScope(ctx, holder)) {
      // Linking pins the record (its holder could no longer release it while the device exists):
      // only someone acting for the holder may do that, so another county's address is kept as
      // text and named, never linked (article 21: each level manages its own space).
      warnings.push({
        code: 'mgmt_address_out_of_scope',
        field: 'mgmtAddress',
        message: `${mgmt} is registered to ${holder.code}, outside your subtree; the device keeps the address but is not linked to that record: the holder's operator or the admin links it`,
      });
    } else if (record) mgmtAddressId = record.id;
    else {
      warnings.push({
        code: 'mgmt_address_unregistered',
        field: 'mgmtAddress',
        message: `${mgmt} is not a registered address; add it to its assigned prefix (POST /api/v1/prefixes/{id}/addresses) so the registry knows who holds it`,
      });
    }
  }
  for (const i of interfaces) {
    if (!i.address) continue;
    const prefix = i.address.prefix.text;
    const covering = await mostSpecificPrefix(tx, vrfIds, prefix);
    // A root pool or a delegation covers everything below it; only the interface's own
    // prefix, or the assigned or reserved block it was carved from, counts as registered.
    const registered = covering && (readStoredCidr(covering.prefix).text === prefix || covering.status === 'assigned' || covering.status === 'reserved');
    if (!registered) {
      warnings.push({
        code: 'interface_prefix_unregistered',
        field: `interfaces.${i.index}.address`,
        message: covering
          ? `${prefix} (interface ${i.name}) is not registered; the nearest registered prefix is ${covering.prefix} (${covering.status}, held by ${covering.holderCode}); assign ${prefix} from it`
          : `${prefix} (interface ${i.name}) lies in no registered prefix; register or assign it in IPAM`,
      });
    }
  }
  return { mgmtAddressId, warnings };
}

// ---- credentials ---------------------------------------------------------------------

type SnmpColumns = Pick<DeviceRow, 'snmpAgentUserId' | 'snmpVersion' | 'snmpPort' | 'snmpCredentials'>;
type SshColumns = Pick<DeviceRow, 'sshAgentUserId' | 'sshPort' | 'sshUsername' | 'sshCredentials' | 'sshHostKeySha256' | 'sshLegacyAlgorithms'>;

const noSnmp: SnmpColumns = { snmpAgentUserId: null, snmpVersion: null, snmpPort: null, snmpCredentials: null };
const noSsh: SshColumns = { sshAgentUserId: null, sshPort: null, sshUsername: null, sshCredentials: null, sshHostKeySha256: null, sshLegacyAlgorithms: false };

function snmpSecretOf(input: SnmpInput): SnmpSecret | null {
  if (input.community !== undefined) return { community: input.community };
  if (input.user === undefined) return null;
  const secret: SnmpSecret = { user: input.user };
  if (input.authProtocol) Object.assign(secret, { authProtocol: input.authProtocol, authKey: input.authKey });
  if (input.privProtocol) Object.assign(secret, { privProtocol: input.privProtocol, privKey: input.privKey });
  return secret;
}

async function snmpColumns(ctx: Ctx, tx: Tx, deviceId: number, input: SnmpInput | null | undefined, existing: SnmpColumns): Promise<SnmpColumns> {
  if (input === undefined) {
    const { snmpAgentUserId, snmpVersion, snmpPort, snmpCredentials } = existing;
    return { snmpAgentUserId, snmpVersion, snmpPort, snmpCredentials };
  }
  if (input === null) return noSnmp;
  const agent = input.agent === undefined ? existing.snmpAgentUserId : input.agent === null ? null : (await loadAgent(ctx, tx, input.agent, 'snmp.agent', existing.snmpAgentUserId)).id;
  const secret = snmpSecretOf(input);
  let version = existing.snmpVersion;
  let credentials = existing.snmpCredentials;
  if (secret) {
    version = input.version!;
    credentials = seal(secretKey(ctx.config), 'snmp', ownerOf('device', deviceId), secret);
  } else if (input.version !== undefined && input.version !== existing.snmpVersion) {
    if (existing.snmpCredentials) {
      throw invalid(`changing SNMP from version ${existing.snmpVersion} to ${input.version} needs the new credentials in the same request`, { field: 'snmp.version' });
    }
    version = input.version;
  }
  return { snmpAgentUserId: agent, snmpVersion: version, snmpPort: input.port ?? existing.snmpPort ?? defaultPorts.snmp, snmpCredentials: credentials };
}

async function sshColumns(ctx: Ctx, tx: Tx, deviceId: number, input: SshInput | null | undefined, existing: SshColumns): Promise<SshColumns> {
  if (input === undefined) {
    const { sshAgentUserId, sshPort, sshUsername, sshCredentials, sshHostKeySha256, sshLegacyAlgorithms } = existing;
    return { sshAgentUserId, sshPort, sshUsername, sshCredentials, sshHostKeySha256, sshLegacyAlgorithms };
  }
  if (input === null) return noSsh;
  const agent = input.agent === undefined ? existing.sshAgentUserId : input.agent === null ? null : (await loadAgent(ctx, tx, input.agent, 'ssh.agent', existing.sshAgentUserId)).id;
  const username = input.username ?? existing.sshUsername;
  let credentials = existing.sshCredentials;
  const secret: SshSecret | null =
    input.password !== undefined
      ? { password: input.password }
      : input.privateKey !== undefined
        ? { privateKey: input.privateKey, ...(input.passphrase !== undefined ? { passphrase: input.passphrase } : {}) }
        : null;
  if (secret) {
    if (!username) throw invalid('SSH credentials need the username they log in as', { field: 'ssh.username' });
    credentials = seal(secretKey(ctx.config), 'ssh', ownerOf('device', deviceId), secret);
  }
  return {
    sshAgentUserId: agent,
    sshPort: input.port ?? existing.sshPort ?? defaultPorts.ssh,
    sshUsername: username,
    sshCredentials: credentials,
    sshHostKeySha256: input.hostKeySha256 === undefined ? existing.sshHostKeySha256 : input.hostKeySha256,
    sshLegacyAlgorithms: input.legacyAlgorithms ?? existing.sshLegacyAlgorithms,
  };
}

export function openSnmpSecret(ctx: Pick<Ctx, 'config'>, deviceId: number, envelope: string): SnmpSecret {
  return open<SnmpSecret>(secretKey(ctx.config), 'snmp', ownerOf('device', deviceId), envelope);
}

export function openSshSecret(ctx: Pick<Ctx, 'config'>, deviceId: number, envelope: string): SshSecret {
  return open<SshSecret>(secretKey(ctx.config), 'ssh', ownerOf('device', deviceId), envelope);
}

function dialectWarnings(row: Pick<DeviceRow, 'sshAgentUserId' | 'dialect'>): Warning[] {
  return row.sshAgentUserId !== null && row.dialect === null
    ? [{ code: 'dialect_missing', field: 'dialect', message: 'an SSH agent is assigned but the device has no dialect (huawei-vrp, h3c-comware, cisco-ios); the agent cannot read it until one is set' }]
    : [];
}

// ---- verbs ---------------------------------------------------------------------------

export async function createDevice(ctx: Ctx, input: CreateDeviceInput): Promise<DeviceView> {
  assertRole(ctx, 'device.create');
  return mutate(ctx, async (tx, audit) => {
    const owner = await loadUnit(tx, input.ownerUnit);
    authorize(ctx, 'device.create', { unit: owner });
    assertOwner(input.role, owner);
    const responsibleName = input.responsible?.name ?? '';
    const responsiblePhone = input.responsible?.phone ?? '';
    assertResponsible(input.role, responsibleName, responsiblePhone);
    if (input.room) await roomInScope(ctx, tx, input.room);
    const mgmt = input.mgmtAddress ? parsed('mgmtAddress', () => parseAddress(input.mgmtAddress!)).text : null;
    const { plan, parsed: ifAddresses } = planInterfaces(input.interfaces ?? []);
    const vrfIds = await vrfIdsFor(tx, input.mgmtVrf);
    const matched = await matchRegistry(
      ctx,
      tx,
      vrfIds,
      mgmt,
      plan.map((p, index) => ({ name: p.name, index, address: ifAddresses[index] })),
    );
    // The id first: the credentials are sealed for this row (server/crypto/secret-box.ts).
    const id = await nextSerialId(tx, 'devices');
    const snmp = await snmpColumns(ctx, tx, id, input.snmp, noSnmp);
    const ssh = await sshColumns(ctx, tx, id, input.ssh, noSsh);
    const [row] = await tx
      .insert(devices)
      .values({
        id,
        hostname: input.hostname,
        roomId: input.room ? Number(input.room) : null,
        role: input.role,
        vendor: input.vendor,
        dialect: input.dialect ?? null,
        model: input.model ?? '',
        serial: input.serial ?? '',
        mgmtAddress: mgmt,
        mgmtAddressId: matched.mgmtAddressId,
        ownerUnitCode: owner.code,
        responsibleName,
        responsiblePhone,
        ...snmp,
        ...ssh,
        createdAt: ctx.now(),
        updatedAt: ctx.now(),
      })
      .returning();
    if (plan.length) await tx.insert(deviceInterfaces).values(plan.map((p) => ({ deviceId: row.id, name: p.name, address: p.address })));
    const [view] = await deviceViews(tx, [row]);
    await audit({ action: 'device.create', objectType: 'device', objectId: view.id, after: view });
    return { ...view, warnings: [...matched.warnings, ...dialectWarnings(row)] };
  });
}

/**
 * The devices a caller reads: those its scope owns; an operator also reads the devices at the
 * ends of every link that touches its subtree (a link with an end, or its paying unit, in the
 * subtree), such as the upper level's PE its county hangs on. An applicant reads its own
 * department's devices only, never the far end's responsible person. Undefined: everything.
 */
export function deviceReadable(ctx: Ctx): SQL | undefined {
  const scope = readScope(ctx);
  if (scope.kind === 'all') return undefined;
  const own = unitCodeIn(scope, devices.ownerUnitCode);
  if (scope.kind !== 'subtree') return own;
  // Uncorrelated subqueries: computed once per query, then a hash lookup per row.
  const owned = sql`SELECT d.id FROM devices d WHERE ${unitCodeIn(scope, sql.raw('d.owner_unit_code'))}`;
  const touching = sql`FROM links l WHERE ${unitCodeIn(scope, sql.raw('l.paying_unit_code'))} OR l.a_device_id IN (${owned}) OR l.z_device_id IN (${owned})`;
  return sql`(${own} OR ${devices.id} IN (SELECT l.a_device_id ${touching}) OR ${devices.id} IN (SELECT l.z_device_id ${touching}))`;
}

/** A device the caller reads, or 404 (the same answer as for an id nobody has). */
export async function loadReadableDevice(ctx: Ctx, id: number | string): Promise<DeviceRow> {
  const [row] = await ctx.db
    .select()
    .from(devices)
    .where(and(eq(devices.id, Number(id)), deviceReadable(ctx)));
  if (!row) throw notFound(`device ${id}`);
  return row;
}

export async function getDevice(ctx: Ctx, id: string): Promise<DeviceView> {
  authorize(ctx, 'device.read');
  return read(async () => (await deviceViews(ctx.db, [await loadReadableDevice(ctx, id)]))[0]);
}

export async function listDevices(ctx: Ctx, query: ListDevicesQuery): Promise<Page<DeviceView>> {
  authorize(ctx, 'device.read');
  return read(async () => {
    const conditions: (SQL | undefined)[] = [deviceReadable(ctx)];
    if (query.owner) conditions.push(eq(devices.ownerUnitCode, query.owner));
    if (query.room) conditions.push(eq(devices.roomId, Number(query.room)));
    if (query.role) conditions.push(eq(devices.role, query.role));
    if (query.hostname) conditions.push(eq(devices.hostname, query.hostname));
    if (query.within) {
      const scope = await loadUnit(ctx.db, query.within);
      conditions.push(sql`${devices.ownerUnitCode} IN (SELECT ${units.code} FROM ${units} WHERE ${like(units.path, `${scope.path}%`)})`);
    }
    if (query.agent) {
      const [agent] = await ctx.db.select({ id: users.id }).from(users).where(eq(users.username, query.agent));
      if (!agent) return { items: [], nextCursor: null };
      conditions.push(or(eq(devices.snmpAgentUserId, agent.id), eq(devices.sshAgentUserId, agent.id))!);
    }
    if (query.cursor) conditions.push(gt(devices.id, Number(query.cursor)));
    const found = await ctx.db
      .select()
      .from(devices)
      .where(and(...conditions))
      .orderBy(asc(devices.id))
      .limit(query.limit + 1);
    return keysetPage(found, query.limit, (last) => String(last.id), (page) => deviceViews(ctx.db, page));
  });
}

export async function updateDevice(ctx: Ctx, id: string, input: UpdateDeviceInput): Promise<DeviceView> {
  assertRole(ctx, 'device.update');
  return mutate(ctx, async (tx, audit) => {
    const before = await loadDevice(tx, id, { forUpdate: true });
    const currentOwner = await loadUnit(tx, before.ownerUnitCode);
    authorize(ctx, 'device.update', { unit: currentOwner });
    const role = input.role ?? before.role;
    let owner = currentOwner;
    if (input.ownerUnit !== undefined && input.ownerUnit !== before.ownerUnitCode) {
      owner = await loadUnit(tx, input.ownerUnit);
      authorize(ctx, 'device.update', { unit: owner });
    }
    if (input.role !== undefined || input.ownerUnit !== undefined) assertOwner(role, owner);
    const responsibleName = input.responsible?.name ?? before.responsibleName;
    const responsiblePhone = input.responsible?.phone ?? before.responsiblePhone;
    assertResponsible(role, responsibleName, responsiblePhone);
    // Moving the device into a room is placing it; staying where it stands is not.
    if (input.room && Number(input.room) !== before.roomId) await roomInScope(ctx, tx, input.room);

    const existingInterfaces = await tx.select().from(deviceInterfaces).where(eq(deviceInterfaces.deviceId, before.id));
    const mgmtChanged = input.mgmtAddress !== undefined || input.mgmtVrf !== undefined;
    const mgmt =
      input.mgmtAddress === undefined
        ? before.mgmtAddress === null
          ? null
          : bareAddress(before.mgmtAddress)
        : input.mgmtAddress
          ? parsed('mgmtAddress', () => parseAddress(input.mgmtAddress!)).text
          : null;
    const planned = input.interfaces ? planInterfaces(input.interfaces) : null;
    const vrfIds = await vrfIdsFor(tx, input.mgmtVrf);
    const matched = await matchRegistry(
      ctx,
      tx,
      vrfIds,
      mgmtChanged ? mgmt : null,
      planned ? planned.plan.map((p, index) => ({ name: p.name, index, address: planned.parsed[index] })) : [],
    );

    const changes: Partial<DeviceRow> = {
      ...(input.hostname !== undefined ? { hostname: input.hostname } : {}),
      ...(input.room !== undefined ? { roomId: input.room === null ? null : Number(input.room) } : {}),
      role,
      ...(input.vendor !== undefined ? { vendor: input.vendor } : {}),
      ...(input.dialect !== undefined ? { dialect: input.dialect } : {}),
      ...(input.model !== undefined ? { model: input.model } : {}),
      ...(input.serial !== undefined ? { serial: input.serial } : {}),
      ...(mgmtChanged ? { mgmtAddress: mgmt, mgmtAddressId: matched.mgmtAddressId } : {}),
      ownerUnitCode: owner.code,
      responsibleName,
      responsiblePhone,
      ...(await snmpColumns(ctx, tx, before.id, input.snmp, before)),
      ...(await sshColumns(ctx, tx, before.id, input.ssh, before)),
      updatedAt: ctx.now(),
    };
    const [row] = await tx.update(devices).set(changes).where(eq(devices.id, before.id)).returning();

    if (planned) {
      const wanted = new Map(planned.plan.map((p) => [p.name, p]));
      const gone = existingInterfaces.filter((i) => !wanted.has(i.name)).map((i) => i.id);
      // A removed interface that ends a link is refused by the link's foreign key → 409 in_use.
      if (gone.length) await tx.delete(deviceInterfaces).where(inArray(deviceInterfaces.id, gone));
      const byName = new Map(existingInterfaces.map((i) => [i.name, i]));
      for (const p of planned.plan) {
        const current = byName.get(p.name);
        if (!current) await tx.insert(deviceInterfaces).values({ deviceId: row.id, name: p.name, address: p.address });
        else if (current.address !== p.address) await tx.update(deviceInterfaces).set({ address: p.address }).where(eq(deviceInterfaces.id, current.id));
      }
    }
    const beforeView = deviceView(before, existingInterfaces, await agentNames(tx, [before]));
    const [view] = await deviceViews(tx, [row]);
    await audit({ action: 'device.update', objectType: 'device', objectId: view.id, before: beforeView, after: view });
    return { ...view, warnings: [...matched.warnings, ...dialectWarnings(row)] };
  });
}

async function agentNames(db: Executor, rows: DeviceRow[]): Promise<Map<number, string>> {
  const ids = [...new Set(rows.flatMap((r) => [r.snmpAgentUserId, r.sshAgentUserId]).filter((id): id is number => id !== null))];
  if (!ids.length) return new Map();
  const found = await db.select({ id: users.id, username: users.username }).from(users).where(inArray(users.id, ids));
  return new Map(found.map((u) => [u.id, u.username]));
}

export async function deleteDevice(ctx: Ctx, id: string): Promise<void> {
  assertRole(ctx, 'device.delete');
  await mutate(ctx, async (tx, audit) => {
    const before = await loadDevice(tx, id, { forUpdate: true });
    const owner = await loadUnit(tx, before.ownerUnitCode);
    authorize(ctx, 'device.delete', { unit: owner });
    const [view] = await deviceViews(tx, [before]);
    // Interfaces go with the device; one that ends a link stops it (409 in_use).
    await tx.delete(devices).where(eq(devices.id, before.id));
    await audit({ action: 'device.delete', objectType: 'device', objectId: view.id, before: view });
  });
}

