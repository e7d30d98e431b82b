import { eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { prefixes, type PrefixRow } from './schema.js';

/**
 * The prefixes that space is delegated from, by id, kept per database (the request's ctx.db),
 * so that an allocation decides who may act and whether article 21 allows it without reading
 * the parent first (issue 14: one round trip per allocation). What an allocation decides on —
 * the parent's holder, status, block and VRF — is checked again by waiwang_allocate_prefixes
 * under the parent's lock (migration 0019), so a stale copy (a status changed on another
 * server) costs a retry on a fresh read, never a wrong allocation; the counters a copy carries
 * are never read from it. Bounded: the oldest entries go first (a Map keeps insertion order).
 */
const limit = 10_000;
const copies = new WeakMap<object, Map<number, PrefixRow>>();

/** The parent from the cache, or (fresh, or missing there) from the database; undefined: no such prefix. */
export async function delegatingParent(db: Executor, cacheKey: object, id: number, fresh = false): Promise<PrefixRow | undefined> {
  let cache = copies.get(cacheKey);
  if (!cache) copies.set(cacheKey, (cache = new Map()));
  const hit = fresh ? undefined : cache.get(id);
  if (hit) return hit;
  const [row] = await db.select().from(prefixes).where(eq(prefixes.id, id));
  cache.delete(id);
  if (!row) return undefined;
  if (cache.size >= limit) cache.delete(cache.keys().next().value!);
  cache.set(id, row);
  return row;
}
