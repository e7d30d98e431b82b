import { and, asc, eq, gt, like, lt, ne, sql, type SQL } from 'drizzle-orm';
import { mutate, read, type Ctx } from '../../../context.js';
import type { Executor } from '../../../db/client.js';
import { keysetPage, type Page } from '../../../http/paging.js';
import { idOf } from '../../../http/params.js';
import { invalid, notFound, ruleViolation } from '../../../http/problem.js';
import { assertRole, authorize } from '../../access/authorize.js';
import { unitInScope } from '../../access/scope.js';
import { units, type UnitRow } from '../../divisions/schema.js';
import { assertActive, loadUnit } from '../../divisions/service.js';
import { vrfs, type VrfRow } from '../../ipam/schema.js';
import '../constraints.js';
import { daysBetween, migrationOverdue, shanghaiDate } from '../dates.js';
import type { CreateMigrationInput, ListMigrationsQuery, MigrationSummaryQuery, MigrationSummaryView, MigrationView, UpdateMigrationInput } from '../inputs.js';
import { levels } from '../inputs.js';
import { migrationPlans, type MigrationPlanRow } from '../schema.js';

type Owner = Pick<UnitRow, 'code' | 'name' | 'level'>;

export function migrationView(row: MigrationPlanRow, owner: Owner, vrfName: string, today: string): MigrationView {
  const { overdue, daysOverdue } = migrationOverdue(row, today);
  return {
    id: String(row.id),
    network: row.network,
    owner: row.ownerUnitCode,
    ownerName: owner.name,
    level: owner.level,
    vrf: vrfName,
    plannedOn: row.plannedOn,
    startedOn: row.startedOn,
    migratedOn: row.migratedOn,
    status: overdue ? 'overdue' : row.status,
    overdue,
    daysOverdue,
    note: row.note,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Article 15(一): dedicated business networks move into the dedicated zone, each into a VRF of its own. */
async function dedicatedVrf(db: Executor, name: string): Promise<VrfRow> {
  const [vrf] = await db.select().from(vrfs).where(eq(vrfs.name, name));
  if (!vrf) throw invalid(`vrf: there is no VRF ${name}; create it in the dedicated zone first (POST /api/v1/vrfs)`, { field: 'vrf' });
  if (vrf.zoneCode !== 'dedicated') {
    throw ruleViolation('rule_violation', `VRF ${name} is in the ${vrf.zoneCode} zone; a dedicated network migrates into a VRF of the dedicated zone (article 15(一))`, { field: 'vrf' });
  }
  return vrf;
}

function assertDepartment(unit: UnitRow): void {
  if (unit.kind !== 'department') {
    throw ruleViolation('rule_violation', `${unit.code} (${unit.name}) is a division; a dedicated business network belongs to a department (用户单位)`, { field: 'owner' });
  }
  assertActive(unit);
}

async function loadPlan(db: Executor, id: string, forUpdate = false): Promise<MigrationPlanRow> {
  const query = db.select().from(migrationPlans).where(eq(migrationPlans.id, idOf(id, 'migration plan')));
  const [row] = forUpdate ? await query.for('update') : await query;
  if (!row) throw notFound(`migration plan ${id}`);
  return row;
}

async function vrfNameOf(db: Executor, id: number): Promise<string> {
  const [vrf] = await db.select({ name: vrfs.name }).from(vrfs).where(eq(vrfs.id, id));
  return vrf.name;
}

function assertNotFuture(date: string, today: string, field: string): void {
  if (daysBetween(today, date) > 0) throw invalid(`${field}: ${date} is in the future; record the migration once it has happened (today is ${today})`, { field });
}

export async function createMigration(ctx: Ctx, input: CreateMigrationInput): Promise<MigrationView> {
  assertRole(ctx, 'migration.create');
  return mutate(ctx, async (tx, audit) => {
    const owner = await loadUnit(tx, input.owner);
    authorize(ctx, 'migration.create', { unit: owner });
    assertDepartment(owner);
    const vrf = await dedicatedVrf(tx, input.vrf);
    const now = ctx.now();
    const [row] = await tx
      .insert(migrationPlans)
      .values({ network: input.network, ownerUnitCode: owner.code, vrfId: vrf.id, plannedOn: input.plannedOn, note: input.note, createdAt: now, updatedAt: now })
      .returning();
    const view = migrationView(row, owner, vrf.name, shanghaiDate(now));
    await audit({ action: 'migration.create', objectType: 'migration_plan', objectId: view.id, after: view });
    return view;
  });
}

export async function updateMigration(ctx: Ctx, id: string, input: UpdateMigrationInput): Promise<MigrationView> {
  assertRole(ctx, 'migration.update');
  return mutate(ctx, async (tx, audit) => {
    const before = await loadPlan(tx, id, true);
    const owner = await loadUnit(tx, before.ownerUnitCode);
    authorize(ctx, 'migration.update', { unit: owner });
    const today = shanghaiDate(ctx.now());
    const vrf = input.vrf !== undefined ? await dedicatedVrf(tx, input.vrf) : undefined;
    const status = input.status ?? before.status;
    if (input.migratedOn !== undefined && status !== 'migrated') {
      throw invalid('migratedOn: give it with status migrated (or on a migrated plan)', { field: 'migratedOn' });
    }
    let migratedOn: string | null = null;
    if (status === 'migrated') {
      migratedOn = input.migratedOn ?? before.migratedOn ?? today;
      assertNotFuture(migratedOn, today, 'migratedOn');
    }
    // The start is recorded the first time the network is reported migrating (or migrated directly).
    const startedOn = status === 'planned' ? null : (before.startedOn ?? (status === 'migrated' ? migratedOn : today));
    const [row] = await tx
      .update(migrationPlans)
      .set({
        ...(input.network !== undefined ? { network: input.network } : {}),
        ...(vrf ? { vrfId: vrf.id } : {}),
        ...(input.plannedOn !== undefined ? { plannedOn: input.plannedOn } : {}),
        ...(input.note !== undefined ? { note: input.note } : {}),
        status,
        startedOn,
        migratedOn,
        updatedAt: ctx.now(),
      })
      .where(eq(migrationPlans.id, before.id))
      .returning();
    const vrfName = vrf?.name ?? (await vrfNameOf(tx, row.vrfId));
    const view = migrationView(row, owner, vrfName, today);
    await audit({ action: 'migration.update', objectType: 'migration_plan', objectId: view.id, before: migrationView(before, owner, await vrfNameOf(tx, before.vrfId), today), after: view });
    return view;
  });
}

export async function deleteMigration(ctx: Ctx, id: string): Promise<void> {
  assertRole(ctx, 'migration.delete');
  await mutate(ctx, async (tx, audit) => {
    const before = await loadPlan(tx, id, true);
    const owner = await loadUnit(tx, before.ownerUnitCode);
    authorize(ctx, 'migration.delete', { unit: owner });
    await tx.delete(migrationPlans).where(eq(migrationPlans.id, before.id));
    await audit({ action: 'migration.delete', objectType: 'migration_plan', objectId: String(before.id), before: migrationView(before, owner, await vrfNameOf(tx, before.vrfId), shanghaiDate(ctx.now())) });
  });
}

const selection = { plan: migrationPlans, ownerName: units.name, level: units.level, vrf: vrfs.name };
type Found = { plan: MigrationPlanRow; ownerName: string; level: UnitRow['level']; vrf: string };
const viewOf = (r: Found, today: string) => migrationView(r.plan, { code: r.plan.ownerUnitCode, name: r.ownerName, level: r.level }, r.vrf, today);

export async function getMigration(ctx: Ctx, id: string): Promise<MigrationView> {
  authorize(ctx, 'migration.read');
  return read(async () => {
    const [found] = await ctx.db
      .select(selection)
      .from(migrationPlans)
      .innerJoin(units, eq(units.code, migrationPlans.ownerUnitCode))
      .innerJoin(vrfs, eq(vrfs.id, migrationPlans.vrfId))
      .where(and(eq(migrationPlans.id, idOf(id, 'migration plan')), unitInScope(ctx, migrationPlans.ownerUnitCode)));
    if (!found) throw notFound(`migration plan ${id}`);
    return viewOf(found, shanghaiDate(ctx.now()));
  });
}

/** The SQL half of the overdue rule (dates.ts migrationOverdue): not migrated, planned date before today. */
const overdueSql = (today: string) => and(ne(migrationPlans.status, 'migrated'), lt(migrationPlans.plannedOn, today));

export async function listMigrations(ctx: Ctx, query: ListMigrationsQuery): Promise<Page<MigrationView>> {
  authorize(ctx, 'migration.read');
  return read(async () => {
    const today = shanghaiDate(ctx.now());
    const conditions: (SQL | undefined)[] = [unitInScope(ctx, migrationPlans.ownerUnitCode)];
    if (query.owner) conditions.push(eq(migrationPlans.ownerUnitCode, query.owner));
    if (query.within) conditions.push(like(units.path, `${(await loadUnit(ctx.db, query.within)).path}%`));
    if (query.level) conditions.push(eq(units.level, query.level));
    if (query.status === 'overdue') conditions.push(overdueSql(today));
    else if (query.status === 'migrated') conditions.push(eq(migrationPlans.status, 'migrated'));
    else if (query.status) conditions.push(and(eq(migrationPlans.status, query.status), sql`NOT (${overdueSql(today)})`));
    if (query.cursor) conditions.push(gt(migrationPlans.id, Number(query.cursor)));
    const found = await ctx.db
      .select(selection)
      .from(migrationPlans)
      .innerJoin(units, eq(units.code, migrationPlans.ownerUnitCode))
      .innerJoin(vrfs, eq(vrfs.id, migrationPlans.vrfId))
      .where(and(...conditions))
      .orderBy(asc(migrationPlans.id))
      .limit(query.limit + 1);
    return keysetPage(found, query.limit, (last) => String(last.plan.id), (page) => page.map((r) => viewOf(r, today)));
  });
}

/** Article 18 per level: how many networks of each level's departments are planned, moving, moved and overdue. */
export async function migrationSummary(ctx: Ctx, query: MigrationSummaryQuery): Promise<MigrationSummaryView> {
  authorize(ctx, 'migration.read');
  return read(async () => {
    const today = shanghaiDate(ctx.now());
    const conditions: (SQL | undefined)[] = [unitInScope(ctx, migrationPlans.ownerUnitCode)];
    if (query.within) conditions.push(like(units.path, `${(await loadUnit(ctx.db, query.within)).path}%`));
    const overdue = overdueSql(today)!;
    const counts = await ctx.db
      .select({
        level: units.level,
        total: sql<number>`count(*)::int`,
        planned: sql<number>`(count(*) FILTER (WHERE ${migrationPlans.status} = 'planned' AND NOT ${overdue}))::int`,
        migrating: sql<number>`(count(*) FILTER (WHERE ${migrationPlans.status} = 'migrating' AND NOT ${overdue}))::int`,
        migrated: sql<number>`(count(*) FILTER (WHERE ${migrationPlans.status} = 'migrated'))::int`,
        overdue: sql<number>`(count(*) FILTER (WHERE ${overdue}))::int`,
      })
      .from(migrationPlans)
      .innerJoin(units, eq(units.code, migrationPlans.ownerUnitCode))
      .where(and(...conditions))
      .groupBy(units.level);
    const byLevel = new Map(counts.map((c) => [c.level, c]));
    return {
      asOf: today,
      levels: levels.map((level) => {
        const c = byLevel.get(level);
        return { level, total: Number(c?.total ?? 0), planned: Number(c?.planned ?? 0), migrating: Number(c?.migrating ?? 0), migrated: Number(c?.migrated ?? 0), overdue: Number(c?.overdue ?? 0) };
      }),
    };
  });
}
