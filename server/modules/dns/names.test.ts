import { describe, expect, it } from 'vitest';
import { asciiLabel, asciiName, isWithin, nameInZone, NameError, unicodeName } from './names.js';

describe('domain names', () => {
  it('converts Chinese labels to punycode and back, and lower-cases ASCII', () => {
    expect(asciiLabel('南宁')).toBe('xn--6krw3q');
    expect(asciiName('南宁.GX.Example.')).toBe('xn--6krw3q.gx.example');
    expect(unicodeName('xn--6krw3q.gx.example')).toBe('南宁.gx.example');
    expect(unicodeName('plain.gx.example')).toBe('plain.gx.example');
  });

  it('enforces LDH for host names and allows one leading underscore for service labels', () => {
    expect(() => asciiLabel('my_host')).toThrow(/underscore/);
    expect(() => asciiLabel('a b')).toThrow(/space/);
    expect(() => asciiLabel('-edge')).toThrow(NameError);
    expect(() => asciiLabel('edge-')).toThrow(NameError);
    expect(() => asciiLabel('xn--zz')).toThrow(/punycode/);
    expect(asciiLabel('_sip', 'service')).toBe('_sip');
    expect(() => asciiLabel('a_b', 'service')).toThrow(NameError);
  });

  it('counts octets: 63 per label, 253 per name, punycode included', () => {
    expect(asciiLabel('a'.repeat(63))).toHaveLength(63);
    expect(() => asciiLabel('a'.repeat(64))).toThrow(/64 octets/);
    expect(() => asciiLabel('广西壮族自治区南宁市兴宁区民生街道朝阳')).toThrow(/64 octets as xn--/);
    const name253 = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(asciiName(name253)).toHaveLength(253);
    expect(() => asciiName(`${name253}x`)).toThrow(/254 octets/);
    expect(() => asciiName('a..b')).toThrow(/empty label/);
  });

  it('reads names inside a zone like a zone file: @, relative, absolute', () => {
    expect(nameInZone('@', 'gx.example')).toBe('gx.example');
    expect(nameInZone('www', 'gx.example')).toBe('www.gx.example');
    expect(nameInZone('WWW.gx.example', 'gx.example')).toBe('www.gx.example');
    expect(nameInZone('www.other.example.', 'gx.example')).toBe('www.other.example');
    expect(() => nameInZone('a'.repeat(63) + '.' + 'b'.repeat(63) + '.' + 'c'.repeat(63) + '.' + 'd'.repeat(60), 'gx.example')).toThrow(/octets/);
    expect(isWithin('a.gx.example', 'gx.example')).toBe(true);
    expect(isWithin('agx.example', 'gx.example')).toBe(false);
  });
});
