/**
 * Reverse DNS names for prefixes and addresses. Names are written without the trailing
 * dot of the root; parseReverseName accepts either.
 *
 * Zones exist only where the name has a label boundary: every octet in `in-addr.arpa`
 * (/8, /16, /24), every nibble in `ip6.arpa`. A prefix between two boundaries is served
 * by the zones of the next longer boundary (a /20 by sixteen /24 zones, an IPv6 /50 by
 * four /52 zones). A prefix longer than /24 gets one RFC 2317 classless zone inside its
 * /24, named here `<first octet of the block>/<length>.<the /24 zone>`, e.g.
 * `0/27.2.0.192.in-addr.arpa` for 192.0.2.0/27 (the `/` form of RFC 2317 section 4);
 * the /24 zone delegates it with CNAMEs.
 *
 * Rounding up to the next boundary bounds the list: at most 2^7 = 128 zones for IPv4
 * (a /1, /9 or /17) and 2^3 = 8 for IPv6 (a /1, /5, ...). No prefix can ask for a huge
 * list, so no cap is needed.
 */
import { AddressError, type Cidr, type Family, cidrOf, familyBits, parseAddress } from './cidr.js';

const SUFFIX = { 4: 'in-addr.arpa', 6: 'ip6.arpa' } as const;
/** bits per label */
const STEP = { 4: 8, 6: 4 } as const;

/** The reverse name of the first `length` bits of `value` (a multiple of the label step). */
function nameOf(family: Family, value: bigint, length: number): string {
  const step = STEP[family];
  const bits = familyBits(family);
  const labels: string[] = [];
  for (let end = length; end > 0; end -= step) {
    const label = (value >> BigInt(bits - end)) & ((1n << BigInt(step)) - 1n);
    labels.push(label.toString(family === 4 ? 10 : 16));
  }
  return [...labels, SUFFIX[family]].join('.');
}

/** The reverse zones that together cover exactly `cidr`, in address order. */
export function reverseZones(cidr: Cidr): string[] {
  const { family, network, length } = cidr;
  if (family === 4 && length > 24) {
    const firstOctet = network & 0xffn;
    return [`${firstOctet}/${length}.${nameOf(4, network, 24)}`];
  }
  const step = STEP[family];
  const zoneLength = Math.ceil(length / step) * step;
  const zoneSize = 1n << BigInt(familyBits(family) - zoneLength);
  const zones: string[] = [];
  for (let i = 0n; i < 1n << BigInt(zoneLength - length); i++) {
    zones.push(nameOf(family, network + i * zoneSize, zoneLength));
  }
  return zones;
}

/** The PTR owner name of an address, e.g. `1.2.0.192.in-addr.arpa`. */
export function reverseName(family: Family, value: bigint): string {
  return nameOf(family, value, familyBits(family));
}

function notReverse(name: string, reason: string): AddressError {
  return new AddressError('invalid_cidr', `${JSON.stringify(name)} is not a reverse DNS name: ${reason}.`);
}

/**
 * The prefix a reverse name denotes: a zone name gives its block (`2.0.192.in-addr.arpa`
 * → 192.0.2.0/24), a PTR name its /32 or /128, a classless name as written by
 * {@link reverseZones} its block. Case-insensitive; a trailing dot is allowed. Errors use
 * `invalid_cidr`.
 */
export function parseReverseName(name: string): Cidr {
  const lower = name.toLowerCase().replace(/\.$/, '');
  for (const family of [4, 6] as const) {
    const suffix = SUFFIX[family];
    if (lower !== suffix && !lower.endsWith(`.${suffix}`)) continue;
    const labels = lower === suffix ? [] : lower.slice(0, -suffix.length - 1).split('.').reverse();
    return family === 4 ? readIn4(name, labels) : readIp6(name, labels);
  }
  throw notReverse(name, 'it ends neither in in-addr.arpa nor in ip6.arpa');
}

/** `labels` most significant first. */
function readIn4(name: string, labels: string[]): Cidr {
  if (labels.length > 4) throw notReverse(name, 'an in-addr.arpa name has at most four octet labels');
  const classless = labels.length === 4 ? /^([0-9]+)\/([0-9]+)$/.exec(labels[3]) : null;
  if (classless && !(Number(classless[2]) > 24 && Number(classless[2]) <= 32 && !classless[2].startsWith('0'))) {
    throw notReverse(name, `a classless label "${labels[3]}" needs a length from 25 to 32`);
  }
  if (labels.some((label, i) => label.includes('/') && !(classless && i === 3))) {
    throw notReverse(name, 'a classless label such as 0/27 comes only right in front of a /24 zone name');
  }
  const octets = [...labels, '0', '0', '0', '0'].slice(0, 4);
  if (classless) octets[3] = classless[1];
  try {
    const { value } = parseAddress(octets.join('.'));
    return cidrOf(4, value, classless ? Number(classless[2]) : 8 * labels.length);
  } catch (error) {
    if (error instanceof AddressError && error.code === 'not_canonical' && classless) {
      throw notReverse(name, `${classless[1]} is not the first address of a /${classless[2]} block`);
    }
    if (error instanceof AddressError) throw notReverse(name, error.message.replace(/\.$/, ''));
    throw error;
  }
}

function readIp6(name: string, labels: string[]): Cidr {
  if (labels.length > 32) throw notReverse(name, 'an ip6.arpa name has at most 32 nibble labels');
  const bad = labels.find((label) => !/^[0-9a-f]$/.test(label));
  if (bad !== undefined) throw notReverse(name, `"${bad}" is not a single hexadecimal digit`);
  return cidrOf(6, BigInt(`0x${labels.join('').padEnd(32, '0')}`), 4 * labels.length);
}
