import { eq } from 'drizzle-orm';
import { mutate, type Ctx } from '../../../context.js';
import type { Tx } from '../../../db/client.js';
import { conflict, invalid, notFound } from '../../../http/problem.js';
import { assertInScope, assertRole, authorize } from '../../access/authorize.js';
import { loadUnit } from '../../divisions/service.js';
import { devices, links } from '../../sites/schema.js';
import { openIncident, resolveIncident } from '../../telemetry/service/incidents.js';
import { upperLevelUnits } from '../../telemetry/service/reporting.js';
import { incidents } from '../../telemetry/schema.js';
import type { IncidentHandlingView, ReportIncidentInput, ResolveIncidentInput } from '../inputs.js';
import { incidentTimeline } from '../schema.js';
import { authorizeOn, lockIncident, setSeverity, viewsOf } from './faults.js';

/** A device or link the report names must lie in the actor's subtree too (article 21: never sideways). */
async function assertNamedInScope(ctx: Ctx, tx: Tx, input: ReportIncidentInput): Promise<void> {
  if (input.device) {
    const [device] = await tx.select({ hostname: devices.hostname, unit: devices.ownerUnitCode }).from(devices).where(eq(devices.id, Number(input.device)));
    if (!device) throw invalid(`device ${input.device} does not exist: name a device of the registry or leave it out`, { field: 'device' });
    assertInScope(ctx, await loadUnit(tx, device.unit), `device ${device.hostname}`, 'report it from the O&M unit that keeps the device');
  }
  if (input.link) {
    const [link] = await tx.select({ name: links.name, unit: links.payingUnitCode }).from(links).where(eq(links.id, Number(input.link)));
    if (!link) throw invalid(`link ${input.link} does not exist: name a link of the registry or leave it out`, { field: 'link' });
    assertInScope(ctx, await loadUnit(tx, link.unit), `link ${link.name}`, 'report it from the O&M unit that keeps the link');
  }
}

/**
 * Article 20: a fault the readings cannot see (a cut fibre, a power failure told by phone) is
 * reported by an operator of the unit affected and, like the automatic ones, at once to the
 * upper-level O&M unit (`incident.opened`). A `major` one takes the registers' classification
 * path (setSeverity: `incident.major` now, escalation by the registers job if unacknowledged).
 * The affected unit is kept as the incident's paying unit, so every scope rule of incidents holds.
 */
export async function reportIncident(ctx: Ctx, input: ReportIncidentInput): Promise<IncidentHandlingView> {
  assertRole(ctx, 'incident.report');
  return mutate(ctx, async (tx, audit) => {
    const unit = await loadUnit(tx, input.unit);
    authorize(ctx, 'incident.report', { unit });
    await assertNamedInScope(ctx, tx, input);
    const now = ctx.now();
    const occurredAt = input.occurredAt ? new Date(input.occurredAt) : now;
    if (occurredAt > now) throw invalid(`occurredAt ${input.occurredAt} is in the future: give the time the fault began, or leave it out for now`, { field: 'occurredAt' });
    const reportTo = (await upperLevelUnits(tx, [unit.code])).get(unit.code) ?? unit.code;
    const opened = await openIncident(tx, audit, {
      kind: 'operator_reported',
      deviceId: input.device ? Number(input.device) : null,
      linkId: input.link ? Number(input.link) : null,
      reportedTo: reportTo,
      payingUnitCode: unit.code,
      detail: `reported by ${ctx.actor.username}: ${input.title}`,
      title: input.title,
      description: input.description,
      reportedBy: ctx.actor.username,
      openedAt: occurredAt,
      detectedAt: now,
    });
    // An operator_reported incident has no finding, so no unique index can refuse it.
    if (!opened) throw conflict('the incident could not be opened; try again');
    const [row] = await tx.select().from(incidents).where(eq(incidents.id, Number(opened.id)));
    await tx.insert(incidentTimeline).values({ incidentId: row.id, at: now, entry: 'reported', actor: ctx.actor.username, comment: input.title });
    if (input.severity === 'major') await setSeverity(tx, audit, ctx, row, 'major', 'operator', input.title, ctx.actor.username);
    return (await viewsOf(tx, [row]))[0];
  });
}

/** An operator closes an incident it reported (or one of its subtree's); the automatic kinds close by themselves. */
export async function resolveReportedIncident(ctx: Ctx, id: string, input: ResolveIncidentInput): Promise<IncidentHandlingView> {
  assertRole(ctx, 'incident.resolve');
  return mutate(ctx, async (tx, audit) => {
    const incident = await lockIncident(tx, id);
    await authorizeOn(ctx, tx, 'incident.resolve', incident);
    if (incident.kind !== 'operator_reported') {
      throw conflict(`incident ${id} is a ${incident.kind} incident: it resolves by itself when the readings or the finding clear; only operator_reported incidents are closed by hand`);
    }
    if (incident.status !== 'open') throw conflict(`incident ${id} was already resolved at ${incident.resolvedAt?.toISOString()} by ${incident.resolvedBy ?? 'the system'}`);
    const now = ctx.now();
    await resolveIncident(tx, audit, incident, now, `closed by ${ctx.actor.username}`, { username: ctx.actor.username, comment: input.comment });
    await tx.insert(incidentTimeline).values({ incidentId: incident.id, at: now, entry: 'resolved', actor: ctx.actor.username, comment: input.comment });
    const [row] = await tx.select().from(incidents).where(eq(incidents.id, incident.id));
    if (!row) throw notFound(`incident ${id}`);
    return (await viewsOf(tx, [row]))[0];
  });
}
