/**
 * Exact unsigned integers from the raw BER content bytes of a varbind's value. snmp-native
 * decodes Counter64 into a JS number, which loses precision above 2^53 (2^64 − 1 reads as
 * 18446744073709552000, measured); it keeps the raw bytes on every varbind (`valueRaw`), and
 * this is the one place they become numbers. BER encodes an unsigned value as a two's-complement
 * INTEGER, so a value with its top bit set carries a leading 0x00 (nine bytes for 2^64 − 1).
 */
export const COUNTER64_MAX = 2n ** 64n - 1n;

export function unsignedFromBer(raw: Uint8Array): bigint {
  if (raw.length === 0) throw new RangeError('an empty integer encoding');
  if (raw.length > 9 || (raw.length === 9 && raw[0] !== 0)) throw new RangeError(`${raw.length} bytes do not hold an unsigned 64-bit value`);
  let value = 0n;
  for (const byte of raw) value = (value << 8n) | BigInt(byte);
  // A negative INTEGER (top bit of the first byte set, no 0x00 pad) is no counter: a broken agent.
  if (raw[0] & 0x80) throw new RangeError(`0x${Buffer.from(raw).toString('hex')} is negative as a BER INTEGER, not a counter`);
  return value;
}

/** The decimal string a reading carries. */
export const counterText = (raw: Uint8Array): string => unsignedFromBer(raw).toString();
