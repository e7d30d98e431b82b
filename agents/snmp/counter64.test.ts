import { describe, expect, it } from 'vitest';
import { parse } from 'snmp-native';
import { COUNTER64_MAX, unsignedFromBer } from './counter64.js';

describe('unsignedFromBer', () => {
  it('decodes exactly where a JS number cannot', () => {
    expect(unsignedFromBer(Uint8Array.from([0x20, 0, 0, 0, 0, 0, 0x01]))).toBe(2n ** 53n + 1n);
    expect(unsignedFromBer(Uint8Array.from([0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBe(COUNTER64_MAX);
    expect(unsignedFromBer(Uint8Array.from([0]))).toBe(0n);
    expect(unsignedFromBer(Uint8Array.from([0x00, 0x80]))).toBe(128n);
  });

  it('refuses what is no unsigned 64-bit counter', () => {
    expect(() => unsignedFromBer(new Uint8Array())).toThrow(RangeError);
    expect(() => unsignedFromBer(Uint8Array.from([0x80]))).toThrow(/negative/);
    expect(() => unsignedFromBer(Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 0]))).toThrow(/64-bit/);
  });

  it('reads the raw bytes snmp-native keeps on a parsed Counter64 varbind, which its own number gets wrong', () => {
    // A GetResponse (v2c, community "public") carrying ifHCInOctets.1 = 2^64 − 1 (Counter64, tag 0x46).
    const oid = [0x06, 0x0b, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x1f, 0x01, 0x01, 0x01, 0x06, 0x01];
    const value = [0x46, 0x09, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    const varbind = [0x30, oid.length + value.length, ...oid, ...value];
    const varbinds = [0x30, varbind.length, ...varbind];
    const pdu = [0x02, 0x01, 0x07, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, ...varbinds];
    const message = [0x02, 0x01, 0x01, 0x04, 0x06, ...Buffer.from('public'), 0xa2, pdu.length, ...pdu];
    const packet = parse(Buffer.from([0x30, message.length, ...message])) as { pdu: { varbinds: { value: number; valueRaw: Buffer }[] } };
    const [vb] = packet.pdu.varbinds;
    expect(vb.value).toBe(18446744073709552000); // the library's own number: rounded
    expect(String(vb.value)).not.toBe('18446744073709551615');
    expect(unsignedFromBer(vb.valueRaw)).toBe(COUNTER64_MAX);
  });
});
