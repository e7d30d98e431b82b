/**
 * Record data: each type's value read from what a person typed into the canonical
 * presentation form the zone file carries (targets absolute with their final dot, addresses
 * canonical), so that what is stored is exactly what a DNS server will load.
 */
import { AddressError, parseAddress, type Family } from '../../net/cidr.js';
import { asciiName, isWithin, NameError, type LabelRule } from './names.js';

export const recordTypes = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV', 'PTR'] as const;
export type RecordType = (typeof recordTypes)[number];

/** Types whose owner is a host name under BIND's check-names (LDH, no underscore). */
export const hostOwnerTypes: ReadonlySet<RecordType> = new Set(['A', 'AAAA', 'MX']);

export const minTtl = 60;
export const maxTtl = 604_800;
export const maxTxtOctets = 4000;

export class ValueError extends Error {
  override readonly name = 'ValueError';
}

/** A target name: absolute when it ends in a dot or in the zone's name, else relative to the zone. */
export function targetName(text: string, zone: string, rule: LabelRule): string {
  if (text === '@') return `${zone}.`;
  const absolute = text.endsWith('.');
  let ascii: string;
  try {
    ascii = asciiName(absolute ? text.slice(0, -1) : text, rule);
  } catch (err) {
    if (err instanceof NameError) throw new ValueError(`${JSON.stringify(text)} is not a valid domain name: ${err.message}`);
    throw err;
  }
  if (absolute || isWithin(ascii, zone)) return `${ascii}.`;
  const full = `${ascii}.${zone}`;
  if (Buffer.byteLength(full) > 253) throw new ValueError(`${JSON.stringify(text)} relative to ${zone} is longer than 253 octets`);
  return `${full}.`;
}

function uint16(text: string, what: string): number {
  if (!/^[0-9]{1,5}$/.test(text) || Number(text) > 65535) throw new ValueError(`${what} must be a whole number from 0 to 65535, not ${JSON.stringify(text)}`);
  return Number(text);
}

function address(text: string, family: Family): string {
  let parsed;
  try {
    parsed = parseAddress(text.trim());
  } catch (err) {
    if (err instanceof AddressError) throw new ValueError(err.message.replace(/\.$/, ''));
    throw err;
  }
  if (parsed.family !== family) {
    throw new ValueError(
      family === 4
        ? `an A record holds an IPv4 address; ${parsed.text} is IPv6: use an AAAA record`
        : `an AAAA record holds an IPv6 address; ${parsed.text} is IPv4: use an A record`,
    );
  }
  return parsed.text;
}

/** The canonical value of a record of `type` in `zone`, or a ValueError saying what to type instead. */
export function canonicalValue(type: RecordType, text: string, zone: string): string {
  const value = text.trim();
  if (value === '' && type !== 'TXT') throw new ValueError(`a ${type} record needs a value`);
  switch (type) {
    case 'A':
      return address(value, 4);
    case 'AAAA':
      return address(value, 6);
    case 'CNAME':
      return targetName(value, zone, 'service');
    case 'NS':
    case 'PTR':
      return targetName(value, zone, 'host');
    case 'MX': {
      const parts = value.split(/\s+/);
      if (parts.length !== 2) throw new ValueError(`an MX value is "preference exchange", as in "10 mail.${zone}."`);
      const preference = uint16(parts[0], 'the MX preference');
      if (parts[1] === '.') {
        if (preference !== 0) throw new ValueError('a null MX (RFC 7505) has preference 0: "0 ."');
        return '0 .';
      }
      return `${preference} ${targetName(parts[1], zone, 'host')}`;
    }
    case 'SRV': {
      const parts = value.split(/\s+/);
      if (parts.length !== 4) throw new ValueError(`an SRV value is "priority weight port target", as in "10 5 5060 sip.${zone}."`);
      const [priority, weight, port] = [uint16(parts[0], 'the SRV priority'), uint16(parts[1], 'the SRV weight'), uint16(parts[2], 'the SRV port')];
      return `${priority} ${weight} ${port} ${parts[3] === '.' ? '.' : targetName(parts[3], zone, 'host')}`;
    }
    case 'TXT': {
      const octets = Buffer.byteLength(text);
      if (octets > maxTxtOctets) throw new ValueError(`a TXT value here holds at most ${maxTxtOctets} octets; this one has ${octets}`);
      // TXT is data, not a name: kept exactly as given, escaped only when written to a zone file.
      return text;
    }
  }
}

/**
 * A TXT value as zone-file character-strings: quoted, `"` and `\` escaped, bytes outside
 * printable ASCII as \DDD, split into strings of at most 255 octets.
 */
export function txtPresentation(value: string): string {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length === 0) return '""';
  const strings: string[] = [];
  for (let start = 0; start < bytes.length; start += 255) {
    let out = '"';
    for (const byte of bytes.subarray(start, start + 255)) {
      if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
      else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
      else out += `\\${String(byte).padStart(3, '0')}`;
    }
    strings.push(`${out}"`);
  }
  return strings.join(' ');
}
