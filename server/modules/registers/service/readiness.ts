import { createHash } from 'node:crypto';
import { and, asc, eq, gt, gte, like, lt, sql, type SQL } from 'drizzle-orm';
import { mutate, read, type Ctx } from '../../../context.js';
import type { Executor } from '../../../db/client.js';
import { rows } from '../../../db/client.js';
import { keysetPage, type Page } from '../../../http/paging.js';
import { idOf } from '../../../http/params.js';
import { invalid, notFound, Problem, ruleViolation } from '../../../http/problem.js';
import { assertRole, authorize } from '../../access/authorize.js';
import { unitInScope } from '../../access/scope.js';
import { units, type UnitRow } from '../../divisions/schema.js';
import { assertActive, loadUnit } from '../../divisions/service.js';
import { emitEvent } from '../../webhooks/events.js';
import { daysBetween, monthsBefore, shanghaiDate } from '../dates.js';
import { bytesMatchType, isPlanDocumentType, planDocumentTypes } from '../documents.js';
import type { CreateDrillInput, DrillView, ListDrillsQuery, PlanView, PutPlanInput, ReadinessQuery, ReadinessView } from '../inputs.js';
import { drillReminders, drills, emergencyPlans, type DrillRow, type EmergencyPlanRow } from '../schema.js';

/** Articles 20, 33: plans and drills are kept by the O&M units: region, city and county divisions (township space is the county's). */
function assertOmUnit(unit: UnitRow, field: string): void {
  if (unit.kind !== 'division' || unit.level === 'township') {
    throw ruleViolation('rule_violation', `${unit.code} (${unit.name}) is not an O&M unit; emergency plans and drills are kept by region, city and county divisions`, { field });
  }
  assertActive(unit);
}

const planColumns = {
  id: emergencyPlans.id,
  unitCode: emergencyPlans.unitCode,
  title: emergencyPlans.title,
  revisedOn: emergencyPlans.revisedOn,
  documentType: emergencyPlans.documentType,
  documentName: emergencyPlans.documentName,
  documentSize: emergencyPlans.documentSize,
  documentSha256: emergencyPlans.documentSha256,
  createdAt: emergencyPlans.createdAt,
  updatedAt: emergencyPlans.updatedAt,
};
type PlanMeta = Omit<EmergencyPlanRow, 'document'>;

export function planView(row: PlanMeta, unitName: string): PlanView {
  return {
    id: String(row.id),
    unit: row.unitCode,
    unitName,
    title: row.title,
    revisedOn: row.revisedOn,
    document: row.documentType
      ? { contentType: row.documentType, name: row.documentName, size: row.documentSize, sha256: row.documentSha256, href: `/api/v1/emergency-plans/${row.unitCode}/document` }
      : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

async function planOf(db: Executor, unitCode: string, condition?: SQL): Promise<{ plan: PlanMeta; unitName: string } | undefined> {
  const [found] = await db
    .select({ plan: planColumns, unitName: units.name })
    .from(emergencyPlans)
    .innerJoin(units, eq(units.code, emergencyPlans.unitCode))
    .where(and(eq(emergencyPlans.unitCode, unitCode), condition));
  return found;
}

/** Create or revise a unit's plan (title, revision date); the document is sent apart. */
export async function putPlan(ctx: Ctx, code: string, input: PutPlanInput): Promise<PlanView> {
  assertRole(ctx, 'plan.update');
  return mutate(ctx, async (tx, audit) => {
    const unit = await loadUnit(tx, code);
    authorize(ctx, 'plan.update', { unit });
    assertOmUnit(unit, 'code');
    if (daysBetween(shanghaiDate(ctx.now()), input.revisedOn) > 0) throw invalid(`revisedOn: ${input.revisedOn} is in the future`, { field: 'revisedOn' });
    const before = await planOf(tx, unit.code);
    await tx
      .insert(emergencyPlans)
      .values({ unitCode: unit.code, title: input.title, revisedOn: input.revisedOn, createdAt: ctx.now(), updatedAt: ctx.now() })
      .onConflictDoUpdate({ target: emergencyPlans.unitCode, set: { title: input.title, revisedOn: input.revisedOn, updatedAt: ctx.now() } });
    const after = (await planOf(tx, unit.code))!;
    const view = planView(after.plan, after.unitName);
    await audit({ action: 'plan.update', objectType: 'emergency_plan', objectId: view.id, before: before ? planView(before.plan, before.unitName) : undefined, after: view });
    return view;
  });
}

/** The plan's document: PDF, DOCX or ODT by its Content-Type and its first bytes, at most planMaxBytes. */
export async function putPlanDocument(ctx: Ctx, code: string, document: { contentType: string; body: Uint8Array; name: string }): Promise<PlanView> {
  assertRole(ctx, 'plan.update');
  const max = ctx.config.registers.planMaxBytes;
  if (document.body.byteLength > max) throw new Problem(413, 'payload_too_large', `the document is ${document.body.byteLength} bytes; a plan document is at most ${max} bytes (WAIWANG_PLAN_MAX_BYTES)`);
  if (document.body.byteLength === 0) throw invalid('the document is empty; send the plan’s file as the body');
  if (!isPlanDocumentType(document.contentType)) {
    throw new Problem(415, 'unsupported_media_type', `send the plan as ${Object.keys(planDocumentTypes).join(', ')}, not ${document.contentType || 'an untyped body'}`);
  }
  if (!bytesMatchType(document.body, document.contentType)) {
    throw new Problem(415, 'unsupported_media_type', `the body is not a ${planDocumentTypes[document.contentType].extension.toUpperCase()} file although its Content-Type says ${document.contentType}; send the file as it is`);
  }
  const contentType = document.contentType;
  return mutate(ctx, async (tx, audit) => {
    const unit = await loadUnit(tx, code);
    authorize(ctx, 'plan.update', { unit });
    const before = await planOf(tx, unit.code);
    if (!before) throw notFound(`an emergency plan of ${unit.code}: give its title and revision date first (PUT /api/v1/emergency-plans/${unit.code})`);
    const name = document.name || `${unit.code}-emergency-plan.${planDocumentTypes[contentType].extension}`;
    await tx
      .update(emergencyPlans)
      .set({
        document: document.body,
        documentType: contentType,
        documentName: name,
        documentSize: document.body.byteLength,
        documentSha256: createHash('sha256').update(document.body).digest('hex'),
        updatedAt: ctx.now(),
      })
      .where(eq(emergencyPlans.unitCode, unit.code));
    const after = (await planOf(tx, unit.code))!;
    const view = planView(after.plan, after.unitName);
    await audit({ action: 'plan.update', objectType: 'emergency_plan', objectId: view.id, before: planView(before.plan, before.unitName), after: view });
    return view;
  });
}

export async function getPlan(ctx: Ctx, code: string): Promise<PlanView> {
  authorize(ctx, 'plan.read');
  return read(async () => {
    const found = await planOf(ctx.db, code, unitInScope(ctx, emergencyPlans.unitCode));
    if (!found) throw notFound(`an emergency plan of ${code}`);
    return planView(found.plan, found.unitName);
  });
}

/** Served back only to readers in scope (404 otherwise, like every read). */
export async function getPlanDocument(ctx: Ctx, code: string): Promise<{ body: Uint8Array; contentType: string; name: string }> {
  authorize(ctx, 'plan.read');
  return read(async () => {
    const [found] = await ctx.db
      .select({ document: emergencyPlans.document, type: emergencyPlans.documentType, name: emergencyPlans.documentName })
      .from(emergencyPlans)
      .where(and(eq(emergencyPlans.unitCode, code), unitInScope(ctx, emergencyPlans.unitCode)));
    if (!found?.document || !found.type) throw notFound(`an emergency plan document of ${code}`);
    return { body: found.document, contentType: found.type, name: found.name };
  });
}

export function drillView(row: DrillRow, unitName: string): DrillView {
  return { id: String(row.id), unit: row.unitCode, unitName, heldOn: row.heldOn, scenario: row.scenario, findings: row.findings, createdAt: row.createdAt.toISOString() };
}

export async function createDrill(ctx: Ctx, input: CreateDrillInput): Promise<DrillView> {
  assertRole(ctx, 'drill.create');
  return mutate(ctx, async (tx, audit) => {
    const unit = await loadUnit(tx, input.unit);
    authorize(ctx, 'drill.create', { unit });
    assertOmUnit(unit, 'unit');
    if (daysBetween(shanghaiDate(ctx.now()), input.heldOn) > 0) throw invalid(`heldOn: ${input.heldOn} is in the future; record a drill once it is held`, { field: 'heldOn' });
    const [row] = await tx.insert(drills).values({ unitCode: unit.code, heldOn: input.heldOn, scenario: input.scenario, findings: input.findings, createdAt: ctx.now() }).returning();
    const view = drillView(row, unit.name);
    await audit({ action: 'drill.create', objectType: 'drill', objectId: view.id, after: view });
    return view;
  });
}

export async function deleteDrill(ctx: Ctx, id: string): Promise<void> {
  assertRole(ctx, 'drill.delete');
  await mutate(ctx, async (tx, audit) => {
    const [row] = await tx.select().from(drills).where(eq(drills.id, idOf(id, 'drill'))).for('update');
    if (!row) throw notFound(`drill ${id}`);
    const unit = await loadUnit(tx, row.unitCode);
    authorize(ctx, 'drill.delete', { unit });
    await tx.delete(drills).where(eq(drills.id, row.id));
    await audit({ action: 'drill.delete', objectType: 'drill', objectId: String(row.id), before: drillView(row, unit.name) });
  });
}

export async function listDrills(ctx: Ctx, query: ListDrillsQuery): Promise<Page<DrillView>> {
  authorize(ctx, 'drill.read');
  return read(async () => {
    const conditions: (SQL | undefined)[] = [unitInScope(ctx, drills.unitCode)];
    if (query.unit) conditions.push(eq(drills.unitCode, query.unit));
    if (query.within) conditions.push(like(units.path, `${(await loadUnit(ctx.db, query.within)).path}%`));
    if (query.year) conditions.push(and(gte(drills.heldOn, `${query.year}-01-01`), lt(drills.heldOn, `${Number(query.year) + 1}-01-01`)));
    if (query.cursor) conditions.push(gt(drills.id, Number(query.cursor)));
    const found = await ctx.db
      .select({ drill: drills, unitName: units.name })
      .from(drills)
      .innerJoin(units, eq(units.code, drills.unitCode))
      .where(and(...conditions))
      .orderBy(asc(drills.id))
      .limit(query.limit + 1);
    return keysetPage(found, query.limit, (last) => String(last.drill.id), (page) => page.map((r) => drillView(r.drill, r.unitName)));
  });
}

interface ReadinessRow {
  code: string;
  name: string;
  level: string;
  parent_code: string | null;
  plan_revised_on: string | null;
  has_document: boolean;
  last_drill_on: string | null;
  drills_in_window: number;
}

/** Every O&M unit matching `where`, with its plan and its last drill: one query, the drill index per unit. */
async function readinessRows(db: Executor, since: string, where: SQL, after: string | undefined, limit: number): Promise<ReadinessRow[]> {
  return rows<ReadinessRow>(
    db,
    sql`SELECT u.code, u.name, u.level, u.parent_code, p.revised_on::text AS plan_revised_on, (p.document_type IS NOT NULL) AS has_document,
               (SELECT max(d.held_on)::text FROM drills d WHERE d.unit_code = u.code) AS last_drill_on,
               (SELECT count(*)::int FROM drills d WHERE d.unit_code = u.code AND d.held_on >= ${since}::date) AS drills_in_window
        FROM units u LEFT JOIN emergency_plans p ON p.unit_code = u.code
        WHERE u.kind = 'division' AND u.level <> 'township' AND u.retired_at IS NULL AND ${where} ${after ? sql`AND u.code > ${after}` : sql``}
        ORDER BY u.code LIMIT ${limit}`,
  );
}

function readinessView(r: ReadinessRow, since: string, months: number): ReadinessView {
  const flags: ReadinessView['flags'] = [];
  if (!r.plan_revised_on) flags.push({ code: 'no_plan', message: 'no emergency plan is registered (article 20): register it with its revision date and document' });
  else if (!r.has_document) flags.push({ code: 'no_plan_document', message: 'the emergency plan’s document is missing: upload it' });
  if (!r.last_drill_on || r.last_drill_on < since) {
    flags.push({ code: 'no_recent_drill', message: `no drill since ${since} (${months} months)${r.last_drill_on ? `; the last was on ${r.last_drill_on}` : '; none is recorded'}: hold one and record it` });
  }
  return {
    unit: r.code,
    unitName: r.name,
    level: r.level as ReadinessView['level'],
    planRevisedOn: r.plan_revised_on,
    hasDocument: Boolean(r.has_document),
    lastDrillOn: r.last_drill_on,
    drillsInWindow: Number(r.drills_in_window),
    flags,
    flagged: flags.length > 0,
  };
}

/** Per O&M unit: its plan, its last drill, and whether it drilled within the configured months (articles 20, 33). */
export async function listReadiness(ctx: Ctx, query: ReadinessQuery): Promise<Page<ReadinessView> & { since: string }> {
  authorize(ctx, 'drill.read');
  return read(async () => {
    const months = ctx.config.registers.drillMonths;
    const since = monthsBefore(shanghaiDate(ctx.now()), months);
    const conditions: SQL[] = [unitInScope(ctx, sql`u.code`) ?? sql`TRUE`];
    if (query.within) conditions.push(sql`u.path LIKE ${`${(await loadUnit(ctx.db, query.within)).path}%`}`);
    if (query.level) conditions.push(sql`u.level = ${query.level}`);
    if (query.flagged === 'true') {
      conditions.push(sql`(p.unit_code IS NULL OR p.document_type IS NULL OR NOT EXISTS (SELECT 1 FROM drills d WHERE d.unit_code = u.code AND d.held_on >= ${since}::date))`);
    }
    const found = await readinessRows(ctx.db, since, sql.join(conditions, sql` AND `), query.cursor, query.limit + 1);
    return { since, ...keysetPage(found, query.limit, (last) => last.code, (page) => page.map((r) => readinessView(r, since, months))) };
  });
}

/**
 * drill.overdue to the unit and the level above it (article 20: 即时报告 upward), once per lapse:
 * `drill_reminders` remembers the last drill a reminder was sent for, so a unit is reminded again
 * only after it has drilled and lapsed again. Rows are locked with SKIP LOCKED so that servers
 * sharing a database never send one twice.
 */
export async function sendDrillReminders(ctx: Ctx): Promise<{ unit: string; lastDrillOn: string | null }[]> {
  authorize(ctx, 'register.job');
  const months = ctx.config.registers.drillMonths;
  const since = monthsBefore(shanghaiDate(ctx.now()), months);
  const lapsed = await read(() =>
    readinessRows(
      ctx.db,
      since,
      sql`NOT EXISTS (SELECT 1 FROM drills d WHERE d.unit_code = u.code AND d.held_on >= ${since}::date)
          AND NOT EXISTS (SELECT 1 FROM drill_reminders r WHERE r.unit_code = u.code AND r.reminded_for = coalesce((SELECT max(d.held_on)::text FROM drills d WHERE d.unit_code = u.code), 'none'))`,
      undefined,
      10_000,
    ),
  );
  if (lapsed.length === 0) return [];
  return mutate(ctx, async (tx, audit) => {
    const sent: { unit: string; lastDrillOn: string | null }[] = [];
    for (const unit of lapsed) {
      const key = unit.last_drill_on ?? 'none';
      // Claim the reminder: an insert that loses to another server's (or finds the same key) sends nothing.
      const claimed = await tx
        .insert(drillReminders)
        .values({ unitCode: unit.code, remindedFor: key, remindedAt: ctx.now() })
        .onConflictDoUpdate({ target: drillReminders.unitCode, set: { remindedFor: key, remindedAt: ctx.now() }, setWhere: sql`${drillReminders.remindedFor} <> ${key}` })
        .returning();
      if (claimed.length === 0) continue;
      const view = readinessView(unit, since, months);
      await emitEvent(tx, { type: 'drill.overdue', unitCodes: [unit.code, ...(unit.parent_code ? [unit.parent_code] : [])], payload: { ...view, months, since }, at: ctx.now() });
      await audit({ action: 'drill.remind', objectType: 'unit', objectId: unit.code, after: { lastDrillOn: unit.last_drill_on, since } });
      sent.push({ unit: unit.code, lastDrillOn: unit.last_drill_on });
    }
    return sent;
  });
}

