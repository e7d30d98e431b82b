import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cidrArb, nestedArb } from './arbitraries.js';
import {
  type AllocationStrategy,
  buddyOf,
  buddyPath,
  carve,
  isUsableHost,
  parentBlockOf,
  pickWithin,
  planRelease,
  usableHosts,
} from './blocks.js';
import {
  type Cidr,
  type Family,
  addressCount,
  blockContaining,
  compareCidr,
  containsCidr,
  familyBits,
  formatAddress,
  lastAddress,
  overlaps,
  parseAddress,
  parseCidr,
} from './cidr.js';

const p = parseCidr;
const texts = (blocks: readonly Cidr[]) => blocks.map((block) => block.text);

/** Pairwise disjoint, all inside `parent`, and together exactly its size. */
function expectTiling(parent: Cidr, blocks: readonly Cidr[]): void {
  const sorted = [...blocks].sort(compareCidr);
  expect(sorted.filter((block) => !containsCidr(parent, block))).toEqual([]);
  expect(sorted.filter((block, i) => i > 0 && lastAddress(sorted[i - 1]) >= block.network)).toEqual([]);
  expect(sorted.reduce((sum, block) => sum + addressCount(block), 0n)).toBe(addressCount(parent));
}

/** Canonical: no free block has its buddy free as well. */
function expectMaximal(free: readonly Cidr[]): void {
  const present = new Set(texts(free));
  expect(free.filter((block) => present.has(buddyOf(block)?.text ?? ''))).toEqual([]);
}

interface Request {
  length: number;
  strategy: AllocationStrategy;
}

/** Parent prefix, allocation requests within it, and an order to release them in. */
function scenarioArb(family: Family) {
  const bits = familyBits(family);
  return cidrArb(family).chain((parent) => {
    const request = fc.record({
      length: fc.integer({ min: parent.length, max: Math.min(bits, parent.length + 12) }),
      strategy: fc.constantFrom<AllocationStrategy>('first', 'best', 'last'),
    });
    return fc.record({
      parent: fc.constant(parent),
      requests: fc.array(request, { maxLength: 40 }),
      releaseOrder: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
    });
  });
}

/** `free` with `released` added back, merged as freespace.ts merges rows (planRelease over the free set). */
function release(free: readonly Cidr[], released: Cidr): Cidr[] {
  expect(free.filter((block) => overlaps(block, released))).toEqual([]);
  const byText = new Map(free.map((block) => [block.text, block]));
  const { remove, insert } = planRelease(released, (block) => byText.has(block.text));
  for (const block of remove) byText.delete(block.text);
  byText.set(insert.text, insert);
  return [...byText.values()].sort(compareCidr);
}

/**
 * The in-memory allocator: pick, carve. (Which free block a strategy takes is freespace.ts's
 * index lookup; here the lowest fitting block for first and best, the highest for last.) Checks
 * at every step that free and taken blocks tile the parent and the free ones stay maximal.
 */
function allocateAll(parent: Cidr, requests: readonly Request[]): { taken: Cidr[]; free: Cidr[] } {
  let free = [parent];
  const taken: Cidr[] = [];
  for (const { length, strategy } of requests) {
    const fitting = free.filter((block) => block.length <= length);
    const chosen = strategy === 'last' ? fitting[fitting.length - 1] : fitting[0];
    if (chosen === undefined) continue;
    const block = pickWithin(chosen, length, strategy);
    expect(block.length).toBe(length);
    expect(blockContaining(block.family, block.network, length)).toEqual(block);
    expect(containsCidr(parent, block)).toBe(true);
    expect(taken.some((other) => overlaps(other, block))).toBe(false);
    taken.push(block);
    free = [...free.filter((f) => f !== chosen), ...carve(chosen, block)].sort(compareCidr);
    expectTiling(parent, [...free, ...taken]);
    expectMaximal(free);
  }
  return { taken, free };
}

describe('buddies', () => {
  it('pairs blocks and finds their parents', () => {
    expect(buddyOf(p('10.0.0.0/25'))?.text).toBe('10.0.0.128/25');
    expect(buddyOf(p('10.0.0.128/25'))?.text).toBe('10.0.0.0/25');
    expect(buddyOf(p('2001:db8::/32'))?.text).toBe('2001:db9::/32');
    expect(buddyOf(p('0.0.0.0/0'))).toBeNull();
    expect(parentBlockOf(p('10.0.0.128/25'))?.text).toBe('10.0.0.0/24');
    expect(parentBlockOf(p('::/0'))).toBeNull();
  });
});

describe('allocation', () => {
  it('cuts from the low end for first and best, the high end for last', () => {
    expect(pickWithin(p('10.0.0.0/24'), 26, 'first').text).toBe('10.0.0.0/26');
    expect(pickWithin(p('10.0.0.0/24'), 26, 'best').text).toBe('10.0.0.0/26');
    expect(pickWithin(p('10.0.0.0/24'), 26, 'last').text).toBe('10.0.0.192/26');
    expect(pickWithin(p('2001:db8::/32'), 48, 'last').text).toBe('2001:db8:ffff::/48');
    expect(() => pickWithin(p('10.0.0.0/24'), 23, 'first')).toThrow(RangeError);
  });

  it('carves a block out of a free block, leaving the buddies on the path', () => {
    expect(texts(carve(p('10.0.0.0/24'), p('10.0.0.64/26')))).toEqual(['10.0.0.0/26', '10.0.0.128/25']);
    expect(texts(carve(p('10.0.0.0/24'), p('10.0.0.0/24')))).toEqual([]);
    expect(() => carve(p('10.0.0.0/24'), p('10.0.1.0/26'))).toThrow(RangeError);
  });

  for (const family of [4, 6] as const) {
    it(`hands out aligned blocks inside the parent that never overlap, and gets the parent back when all are released (IPv${family})`, () => {
      fc.assert(
        fc.property(scenarioArb(family), ({ parent, requests, releaseOrder }) => {
          const { taken, free } = allocateAll(parent, requests);
          const remaining = [...taken];
          let current = free;
          for (const pick of releaseOrder) {
            if (remaining.length === 0) break;
            const [released] = remaining.splice(pick % remaining.length, 1);
            current = release(current, released);
            expectTiling(parent, [...current, ...remaining]);
            expectMaximal(current);
          }
          for (const released of remaining.splice(0)) current = release(current, released);
          expect(current).toEqual([parent]);
        }),
      );
    });

    it(`carve then release gives back the free block (IPv${family})`, () => {
      fc.assert(
        fc.property(nestedArb(family, 40), ({ outer, inner }) => {
          const left = carve(outer, inner);
          expect(left.length).toBe(inner.length - outer.length);
          expectTiling(outer, [...left, inner]);
          expect(release(left, inner)).toEqual([outer]);
        }),
      );
    });
  }

});

describe('releasing row by row', () => {
  it('needs only the rows on the buddy path', () => {
    const parent = p('10.0.0.0/22');
    const released = p('10.0.1.64/26');
    expect(texts(buddyPath(released, parent))).toEqual(['10.0.1.0/26', '10.0.1.128/25', '10.0.0.0/24', '10.0.2.0/23']);
    const rows = new Set(['10.0.1.0/26', '10.0.1.128/25', '10.0.2.0/23']);
    const plan = planRelease(released, (block) => rows.has(block.text));
    expect(texts(plan.remove)).toEqual(['10.0.1.0/26', '10.0.1.128/25']);
    expect(plan.insert.text).toBe('10.0.1.0/24');
  });
});

describe('usable hosts', () => {
  const hosts = (text: string) => {
    const prefix = p(text);
    const { first, last, count } = usableHosts(prefix);
    return [formatAddress(prefix.family, first), formatAddress(prefix.family, last), count];
  };

  it.each([
    ['10.0.0.0/24', '10.0.0.1', '10.0.0.254', 254n],
    ['10.0.0.0/30', '10.0.0.1', '10.0.0.2', 2n],
    ['10.0.0.0/31', '10.0.0.0', '10.0.0.1', 2n],
    ['10.0.0.7/32', '10.0.0.7', '10.0.0.7', 1n],
    ['2001:db8::/64', '2001:db8::1', '2001:db8::ffff:ffff:ffff:ffff', (1n << 64n) - 1n],
    ['2001:db8::/126', '2001:db8::1', '2001:db8::3', 3n],
    ['2001:db8::/127', '2001:db8::', '2001:db8::1', 2n],
    ['2001:db8::1/128', '2001:db8::1', '2001:db8::1', 1n],
  ])('%s: %s to %s, %i hosts', (text, first, last, count) => {
    expect(hosts(text)).toEqual([first, last, count]);
  });

  it('excludes network, broadcast and subnet-router anycast', () => {
    expect(isUsableHost(p('10.0.0.0/24'), parseAddress('10.0.0.0').value)).toBe(false);
    expect(isUsableHost(p('10.0.0.0/24'), parseAddress('10.0.0.255').value)).toBe(false);
    expect(isUsableHost(p('10.0.0.0/24'), parseAddress('10.0.0.1').value)).toBe(true);
    expect(isUsableHost(p('2001:db8::/64'), parseAddress('2001:db8::').value)).toBe(false);
    expect(isUsableHost(p('10.0.0.0/31'), parseAddress('10.0.0.0').value)).toBe(true);
  });
});
