/**
 * Free space as a buddy system. The free space of a parent prefix is always kept as its
 * canonical decomposition: the maximal aligned blocks not covered by a child. No two free
 * blocks are then buddies, so the decomposition is unique, and a free row can be found by
 * an index lookup on its length instead of by rescanning the siblings.
 *
 * Allocation: {@link chooseFreeBlock} → {@link pickWithin} → {@link carve} (the free block
 * is replaced by the buddies along the path down to the new block).
 * Release: {@link buddyPath} names every row that could merge, {@link planRelease} says
 * which of them to delete and which block to insert; {@link mergeFree} does both in memory.
 */
import {
  type Cidr,
  type Family,
  addressCount,
  blockContaining,
  cidrOf,
  compareCidr,
  containsCidr,
  familyBits,
  lastAddress,
  overlaps,
} from './cidr.js';

export type AllocationStrategy = 'first' | 'best' | 'last';

export function buddyOf(block: Cidr): Cidr | null {
  if (block.length === 0) return null;
  return cidrOf(block.family, block.network ^ addressCount(block), block.length);
}

export function parentBlockOf(block: Cidr): Cidr | null {
  if (block.length === 0) return null;
  return blockContaining(block.family, block.network, block.length - 1);
}

/** The fewest aligned blocks that exactly cover the addresses `first`..`last` (none when first > last). */
export function blocksOfRange(family: Family, first: bigint, last: bigint): Cidr[] {
  const bits = familyBits(family);
  const blocks: Cidr[] = [];
  for (let start = first; start <= last; ) {
    // The lowest set bit of `start` bounds how large a block may begin there; the span left bounds it too.
    const alignment = start === 0n ? bits : (start & -start).toString(2).length - 1;
    const fit = (last - start + 1n).toString(2).length - 1;
    const hostBits = Math.min(alignment, fit);
    blocks.push(cidrOf(family, start, bits - hostBits));
    start += 1n << BigInt(hostBits);
  }
  return blocks;
}

/**
 * The free blocks of `parent` once `taken` (its children: inside it, not overlapping)
 * are removed, sorted. One pass over the gaps between children: O(n log n + n · bits).
 */
export function complement(parent: Cidr, taken: readonly Cidr[]): Cidr[] {
  const free: Cidr[] = [];
  let cursor = parent.network;
  for (const child of [...taken].sort(compareCidr)) {
    if (!containsCidr(parent, child)) throw new RangeError(`${child.text} is not inside ${parent.text}`);
    if (child.network < cursor) throw new RangeError(`${child.text} overlaps another taken block`);
    free.push(...blocksOfRange(parent.family, cursor, child.network - 1n));
    cursor = lastAddress(child) + 1n;
  }
  free.push(...blocksOfRange(parent.family, cursor, lastAddress(parent)));
  return free;
}

/**
 * The buddies met walking from `block` up to (not including) `ancestor`, nearest first:
 * when `block` is released these are the only rows that can merge with it, so the
 * database can fetch them with one `cidr IN (...)` query and pass them to {@link planRelease}.
 * When `block` is carved out of the free block `ancestor`, they are exactly the free blocks left.
 */
export function buddyPath(block: Cidr, ancestor: Cidr): Cidr[] {
  if (!containsCidr(ancestor, block)) throw new RangeError(`${block.text} is not inside ${ancestor.text}`);
  const path: Cidr[] = [];
  for (let length = block.length; length > ancestor.length; length--) {
    path.push(buddyOf(blockContaining(block.family, block.network, length))!);
  }
  return path;
}

/** The free blocks left when `taken` is cut out of the free block `free`, sorted. */
export function carve(free: Cidr, taken: Cidr): Cidr[] {
  return buddyPath(taken, free).sort(compareCidr);
}

/**
 * Which free block to cut a /length from: `first` the lowest address, `last` the highest,
 * `best` the smallest block that fits (lowest address among equals), which keeps large
 * blocks whole. Null when nothing fits.
 */
export function chooseFreeBlock(free: readonly Cidr[], length: number, strategy: AllocationStrategy): Cidr | null {
  let chosen: Cidr | null = null;
  for (const block of free) {
    if (block.length > length) continue;
    const better =
      chosen === null ||
      (strategy === 'first' && block.network < chosen.network) ||
      (strategy === 'last' && block.network > chosen.network) ||
      (strategy === 'best' &&
        (block.length > chosen.length || (block.length === chosen.length && block.network < chosen.network)));
    if (better) chosen = block;
  }
  return chosen;
}

/** The /length to allocate from the chosen free block: its lowest address for first and best, its highest for last. */
export function pickWithin(free: Cidr, length: number, strategy: AllocationStrategy): Cidr {
  const bits = familyBits(free.family);
  if (!Number.isInteger(length) || length < free.length || length > bits) {
    throw new RangeError(`a /${length} does not fit in the free block ${free.text}`);
  }
  const network = strategy === 'last' ? lastAddress(free) + 1n - (1n << BigInt(bits - length)) : free.network;
  return cidrOf(free.family, network, length);
}

export interface ReleasePlan {
  /** free blocks absorbed into `insert` */
  readonly remove: Cidr[];
  /** the merged free block that replaces them and the released block */
  readonly insert: Cidr;
}

/**
 * Merge a released block with its free buddy, then the result with its buddy, and so on.
 * `isFree` must answer only for the free blocks of the one parent the block belongs to
 * (e.g. over the rows fetched for {@link buddyPath}), so merging stops at that parent.
 */
export function planRelease(released: Cidr, isFree: (block: Cidr) => boolean): ReleasePlan {
  const remove: Cidr[] = [];
  let merged = released;
  for (let buddy = buddyOf(merged); buddy !== null && isFree(buddy); buddy = buddyOf(merged)) {
    remove.push(buddy);
    merged = parentBlockOf(merged)!;
  }
  return { remove, insert: merged };
}

/** `free` (a canonical decomposition) with `released` added back, again canonical and sorted. */
export function mergeFree(free: readonly Cidr[], released: Cidr): Cidr[] {
  const byText = new Map(free.map((block) => [block.text, block]));
  for (const block of free) {
    if (overlaps(block, released)) throw new RangeError(`${released.text} overlaps the free block ${block.text}; is it released twice?`);
  }
  const { remove, insert } = planRelease(released, (block) => byText.has(block.text));
  for (const block of remove) byText.delete(block.text);
  byText.set(insert.text, insert);
  return [...byText.values()].sort(compareCidr);
}

export interface UsableHosts {
  readonly first: bigint;
  readonly last: bigint;
  readonly count: bigint;
}

/**
 * The host addresses that may be assigned in a prefix. IPv4 up to /30 loses the network
 * and broadcast addresses; /31 and /32 use every address (RFC 3021). IPv6 loses the
 * subnet-router anycast address (all-zero host, RFC 4291 2.6.1) except in /127 (RFC 6164)
 * and /128.
 */
export function usableHosts(prefix: Cidr): UsableHosts {
  const last = lastAddress(prefix);
  const pointToPoint = prefix.length >= familyBits(prefix.family) - 1;
  const first = pointToPoint ? prefix.network : prefix.network + 1n;
  const lastUsable = pointToPoint || prefix.family === 6 ? last : last - 1n;
  return { first, last: lastUsable, count: lastUsable - first + 1n };
}

/** `value` is taken in the prefix's family. */
export function isUsableHost(prefix: Cidr, value: bigint): boolean {
  const { first, last } = usableHosts(prefix);
  return value >= first && value <= last;
}
