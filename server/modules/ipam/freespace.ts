import { and, eq, lte, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { carve } from '../../net/blocks.js';
import { readStoredCidr, type Cidr } from '../../net/cidr.js';
import { freeBlocks } from './schema.js';

/**
 * The database side of the buddy system in server/net/blocks.ts: each parent's free blocks
 * live in prefix_free_blocks, so the next free block is one index lookup whatever the number
 * of siblings. Callers hold the parent row's lock (SELECT … FOR UPDATE), which is what keeps
 * two allocations under one parent from picking the same block.
 *
 * Allocation by strategy and reclaim with merging run inside PostgreSQL, one function call each
 * (waiwang_allocate_prefixes in drizzle/0019_allocation_in_one_statement.sql, waiwang_reclaim_checked
 * in drizzle/0021_reclaim_in_one_statement.sql, the same buddy arithmetic as server/net/blocks.ts on
 * cidr values); what is left here serves the explicit registration of a child (POST /prefixes,
 * import) and the listing of free space.
 */

/** The free block that contains `wanted` (an explicit child being registered), if the space is free. */
export async function freeBlockContaining(tx: Tx, parentId: number, wanted: Cidr): Promise<Cidr | null> {
  const [found] = await tx
    .select({ block: freeBlocks.block })
    .from(freeBlocks)
    .where(and(eq(freeBlocks.parentId, parentId), sql`${freeBlocks.block} >>= ${wanted.text}::cidr`))
    .limit(1);
  return found ? readStoredCidr(found.block) : null;
}

/** Cuts `taken` out of the free block `from`: the block is replaced by the buddies along the path. */
export async function takeFrom(tx: Tx, parentId: number, from: Cidr, taken: Cidr): Promise<void> {
  await tx.delete(freeBlocks).where(and(eq(freeBlocks.parentId, parentId), eq(freeBlocks.block, from.text)));
  const left = carve(from, taken);
  if (left.length) await tx.insert(freeBlocks).values(left.map((b) => ({ parentId, block: b.text, length: b.length })));
}

/** A new prefix that can hold children starts with itself as its one free block. */
export async function initFree(tx: Tx, prefixId: number, prefix: Cidr): Promise<void> {
  await tx.insert(freeBlocks).values({ parentId: prefixId, block: prefix.text, length: prefix.length });
}

/** The free blocks of a parent, in address order (for `available`). */
export async function listFree(tx: Tx | import('../../db/client.js').Executor, parentId: number, limit: number, maxLength?: number): Promise<Cidr[]> {
  const rows = await tx
    .select({ block: freeBlocks.block })
    .from(freeBlocks)
    .where(and(eq(freeBlocks.parentId, parentId), maxLength === undefined ? undefined : lte(freeBlocks.length, maxLength)))
    .orderBy(freeBlocks.block)
    .limit(limit);
  return rows.map((r) => readStoredCidr(r.block));
}
