import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import { mutate, read, type Audit, type Ctx } from '../../../context.js';
import { rows, type Executor, type Tx } from '../../../db/client.js';
import { keysetPage, type Page } from '../../../http/paging.js';
import { idOf } from '../../../http/params.js';
import { notFound } from '../../../http/problem.js';
import { assertRole, authorize, inScope } from '../../access/authorize.js';
import { loadUnit } from '../../divisions/service.js';
import { incidentView, incidentReadable } from '../../telemetry/service/incidents.js';
import { incidents, type IncidentRow } from '../../telemetry/schema.js';
import { emitEvent } from '../../webhooks/events.js';
import type { AcknowledgeIncidentInput, ClassifyIncidentInput, IncidentCommentInput, IncidentHandlingView, ListMajorFaultsQuery } from '../inputs.js';
import { incidentHandling, incidentTimeline, type IncidentHandlingRow } from '../schema.js';

type TimelineRow = typeof incidentTimeline.$inferSelect;

export function handlingView(incident: IncidentRow, handling: IncidentHandlingRow | undefined, timeline: TimelineRow[]): IncidentHandlingView {
  return {
    incident: incidentView(incident),
    severity: handling?.severity ?? 'minor',
    severitySource: handling?.severitySource ?? null,
    severityReason: handling?.severityReason ?? '',
    majorSince: handling?.majorSince?.toISOString() ?? null,
    acknowledgedAt: handling?.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: handling?.acknowledgedBy ?? null,
    escalations: handling?.escalations ?? 0,
    lastEscalatedAt: handling?.lastEscalatedAt?.toISOString() ?? null,
    timeline: timeline.map((e) => ({ at: e.at.toISOString(), entry: e.entry, actor: e.actor, comment: e.comment })),
  };
}

export async function viewsOf(db: Executor, found: IncidentRow[]): Promise<IncidentHandlingView[]> {
  if (found.length === 0) return [];
  const ids = found.map((i) => i.id);
  const handlings = new Map((await db.select().from(incidentHandling).where(inArray(incidentHandling.incidentId, ids))).map((h) => [h.incidentId, h]));
  const timeline = await db.select().from(incidentTimeline).where(inArray(incidentTimeline.incidentId, ids)).orderBy(asc(incidentTimeline.at), asc(incidentTimeline.id));
  return found.map((i) => handlingView(i, handlings.get(i.id), timeline.filter((e) => e.incidentId === i.id)));
}

/**
 * The unit a write about an incident acts for: the O&M unit it was reported to (the upper level)
 * or the paying unit whose link or device failed, whichever the actor's subtree holds.
 */
export async function authorizeOn(ctx: Ctx, tx: Tx, action: 'incident.classify' | 'incident.acknowledge' | 'incident.note' | 'incident.resolve', incident: IncidentRow): Promise<void> {
  const candidates = [incident.reportedTo, ...(incident.payingUnitCode ? [incident.payingUnitCode] : [])];
  for (const code of candidates) {
    const unit = await loadUnit(tx, code);
    if (inScope(ctx, unit)) return authorize(ctx, action, { unit });
  }
  authorize(ctx, action, { unit: await loadUnit(tx, incident.reportedTo) });
}

export async function lockIncident(tx: Tx, id: string): Promise<IncidentRow> {
  const [row] = await tx.select().from(incidents).where(eq(incidents.id, idOf(id, 'incident'))).for('update');
  if (!row) throw notFound(`incident ${id}`);
  return row;
}

const concerned = (i: IncidentRow) => [i.reportedTo, ...(i.payingUnitCode ? [i.payingUnitCode] : [])];

/** Marks an incident major (or minor) and, on becoming major, reports it at once to the units it concerns. */
export async function setSeverity(tx: Tx, audit: Audit, ctx: Ctx, incident: IncidentRow, severity: 'minor' | 'major', source: 'rule' | 'operator', reason: string, actor: string): Promise<void> {
  const now = ctx.now();
  const [before] = await tx.select().from(incidentHandling).where(eq(incidentHandling.incidentId, incident.id));
  const majorSince = severity === 'major' ? (before?.majorSince ?? now) : null;
  await tx
    .insert(incidentHandling)
    .values({ incidentId: incident.id, severity, severitySource: source, severityReason: reason, majorSince, updatedAt: now })
    .onConflictDoUpdate({ target: incidentHandling.incidentId, set: { severity, severitySource: source, severityReason: reason, majorSince, updatedAt: now } });
  await tx.insert(incidentTimeline).values({ incidentId: incident.id, at: now, entry: 'classified', actor, comment: `${severity}: ${reason}` });
  await audit({ action: 'incident.classify', objectType: 'incident', objectId: String(incident.id), before: before ? { severity: before.severity, source: before.severitySource } : undefined, after: { severity, source, reason } });
  if (severity === 'major' && before?.severity !== 'major') {
    await emitEvent(tx, { type: 'incident.major', unitCodes: concerned(incident), payload: { ...incidentView(incident), severity, reason }, at: now });
  }
}

export async function classifyIncident(ctx: Ctx, id: string, input: ClassifyIncidentInput): Promise<IncidentHandlingView> {
  assertRole(ctx, 'incident.classify');
  return mutate(ctx, async (tx, audit) => {
    const incident = await lockIncident(tx, id);
    await authorizeOn(ctx, tx, 'incident.classify', incident);
    await setSeverity(tx, audit, ctx, incident, input.severity, 'operator', input.comment, ctx.actor.username);
    return (await viewsOf(tx, [incident]))[0];
  });
}

export async function acknowledgeIncident(ctx: Ctx, id: string, input: AcknowledgeIncidentInput): Promise<IncidentHandlingView> {
  assertRole(ctx, 'incident.acknowledge');
  return mutate(ctx, async (tx, audit) => {
    const incident = await lockIncident(tx, id);
    await authorizeOn(ctx, tx, 'incident.acknowledge', incident);
    const now = ctx.now();
    const [before] = await tx.select().from(incidentHandling).where(eq(incidentHandling.incidentId, incident.id));
    if (!before?.acknowledgedAt) {
      await tx
        .insert(incidentHandling)
        .values({ incidentId: incident.id, severity: 'minor', severitySource: 'operator', acknowledgedAt: now, acknowledgedBy: ctx.actor.username, updatedAt: now })
        .onConflictDoUpdate({ target: incidentHandling.incidentId, set: { acknowledgedAt: now, acknowledgedBy: ctx.actor.username, updatedAt: now } });
      await tx.insert(incidentTimeline).values({ incidentId: incident.id, at: now, entry: 'acknowledged', actor: ctx.actor.username, comment: input.comment });
      await audit({ action: 'incident.acknowledge', objectType: 'incident', objectId: String(incident.id), after: { acknowledgedAt: now.toISOString(), comment: input.comment } });
    }
    return (await viewsOf(tx, [incident]))[0];
  });
}

export async function addIncidentNote(ctx: Ctx, id: string, input: IncidentCommentInput): Promise<IncidentHandlingView> {
  assertRole(ctx, 'incident.note');
  return mutate(ctx, async (tx, audit) => {
    const incident = await lockIncident(tx, id);
    await authorizeOn(ctx, tx, 'incident.note', incident);
    await tx.insert(incidentTimeline).values({ incidentId: incident.id, at: ctx.now(), entry: 'note', actor: ctx.actor.username, comment: input.comment });
    await audit({ action: 'incident.note', objectType: 'incident', objectId: String(incident.id), after: { comment: input.comment } });
    return (await viewsOf(tx, [incident]))[0];
  });
}

export async function getIncidentHandling(ctx: Ctx, id: string): Promise<IncidentHandlingView> {
  authorize(ctx, 'incident.read');
  return read(async () => {
    const [found] = await ctx.db.select().from(incidents).where(and(eq(incidents.id, idOf(id, 'incident')), incidentReadable(ctx)));
    if (!found) throw notFound(`incident ${id}`);
    return (await viewsOf(ctx.db, [found]))[0];
  });
}

/** The major faults a caller reads, newest first. */
export async function listMajorFaults(ctx: Ctx, query: ListMajorFaultsQuery): Promise<Page<IncidentHandlingView>> {
  authorize(ctx, 'incident.read');
  return read(async () => {
    const found = await ctx.db
      .select({ incident: incidents })
      .from(incidents)
      .innerJoin(incidentHandling, eq(incidentHandling.incidentId, incidents.id))
      .where(
        and(
          eq(incidentHandling.severity, 'major'),
          incidentReadable(ctx),
          query.status ? eq(incidents.status, query.status) : undefined,
          query.acknowledged === 'true' ? isNotNull(incidentHandling.acknowledgedAt) : query.acknowledged === 'false' ? isNull(incidentHandling.acknowledgedAt) : undefined,
          query.cursor ? lt(incidents.id, Number(query.cursor)) : undefined,
        ),
      )
      .orderBy(desc(incidents.id))
      .limit(query.limit + 1);
    return keysetPage(found, query.limit, (last) => String(last.incident.id), (page) => viewsOf(ctx.db, page.map((r) => r.incident)));
  });
}

/**
 * The job's half (article 20): open incidents no one has classified become major by rule —
 * a device in a region or city node room down (a city or region node down), or a boundary link
 * down longer than WAIWANG_MAJOR_LINK_MINUTES — and are reported at once (incident.major); a
 * major fault not acknowledged within WAIWANG_ESCALATE_MINUTES is escalated one level further up
 * (incident.escalated), and again after each further period, up to the region.
 */
export async function runMajorFaultRules(ctx: Ctx): Promise<{ classified: number; escalated: number }> {
  authorize(ctx, 'register.job');
  const { majorLinkDownMinutes, escalateMinutes } = ctx.config.registers;
  const now = ctx.now();
  const linkCutoff = new Date(now.getTime() - majorLinkDownMinutes * 60_000).toISOString();
  const escalateCutoff = new Date(now.getTime() - escalateMinutes * 60_000).toISOString();
  const candidates = await read(() =>
    rows<{ id: string | number; reason: string }>(
      ctx.db,
      sql`SELECT i.id, CASE WHEN i.kind = 'device_down' THEN 'a ' || u.level || ' node device down (' || d.hostname || ' in ' || r.name || ')'
                            ELSE 'a boundary link down longer than ' || ${majorLinkDownMinutes}::int || ' minutes' END AS reason
          FROM incidents i
          LEFT JOIN devices d ON d.id = i.device_id
          LEFT JOIN rooms r ON r.id = d.room_id
          LEFT JOIN units u ON u.code = r.unit_code
          WHERE i.status = 'open' AND NOT EXISTS (SELECT 1 FROM incident_handling h WHERE h.incident_id = i.id)
            AND ((i.kind = 'device_down' AND u.level IN ('region', 'city'))
              OR (i.kind = 'link_down' AND i.opened_at <= ${linkCutoff}::timestamptz
                  AND EXISTS (SELECT 1 FROM links l JOIN devices e ON e.id IN (l.a_device_id, l.z_device_id) WHERE l.id = i.link_id AND e.role = 'boundary')))
          ORDER BY i.id`,
    ),
  );
  const due = await read(() =>
    ctx.db
      .select({ id: incidentHandling.incidentId })
      .from(incidentHandling)
      .innerJoin(incidents, eq(incidents.id, incidentHandling.incidentId))
      .where(
        and(
          eq(incidentHandling.severity, 'major'),
          isNull(incidentHandling.acknowledgedAt),
          eq(incidents.status, 'open'),
          sql`coalesce(${incidentHandling.lastEscalatedAt}, ${incidentHandling.majorSince}) <= ${escalateCutoff}::timestamptz`,
        ),
      ),
  );
  if (candidates.length === 0 && due.length === 0) return { classified: 0, escalated: 0 };
  return mutate(ctx, async (tx, audit) => {
    let classified = 0;
    let escalated = 0;
    for (const c of candidates) {
      const [incident] = await tx.select().from(incidents).where(and(eq(incidents.id, Number(c.id)), eq(incidents.status, 'open'))).for('update', { skipLocked: true });
      if (!incident) continue;
      const [handled] = await tx.select({ id: incidentHandling.incidentId }).from(incidentHandling).where(eq(incidentHandling.incidentId, incident.id));
      if (handled) continue;
      await setSeverity(tx, audit, ctx, incident, 'major', 'rule', c.reason, 'system');
      classified++;
    }
    const dueIds = due.map((d) => d.id);
    const locked = dueIds.length
      ? await tx
          .select()
          .from(incidentHandling)
          .where(and(inArray(incidentHandling.incidentId, dueIds), isNull(incidentHandling.acknowledgedAt), sql`coalesce(${incidentHandling.lastEscalatedAt}, ${incidentHandling.majorSince}) <= ${escalateCutoff}::timestamptz`))
          .for('update', { skipLocked: true })
      : [];
    for (const handling of locked) {
      const [incident] = await tx.select().from(incidents).where(eq(incidents.id, handling.incidentId));
      const reported = await loadUnit(tx, incident.reportedTo);
      // The chain above the unit it was reported to, nearest first; the region stops it.
      const above = reported.path.split('/').filter(Boolean).slice(0, -1).reverse();
      const level = handling.escalations + 1;
      const target = above[Math.min(level, above.length) - 1] ?? reported.code;
      await tx.update(incidentHandling).set({ escalations: level, lastEscalatedAt: now, updatedAt: now }).where(eq(incidentHandling.incidentId, incident.id));
      const comment = `not acknowledged within ${escalateMinutes} minutes: escalated to ${target}`;
      await tx.insert(incidentTimeline).values({ incidentId: incident.id, at: now, entry: 'escalated', actor: 'system', comment });
      await emitEvent(tx, { type: 'incident.escalated', unitCodes: [target, ...concerned(incident)], payload: { ...incidentView(incident), escalations: level, escalatedTo: target }, at: now });
      await audit({ action: 'incident.escalate', objectType: 'incident', objectId: String(incident.id), after: { escalations: level, escalatedTo: target } });
      escalated++;
    }
    return { classified, escalated };
  });
}
