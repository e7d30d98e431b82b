import { and, asc, eq, gt, like, type SQL } from 'drizzle-orm';
import { mutate, read, type Ctx } from '../../../context.js';
import type { Executor } from '../../../db/client.js';
import { keysetPage, type Page } from '../../../http/paging.js';
import { notFound, ruleViolation } from '../../../http/problem.js';
import { assertInScope, assertRole, authorize } from '../../access/authorize.js';
import { unitInScope } from '../../access/scope.js';
import '../constraints.js';
import { units, type UnitRow } from '../../divisions/schema.js';
import { assertActive, loadUnit } from '../../divisions/service.js';
import type { CreateRoomInput, ListRoomsQuery, RoomView, UpdateRoomInput } from '../inputs.js';
import { rooms, type RoomRow } from '../schema.js';

export function roomView(row: RoomRow, unit: Pick<UnitRow, 'name'>): RoomView {
  return {
    id: String(row.id),
    name: row.name,
    unit: row.unitCode,
    unitName: unit.name,
    address: row.address,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function loadRoom(db: Executor, id: number | string, options: { forUpdate?: boolean } = {}): Promise<RoomRow> {
  const query = db.select().from(rooms).where(eq(rooms.id, Number(id)));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  if (!row) throw notFound(`machine room ${id}`);
  return row;
}

/** The room a device is placed in: only a room run by a unit of the actor's subtree. */
export async function roomInScope(ctx: Ctx, db: Executor, id: number | string): Promise<RoomRow> {
  const room = await loadRoom(db, id);
  assertInScope(ctx, await loadUnit(db, room.unitCode), `machine room ${room.id} (${room.name})`);
  return room;
}

/** Article 20: node machine rooms exist at region, city and county level, run by that division. */
function assertRoomUnit(unit: UnitRow): void {
  if (unit.kind !== 'division' || unit.level === 'township') {
    throw ruleViolation(
      'rule_violation',
      `machine rooms are run by a region, city or county division; ${unit.code} (${unit.name}) is a ${unit.kind === 'department' ? 'department' : unit.level}`,
      { field: 'unit' },
    );
  }
  assertActive(unit);
}

export async function createRoom(ctx: Ctx, input: CreateRoomInput): Promise<RoomView> {
  assertRole(ctx, 'room.create');
  return mutate(ctx, async (tx, audit) => {
    const unit = await loadUnit(tx, input.unit);
    authorize(ctx, 'room.create', { unit });
    assertRoomUnit(unit);
    const [row] = await tx.insert(rooms).values({ name: input.name, unitCode: unit.code, address: input.address, createdAt: ctx.now(), updatedAt: ctx.now() }).returning();
    const view = roomView(row, unit);
    await audit({ action: 'room.create', objectType: 'room', objectId: view.id, after: view });
    return view;
  });
}

export async function getRoom(ctx: Ctx, id: string): Promise<RoomView> {
  authorize(ctx, 'room.read');
  return read(async () => {
    // Outside the caller's subtree a room is not found: ids reveal nothing.
    const [found] = await ctx.db
      .select({ room: rooms, unitName: units.name })
      .from(rooms)
      .innerJoin(units, eq(units.code, rooms.unitCode))
      .where(and(eq(rooms.id, Number(id)), unitInScope(ctx, rooms.unitCode)));
    if (!found) throw notFound(`machine room ${id}`);
    return roomView(found.room, { name: found.unitName });
  });
}

export async function listRooms(ctx: Ctx, query: ListRoomsQuery): Promise<Page<RoomView>> {
  authorize(ctx, 'room.read');
  return read(async () => {
    const conditions: (SQL | undefined)[] = [unitInScope(ctx, rooms.unitCode)];
    if (query.unit) conditions.push(eq(rooms.unitCode, query.unit));
    if (query.within) conditions.push(like(units.path, `${(await loadUnit(ctx.db, query.within)).path}%`));
    if (query.cursor) conditions.push(gt(rooms.id, Number(query.cursor)));
    const found = await ctx.db
      .select({ room: rooms, unitName: units.name })
      .from(rooms)
      .innerJoin(units, eq(units.code, rooms.unitCode))
      .where(and(...conditions))
      .orderBy(asc(rooms.id))
      .limit(query.limit + 1);
    return keysetPage(found, query.limit, (last) => String(last.room.id), (page) => page.map((r) => roomView(r.room, { name: r.unitName })));
  });
}

export async function updateRoom(ctx: Ctx, id: string, input: UpdateRoomInput): Promise<RoomView> {
  assertRole(ctx, 'room.update');
  return mutate(ctx, async (tx, audit) => {
    const before = await loadRoom(tx, id, { forUpdate: true });
    const unit = await loadUnit(tx, before.unitCode);
    authorize(ctx, 'room.update', { unit });
    const [row] = await tx
      .update(rooms)
      .set({ ...(input.name !== undefined ? { name: input.name } : {}), ...(input.address !== undefined ? { address: input.address } : {}), updatedAt: ctx.now() })
      .where(eq(rooms.id, before.id))
      .returning();
    const view = roomView(row, unit);
    await audit({ action: 'room.update', objectType: 'room', objectId: view.id, before: roomView(before, unit), after: view });
    return view;
  });
}

export async function deleteRoom(ctx: Ctx, id: string): Promise<void> {
  assertRole(ctx, 'room.delete');
  await mutate(ctx, async (tx, audit) => {
    const before = await loadRoom(tx, id, { forUpdate: true });
    const unit = await loadUnit(tx, before.unitCode);
    authorize(ctx, 'room.delete', { unit });
    // Devices still in the room keep it (foreign key) → 409 in_use.
    await tx.delete(rooms).where(eq(rooms.id, before.id));
    await audit({ action: 'room.delete', objectType: 'room', objectId: String(before.id), before: roomView(before, unit) });
  });
}
