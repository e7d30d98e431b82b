import { and, eq, gt, inArray, or, sql } from 'drizzle-orm';
import { mutate, type Ctx } from '../../../context.js';
import { rows, type Executor } from '../../../db/client.js';
import { jsonIds } from '../../../db/json-rows.js';
import { forbidden, invalid } from '../../../http/problem.js';
import { authorize } from '../../access/authorize.js';
import { bareAddress } from '../../ipam/lookup.js';
import type { TargetsQuery, TargetsView, TargetView } from '../inputs.js';
import { agentLeases, deviceInterfaces, devices, links, type DeviceRow } from '../schema.js';
import { openSnmpSecret, openSshSecret } from './devices.js';

type Method = 'snmp' | 'ssh';

/**
 * Whether an agent may report for a device by a method: it is the device's assigned agent for
 * that method (any method when none is given), or holds a live lease on it.
 */
export async function agentMayReport(db: Executor, agentUserId: number, deviceId: number, at: Date, method?: Method): Promise<boolean> {
  const assigned =
    method === 'snmp' ? eq(devices.snmpAgentUserId, agentUserId) : method === 'ssh' ? eq(devices.sshAgentUserId, agentUserId) : or(eq(devices.snmpAgentUserId, agentUserId), eq(devices.sshAgentUserId, agentUserId));
  const [own] = await db.select({ id: devices.id }).from(devices).where(and(eq(devices.id, deviceId), assigned));
  if (own) return true;
  const [lease] = await db
    .select({ deviceId: agentLeases.deviceId })
    .from(agentLeases)
    .where(and(eq(agentLeases.deviceId, deviceId), eq(agentLeases.agentUserId, agentUserId), gt(agentLeases.expiresAt, at), ...(method ? [eq(agentLeases.method, method)] : [])));
  return Boolean(lease);
}

/**
 * Of `deviceIds`, those the agent may report for by `method` (assigned, or a live lease): one
 * query for a whole batch of readings, where agentMayReport per reading was up to two each.
 */
export async function devicesAgentMayReport(db: Executor, agentUserId: number, deviceIds: number[], at: Date, method: Method): Promise<Set<number>> {
  if (!deviceIds.length) return new Set();
  const agentColumn = method === 'snmp' ? sql.raw('d.snmp_agent_user_id') : sql.raw('d.ssh_agent_user_id');
  const found = await rows<{ id: string | number }>(
    db,
    sql`SELECT d.id FROM devices d WHERE d.id = ANY(${jsonIds(deviceIds)}) AND (${agentColumn} = ${agentUserId}
          OR EXISTS (SELECT 1 FROM agent_leases l WHERE l.device_id = d.id AND l.agent_user_id = ${agentUserId}
                       AND l.expires_at > ${at.toISOString()}::timestamptz AND l.method = ${method}))`,
  );
  return new Set(found.map((r) => Number(r.id)));
}

/**
 * Takes up to `max` devices of the agent's unit subtree that have settings for `method` but no
 * assigned agent, and that no other agent holds: one statement, so two agents asking at once
 * split the pool instead of both taking it (the conflict clause only overwrites an expired or
 * one's own lease, and a row a concurrent lease just took is skipped).
 */
async function takeLeases(db: Executor, ctx: Ctx, method: Method, seconds: number, max: number): Promise<{ ids: number[]; expiresAt: Date }> {
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + seconds * 1000);
  const me = ctx.actor.userId;
  const agentColumn = method === 'snmp' ? sql.raw('d.snmp_agent_user_id') : sql.raw('d.ssh_agent_user_id');
  const portColumn = method === 'snmp' ? sql.raw('d.snmp_port') : sql.raw('d.ssh_port');
  const taken = await rows<{ device_id: string | number }>(
    db,
    sql`INSERT INTO agent_leases (device_id, method, agent_user_id, expires_at)
        SELECT d.id, ${method}, ${me}, ${expiresAt.toISOString()}::timestamptz
        FROM devices d JOIN units u ON u.code = d.owner_unit_code
        LEFT JOIN agent_leases l ON l.device_id = d.id AND l.method = ${method}
        WHERE ${agentColumn} IS NULL AND ${portColumn} IS NOT NULL
          AND u.path LIKE ${`${ctx.actor.unitPath}%`}
          AND (l.device_id IS NULL OR l.agent_user_id = ${me} OR l.expires_at <= ${now.toISOString()}::timestamptz)
        ORDER BY (l.agent_user_id = ${me}) IS TRUE DESC, d.id
        LIMIT ${max}
        ON CONFLICT (device_id, method) DO UPDATE SET agent_user_id = EXCLUDED.agent_user_id, expires_at = EXCLUDED.expires_at
          WHERE agent_leases.agent_user_id = EXCLUDED.agent_user_id OR agent_leases.expires_at <= ${now.toISOString()}::timestamptz
        RETURNING device_id`,
  );
  return { ids: taken.map((r) => Number(r.device_id)), expiresAt };
}

function methodsFor(row: DeviceRow, me: number, leased: Set<number>, leaseMethod: Method | null, only: Method | undefined): Method[] {
  const methods: Method[] = [];
  if ((row.snmpAgentUserId === me || (leaseMethod === 'snmp' && leased.has(row.id))) && only !== 'ssh') methods.push('snmp');
  if ((row.sshAgentUserId === me || (leaseMethod === 'ssh' && leased.has(row.id))) && only !== 'snmp') methods.push('ssh');
  return methods;
}

/**
 * An agent's work list with the credentials it needs, decrypted for it alone and only for the
 * method it polls each device by. Reading it is audited like a write (which devices, never
 * what secrets), in the same transaction as the leases it takes.
 */
export async function agentTargets(ctx: Ctx, query: TargetsQuery): Promise<TargetsView> {
  authorize(ctx, 'agent.targets.read');
  if (query.lease !== undefined && !query.method) throw invalid('leasing takes devices for one method: add method=snmp or method=ssh', { field: 'method' });
  const me = ctx.actor.userId;
  return mutate(ctx, async (tx, audit) => {
    const [counts] = await rows<{ snmp: string | number; ssh: string | number }>(
      tx,
      sql`SELECT count(*) FILTER (WHERE snmp_agent_user_id = ${me}) AS snmp, count(*) FILTER (WHERE ssh_agent_user_id = ${me}) AS ssh
          FROM devices WHERE snmp_agent_user_id = ${me} OR ssh_agent_user_id = ${me}`,
    );
    if (query.method) {
      const other: Method = query.method === 'snmp' ? 'ssh' : 'snmp';
      if (Number(counts[query.method]) === 0 && Number(counts[other]) > 0) {
        throw forbidden(`${ctx.actor.username} polls its devices by ${other}; it may not read ${query.method} targets or credentials`);
      }
    }
    const leases = query.lease !== undefined && query.method ? await takeLeases(tx, ctx, query.method, query.lease, query.max ?? 100) : null;
    const leased = new Set(leases?.ids ?? []);
    const assignedWhere =
      query.method === 'snmp' ? eq(devices.snmpAgentUserId, me) : query.method === 'ssh' ? eq(devices.sshAgentUserId, me) : or(eq(devices.snmpAgentUserId, me), eq(devices.sshAgentUserId, me));
    const found = await tx
      .select()
      .from(devices)
      .where(leased.size ? or(assignedWhere, inArray(devices.id, [...leased])) : assignedWhere)
      .orderBy(devices.id);
    const ids = found.map((d) => d.id);
    const interfaces = ids.length ? await tx.select().from(deviceInterfaces).where(inArray(deviceInterfaces.deviceId, ids)).orderBy(deviceInterfaces.id) : [];
    const linkEnds = ids.length
      ? await tx
          .select({ id: links.id, aInterfaceId: links.aInterfaceId, zInterfaceId: links.zInterfaceId, capacityMbps: links.capacityMbps })
          .from(links)
          .where(or(inArray(links.aDeviceId, ids), inArray(links.zDeviceId, ids)))
      : [];
    const endOf = new Map<number, { id: string; end: 'a' | 'z'; capacityMbps: number }>();
    for (const l of linkEnds) {
      endOf.set(l.aInterfaceId, { id: String(l.id), end: 'a', capacityMbps: l.capacityMbps });
      endOf.set(l.zInterfaceId, { id: String(l.id), end: 'z', capacityMbps: l.capacityMbps });
    }
    const items: TargetView[] = found.map((d) => {
      const methods = methodsFor(d, me, leased, query.method ?? null, query.method);
      const target: TargetView = {
        id: String(d.id),
        hostname: d.hostname,
        role: d.role,
        vendor: d.vendor,
        dialect: d.dialect,
        model: d.model,
        serial: d.serial,
        mgmtAddress: d.mgmtAddress === null ? null : bareAddress(d.mgmtAddress),
        methods,
        leased: leased.has(d.id),
        interfaces: interfaces.filter((i) => i.deviceId === d.id).map((i) => ({ name: i.name, address: i.address, link: endOf.get(i.id) ?? null })),
      };
      // Each method's secrets only to the agent of that method.
      if (methods.includes('snmp')) {
        target.snmp = d.snmpCredentials
          ? { version: d.snmpVersion ?? '2c', port: d.snmpPort ?? 161, ...openSnmpSecret(ctx, d.id, d.snmpCredentials) }
          : null;
      }
      if (methods.includes('ssh')) {
        target.ssh = {
          port: d.sshPort ?? 22,
          username: d.sshUsername,
          ...(d.sshCredentials ? openSshSecret(ctx, d.id, d.sshCredentials) : {}),
          hostKeySha256: d.sshHostKeySha256,
          legacyAlgorithms: d.sshLegacyAlgorithms,
        };
      }
      return target;
    });
    await audit({
      action: 'agent.targets.read',
      objectType: 'agent',
      objectId: ctx.actor.username,
      after: {
        method: query.method ?? null,
        lease: query.lease ?? null,
        devices: items.map((i) => ({ id: i.id, hostname: i.hostname, methods: i.methods, leased: i.leased })),
      },
    });
    return { agent: ctx.actor.username, method: query.method ?? null, leaseExpiresAt: leases ? leases.expiresAt.toISOString() : null, pollIntervalSeconds: ctx.config.telemetry.pollIntervalSeconds, items, nextCursor: null };
  });
}
