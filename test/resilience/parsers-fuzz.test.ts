// Fuzzing of the parsers every address and name typed by a person goes through (issue 12, item 4):
// server/net/cidr.ts (prefixes, addresses, interface addresses, dotted masks) and
// server/modules/dns/names.ts (labels and names). Arbitrary text and near-misses of valid text
// (a valid value with characters inserted, dropped or doubled). Each parser either answers a
// value that is canonical and reads back to itself, or refuses with its own error type (which
// the API answers as 400) — never a TypeError, a RangeError or a hang. The well-formed side is
// property-tested beside the code (server/net/cidr.test.ts, server/modules/dns/names.test.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressArb, cidrArb } from '../../server/net/arbitraries.js';
import { AddressError, familyBits, formatAddress, maskFromDotted, parseAddress, parseCidr, parseInterfaceAddress } from '../../server/net/cidr.js';
import { asciiLabel, asciiName, maxLabelOctets, maxNameOctets, NameError } from '../../server/modules/dns/names.js';

const runs = Number(process.env.WAIWANG_FUZZ_RUNS ?? 3000);

/** Characters that sit close to the grammar: digits of other scripts, separators, escapes, controls. */
const tricky = fc.constantFrom(...'0123456789abcdefABCDEF.:/%-_ xX\u0000\t\n\uff10\uff0e\u3002\u00b2\u0660\u200b\ufeff\ud800\u00e9南'.split(''), '::', '..', '//', '255', '256', '4294967296', 'ffff', '10000');

/** A valid text with a few random edits. */
function nearMiss(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const edit = fc.record({ at: fc.nat(), kind: fc.constantFrom('insert', 'delete', 'double', 'replace'), text: tricky });
  return fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 3 })).map(([text, edits]) => {
    let out = text;
    for (const e of edits) {
      const at = out.length ? e.at % out.length : 0;
      if (e.kind === 'insert') out = out.slice(0, at) + e.text + out.slice(at);
      else if (e.kind === 'delete') out = out.slice(0, at) + out.slice(at + 1);
      else if (e.kind === 'double') out = out.slice(0, at + 1) + out.slice(at);
      else out = out.slice(0, at) + e.text + out.slice(at + 1);
    }
    return out;
  });
}

const anyText = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: fc.constantFrom(...'0123456789abcdef.:/'.split('')), maxLength: 50 }));
const cidrText = fc.oneof(cidrArb(4), cidrArb(6)).map((c) => c.text);
const addressText = fc.oneof(addressArb(4).map((v) => formatAddress(4, v)), addressArb(6).map((v) => formatAddress(6, v)));

/** Runs `parse`; a refusal must be `refusal`, anything else thrown is a fault. */
function outcome<T>(parse: () => T, refusal: new (...args: never[]) => Error): { value?: T } {
  try {
    return { value: parse() };
  } catch (err) {
    if (err instanceof refusal) return {};
    throw new Error(`threw ${(err as Error)?.name}: ${(err as Error)?.message}`);
  }
}

describe('fuzzing the address parsers (server/net/cidr.ts)', () => {
  it('parseCidr: a canonical prefix that reads back to itself, or an AddressError', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, nearMiss(cidrText)), (text) => {
        const { value } = outcome(() => parseCidr(text), AddressError);
        if (!value) return;
        expect(value.length).toBeGreaterThanOrEqual(0);
        expect(value.length).toBeLessThanOrEqual(familyBits(value.family));
        expect(parseCidr(value.text)).toEqual(value);
        // Canonical: no host bits.
        expect(value.network & ((1n << BigInt(familyBits(value.family) - value.length)) - 1n)).toBe(0n);
      }),
      { numRuns: runs },
    );
  });

  it('parseAddress: an address that formats and reads back to itself, or an AddressError', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, nearMiss(addressText)), (text) => {
        const { value } = outcome(() => parseAddress(text), AddressError);
        if (!value) return;
        expect(value.value).toBeGreaterThanOrEqual(0n);
        expect(value.value < 1n << BigInt(familyBits(value.family))).toBe(true);
        expect(parseAddress(formatAddress(value.family, value.value))).toEqual(value);
      }),
      { numRuns: runs },
    );
  });

  it('parseInterfaceAddress and maskFromDotted: a value or an AddressError', () => {
    const interfaceText = fc.tuple(addressText, fc.integer({ min: 0, max: 128 })).map(([a, l]) => `${a}/${l}`);
    fc.assert(
      fc.property(fc.oneof(anyText, nearMiss(interfaceText)), (text) => {
        outcome(() => parseInterfaceAddress(text), AddressError);
      }),
      { numRuns: runs },
    );
    const maskText = fc.integer({ min: 0, max: 32 }).map((l) => formatAddress(4, l === 0 ? 0n : ((1n << 32n) - 1n) ^ ((1n << BigInt(32 - l)) - 1n)));
    fc.assert(
      fc.property(fc.oneof(anyText, nearMiss(maskText)), (text) => {
        const { value } = outcome(() => maskFromDotted(text), AddressError);
        if (value !== undefined) expect(Number.isInteger(value) && value >= 0 && value <= 32).toBe(true);
      }),
      { numRuns: runs },
    );
  });
});

describe('fuzzing the DNS name validator (server/modules/dns/names.ts)', () => {
  const ldh = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
  const service = /^_?[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
  const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
  const name = fc.array(label, { minLength: 1, maxLength: 5 }).map((labels) => labels.join('.'));

  it('asciiLabel: an LDH (or _service) A-label of at most 63 octets, stable when read again, or a NameError', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, nearMiss(label), fc.string({ unit: 'grapheme', maxLength: 30 })), fc.constantFrom('host' as const, 'service' as const), (text, rule) => {
        const { value } = outcome(() => asciiLabel(text, rule), NameError);
        if (value === undefined) return;
        expect(value).toMatch(rule === 'host' ? ldh : service);
        expect(Buffer.byteLength(value)).toBeLessThanOrEqual(maxLabelOctets);
        expect(asciiLabel(value, rule)).toBe(value);
      }),
      { numRuns: runs },
    );
  });

  it('asciiName: labels that each pass, at most 253 octets, stable when read again, or a NameError', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, nearMiss(name), fc.string({ unit: 'grapheme', maxLength: 80 }), fc.string({ minLength: 240, maxLength: 300, unit: fc.constantFrom('a', '.', '-') })), (text) => {
        const { value } = outcome(() => asciiName(text), NameError);
        if (value === undefined) return;
        expect(Buffer.byteLength(value)).toBeLessThanOrEqual(maxNameOctets);
        for (const l of value.split('.')) expect(l).toMatch(ldh);
        expect(asciiName(value)).toBe(value);
      }),
      { numRuns: runs },
    );
  });
});
