import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VrfRow } from './schema.js';
import { isoTime, listedFields, percentOf, percentOfDigits, prefixFromRaw, prefixJson, prefixView, type ListedPrefix, type PrefixJsonParts, type RawPrefix, type ViewContext } from './views.js';

const vrf = (id: number, name: string, zoneCode: string): VrfRow => ({ id, name, zoneCode, description: '', createdAt: new Date(0) });
const view: ViewContext = {
  vrfs: new Map([
    [1, vrf(1, 'public', 'public')],
    [7, vrf(7, 'vpn "甲" \\ \u2028', 'dedicated')],
  ]),
  holderNames: new Map([
    ['450100', '南宁市'],
    ['X"Y', 'tab\there \u0001 \ud83d\ude00 \ud800'],
  ]),
};

const base: RawPrefix = {
  id: '2562',
  vrf_id: '1',
  parent_id: '1',
  family: 4,
  prefix: '10.10.0.0/24',
  status: 'allocated',
  holder_code: '450100',
  description: '',
  used_addresses: '0',
  total_addresses: '256',
  child_count: 0,
  address_count: 0,
  created_at: '2026-12-01 19:37:29.87721+00',
  updated_at: '2026-12-01 19:37:29.87721+00',
};

/** What the listing's text must equal: the view GET /prefixes/{id} builds, serialized. */
const expected = (row: RawPrefix) => JSON.stringify(prefixView(prefixFromRaw(row), view));

/**
 * The row as the listing's select gives it (listedPrefixColumns: concat_ws of the columns'
 * text, '' for no parent); test/integration/ipam-listing-json.test.ts checks the select itself
 * on both databases.
 */
function listed(r: RawPrefix): ListedPrefix {
  const fields = [r.id, r.vrf_id, r.parent_id ?? '', r.family, r.prefix, r.status, r.used_addresses, r.total_addresses, r.child_count, r.address_count, r.created_at, r.updated_at];
  return { fields: fields.map(String).join('|'), holder_code: r.holder_code, description: r.description };
}
const itemOf = (r: RawPrefix, parts?: PrefixJsonParts) => {
  const row = listed(r);
  return prefixJson(row, listedFields(row), view, parts);
};

describe('prefixJson: the listing item, exactly as prefixView serializes it', () => {
  it.each<[string, Partial<RawPrefix>]>([
    ['a plain row', {}],
    ['a root with escapes everywhere', { parent_id: null, vrf_id: '7', holder_code: 'X"Y', description: '池 "10.0.0.0/8" \\ \t\n\u0000 \ud800 </script>' }],
    ['an unknown holder (its code as its name)', { holder_code: '999999' }],
    ['odd utilization', { used_addresses: '7', total_addresses: '3', child_count: 2, address_count: 3 }],
    ['a pool', { status: 'pool', parent_id: null }],
    ['an assigned prefix', { status: 'assigned' }],
    ['a reserved prefix', { status: 'reserved' }],
    ['counts of 11 digits (the last computed in doubles)', { family: 6, prefix: '2001:db8::/93', used_addresses: '34359738367', total_addresses: '34359738368' }],
    ['counts of 12 digits (through BigInt)', { family: 6, prefix: '2001:db8::/88', used_addresses: '1099511627775', total_addresses: '1099511627776' }],
    ['an IPv6 /32 full', { family: 6, prefix: '2001:db8::/32', used_addresses: '79228162514264337593543950336', total_addresses: '79228162514264337593543950336' }],
    ['a percent past 2^53', { family: 6, prefix: '2001:db8::/32', used_addresses: '12345678901234567890123', total_addresses: '79228162514264337593543950336' }],
    ['IPv4-mapped space PostgreSQL prints dotted', { family: 6, prefix: '::ffff:10.0.0.0/120' }],
    ['::/96 printed dotted', { family: 6, prefix: '::1.0.0.0/120' }],
    ['a description holding the fields’ separator', { description: 'a|b||c|' }],
    ['times without fraction, in another zone, of a two-digit year', { created_at: '2026-12-01 19:37:29+00', updated_at: '2026-12-02 03:37:29.5+08' }],
    ['a year Date reads as two digits', { created_at: '0049-01-01 00:00:00+00', updated_at: '0049-01-01 00:00:00+00' }],
  ])('%s', (_, change) => {
    const row = { ...base, ...change };
    expect(itemOf(row)).toBe(expected(row));
  });

  it('keeps a page’s fragments apart by VRF and holder', () => {
    const parts: PrefixJsonParts = { vrfs: new Map(), holders: new Map() };
    const rows = [base, { ...base, vrf_id: '7', holder_code: 'X"Y' }, base, { ...base, id: '3', holder_code: '999999' }];
    expect(rows.map((r) => itemOf(r, parts))).toEqual(rows.map(expected));
  });
});

describe('percentOfDigits', () => {
  it('is percentOf of the same counts, in doubles or through BigInt', () => {
    const count = fc.oneof(
      fc.bigInt({ min: 0n, max: 10n ** 11n - 1n }),
      fc.bigInt({ min: 10n ** 10n, max: 10n ** 13n }),
      fc.bigInt({ min: 0n, max: 1n << 128n }),
      fc.constantFrom(0n, 1n, 99_999_999_999n, 100_000_000_000n),
    );
    fc.assert(
      fc.property(count, count, (a, b) => {
        // used ≤ total in the registry; both orders are checked all the same.
        expect(percentOfDigits(String(a), String(b))).toBe(percentOf(a, b));
        expect(percentOfDigits(String(b), String(a))).toBe(percentOf(b, a));
      }),
      { numRuns: 20000 },
    );
  });

  it('floors a quotient just below the next hundredth', () => {
    // 99.99…% of a /0's worth of IPv4 and of an 11-digit count: never rounded up to 100.
    expect(percentOfDigits('4294967295', '4294967296')).toBe(99.99);
    expect(percentOfDigits('99999999998', '99999999999')).toBe(99.99);
    expect(percentOfDigits('0', '0')).toBe(0);
  });
});

describe('isoTime', () => {
  it('is new Date(text).toISOString() for every UTC time PostgreSQL prints', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 31) }), fc.integer({ min: 0, max: 999 }), fc.boolean(), (ms, micros, again) => {
        const iso = new Date(ms).toISOString();
        // PostgreSQL's output: microseconds, trailing zeros (and a bare dot) dropped.
        const text = `${iso.slice(0, 10)} ${`${iso.slice(11, 23)}${String(micros).padStart(3, '0')}`.replace(/\.?0+$/, '')}+00`;
        expect(isoTime(text)).toBe(new Date(text).toISOString());
        if (again) expect(isoTime(text)).toBe(new Date(text).toISOString());
      }),
      { numRuns: 5000 },
    );
  });
});
