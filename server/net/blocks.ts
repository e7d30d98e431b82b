/**
 * Free space as a buddy system. The free space of a parent prefix is always kept as its
 * canonical decomposition: the maximal aligned blocks not covered by a child. No two free
 * blocks are then buddies, so the decomposition is unique, and a free row can be found by
 * an index lookup on its length instead of by rescanning the siblings.
 *
 * The rows live in prefix_free_blocks (server/modules/ipam/freespace.ts, which also chooses the
 * free block by strategy with an index lookup); this file is the pure arithmetic on blocks.
 * Allocation: {@link pickWithin} → {@link carve} (the free block is replaced by the buddies
 * along the path down to the new block). Release: {@link buddyPath} names every row that could
 * merge, {@link planRelease} says which of them to delete and which block to insert.
 * Addresses: {@link usableHosts}, {@link isUsableHost}.
 */
import { type Cidr, addressCount, blockContaining, cidrOf, compareCidr, containsCidr, familyBits, lastAddress } from './cidr.js';

export type AllocationStrategy = 'first' | 'best' | 'last';

export function buddyOf(block: Cidr): Cidr | null {
  if (block.length === 0) return null;
  return cidrOf(block.family, block.network ^ addressCount(block), block.length);
}

export function parentBlockOf(block: Cidr): Cidr | null {
  if (block.length === 0) return null;
  return blockContaining(block.family, block.network, block.length - 1);
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
