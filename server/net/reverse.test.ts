import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Address4, Address6 } from 'ip-address';
import { addressArb, cidrArb } from './arbitraries.js';
import { AddressError, addressCount, cidrOf, containsCidr, formatAddress, parseCidr } from './cidr.js';
import { parseReverseName, parseReverseZone, reverseName, reverseZones } from './reverse.js';

const zones = (text: string) => reverseZones(parseCidr(text));

describe('reverseZones', () => {
  it('gives IPv4 zones at octet boundaries', () => {
    const slash20 = zones('172.16.0.0/20');
    expect(slash20).toHaveLength(16);
    expect(slash20[0]).toBe('0.16.172.in-addr.arpa');
    expect(slash20[15]).toBe('15.16.172.in-addr.arpa');
    expect(zones('172.16.0.0/16')).toEqual(['16.172.in-addr.arpa']);
    expect(zones('172.16.0.0/12')).toHaveLength(16);
    expect(zones('172.16.0.0/12')[15]).toBe('31.172.in-addr.arpa');
    expect(zones('10.0.0.0/8')).toEqual(['10.in-addr.arpa']);
    expect(zones('192.0.2.0/24')).toEqual(['2.0.192.in-addr.arpa']);
    expect(zones('0.0.0.0/0')).toEqual(['in-addr.arpa']);
  });

  it('gives a prefix longer than /24 one RFC 2317 classless name', () => {
    expect(zones('192.0.2.0/27')).toEqual(['0/27.2.0.192.in-addr.arpa']);
    expect(zones('192.0.2.96/27')).toEqual(['96/27.2.0.192.in-addr.arpa']);
    expect(zones('192.0.2.5/32')).toEqual(['5/32.2.0.192.in-addr.arpa']);
  });

  it('names a classless prefix inside the classless blocks that enclose it, so its parent zone can delegate it (issue 13 item 6)', () => {
    const nested = (text: string, ...enclosing: string[]) => reverseZones(parseCidr(text), enclosing.map(parseCidr));
    expect(nested('192.0.2.64/28', '192.0.2.64/26')).toEqual(['64/28.64/26.2.0.192.in-addr.arpa']);
    // Nearest enclosing block first, whatever order the ancestors come in; blocks of /24 and shorter add no label.
    expect(nested('192.0.2.80/29', '192.0.0.0/16', '192.0.2.64/26', '192.0.2.0/24', '192.0.2.80/28')).toEqual(['80/29.80/28.64/26.2.0.192.in-addr.arpa']);
    // Blocks that do not enclose it, or the block itself, change nothing.
    expect(nested('192.0.2.64/28', '192.0.2.64/28', '192.0.2.128/25', '198.51.100.0/25')).toEqual(['64/28.2.0.192.in-addr.arpa']);
    expect(nested('192.0.2.0/24', '192.0.0.0/16')).toEqual(['2.0.192.in-addr.arpa']);
    expect(nested('2001:db8::/48', '2001:db8::/32')).toEqual(['0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa']);
  });

  it('gives IPv6 zones at nibble boundaries', () => {
    expect(zones('2001:db8:1234::/48')).toEqual(['4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa']);
    const slash50 = zones('2001:db8:1234::/50');
    expect(slash50).toEqual([
      '0.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa',
      '1.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa',
      '2.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa',
      '3.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa',
    ]);
    expect(zones('2001:db8:1234:4000::/50')[0]).toBe('4.4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa');
    expect(zones('::/0')).toEqual(['ip6.arpa']);
  });

  it('never lists more than 128 IPv4 or 8 IPv6 zones', () => {
    expect(zones('0.0.0.0/1')).toHaveLength(128);
    expect(zones('10.0.0.0/9')).toHaveLength(128);
    expect(zones('::/1')).toHaveLength(8);
    expect(zones('2000::/5')).toHaveLength(8);
  });

  for (const family of [4, 6] as const) {
    it(`covers the prefix exactly with the zones named (IPv${family})`, () => {
      fc.assert(
        fc.property(cidrArb(family), (cidr) => {
          const blocks = reverseZones(cidr).map(parseReverseName);
          expect(blocks.every((block) => containsCidr(cidr, block))).toBe(true);
          expect(new Set(blocks.map((block) => block.text)).size).toBe(blocks.length);
          expect(blocks.reduce((sum, block) => sum + addressCount(block), 0n)).toBe(addressCount(cidr));
        }),
      );
    });
  }
});

describe('parseReverseZone', () => {
  it('reads back the name reverseZones gives, with the blocks it is nested in', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.uniqueArray(fc.integer({ min: 24, max: 32 }), { minLength: 1, maxLength: 9 }), (address, lengths) => {
        const [own, ...outer] = [...lengths].sort((a, b) => b - a).map((length) => cidrOf(4, BigInt(address) & ~((1n << BigInt(32 - length)) - 1n), length));
        const [name] = reverseZones(own, outer);
        const read = parseReverseZone(name);
        expect(read.cidr.text).toBe(own.text);
        expect(read.enclosing.map((c) => c.text)).toEqual(outer.filter((c) => c.length > 24).map((c) => c.text));
        expect(reverseZones(read.cidr, read.enclosing)).toEqual([name]);
      }),
    );
  });
});

describe('reverseName', () => {
  it('names the PTR owner of an address', () => {
    expect(reverseName(4, parseCidr('192.0.2.1/32').network)).toBe('1.2.0.192.in-addr.arpa');
    expect(reverseName(6, parseCidr('2001:db8::1/128').network)).toBe(
      '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
    );
  });

  it('agrees with ip-address and reads back to the host prefix', () => {
    fc.assert(
      fc.property(addressArb(4), addressArb(6), (v4, v6) => {
        expect(`${reverseName(4, v4)}.`).toBe(new Address4(formatAddress(4, v4)).reverseForm());
        expect(`${reverseName(6, v6)}.`).toBe(new Address6(formatAddress(6, v6)).reverseForm());
        expect(parseReverseName(reverseName(4, v4)).text).toBe(`${formatAddress(4, v4)}/32`);
        expect(parseReverseName(reverseName(6, v6)).text).toBe(`${formatAddress(6, v6)}/128`);
      }),
    );
  });
});

describe('parseReverseName', () => {
  it.each([
    ['2.0.192.in-addr.arpa', '192.0.2.0/24'],
    ['2.0.192.IN-ADDR.ARPA.', '192.0.2.0/24'],
    ['10.in-addr.arpa', '10.0.0.0/8'],
    ['in-addr.arpa', '0.0.0.0/0'],
    ['64/26.2.0.192.in-addr.arpa', '192.0.2.64/26'],
    ['64/28.64/26.2.0.192.in-addr.arpa', '192.0.2.64/28'],
    ['80/29.80/28.64/26.2.0.192.IN-ADDR.ARPA.', '192.0.2.80/29'],
    ['8.B.D.0.1.0.0.2.ip6.arpa.', '2001:db8::/32'],
    ['ip6.arpa', '::/0'],
  ])('reads %s as %s', (name, cidr) => {
    expect(parseReverseName(name).text).toBe(cidr);
  });

  it.each([
    'example.com',
    '256.in-addr.arpa',
    '01.in-addr.arpa',
    '.in-addr.arpa',
    '1.2.3.4.5.in-addr.arpa',
    '5/27.2.0.192.in-addr.arpa',
    '0/24.2.0.192.in-addr.arpa',
    '0/027.2.0.192.in-addr.arpa',
    '0/27.0.192.in-addr.arpa',
    '0/26.64/26.2.0.192.in-addr.arpa',
    '0/25.0/26.2.0.192.in-addr.arpa',
    '128/26.0/25.2.0.192.in-addr.arpa',
    '1.0/26.2.0.192.in-addr.arpa',
    '0/26.1.2.0.192.in-addr.arpa',
    'g.ip6.arpa',
    '10.ip6.arpa',
    `${'0.'.repeat(33)}ip6.arpa`,
  ])('rejects %j with invalid_cidr', (name) => {
    let error: unknown;
    try {
      parseReverseName(name);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AddressError);
    expect((error as AddressError).code).toBe('invalid_cidr');
    expect((error as AddressError).message).toContain('is not a reverse DNS name');
  });
});
