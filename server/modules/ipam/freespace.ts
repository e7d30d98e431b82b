import { and, eq, sql, type SQL } from 'drizzle-orm';
import { rows, type Executor, type Tx } from '../../db/client.js';
import { carve } from '../../net/blocks.js';
import { readStoredCidr, type Cidr } from '../../net/cidr.js';
import { freeBlocks, type PrefixRow } from './schema.js';

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
 *
 * A prefix keeps free-block rows only while it has children (migration 0023): with none it is
 * free whole, by rule, and the write that places its first child writes the whole block first,
 * to be split; the reclaim of its last child deletes them. Most prefixes are leaves, and a row
 * each cost every allocation an insert into three indexes.
 */

/** A prefix's free space is its rows only once it has children; before, it is the prefix itself. */
const freeWhole = (parent: PrefixRow) => parent.childCount === 0;

/**
 * The free block that contains `wanted` (an explicit child being registered inside `parent`,
 * whose row the caller has locked), if the space is free.
 */
export async function freeBlockContaining(tx: Tx, parent: PrefixRow, wanted: Cidr): Promise<Cidr | null> {
  if (freeWhole(parent)) return readStoredCidr(parent.prefix);
  const [found] = await tx
    .select({ block: freeBlocks.block })
    .from(freeBlocks)
    .where(and(eq(freeBlocks.parentId, parent.id), sql`${freeBlocks.block} >>= ${wanted.text}::cidr`))
    .limit(1);
  return found ? readStoredCidr(found.block) : null;
}

/**
 * Cuts `taken` out of the free block `from` (freeBlockContaining's answer): the block is
 * replaced by the buddies along the path. From a prefix free whole there is no row to replace.
 */
export async function takeFrom(tx: Tx, parent: PrefixRow, from: Cidr, taken: Cidr): Promise<void> {
  if (!freeWhole(parent)) await tx.delete(freeBlocks).where(and(eq(freeBlocks.parentId, parent.id), eq(freeBlocks.block, from.text)));
  const left = carve(from, taken);
  if (left.length) await tx.insert(freeBlocks).values(left.map((b) => ({ parentId: parent.id, block: b.text, length: b.length })));
}

/**
 * The free blocks of a parent, in address order (for `available`). One statement, so that the
 * prefix's children and its rows are read in one snapshot: read apart, the reclaim of its last
 * child between the two reads would show it with no free space at all.
 */
export async function listFree(db: Executor, parentId: number, limit: number, maxLength?: number): Promise<Cidr[]> {
  const fits = (length: SQL) => (maxLength === undefined ? sql`` : sql`AND ${length} <= ${maxLength}`);
  const found = await rows<{ block: string }>(
    db,
    sql`SELECT block FROM (
          (SELECT f.block FROM prefix_free_blocks f
           WHERE f.parent_id = ${parentId} ${fits(sql`f.length`)}
             AND EXISTS (SELECT 1 FROM prefixes p WHERE p.id = ${parentId} AND p.child_count > 0)
           ORDER BY f.block LIMIT ${limit})
          UNION ALL
          SELECT p.prefix FROM prefixes p WHERE p.id = ${parentId} AND p.child_count = 0 ${fits(sql`masklen(p.prefix)`)}
        ) free ORDER BY block LIMIT ${limit}`,
  );
  return found.map((r) => readStoredCidr(r.block));
}
