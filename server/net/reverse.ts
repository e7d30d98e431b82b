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
 * A classless prefix registered inside another classless prefix (a /28 inside a /26) is
 * delegated by the zone of that enclosing block, which can only hold names below its own:
 * its zone is named inside the enclosing one, `64/28.64/26.2.0.192.in-addr.arpa`, the same
 * RFC 2317 construction one level down (section 5 of the RFC leaves the naming to the
 * delegating zone). Resolvers follow one CNAME per level.
 *
 * Rounding up to the next boundary bounds the list: at most 2^7 = 128 zones for IPv4
 * (a /1, /9 or /17) and 2^3 = 8 for IPv6 (a /1, /5, ...). No prefix can ask for a huge
 * list, so no cap is needed.
 */
import { AddressError, type Cidr, type Family, cidrOf, containsCidr, familyBits, parseAddress } from './cidr.js';

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

const classlessLabel = (cidr: Cidr) => `${cidr.network & 0xffn}/${cidr.length}`;

/**
 * The reverse zones that together cover exactly `cidr`, in address order. `enclosing` are
 * the prefixes `cidr` is registered inside (its ancestors, in any order): those longer than
 * /24 name an RFC 2317 zone inside theirs; the others change nothing.
 */
export function reverseZones(cidr: Cidr, enclosing: readonly Cidr[] = []): string[] {
  const { family, network, length } = cidr;
  if (family === 4 && length > 24) {
    const classless = enclosing
      .filter((outer) => outer.length > 24 && outer.length < length && containsCidr(outer, cidr))
      .sort((a, b) => b.length - a.length);
    return [[cidr, ...classless].map(classlessLabel).join('.') + `.${nameOf(4, network, 24)}`];
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
 * A reverse zone name read back: the block it denotes and, for a nested RFC 2317 name, the
 * classless blocks it is named inside, nearest first (`64/28.64/26.2.0.192.in-addr.arpa` →
 * 192.0.2.64/28 inside 192.0.2.64/26), so that `reverseZones(cidr, enclosing)` gives the
 * name again. Case-insensitive; a trailing dot is allowed. Errors use `invalid_cidr`.
 */
export function parseReverseZone(name: string): { cidr: Cidr; enclosing: Cidr[] } {
  const lower = name.toLowerCase().replace(/\.$/, '');
  for (const family of [4, 6] as const) {
    const suffix = SUFFIX[family];
    if (lower !== suffix && !lower.endsWith(`.${suffix}`)) continue;
    const labels = lower === suffix ? [] : lower.slice(0, -suffix.length - 1).split('.').reverse();
    return family === 4 ? readIn4(name, labels) : { cidr: readIp6(name, labels), enclosing: [] };
  }
  throw notReverse(name, 'it ends neither in in-addr.arpa nor in ip6.arpa');
}

/**
 * The prefix a reverse name denotes: a zone name gives its block (`2.0.192.in-addr.arpa`
 * → 192.0.2.0/24), a PTR name its /32 or /128, a classless name as written by
 * {@link reverseZones} its block.
 */
export function parseReverseName(name: string): Cidr {
  return parseReverseZone(name).cidr;
}

/** `labels` most significant first: up to four octets, or three octets and classless labels, each block inside the one before. */
function readIn4(name: string, labels: string[]): { cidr: Cidr; enclosing: Cidr[] } {
  const octetCount = labels.findIndex((label) => label.includes('/'));
  if (octetCount < 0) {
    if (labels.length > 4) throw notReverse(name, 'an in-addr.arpa name has at most four octet labels');
    return { cidr: octetBlock(name, [...labels, '0', '0', '0', '0'].slice(0, 4), 8 * labels.length), enclosing: [] };
  }
  if (octetCount !== 3) throw notReverse(name, 'a classless label such as 0/27 comes only right in front of a /24 zone name');
  const blocks: Cidr[] = [];
  for (const label of labels.slice(3)) {
    const classless = /^([0-9]+)\/([1-9][0-9]*)$/.exec(label);
    if (!classless) throw notReverse(name, `"${label}" follows a classless label; only classless labels such as 0/27 may`);
    const length = Number(classless[2]);
    if (!(length > 24 && length <= 32)) throw notReverse(name, `a classless label "${label}" needs a length from 25 to 32`);
    const block = octetBlock(name, [...labels.slice(0, 3), classless[1]], length);
    const outer = blocks[blocks.length - 1];
    if (outer && !(block.length > outer.length && containsCidr(outer, block))) {
      throw notReverse(name, `${block.text} is not a block inside ${outer.text}, the zone it is named in`);
    }
    blocks.push(block);
  }
  return { cidr: blocks[blocks.length - 1], enclosing: blocks.slice(0, -1).reverse() };
}

function octetBlock(name: string, octets: string[], length: number): Cidr {
  try {
    const { value } = parseAddress(octets.join('.'));
    return cidrOf(4, value, length);
  } catch (error) {
    if (error instanceof AddressError && error.code === 'not_canonical' && length > 24) {
      throw notReverse(name, `${octets[3]} is not the first address of a /${length} block`);
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
