import { and, desc, eq, lt, or, sql, type SQL } from 'drizzle-orm';
import { mutate, read, type Audit, type Ctx } from '../../../context.js';
import { rows, type Tx } from '../../../db/client.js';
import { jsonIds, jsonRows } from '../../../db/json-rows.js';
import { keysetPage, type Page } from '../../../http/paging.js';
import { authorize } from '../../access/authorize.js';
import { readScope, unitCodeIn } from '../../access/scope.js';
import { devices, links } from '../../sites/schema.js';
import { deviceReadable } from '../../sites/service/devices.js';
import { linkReadable } from '../../sites/service/links.js';
import { emitEvent } from '../../webhooks/events.js';
import type { IncidentView, ListIncidentsQuery } from '../inputs.js';
import { upperLevelUnits } from './reporting.js';
import { incidents, type IncidentRow, type OperStatus } from '../schema.js';
import type { TelemetrySettings } from '../settings.js';

/** ifOperStatus values that mean the link carries nothing. */
const downStatuses: ReadonlySet<string> = new Set<OperStatus>(['down', 'lowerLayerDown']);
export const isDown = (status: string) => downStatuses.has(status);

export function incidentView(row: IncidentRow): IncidentView {
  return {
    id: String(row.id),
    kind: row.kind,
    device: row.deviceId === null ? null : String(row.deviceId),
    link: row.linkId === null ? null : String(row.linkId),
    finding: row.findingId === null ? null : String(row.findingId),
    detail: row.detail,
    openedAt: row.openedAt.toISOString(),
    detectedAt: row.detectedAt.toISOString(),
    resolvedAt: row.resolvedAt ? row.resolvedAt.toISOString() : null,
    durationSeconds: row.resolvedAt ? Math.round((row.resolvedAt.getTime() - row.openedAt.getTime()) / 1000) : null,
    reportedTo: row.reportedTo,
    payingUnit: row.payingUnitCode,
    status: row.status,
    title: row.title,
    description: row.description,
    reportedBy: row.reportedBy,
    resolvedBy: row.resolvedBy,
    resolution: row.resolution,
  };
}

export type NewIncident = Omit<typeof incidents.$inferInsert, 'id' | 'status' | 'resolvedAt' | 'resolvedBy' | 'resolution'>;

/**
 * Opens an incident unless the same one is already open (the unique partial indexes decide:
 * one per link for link_down, per device for device_down, per finding for the finding kinds);
 * audits it and reports it at once (`incident.opened` to the unit reported to and the paying unit).
 */
export async function openIncident(tx: Tx, audit: Audit, incident: NewIncident): Promise<IncidentView | null> {
  const target =
    incident.kind === 'link_down'
      ? sql`(kind, link_id) WHERE status = 'open' AND kind = 'link_down'`
      : incident.kind === 'device_down'
        ? sql`(kind, device_id) WHERE status = 'open' AND kind = 'device_down'`
        : sql`(finding_id) WHERE status = 'open'`; // operator_reported: no finding, so never a conflict
  const [created] = await rows<{ id: string | number }>(
    tx,
    sql`INSERT INTO incidents (kind, device_id, link_id, finding_id, reported_to, paying_unit_code, detail, status, opened_at, detected_at, title, description, reported_by)
        VALUES (${incident.kind}, ${incident.deviceId ?? null}, ${incident.linkId ?? null}, ${incident.findingId ?? null}, ${incident.reportedTo}, ${incident.payingUnitCode ?? null},
                ${incident.detail}, 'open', ${incident.openedAt.toISOString()}, ${incident.detectedAt.toISOString()},
                ${incident.title ?? null}, ${incident.description ?? null}, ${incident.reportedBy ?? null})
        ON CONFLICT ${target} DO NOTHING
        RETURNING id`,
  );
  if (!created) return null;
  const [row] = await tx.select().from(incidents).where(eq(incidents.id, Number(created.id)));
  const view = incidentView(row);
  await audit({ action: 'incident.open', objectType: 'incident', objectId: view.id, after: view });
  await emitEvent(tx, { type: 'incident.opened', unitCodes: [row.reportedTo, ...(row.payingUnitCode ? [row.payingUnitCode] : [])], payload: view, at: row.detectedAt });
  return view;
}

/** `closedBy`: an operator closing an operator_reported incident, whose comment is kept as `resolution`. */
export async function resolveIncident(tx: Tx, audit: Audit, before: IncidentRow, resolvedAt: Date, note: string, closedBy?: { username: string; comment: string }): Promise<IncidentView> {
  const at = resolvedAt < before.openedAt ? before.openedAt : resolvedAt;
  const [row] = await tx
    .update(incidents)
    .set({ status: 'resolved', resolvedAt: at, detail: `${before.detail}; ${note}`, ...(closedBy ? { resolvedBy: closedBy.username, resolution: closedBy.comment } : {}) })
    .where(and(eq(incidents.id, before.id), eq(incidents.status, 'open')))
    .returning();
  const view = incidentView(row);
  await audit({ action: 'incident.resolve', objectType: 'incident', objectId: view.id, before: incidentView(before), after: view });
  await emitEvent(tx, { type: 'incident.resolved', unitCodes: [row.reportedTo, ...(row.payingUnitCode ? [row.payingUnitCode] : [])], payload: view, at });
  return view;
}

interface EndReading {
  interfaceId: number;
  at: Date;
  status: string;
}

/**
 * After a batch of readings, inside its transaction: a boundary link one of whose ends reads
 * down in its last two readings opens a `link_down` incident; an open one is resolved once
 * the ends read up again. Only links the batch can change are looked at: those with an end
 * that read down in the batch, and those with an open incident that the batch read an end of. An end whose readings stopped
 * (its agent died) while the other end is still read does not hold the link down for ever:
 * only ends read within 3 polling intervals of the freshest end count.
 */
export async function judgeLinksAfterReadings(
  tx: Tx,
  ctx: Ctx,
  audit: Audit,
  batch: { downInterfaceIds: number[]; openLinkIds: number[] },
  settings: TelemetrySettings,
): Promise<IncidentView[]> {
  if (batch.downInterfaceIds.length === 0 && batch.openLinkIds.length === 0) return [];
  const down = jsonIds(batch.downInterfaceIds);
  const candidates = await rows<{
    id: string | number;
    name: string;
    a_interface_id: string | number;
    z_interface_id: string | number;
    paying_unit_code: string;
    open_incident: string | number | null;
  }>(
    tx,
    sql`SELECT l.id, l.name, l.a_interface_id, l.z_interface_id, l.paying_unit_code, inc.id AS open_incident
        FROM links l
        JOIN devices da ON da.id = l.a_device_id
        JOIN devices dz ON dz.id = l.z_device_id
        LEFT JOIN incidents inc ON inc.link_id = l.id AND inc.kind = 'link_down' AND inc.status = 'open'
        WHERE (da.role = 'boundary' OR dz.role = 'boundary')
          AND (l.a_interface_id = ANY(${down}) OR l.z_interface_id = ANY(${down}) OR l.id = ANY(${jsonIds(batch.openLinkIds)}))`,
  );
  if (candidates.length === 0) return [];
  const ends = [...new Set(candidates.flatMap((l) => [Number(l.a_interface_id), Number(l.z_interface_id)]))];
  const recent = await rows<{ interface_id: string | number; at_ms: number; oper_status: string }>(
    tx,
    sql`SELECT r.interface_id, (extract(epoch FROM r.at) * 1000)::float8 AS at_ms, r.oper_status
        FROM ${jsonRows(
          'e',
          { id: 'bigint' },
          ends.map((id) => ({ id })),
        )}
        CROSS JOIN LATERAL (SELECT interface_id, at, oper_status FROM readings WHERE interface_id = e.id ORDER BY at DESC LIMIT 2) r`,
  );
  const lastTwo = new Map<number, EndReading[]>();
  for (const r of recent) {
    const id = Number(r.interface_id);
    const list = lastTwo.get(id) ?? [];
    list.push({ interfaceId: id, at: new Date(Number(r.at_ms)), status: r.oper_status });
    lastTwo.set(id, list);
  }
  for (const list of lastTwo.values()) list.sort((a, b) => b.at.getTime() - a.at.getTime());

  const reportTo = await upperLevelUnits(
    tx,
    candidates.map((c) => c.paying_unit_code),
  );
  const changed: IncidentView[] = [];
  const stale = 3 * settings.pollIntervalSeconds * 1000;
  for (const link of candidates) {
    const read = [Number(link.a_interface_id), Number(link.z_interface_id)].map((id) => lastTwo.get(id) ?? []).filter((l) => l.length > 0);
    if (read.length === 0) continue;
    const freshest = Math.max(...read.map((l) => l[0].at.getTime()));
    const considered = read.filter((l) => l[0].at.getTime() >= freshest - stale);
    const downEnd = considered.find((l) => l.length === 2 && isDown(l[0].status) && isDown(l[1].status));
    if (downEnd && link.open_incident === null) {
      const opened = await openIncident(tx, audit, {
        kind: 'link_down',
        linkId: Number(link.id),
        deviceId: null,
        reportedTo: reportTo.get(link.paying_unit_code) ?? link.paying_unit_code,
        payingUnitCode: link.paying_unit_code,
        detail: `link ${link.name}: interface ${downEnd[0].interfaceId === Number(link.a_interface_id) ? 'A' : 'Z'} end read ${downEnd[1].status} at ${downEnd[1].at.toISOString()} and ${downEnd[0].status} at ${downEnd[0].at.toISOString()}`,
        openedAt: downEnd[1].at,
        detectedAt: ctx.now(),
      });
      if (opened) changed.push(opened);
    } else if (!downEnd && link.open_incident !== null && considered.every((l) => l[0].status === 'up')) {
      const [before] = await tx.select().from(incidents).where(eq(incidents.id, Number(link.open_incident))).for('update');
      if (before?.status === 'open') {
        const backAt = new Date(Math.min(...considered.map((l) => l[0].at.getTime())));
        changed.push(await resolveIncident(tx, audit, before, backAt, `up again at ${backAt.toISOString()}`));
      }
    }
  }
  return changed;
}

/** A device heard from again: its open `device_down` incident ends at its first new reading. */
export async function resolveDevicesHeardFrom(tx: Tx, audit: Audit, firstReadingByDevice: Map<number, Date>): Promise<IncidentView[]> {
  if (firstReadingByDevice.size === 0) return [];
  const open = await tx
    .select()
    .from(incidents)
    .where(and(eq(incidents.kind, 'device_down'), eq(incidents.status, 'open'), sql`${incidents.deviceId} = ANY(${jsonIds([...firstReadingByDevice.keys()])})`))
    .for('update');
  const resolved: IncidentView[] = [];
  for (const before of open) {
    const at = firstReadingByDevice.get(before.deviceId!)!;
    resolved.push(await resolveIncident(tx, audit, before, at, `heard from again at ${at.toISOString()}`));
  }
  return resolved;
}

/**
 * The job's check: a polled device (one with an SNMP agent) not heard from for 3 polling
 * intervals is down. Heard from means a reading, or a device check it answered (any status but
 * `unreachable`: a device refusing credentials is up). A device that has never answered is as
 * down as one that stopped: once its first check lies 3 intervals back with no answer since, it
 * is down from that first check. Reported to the upper level of the paying unit of a link it
 * terminates (its owner's when it terminates none).
 */
export async function checkSilentDevices(ctx: Ctx, settings: TelemetrySettings): Promise<IncidentView[]> {
  const now = ctx.now();
  const cutoff = new Date(now.getTime() - 3 * settings.pollIntervalSeconds * 1000);
  return mutate(ctx, async (tx, audit) => {
    const silent = await rows<{ device_id: string | number; hostname: string; last_ms: number | null; first_check_ms: number | null; unit: string }>(
      tx,
      sql`SELECT d.id AS device_id, d.hostname,
                 (extract(epoch FROM GREATEST(heard.last_at, answered.at)) * 1000)::float8 AS last_ms,
                 (extract(epoch FROM first_check.at) * 1000)::float8 AS first_check_ms,
                 COALESCE((SELECT l.paying_unit_code FROM links l WHERE l.a_device_id = d.id OR l.z_device_id = d.id ORDER BY l.id LIMIT 1), d.owner_unit_code) AS unit
          FROM devices d
          CROSS JOIN LATERAL (
            SELECT max(last.at) AS last_at
            FROM device_interfaces i
            CROSS JOIN LATERAL (SELECT r.at FROM readings r WHERE r.interface_id = i.id ORDER BY r.at DESC LIMIT 1) last
            WHERE i.device_id = d.id
          ) heard
          LEFT JOIN LATERAL (SELECT c.at FROM device_checks c WHERE c.device_id = d.id AND c.status <> 'unreachable' ORDER BY c.at DESC LIMIT 1) answered ON true
          LEFT JOIN LATERAL (SELECT c.at FROM device_checks c WHERE c.device_id = d.id ORDER BY c.at LIMIT 1) first_check ON true
          WHERE d.snmp_agent_user_id IS NOT NULL
            AND (GREATEST(heard.last_at, answered.at) < ${cutoff.toISOString()}
                 OR (GREATEST(heard.last_at, answered.at) IS NULL AND first_check.at < ${cutoff.toISOString()}))
            AND NOT EXISTS (SELECT 1 FROM incidents inc WHERE inc.device_id = d.id AND inc.kind = 'device_down' AND inc.status = 'open')`,
    );
    if (silent.length === 0) return [];
    const reportTo = await upperLevelUnits(
      tx,
      silent.map((s) => s.unit),
    );
    const opened: IncidentView[] = [];
    const intervals = `3 polling intervals are ${(3 * settings.pollIntervalSeconds) / 60} minutes`;
    for (const device of silent) {
      const neverHeard = device.last_ms === null;
      const since = new Date(Number(neverHeard ? device.first_check_ms : device.last_ms));
      const minutes = Math.round((now.getTime() - since.getTime()) / 60_000);
      const view = await openIncident(tx, audit, {
        kind: 'device_down',
        deviceId: Number(device.device_id),
        linkId: null,
        reportedTo: reportTo.get(device.unit) ?? device.unit,
        payingUnitCode: device.unit,
        detail: neverHeard
          ? `device ${device.hostname}: never answered; checked unreachable since ${since.toISOString()} (${minutes} minutes; ${intervals})`
          : `device ${device.hostname}: no reading since ${since.toISOString()} (${minutes} minutes; ${intervals})`,
        openedAt: since,
        detectedAt: now,
      });
      if (view) opened.push(view);
    }
    return opened;
  });
}

/**
 * The incidents a caller reads: those of the devices and links it reads; for an operator also
 * those reported to, or paid for by, a unit of its subtree (the device or link may be gone).
 */
export function incidentReadable(ctx: Ctx): SQL | undefined {
  const scope = readScope(ctx);
  if (scope.kind === 'all') return undefined;
  const ofDevice = sql`${incidents.deviceId} IN (SELECT ${devices.id} FROM ${devices} WHERE ${deviceReadable(ctx)})`;
  const ofLink = sql`${incidents.linkId} IN (SELECT ${links.id} FROM ${links} WHERE ${linkReadable(ctx)})`;
  if (scope.kind !== 'subtree') return or(ofDevice, ofLink);
  return or(ofDevice, ofLink, unitCodeIn(scope, incidents.reportedTo), unitCodeIn(scope, incidents.payingUnitCode));
}

export async function listIncidents(ctx: Ctx, query: ListIncidentsQuery): Promise<Page<IncidentView>> {
  authorize(ctx, 'incident.read');
  return read(async () => {
    const conditions = [incidentReadable(ctx)];
    if (query.status) conditions.push(eq(incidents.status, query.status));
    if (query.kind) conditions.push(eq(incidents.kind, query.kind));
    if (query.reportedTo) conditions.push(eq(incidents.reportedTo, query.reportedTo));
    if (query.cursor) conditions.push(lt(incidents.id, Number(query.cursor)));
    const found = await ctx.db
      .select()
      .from(incidents)
      .where(and(...conditions))
      .orderBy(desc(incidents.id))
      .limit(query.limit + 1);
    return keysetPage(found, query.limit, (last) => String(last.id), (page) => page.map(incidentView));
  });
}
