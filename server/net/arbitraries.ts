/** fast-check generators shared by the net/ tests; nothing outside tests imports this. */
import fc from 'fast-check';
import { type Cidr, type Family, blockContaining, familyBits } from './cidr.js';

export const familyArb: fc.Arbitrary<Family> = fc.constantFrom(4, 6);

/**
 * Address values with long zero runs as often as not, since that is where IPv6
 * compression and the edges of the space are decided.
 */
export function addressArb(family: Family): fc.Arbitrary<bigint> {
  if (family === 4) return fc.bigInt({ min: 0n, max: (1n << 32n) - 1n });
  const group = fc.oneof(fc.constant(0n), fc.constant(0xffffn), fc.bigInt({ min: 0n, max: 0xffffn }));
  return fc.array(group, { minLength: 8, maxLength: 8 }).map((groups) => groups.reduce((value, g) => (value << 16n) | g, 0n));
}

export function cidrArb(family: Family, minLength = 0, maxLength: number = familyBits(family)): fc.Arbitrary<Cidr> {
  return fc
    .tuple(addressArb(family), fc.integer({ min: minLength, max: maxLength }))
    .map(([value, length]) => blockContaining(family, value, length));
}

/** A block and a block inside it, at most `depth` bits longer. */
export function nestedArb(family: Family, depth: number): fc.Arbitrary<{ outer: Cidr; inner: Cidr }> {
  const bits = familyBits(family);
  return cidrArb(family).chain((outer) =>
    fc
      .tuple(addressArb(family), fc.integer({ min: outer.length, max: Math.min(bits, outer.length + depth) }))
      .map(([value, length]) => ({
        outer,
        inner: blockContaining(family, outer.network | (value & ((1n << BigInt(bits - outer.length)) - 1n)), length),
      })),
  );
}
