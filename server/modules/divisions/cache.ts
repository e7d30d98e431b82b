import { eq } from 'drizzle-orm';
import { TableCache } from '../../db/cache.js';
import type { Executor } from '../../db/client.js';
import { units, type UnitRow } from './schema.js';

/**
 * The unit tree of a database, kept in process (server/db/cache.ts): 1,410 divisions and the
 * departments, loaded in one query the first time a request needs a unit's name or row, dropped
 * on every unit write (here, and through NOTIFY on every other server).
 */
export const unitCache = new TableCache('units', async (db) => new Map((await db.select().from(units)).map((u) => [u.code, u])));

/**
 * A unit by code from the cached tree of `cacheKey` (the request's ctx.db). A code the copy
 * lacks (created a moment ago on another server) is asked of the database, and the copy dropped.
 */
export async function cachedUnit(db: Executor, code: string, cacheKey: object = db): Promise<UnitRow | undefined> {
  const hit = (await unitCache.get(cacheKey, db)).get(code);
  if (hit) return hit;
  const [row] = await db.select().from(units).where(eq(units.code, code));
  if (row) unitCache.invalidate(cacheKey);
  return row;
}
