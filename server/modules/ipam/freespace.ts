import { and, desc, eq, inArray, lte, max, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { buddyPath, carve, pickWithin, planRelease, type AllocationStrategy } from '../../net/blocks.js';
import { readStoredCidr, type Cidr } from '../../net/cidr.js';
import { freeBlocks } from './schema.js';

/**
 * The database side of the buddy system in server/net/blocks.ts: each parent's free blocks
 * live in prefix_free_blocks, so the next free block is one index lookup whatever the number
 * of siblings. Callers hold the parent row's lock (SELECT … FOR UPDATE), which is what keeps
 * two allocations under one parent from picking the same block.
 */

/** The free block to cut a /length from, or null when the parent has no room. */
export async function chooseFree(tx: Tx, parentId: number, length: number, strategy: AllocationStrategy): Promise<Cidr | null> {
  let found: { block: string } | undefined;
  if (strategy === 'best') {
    // The smallest block that fits keeps large blocks whole: first the longest length ≤ the
    // asked one that has a free block, then the lowest such block (two index lookups).
    const [{ longest }] = await tx
      .select({ longest: max(freeBlocks.length) })
      .from(freeBlocks)
      .where(and(eq(freeBlocks.parentId, parentId), lte(freeBlocks.length, length)));
    if (longest === null) return null;
    [found] = await tx
      .select({ block: freeBlocks.block })
      .from(freeBlocks)
      .where(and(eq(freeBlocks.parentId, parentId), eq(freeBlocks.length, longest)))
      .orderBy(freeBlocks.block)
      .limit(1);
  } else {
    [found] = await tx
      .select({ block: freeBlocks.block })
      .from(freeBlocks)
      .where(and(eq(freeBlocks.parentId, parentId), lte(freeBlocks.length, length)))
      .orderBy(strategy === 'last' ? desc(freeBlocks.block) : freeBlocks.block)
      .limit(1);
  }
  return found ? readStoredCidr(found.block) : null;
}

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

/** Picks and takes a /length by strategy; null when no free block fits. */
export async function allocateBlock(tx: Tx, parentId: number, length: number, strategy: AllocationStrategy): Promise<Cidr | null> {
  const from = await chooseFree(tx, parentId, length, strategy);
  if (!from) return null;
  const taken = pickWithin(from, length, strategy);
  await takeFrom(tx, parentId, from, taken);
  return taken;
}

/** Returns a reclaimed block to its parent's free space, merging buddies as far as they are free. */
export async function release(tx: Tx, parentId: number, parent: Cidr, block: Cidr): Promise<void> {
  const candidates = buddyPath(block, parent);
  const free = candidates.length
    ? await tx
        .select({ block: freeBlocks.block })
        .from(freeBlocks)
        .where(and(eq(freeBlocks.parentId, parentId), inArray(freeBlocks.block, candidates.map((c) => c.text))))
    : [];
  const freeTexts = new Set(free.map((f) => readStoredCidr(f.block).text));
  const plan = planRelease(block, (b) => freeTexts.has(b.text));
  if (plan.remove.length) {
    await tx.delete(freeBlocks).where(and(eq(freeBlocks.parentId, parentId), inArray(freeBlocks.block, plan.remove.map((b) => b.text))));
  }
  await tx.insert(freeBlocks).values({ parentId, block: plan.insert.text, length: plan.insert.length });
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
