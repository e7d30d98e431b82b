import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addressArb, cidrArb, familyArb } from './arbitraries.js';
import {
  AddressError,
  type AddressErrorCode,
  addressCount,
  blockContaining,
  cidrOf,
  compareCidr,
  containsAddress,
  containsCidr,
  familyBits,
  formatAddress,
  lastAddress,
  maskFromDotted,
  overlaps,
  parseAddress,
  parseCidr,
  parseInterfaceAddress,
  readStoredAddress,
  readStoredCidr,
} from './cidr.js';

function errorOf(run: () => unknown): AddressError {
  try {
    run();
  } catch (error) {
    if (error instanceof AddressError) return error;
    throw error;
  }
  throw new Error('expected an AddressError');
}

/** RFC 5952 section 4 written out independently of ip-address, as the oracle for formatAddress. */
function rfc5952(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { start: -1, size: 1 }; // a single zero group is never compressed
  for (let start = 0; start < 8; start++) {
    let size = 0;
    while (start + size < 8 && groups[start + size] === 0) size++;
    if (size > best.size) best = { start, size };
  }
  const hex = (part: number[]) => part.map((g) => g.toString(16)).join(':');
  if (best.start < 0) return hex(groups);
  return `${hex(groups.slice(0, best.start))}::${hex(groups.slice(best.start + best.size))}`;
}

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['255.255.255.255/32', '255.255.255.255/32'],
    ['2001:db8::/32', '2001:db8::/32'],
    ['2001:DB8::/32', '2001:db8::/32'],
    ['2001:0db8:0000:0000:0000:0000:0000:0000/32', '2001:db8::/32'],
    ['1:2:3:4:5:6:7::/128', '1:2:3:4:5:6:7:0/128'],
    ['1:0:0:2:0:0:0:0/64', '1:0:0:2::/64'],
    ['::ffff:a00:0/104', '::ffff:a00:0/104'],
    ['::/0', '::/0'],
  ])('reads %s as %s', (text, canonical) => {
    expect(parseCidr(text).text).toBe(canonical);
  });

  it.each<[string, AddressErrorCode]>([
    ['10.0.0.0/33', 'invalid_cidr'],
    ['300.1.1.0/24', 'invalid_cidr'],
    ['10.0.0.0/08', 'invalid_cidr'],
    ['010.0.0.0/8', 'invalid_cidr'],
    ['1.2.3/24', 'invalid_cidr'],
    ['1.2.3', 'invalid_cidr'],
    ['', 'invalid_cidr'],
    ['2001:db8:::/32', 'invalid_cidr'],
    ['fe80::/10%eth0', 'invalid_cidr'],
    ['::ffff:10.0.0.0/104', 'invalid_cidr'],
    ['10.0.0.0', 'invalid_cidr'],
    ['10.0.0.0/', 'invalid_cidr'],
    ['10.0.0.0/+8', 'invalid_cidr'],
    ['10.0.0.0/8/8', 'invalid_cidr'],
    [' 10.0.0.0/8', 'invalid_cidr'],
    ['10.0.0.0/8\n', 'invalid_cidr'],
    ['0x0a.0.0.0/8', 'invalid_cidr'],
    ['2001:db8::/032', 'invalid_cidr'],
    ['2001:db8::/129', 'invalid_cidr'],
    ['2001:db8::%/32', 'invalid_cidr'],
    ['[2001:db8::]/32', 'invalid_cidr'],
    ['1:2:3:4:5:6:7:8::/128', 'invalid_cidr'],
    ['1:2:3:4:5:6:7/112', 'invalid_cidr'],
    ['12345::/16', 'invalid_cidr'],
    [':1::/64', 'invalid_cidr'],
    ['10.1.1.5/24', 'not_canonical'],
    ['2001:db8::1/32', 'not_canonical'],
  ])('rejects %j with %s', (text, code) => {
    const error = errorOf(() => parseCidr(text));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(/\.$|\?$/);
  });

  it('suggests the canonical prefix when host bits are set', () => {
    const error = errorOf(() => parseCidr('10.1.1.5/24'));
    expect(error.message).toBe('10.1.1.5/24 is not canonical (host bits set): did you mean 10.1.1.0/24?');
    expect(error.suggestion).toBe('10.1.1.0/24');
    expect(errorOf(() => parseCidr('2001:DB8::1/32')).suggestion).toBe('2001:db8::/32');
  });

  it('says what is wrong in words', () => {
    expect(errorOf(() => parseCidr('10.0.0.0/08')).message).toBe(
      '"10.0.0.0/08" is not a valid CIDR prefix: prefix length "08" has a leading zero; write /8.',
    );
    expect(errorOf(() => parseCidr('010.0.0.0/8')).message).toContain('octal');
    expect(errorOf(() => parseCidr('fe80::/10%eth0')).message).toContain('zone id');
    expect(errorOf(() => parseCidr('::ffff:10.0.0.0/104')).message).toContain('hexadecimal');
    expect(errorOf(() => parseCidr('x'.repeat(500))).message.length).toBeLessThan(200);
  });

  for (const family of [4, 6] as const) {
    it(`round-trips every IPv${family} prefix through its text`, () => {
      fc.assert(
        fc.property(cidrArb(family), (cidr) => {
          expect(parseCidr(cidr.text)).toEqual(cidr);
        }),
      );
    });

    it(`rejects every IPv${family} prefix with host bits set, suggesting the block that holds it`, () => {
      fc.assert(
        fc.property(addressArb(family), fc.integer({ min: 0, max: familyBits(family) }), (value, length) => {
          const block = blockContaining(family, value, length);
          fc.pre(block.network !== value);
          const error = errorOf(() => parseCidr(`${formatAddress(family, value)}/${length}`));
          expect(error.code).toBe('not_canonical');
          expect(error.suggestion).toBe(block.text);
        }),
      );
    });
  }
});

describe('parseAddress', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::ffff:a00:1', '::ffff:a00:1'],
    ['::', '::'],
  ])('reads %s as %s', (text, canonical) => {
    expect(parseAddress(text).text).toBe(canonical);
  });

  it.each(['', '192.0.2.1/32', '192.0.2.01', '1.2.3', 'fe80::1%eth0', '::ffff:10.0.0.1', '2001:db8:::1', 'localhost', ' ::1'])(
    'rejects %j with invalid_address',
    (text) => {
      expect(errorOf(() => parseAddress(text)).code).toBe('invalid_address');
    },
  );

  for (const family of [4, 6] as const) {
    it(`round-trips every IPv${family} address: parse(format(x)) = x`, () => {
      fc.assert(
        fc.property(addressArb(family), (value) => {
          const text = formatAddress(family, value);
          expect(parseAddress(text)).toEqual({ family, value, text });
        }),
      );
    });
  }

  it('formats IPv6 as RFC 5952 says', () => {
    fc.assert(
      fc.property(addressArb(6), (value) => {
        expect(formatAddress(6, value)).toBe(rfc5952(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads every RFC 4291 spelling of an IPv6 address: upper case, leading zeros, any zero run compressed', () => {
    const spelling = fc.record({
      value: addressArb(6),
      upper: fc.boolean(),
      pad: fc.boolean(),
      cut: fc.tuple(fc.nat(8), fc.nat(8)),
    });
    fc.assert(
      fc.property(spelling, ({ value, upper, pad, cut }) => {
        const groups = Array.from({ length: 8 }, (_, i) => {
          const hex = ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16);
          const padded = pad ? hex.padStart(4, '0') : hex;
          return upper ? padded.toUpperCase() : padded;
        });
        // compress groups [from, to) if they are all zero
        const [from, to] = [Math.min(...cut), Math.max(...cut)];
        const zeroRun = to > from && groups.slice(from, to).every((g) => /^0+$/.test(g));
        const text = zeroRun ? `${groups.slice(0, from).join(':')}::${groups.slice(to).join(':')}` : groups.join(':');
        expect(parseAddress(text).value).toBe(value);
        expect(parseAddress(text).text).toBe(formatAddress(6, value));
      }),
    );
  });
});

/**
 * PostgreSQL's inet/cidr output, written out from its inet_net_ntop_ipv6 (BIND's inet_ntop6)
 * as the oracle: RFC 5952 except for a dotted IPv4 tail when the first 96 bits are zero and
 * the 7th group is not, or when the value is ::ffff:0:0/96-mapped. The integration test
 * "reads back every form PostgreSQL prints" checks the reader against the real server.
 */
function postgresText(value: bigint): string {
  const group = (i: number) => (value >> BigInt(112 - 16 * i)) & 0xffffn;
  const dotted = [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  const zeroUpTo = (n: number) => Array.from({ length: n }, (_, i) => group(i)).every((g) => g === 0n);
  if (zeroUpTo(6) && group(6) !== 0n) return `::${dotted}`;
  if (zeroUpTo(5) && group(5) === 0xffffn) return `::ffff:${dotted}`;
  return rfc5952(value);
}

/** IPv6 values where PostgreSQL's text differs from ours as often as not. */
const embeddedArb = fc.oneof(
  addressArb(6),
  fc.bigInt({ min: 0n, max: 0xffffffffn }),
  fc.bigInt({ min: 0n, max: 0xffffffffn }).map((v) => 0xffff00000000n | v),
);

describe('reading PostgreSQL text back (readStoredCidr, readStoredAddress)', () => {
  it.each([
    // measured: SELECT x::cidr::text on PostgreSQL 15 and PGlite
    ['10.45.0.0/16', '10.45.0.0/16'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['2001:db8::/32', '2001:db8::/32'],
    ['::/96', '::/96'],
    ['::/0', '::/0'],
    ['::ffff:0.0.0.0/96', '::ffff:0:0/96'],
    ['::ffff:10.0.0.0/104', '::ffff:a00:0/104'],
    ['::128.0.0.0/97', '::8000:0/97'],
    ['::64.0.0.0/98', '::4000:0/98'],
    ['::0.1.0.0/112', '::1:0/112'],
    ['::ffff:255.255.255.255/128', '::ffff:ffff:ffff/128'],
    ['::ffff:1:0:0/96', '::ffff:1:0:0/96'],
  ])('reads the cidr %s as %s', (text, canonical) => {
    expect(readStoredCidr(text).text).toBe(canonical);
  });

  it.each([
    // measured: host(x) and x::text (which keeps /128) of inet values
    ['10.45.0.1', '10.45.0.1'],
    ['10.45.0.1/32', '10.45.0.1'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ['::ffff:10.0.0.1/128', '::ffff:a00:1'],
    ['::0.10.0.11', '::a:b'],
    ['::2', '::2'],
    ['::ffff', '::ffff'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ])('reads the inet %s as %s', (text, canonical) => {
    expect(readStoredAddress(text).text).toBe(canonical);
  });

  it('reads every IPv6 prefix and address as PostgreSQL prints it', () => {
    fc.assert(
      fc.property(embeddedArb, fc.integer({ min: 0, max: 128 }), (value, length) => {
        const cidr = blockContaining(6, value, length);
        expect(readStoredCidr(`${postgresText(cidr.network)}/${length}`)).toEqual(cidr);
        expect(readStoredAddress(postgresText(value))).toEqual({ family: 6, value, text: formatAddress(6, value) });
      }),
      { numRuns: 2000 },
    );
  });

  it('reads every IPv4 prefix, which PostgreSQL prints as we do', () => {
    fc.assert(
      fc.property(cidrArb(4), (cidr) => {
        expect(readStoredCidr(cidr.text)).toEqual(cidr);
      }),
    );
  });

  it('keeps the strict parsers strict: people still may not type the dotted forms', () => {
    expect(errorOf(() => parseCidr('::128.0.0.0/97')).code).toBe('invalid_cidr');
    expect(errorOf(() => parseAddress('::ffff:10.0.0.1')).code).toBe('invalid_address');
  });

  it.each(['', '10.0.0.0', '10.0.0.1/24', 'garbage/8', '::ffff:10.0.0/104', '::ffff:010.0.0.0/104', '10.0.0.0/8/8'])(
    'refuses %j as a server fault (Error, not AddressError)',
    (text) => {
      let thrown: unknown;
      try {
        readStoredCidr(text);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(Error);
      expect(thrown).not.toBeInstanceOf(AddressError);
      expect((thrown as Error).message).toMatch(/^the database returned .* as cidr/);
    },
  );
});

describe('parseInterfaceAddress', () => {
  it('keeps the host address and derives its prefix', () => {
    const { address, prefix } = parseInterfaceAddress('10.1.2.1/30');
    expect(address.text).toBe('10.1.2.1');
    expect(prefix.text).toBe('10.1.2.0/30');
    expect(parseInterfaceAddress('2001:DB8::1/64').prefix.text).toBe('2001:db8::/64');
  });

  it.each(['10.1.2.1', '10.1.2.1/33', '10.1.2.01/30', 'fe80::1%eth0/64'])('rejects %j with invalid_address', (text) => {
    expect(errorOf(() => parseInterfaceAddress(text)).code).toBe('invalid_address');
  });
});

describe('maskFromDotted', () => {
  it.each([
    ['255.255.255.252', 30],
    ['255.255.255.255', 32],
    ['255.0.0.0', 8],
    ['128.0.0.0', 1],
    ['0.0.0.0', 0],
  ])('reads %s as /%i', (mask, length) => {
    expect(maskFromDotted(mask)).toBe(length);
  });

  it.each(['255.0.255.0', '255.255.255.253', '24', '0xff.255.255.0', '255.255.0255.0', '255.255.255', ' 255.255.255.0', ''])(
    'rejects %j',
    (mask) => {
      expect(errorOf(() => maskFromDotted(mask)).code).toBe('invalid_address');
    },
  );

  it('reads back the mask of every length', () => {
    for (let length = 0; length <= 32; length++) {
      const mask = ((1n << 32n) - 1n) ^ ((1n << BigInt(32 - length)) - 1n);
      expect(maskFromDotted(formatAddress(4, mask))).toBe(length);
    }
  });
});

describe('prefix relations', () => {
  const p = parseCidr;

  it('counts and bounds blocks', () => {
    expect(addressCount(p('10.0.0.0/8'))).toBe(16777216n);
    expect(addressCount(p('::/0'))).toBe(1n << 128n);
    expect(formatAddress(4, lastAddress(p('10.1.0.0/16')))).toBe('10.1.255.255');
    expect(containsAddress(p('10.1.0.0/16'), parseAddress('10.1.255.255').value)).toBe(true);
    expect(containsAddress(p('10.1.0.0/16'), parseAddress('10.2.0.0').value)).toBe(false);
  });

  it('never relates prefixes of different families', () => {
    expect(containsCidr(p('0.0.0.0/0'), p('::/128'))).toBe(false);
    expect(overlaps(p('::/0'), p('10.0.0.0/8'))).toBe(false);
    expect(compareCidr(p('255.0.0.0/8'), p('::/0'))).toBeLessThan(0);
  });

  it('rejects impossible numbers as programming errors', () => {
    expect(() => cidrOf(4, 0n, 33)).toThrow(RangeError);
    expect(() => cidrOf(4, 1n << 32n, 8)).toThrow(RangeError);
    expect(() => formatAddress(6, -1n)).toThrow(RangeError);
  });

  for (const family of [4, 6] as const) {
    it(`agrees with address ranges for IPv${family}`, () => {
      fc.assert(
        fc.property(cidrArb(family), cidrArb(family), (a, b) => {
          const intersect = a.network <= lastAddress(b) && b.network <= lastAddress(a);
          expect(overlaps(a, b)).toBe(intersect);
          expect(containsCidr(a, b)).toBe(a.network <= b.network && lastAddress(b) <= lastAddress(a));
          expect(containsAddress(a, b.network)).toBe(a.network <= b.network && b.network <= lastAddress(a));
          if (containsCidr(a, b) && a.length < b.length) expect(compareCidr(a, b)).toBeLessThan(0);
          expect(Math.sign(compareCidr(a, b)) + Math.sign(compareCidr(b, a))).toBe(0);
        }),
      );
    });
  }

  it('orders families IPv4 first', () => {
    fc.assert(
      fc.property(familyArb, familyArb, (f, g) => {
        const a = cidrOf(f, 0n, 0);
        const b = cidrOf(g, 0n, 0);
        expect(Math.sign(compareCidr(a, b))).toBe(Math.sign(f - g));
      }),
    );
  });
});
