import { and, asc, eq, gt, isNotNull, isNull, like, or, sql } from 'drizzle-orm';
import { read, type Ctx } from '../../context.js';
import { mutateCached } from '../../db/cache.js';
import { cachedUnit } from './cache.js';
import type { Executor } from '../../db/client.js';
import { keysetPage, type Page } from '../../http/paging.js';
import { invalid, notFound, ruleViolation } from '../../http/problem.js';
import { authorize } from '../access/authorize.js';
import { unitInScope, unitReadable } from '../access/scope.js';
import type { CreateUnitInput, ListUnitsQuery, UnitView, UpdateUnitInput } from './inputs.js';
import { units, type UnitRow } from './schema.js';
import { classifyDivision, DIVISION_TYPES_BY_LEVEL, type DivisionLevel, type DivisionType } from './types.js';

export function unitView(row: UnitRow): UnitView {
  return {
    code: row.code,
    name: row.name,
    level: row.level,
    kind: row.kind,
    type: row.type,
    parent: row.parentCode,
    retired: row.retiredAt !== null,
    retiredAt: row.retiredAt ? row.retiredAt.toISOString() : null,
    channels: row.channels ?? {},
  };
}

export async function findUnit(db: Executor, code: string): Promise<UnitRow | undefined> {
  const [row] = await db.select().from(units).where(eq(units.code, code));
  return row;
}

/** The unit or 404; `forUpdate` locks it against a concurrent retire or rename. */
export async function loadUnit(db: Executor, code: string, options: { forUpdate?: boolean } = {}): Promise<UnitRow> {
  const query = db.select().from(units).where(eq(units.code, code));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  if (!row) throw notFound(`unit ${code}`);
  return row;
}

/** A retired unit keeps its history and holds nothing new: every verb that gives a unit something asks this. */
export function assertActive(unit: UnitRow): void {
  if (unit.retiredAt) throw ruleViolation('rule_violation', `unit ${unit.code} (${unit.name}) is retired and holds nothing new`);
}

const nextLevel: Record<DivisionLevel, DivisionLevel | null> = { region: 'city', city: 'county', county: 'township', township: null };

/**
 * Divisions (names and codes of the official tree) are public statistical data, read by every
 * role that reads units: they name recipients. Departments are read like any other object:
 * an operator its subtree's, an applicant its own.
 */
function unitListed(ctx: Ctx) {
  const scoped = unitInScope(ctx, units.code);
  return scoped && or(eq(units.kind, 'division'), scoped);
}

export async function getUnit(ctx: Ctx, code: string): Promise<UnitView> {
  authorize(ctx, 'unit.read');
  return read(async () => {
    const unit = await cachedUnit(ctx.db, code);
    if (!unit) throw notFound(`unit ${code}`);
    if (unit.kind === 'department' && !unitReadable(ctx, unit)) throw notFound(`unit ${code}`);
    return unitView(unit);
  });
}

export async function listUnits(ctx: Ctx, query: ListUnitsQuery): Promise<Page<UnitView>> {
  authorize(ctx, 'unit.read');
  return read(async () => {
    const conditions = [unitListed(ctx)];
    if (query.level) conditions.push(eq(units.level, query.level));
    if (query.parent) conditions.push(eq(units.parentCode, query.parent));
    if (query.kind) conditions.push(eq(units.kind, query.kind));
    if (query.retired) conditions.push(query.retired === 'true' ? isNotNull(units.retiredAt) : isNull(units.retiredAt));
    if (query.within) {
      const scope = await cachedUnit(ctx.db, query.within);
      if (!scope) throw notFound(`unit ${query.within}`);
      conditions.push(like(units.path, `${scope.path}%`));
    }
    if (query.cursor) conditions.push(gt(units.code, query.cursor));
    const found = await ctx.db
      .select()
      .from(units)
      .where(and(...conditions))
      .orderBy(asc(units.code))
      .limit(query.limit + 1);
    return keysetPage(found, query.limit, (last) => last.code, (page) => page.map(unitView));
  });
}

export async function createUnit(ctx: Ctx, input: CreateUnitInput): Promise<UnitView> {
  return mutateCached(ctx, 'units', async (tx, audit) => {
    const parent = await loadUnit(tx, input.parent, { forUpdate: true });
    if (input.kind === 'department') {
      authorize(ctx, 'department.create', { unit: parent });
      if (parent.kind !== 'division') throw ruleViolation('rule_violation', `departments belong to a division; ${parent.code} is a department`);
      if (/^\d{6}$|^\d{9}$/.test(input.code)) {
        throw invalid(`${input.code} has the shape of a division code; give the department its unified social credit code or another code`, { field: 'code' });
      }
      if (input.type) throw invalid('a department has no division type', { field: 'type' });
    } else {
      authorize(ctx, 'division.create');
    }
    assertActive(parent);
    let level: DivisionLevel = parent.level;
    let type = 'department';
    if (input.kind === 'division') {
      const below = parent.kind === 'division' ? nextLevel[parent.level] : null;
      if (!below) throw ruleViolation('rule_violation', `no division level lies below ${parent.code} (${parent.level})`);
      level = below;
      const digits = below === 'township' ? 9 : 6;
      const prefix = below === 'city' ? parent.code.slice(0, 2) : below === 'county' ? parent.code.slice(0, 4) : parent.code.slice(0, 6);
      if (!new RegExp(`^\\d{${digits}}$`).test(input.code) || !input.code.startsWith(prefix)) {
        throw invalid(`a ${below} under ${parent.code} has a ${digits}-digit code beginning with ${prefix}`, { field: 'code' });
      }
      type = input.type ?? classifyDivision(below, input.name);
      if (!(DIVISION_TYPES_BY_LEVEL[below] as readonly string[]).includes(type)) {
        throw invalid(`type ${type} is not a ${below} type (${DIVISION_TYPES_BY_LEVEL[below].join(', ')})`, { field: 'type' });
      }
    }
    const [row] = await tx
      .insert(units)
      .values({
        code: input.code,
        name: input.name,
        kind: input.kind,
        level,
        type,
        parentCode: parent.code,
        path: `${parent.path}${input.code}/`,
        channels: input.channels ?? {},
      })
      .returning();
    await audit({ action: `${input.kind}.create`, objectType: 'unit', objectId: row.code, after: unitView(row) });
    return unitView(row);
  });
}

export async function updateUnit(ctx: Ctx, code: string, input: UpdateUnitInput): Promise<UnitView> {
  return mutateCached(ctx, 'units', async (tx, audit) => {
    const before = await loadUnit(tx, code, { forUpdate: true });
    // A division's service channels (article 20) are its O&M unit's own to publish; renaming and
    // retiring divisions follows the official codes and stays with the admin.
    const channelsOnly = input.name === undefined && input.retired === undefined;
    const action = before.kind === 'department' ? 'department.update' : channelsOnly ? 'division.channels' : 'division.update';
    authorize(ctx, action, { unit: before });
    const changes: Partial<UnitRow> = { updatedAt: ctx.now() };
    if (input.name !== undefined) changes.name = input.name;
    if (input.channels !== undefined) changes.channels = input.channels as Record<string, string>;
    if (input.retired !== undefined) changes.retiredAt = input.retired ? (before.retiredAt ?? ctx.now()) : null;
    if (input.retired === false && before.parentCode) {
      assertActive(await loadUnit(tx, before.parentCode));
    }
    const [row] = await tx.update(units).set(changes).where(eq(units.code, code)).returning();
    const verb = input.retired === true && !before.retiredAt ? 'retire' : 'update';
    await audit({ action: `${before.kind}.${verb}`, objectType: 'unit', objectId: code, before: unitView(before), after: unitView(row) });
    return unitView(row);
  });
}

export async function deleteDepartment(ctx: Ctx, code: string): Promise<void> {
  await mutateCached(ctx, 'units', async (tx, audit) => {
    const before = await loadUnit(tx, code, { forUpdate: true });
    if (before.kind !== 'department') {
      authorize(ctx, 'division.update');
      throw ruleViolation('rule_violation', `divisions are never deleted, only retired, so that their history stays: PATCH {"retired": true}`);
    }
    authorize(ctx, 'department.update', { unit: before });
    // Foreign keys refuse the delete while anything (users, prefixes, …) still refers to it → 409.
    await tx.delete(units).where(eq(units.code, code));
    await audit({ action: 'department.delete', objectType: 'unit', objectId: code, before: unitView(before) });
  });
}

/**
 * First start: the whole Guangxi tree in one statement batch. Parents come before children in
 * the generated file, so each path is built from its parent's.
 */
export async function seedDivisions(db: Executor, records: { code: string; name: string; parent: string | null; level: DivisionLevel; type: DivisionType }[]): Promise<number> {
  const [{ count }] = (await db.select({ count: sql<number>`count(*)::int` }).from(units).where(eq(units.kind, 'division'))) as { count: number }[];
  if (Number(count) > 0) return 0;
  const paths = new Map<string, string>();
  const values = records.map((r) => {
    const path = `${r.parent ? paths.get(r.parent) : '/'}${r.code}/`;
    if (r.parent && !paths.has(r.parent)) throw new Error(`division ${r.code} comes before its parent ${r.parent}`);
    paths.set(r.code, path);
    return { code: r.code, name: r.name, kind: 'division' as const, level: r.level, type: r.type, parentCode: r.parent, path };
  });
  for (let i = 0; i < values.length; i += 500) await db.insert(units).values(values.slice(i, i + 500));
  return values.length;
}
