import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { mutate, read, type Audit, type Ctx } from '../../context.js';
import { rows, type Executor, type Tx } from '../../db/client.js';
import { keysetPage, type Page } from '../../http/paging.js';
import { conflict, notFound } from '../../http/problem.js';
import { assertRole, authorize } from '../access/authorize.js';
import { units } from '../divisions/schema.js';
import { devices } from '../sites/schema.js';
import { deviceReadable } from '../sites/service/devices.js';
import { emitEvent } from '../webhooks/events.js';
import { openIncidentForFinding, resolveIncidentForFinding } from './incidents.js';
import type { FindingView, ListFindingsQuery, ResolveFindingInput } from './inputs.js';
import { findings, type FindingKind, type FindingRow } from './schema.js';

export function findingView(row: FindingRow, hostname: string | null): FindingView {
  return {
    id: String(row.id),
    device: String(row.deviceId),
    hostname,
    kind: row.kind,
    subject: row.subject,
    detail: row.detail,
    diff: row.diff ?? null,
    status: row.status,
    openedAt: row.openedAt.toISOString(),
    resolvedAt: row.resolvedAt ? row.resolvedAt.toISOString() : null,
    resolvedBy: row.resolvedBy,
    resolution: row.resolution,
  };
}

export interface FindingInput {
  deviceId: number;
  kind: FindingKind;
  /** An interface name, or '' (the default) for the device itself. */
  subject?: string;
  detail: string;
  diff?: unknown;
  at: Date;
}

/** The device's owner and, for a department, the division whose O&M unit runs its network: who hears of findings. */
async function concernedUnits(db: Executor, deviceId: number): Promise<{ hostname: string; unitCodes: string[] }> {
  const [row] = await db
    .select({ hostname: devices.hostname, owner: devices.ownerUnitCode, kind: units.kind, parent: units.parentCode })
    .from(devices)
    .innerJoin(units, eq(units.code, devices.ownerUnitCode))
    .where(eq(devices.id, deviceId));
  if (!row) throw notFound(`device ${deviceId}`);
  return { hostname: row.hostname, unitCodes: row.kind === 'department' && row.parent ? [row.owner, row.parent] : [row.owner] };
}

/**
 * Opens a finding inside the caller's transaction unless the same one (device, kind, subject)
 * is already open; audits it and emits `finding.opened` only when it is new. For the server's
 * own checks and for later modules (SSH verification).
 */
export async function openFinding(tx: Tx, audit: Audit, input: FindingInput): Promise<{ finding: FindingView; created: boolean }> {
  const subject = input.subject ?? '';
  const { hostname, unitCodes } = await concernedUnits(tx, input.deviceId);
  const inserted = await rows<{ id: string | number }>(
    tx,
    sql`INSERT INTO findings (device_id, kind, subject, detail, diff, status, opened_at)
        VALUES (${input.deviceId}, ${input.kind}, ${subject}, ${input.detail}, ${input.diff === undefined ? null : JSON.stringify(input.diff)}::jsonb, 'open', ${input.at.toISOString()})
        ON CONFLICT (device_id, kind, subject) WHERE status = 'open' DO NOTHING
        RETURNING id`,
  );
  const [row] = await tx
    .select()
    .from(findings)
    .where(and(eq(findings.deviceId, input.deviceId), eq(findings.kind, input.kind), eq(findings.subject, subject), eq(findings.status, 'open')));
  const finding = findingView(row, hostname);
  if (inserted.length === 0) {
    // A finding with a diff (config_drift) shows the change as it stands now: the operator who
    // approves a baseline approves the configuration last read, so that is the diff to show.
    if (input.diff !== undefined && JSON.stringify(row.diff) !== JSON.stringify(input.diff)) {
      const [updated] = await tx.update(findings).set({ detail: input.detail, diff: input.diff }).where(eq(findings.id, row.id)).returning();
      const refreshed = findingView(updated, hostname);
      await audit({ action: 'finding.update', objectType: 'finding', objectId: refreshed.id, before: { detail: finding.detail }, after: { detail: refreshed.detail, at: input.at.toISOString() } });
      return { finding: refreshed, created: false };
    }
    return { finding, created: false };
  }
  await audit({ action: 'finding.open', objectType: 'finding', objectId: finding.id, after: finding });
  await emitEvent(tx, { type: 'finding.opened', unitCodes, payload: finding, at: input.at });
  await openIncidentForFinding(tx, audit, finding, input.at);
  return { finding, created: true };
}

/** Closes an open finding the server itself has seen cured (e.g. the agent now reads 64-bit counters). */
export async function resolveFindingAutomatically(
  tx: Tx,
  audit: Audit,
  input: { deviceId: number; kind: FindingKind; subject?: string; comment: string; at: Date },
): Promise<FindingView | null> {
  const subject = input.subject ?? '';
  const [before] = await tx
    .select()
    .from(findings)
    .where(and(eq(findings.deviceId, input.deviceId), eq(findings.kind, input.kind), eq(findings.subject, subject), eq(findings.status, 'open')))
    .for('update');
  if (!before) return null;
  const [row] = await tx
    .update(findings)
    .set({ status: 'resolved', resolvedAt: input.at, resolvedBy: 'system', resolution: input.comment })
    .where(eq(findings.id, before.id))
    .returning();
  const [device] = await tx.select({ hostname: devices.hostname }).from(devices).where(eq(devices.id, input.deviceId));
  const view = findingView(row, device?.hostname ?? null);
  await audit({ action: 'finding.resolve', objectType: 'finding', objectId: view.id, before: findingView(before, view.hostname), after: view });
  await findingResolved(tx, audit, view, input.at);
  return view;
}

/** What follows a finding's resolution, however it came: `finding.resolved` to the units concerned, and its incident ends. */
async function findingResolved(tx: Tx, audit: Audit, view: FindingView, at: Date): Promise<void> {
  const { unitCodes } = await concernedUnits(tx, Number(view.device));
  await emitEvent(tx, { type: 'finding.resolved', unitCodes, payload: view, at });
  await resolveIncidentForFinding(tx, audit, Number(view.id), at, `finding ${view.id} resolved by ${view.resolvedBy}: ${view.resolution}`);
}

export async function listFindings(ctx: Ctx, query: ListFindingsQuery): Promise<Page<FindingView>> {
  authorize(ctx, 'finding.read');
  return read(async () => {
    // The findings of the devices the caller reads (devices is joined: the condition applies to it).
    const conditions = [deviceReadable(ctx)];
    if (query.status) conditions.push(eq(findings.status, query.status));
    if (query.device) conditions.push(eq(findings.deviceId, Number(query.device)));
    if (query.kind) conditions.push(eq(findings.kind, query.kind));
    if (query.cursor) conditions.push(lt(findings.id, Number(query.cursor)));
    const found = await ctx.db
      .select({ finding: findings, hostname: devices.hostname })
      .from(findings)
      .leftJoin(devices, eq(devices.id, findings.deviceId))
      .where(and(...conditions))
      .orderBy(desc(findings.id))
      .limit(query.limit + 1);
    return keysetPage(found, query.limit, (last) => String(last.finding.id), (page) => page.map((r) => findingView(r.finding, r.hostname)));
  });
}

export async function resolveFinding(ctx: Ctx, id: string, input: ResolveFindingInput): Promise<FindingView> {
  // A role that may never do this hears 403 before the lookup (CONTRIBUTING: Add a verb), not 404.
  assertRole(ctx, 'finding.resolve');
  return mutate(ctx, async (tx, audit) => {
    const [before] = await tx.select().from(findings).where(eq(findings.id, Number(id))).for('update');
    if (!before) {
      authorize(ctx, 'finding.read');
      throw notFound(`finding ${id}`);
    }
    const [owner] = await tx
      .select({ code: units.code, path: units.path, hostname: devices.hostname })
      .from(devices)
      .innerJoin(units, eq(units.code, devices.ownerUnitCode))
      .where(eq(devices.id, before.deviceId));
    authorize(ctx, 'finding.resolve', { unit: owner });
    if (before.status !== 'open') {
      throw conflict(`finding ${id} was already resolved at ${before.resolvedAt!.toISOString()} by ${before.resolvedBy}`);
    }
    const [row] = await tx
      .update(findings)
      .set({ status: 'resolved', resolvedAt: ctx.now(), resolvedBy: ctx.actor.username, resolution: input.comment })
      .where(eq(findings.id, before.id))
      .returning();
    const view = findingView(row, owner.hostname);
    await audit({ action: 'finding.resolve', objectType: 'finding', objectId: view.id, before: findingView(before, owner.hostname), after: view });
    await findingResolved(tx, audit, view, row.resolvedAt!);
    return view;
  });
}

/** Open findings of some kinds on some devices, keyed `${deviceId}|${kind}|${subject}`. */
export async function openFindingKeys(db: Executor, deviceIds: number[], kinds: FindingKind[]): Promise<Set<string>> {
  if (deviceIds.length === 0) return new Set();
  const found = await db
    .select({ deviceId: findings.deviceId, kind: findings.kind, subject: findings.subject })
    .from(findings)
    .where(and(eq(findings.status, 'open'), inArray(findings.deviceId, deviceIds), inArray(findings.kind, kinds)));
  return new Set(found.map((f) => `${f.deviceId}|${f.kind}|${f.subject}`));
}
