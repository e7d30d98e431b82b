import { and, asc, eq, gt, like, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { mutate, read, type Ctx } from '../../../context.js';
import type { Executor } from '../../../db/client.js';
import { keysetPage, type Page } from '../../../http/paging.js';
import { forbidden, notFound, ruleViolation } from '../../../http/problem.js';
import { assertInScope, assertRole, authorize, inScope } from '../../access/authorize.js';
import { readScope, unitCodeIn } from '../../access/scope.js';
import '../constraints.js';
import { units, type UnitRow } from '../../divisions/schema.js';
import { assertActive, loadUnit } from '../../divisions/service.js';
import type { CreateLinkInput, LinkView, ListLinksQuery, UpdateLinkInput } from '../inputs.js';
import { deviceInterfaces, devices, links, type DeviceRow, type LinkRow } from '../schema.js';
import { findDevice, loadDevice } from './devices.js';

const aDevices = alias(devices, 'a_devices');
const zDevices = alias(devices, 'z_devices');
const aInterfaces = alias(deviceInterfaces, 'a_interfaces');
const zInterfaces = alias(deviceInterfaces, 'z_interfaces');

interface LinkWithEnds {
  link: LinkRow;
  aHostname: string;
  aInterface: string;
  zHostname: string;
  zInterface: string;
}

export function linkView(r: LinkWithEnds): LinkView {
  return {
    id: String(r.link.id),
    name: r.link.name,
    aDevice: String(r.link.aDeviceId),
    aHostname: r.aHostname,
    aInterface: r.aInterface,
    zDevice: String(r.link.zDeviceId),
    zHostname: r.zHostname,
    zInterface: r.zInterface,
    capacityMbps: r.link.capacityMbps,
    payingUnit: r.link.payingUnitCode,
    circuitId: r.link.circuitId,
    carrier: r.link.carrier,
    createdAt: r.link.createdAt.toISOString(),
    updatedAt: r.link.updatedAt.toISOString(),
  };
}

function selectLinks(db: Executor) {
  return db
    .select({ link: links, aHostname: aDevices.hostname, aInterface: aInterfaces.name, zHostname: zDevices.hostname, zInterface: zInterfaces.name })
    .from(links)
    .innerJoin(aDevices, eq(aDevices.id, links.aDeviceId))
    .innerJoin(zDevices, eq(zDevices.id, links.zDeviceId))
    .innerJoin(aInterfaces, eq(aInterfaces.id, links.aInterfaceId))
    .innerJoin(zInterfaces, eq(zInterfaces.id, links.zInterfaceId));
}

/**
 * The links a caller reads: those with an end device, or the paying unit, in its scope (for an
 * applicant: the links of its own department's devices). Undefined: everything.
 */
export function linkReadable(ctx: Ctx): SQL | undefined {
  const scope = readScope(ctx);
  if (scope.kind === 'all') return undefined;
  const owned = sql`SELECT d.id FROM devices d WHERE ${unitCodeIn(scope, sql.raw('d.owner_unit_code'))}`;
  return sql`(${unitCodeIn(scope, links.payingUnitCode)} OR ${links.aDeviceId} IN (${owned}) OR ${links.zDeviceId} IN (${owned}))`;
}

async function linkViewById(db: Executor, id: number, readable?: SQL): Promise<LinkView> {
  const [row] = await selectLinks(db).where(and(eq(links.id, id), readable));
  if (!row) throw notFound(`link ${id}`);
  return linkView(row);
}

export async function loadLink(db: Executor, id: number | string, options: { forUpdate?: boolean } = {}): Promise<LinkRow> {
  const query = db.select().from(links).where(eq(links.id, Number(id)));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  if (!row) throw notFound(`link ${id}`);
  return row;
}

const levelRank = { region: 0, city: 1, county: 2, township: 3 } as const;

/** Article 20: the level pays for its own links (本级财政), so the paying unit is a region, city or county division. */
function assertPayingUnit(unit: UnitRow): void {
  if (unit.kind !== 'division' || unit.level === 'township') {
    throw ruleViolation(
      'rule_violation',
      `links are paid for by a region, city or county division (article 20: 资金由本级财政解决); ${unit.code} (${unit.name}) is ${unit.kind === 'department' ? 'a department' : 'a township'}`,
      { field: 'payingUnit' },
    );
  }
  assertActive(unit);
}

async function interfaceOf(db: Executor, device: DeviceRow, name: string, field: string) {
  const [row] = await db
    .select()
    .from(deviceInterfaces)
    .where(and(eq(deviceInterfaces.deviceId, device.id), eq(deviceInterfaces.name, name)));
  if (!row) throw notFound(`interface ${name} on device ${device.hostname} (${field}); register it with PATCH /api/v1/devices/${device.id}`);
  return row;
}

/**
 * A link is the business of an operator whose subtree holds both of its ends (the devices' owner
 * units) as well as its paying unit: a county registers its own links, a link between two
 * counties or up to the city's node is registered by their common ancestor's operator or the
 * admin (article 21: no level reaches sideways into its neighbour's network).
 */
function assertEndsInScope(ctx: Ctx, ends: { end: 'A' | 'Z'; device: Pick<DeviceRow, 'hostname'>; owner: UnitRow }[]): void {
  for (const { end, device, owner } of ends) {
    assertInScope(ctx, owner, `the ${end} end ${device.hostname}`, 'a link is registered and changed by an operator whose subtree holds both ends (their common ancestor) or by the admin');
  }
}

/** The ends of a stored link with their owner units, for the scope check of a change. */
async function endsOf(db: Executor, link: LinkRow) {
  const a = await loadDevice(db, link.aDeviceId);
  const z = await loadDevice(db, link.zDeviceId);
  return [
    { end: 'A' as const, device: a, owner: await loadUnit(db, a.ownerUnitCode) },
    { end: 'Z' as const, device: z, owner: await loadUnit(db, z.ownerUnitCode) },
  ];
}

export async function createLink(ctx: Ctx, input: CreateLinkInput): Promise<LinkView> {
  assertRole(ctx, 'link.create');
  return mutate(ctx, async (tx, audit) => {
    const paying = await loadUnit(tx, input.payingUnit);
    authorize(ctx, 'link.create', { unit: paying });
    assertPayingUnit(paying);
    const a = await findDevice(tx, input.aDevice);
    const z = await findDevice(tx, input.zDevice);
    if (a.id === z.id) {
      throw ruleViolation('rule_violation', `a link joins two different devices; both ends name ${a.hostname} (an internal connection is not a link)`, { field: 'zDevice' });
    }
    const aIf = await interfaceOf(tx, a, input.aInterface, 'aInterface');
    const zIf = await interfaceOf(tx, z, input.zInterface, 'zInterface');
    const aOwner = await loadUnit(tx, a.ownerUnitCode);
    const zOwner = await loadUnit(tx, z.ownerUnitCode);
    assertEndsInScope(ctx, [
      { end: 'A', device: a, owner: aOwner },
      { end: 'Z', device: z, owner: zOwner },
    ]);
    if (levelRank[aOwner.level] > levelRank[zOwner.level]) {
      throw ruleViolation(
        'rule_violation',
        `the A end is the upper-level side: ${a.hostname} belongs to ${aOwner.level} ${aOwner.code}, below ${z.hostname}'s ${zOwner.level} ${zOwner.code}; swap the ends`,
        { field: 'aDevice' },
      );
    }
    const [row] = await tx
      .insert(links)
      .values({
        name: input.name,
        aDeviceId: a.id,
        aInterfaceId: aIf.id,
        zDeviceId: z.id,
        zInterfaceId: zIf.id,
        capacityMbps: input.capacityMbps,
        payingUnitCode: paying.code,
        circuitId: input.circuitId,
        carrier: input.carrier,
        createdAt: ctx.now(),
        updatedAt: ctx.now(),
      })
      .returning();
    const view = linkView({ link: row, aHostname: a.hostname, aInterface: aIf.name, zHostname: z.hostname, zInterface: zIf.name });
    await audit({ action: 'link.create', objectType: 'link', objectId: view.id, after: view });
    return view;
  });
}

export async function getLink(ctx: Ctx, id: string): Promise<LinkView> {
  authorize(ctx, 'link.read');
  return read(() => linkViewById(ctx.db, Number(id), linkReadable(ctx)));
}

export async function listLinks(ctx: Ctx, query: ListLinksQuery): Promise<Page<LinkView>> {
  authorize(ctx, 'link.read');
  return read(async () => {
    const conditions: (SQL | undefined)[] = [linkReadable(ctx)];
    if (query.device) conditions.push(or(eq(links.aDeviceId, Number(query.device)), eq(links.zDeviceId, Number(query.device)))!);
    if (query.payingUnit) conditions.push(eq(links.payingUnitCode, query.payingUnit));
    if (query.within) {
      const scope = await loadUnit(ctx.db, query.within);
      conditions.push(sql`${links.payingUnitCode} IN (SELECT ${units.code} FROM ${units} WHERE ${like(units.path, `${scope.path}%`)})`);
    }
    if (query.cursor) conditions.push(gt(links.id, Number(query.cursor)));
    const found = await selectLinks(ctx.db)
      .where(and(...conditions))
      .orderBy(asc(links.id))
      .limit(query.limit + 1);
    return keysetPage(found, query.limit, (last) => String(last.link.id), (page) => page.map(linkView));
  });
}

/** Raising capacityMbps is how an approved expansion is fulfilled; telemetry sees the new capacity in the table. */
export async function updateLink(ctx: Ctx, id: string, input: UpdateLinkInput): Promise<LinkView> {
  assertRole(ctx, 'link.update');
  return mutate(ctx, async (tx, audit) => {
    const before = await loadLink(tx, id, { forUpdate: true });
    authorize(ctx, 'link.update', { unit: await loadUnit(tx, before.payingUnitCode) });
    assertEndsInScope(ctx, await endsOf(tx, before));
    if (input.payingUnit !== undefined && input.payingUnit !== before.payingUnitCode) {
      const paying = await loadUnit(tx, input.payingUnit);
      authorize(ctx, 'link.update', { unit: paying });
      assertPayingUnit(paying);
    }
    const beforeView = await linkViewById(tx, before.id);
    await tx
      .update(links)
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.capacityMbps !== undefined ? { capacityMbps: input.capacityMbps } : {}),
        ...(input.payingUnit !== undefined ? { payingUnitCode: input.payingUnit } : {}),
        ...(input.circuitId !== undefined ? { circuitId: input.circuitId } : {}),
        ...(input.carrier !== undefined ? { carrier: input.carrier } : {}),
        updatedAt: ctx.now(),
      })
      .where(eq(links.id, before.id));
    const view = await linkViewById(tx, before.id);
    await audit({ action: 'link.update', objectType: 'link', objectId: view.id, before: beforeView, after: view });
    return view;
  });
}

export async function deleteLink(ctx: Ctx, id: string): Promise<void> {
  assertRole(ctx, 'link.delete');
  await mutate(ctx, async (tx, audit) => {
    const before = await loadLink(tx, id, { forUpdate: true });
    authorize(ctx, 'link.delete', { unit: await loadUnit(tx, before.payingUnitCode) });
    assertEndsInScope(ctx, await endsOf(tx, before));
    const view = await linkViewById(tx, before.id);
    await tx.delete(links).where(eq(links.id, before.id));
    await audit({ action: 'link.delete', objectType: 'link', objectId: view.id, before: view });
  });
}
