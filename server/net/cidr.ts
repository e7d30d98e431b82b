/**
 * Addresses and prefixes as the registry stores them: a family, a BigInt value and a
 * canonical text. Every address or prefix typed by a person or reported by a device
 * passes through this file.
 *
 * The text grammar is checked here before any library sees it, because the libraries
 * are lenient in ways a registry cannot be (measured with ip-address 10.7 and netmask 2.1):
 * netmask reads `010.0.0.0/8` as octal (8.0.0.0/8), `1.2.3/24` as 1.2.0.0/24 and zeroes
 * host bits without a word; ip-address accepts `10.0.0.0/08`, `2001:db8::/032`, zone ids
 * (`fe80::/10%eth0`, even a bare `%`) and dotted IPv4 tails (`::ffff:10.0.0.0/104`).
 */
import { Address6 } from 'ip-address';
import { Netmask } from 'netmask';

export type Family = 4 | 6;

export interface Cidr {
  readonly family: Family;
  /** the first address of the block; host bits are always zero */
  readonly network: bigint;
  readonly length: number;
  /** canonical: IPv4 dotted decimal, IPv6 RFC 5952 (lowercase, compressed), then `/length` */
  readonly text: string;
}

/** One host address. `text` is canonical in the same way as {@link Cidr.text}. */
export interface Address {
  readonly family: Family;
  readonly value: bigint;
  readonly text: string;
}

/** What a device reports for an interface: its own address and the prefix it sits in. */
export interface InterfaceAddress {
  readonly address: Address;
  readonly prefix: Cidr;
}

export type AddressErrorCode = 'invalid_cidr' | 'not_canonical' | 'invalid_address';

/**
 * Bad address text. `code` is stable (the API puts it into problem+json); `message` is a
 * sentence the person who typed the text can act on; `suggestion` is the canonical text
 * they probably meant, when there is one.
 */
export class AddressError extends Error {
  override readonly name = 'AddressError';
  readonly code: AddressErrorCode;
  readonly suggestion?: string;

  constructor(code: AddressErrorCode, message: string, suggestion?: string) {
    super(message);
    this.code = code;
    if (suggestion !== undefined) this.suggestion = suggestion;
  }
}

export function familyBits(family: Family): 32 | 128 {
  return family === 4 ? 32 : 128;
}

function hostMask(family: Family, length: number): bigint {
  return (1n << BigInt(familyBits(family) - length)) - 1n;
}

/** The canonical text of an address. IPv4-mapped values come out in hex (`::ffff:a00:1`), which is what parseAddress accepts back. */
export function formatAddress(family: Family, value: bigint): string {
  if (value < 0n || value >> BigInt(familyBits(family)) !== 0n) {
    throw new RangeError(`${value} is outside the IPv${family} address space`);
  }
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  return Address6.fromBigInt(value).correctForm();
}

/**
 * The prefix with these numbers. Lengths and values out of range are programming errors
 * (RangeError); host bits set is something a person typed, so it gets the suggestion.
 */
export function cidrOf(family: Family, network: bigint, length: number): Cidr {
  const bits = familyBits(family);
  if (!Number.isInteger(length) || length < 0 || length > bits) {
    throw new RangeError(`/${length} is not an IPv${family} prefix length (0 to ${bits})`);
  }
  const address = formatAddress(family, network);
  const host = network & hostMask(family, length);
  if (host !== 0n) {
    const suggestion = `${formatAddress(family, network - host)}/${length}`;
    throw new AddressError(
      'not_canonical',
      `${address}/${length} is not canonical (host bits set): did you mean ${suggestion}?`,
      suggestion,
    );
  }
  return { family, network, length, text: `${address}/${length}` };
}

/** The block of `length` that holds `value`: the address with its host bits cleared. */
export function blockContaining(family: Family, value: bigint, length: number): Cidr {
  return cidrOf(family, value - (value & hostMask(family, length)), length);
}

export function addressCount(cidr: Cidr): bigint {
  return 1n << BigInt(familyBits(cidr.family) - cidr.length);
}

export function lastAddress(cidr: Cidr): bigint {
  return cidr.network + addressCount(cidr) - 1n;
}

export function containsCidr(outer: Cidr, inner: Cidr): boolean {
  return (
    outer.family === inner.family &&
    outer.length <= inner.length &&
    inner.network - (inner.network & hostMask(outer.family, outer.length)) === outer.network
  );
}

/** `value` is read in the prefix's family: an IPv4 value is never compared against an IPv6 prefix by the caller. */
export function containsAddress(cidr: Cidr, value: bigint): boolean {
  return value >= cidr.network && value <= lastAddress(cidr);
}

/** Aligned blocks either nest or are disjoint, so overlap is containment one way or the other. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return containsCidr(a, b) || containsCidr(b, a);
}

/** Family, then network, then length: a parent sorts right before its first child. */
export function compareCidr(a: Cidr, b: Cidr): number {
  if (a.family !== b.family) return a.family - b.family;
  if (a.network !== b.network) return a.network < b.network ? -1 : 1;
  return a.length - b.length;
}

// --- reading text -------------------------------------------------------------------

/** Why a text cannot be read; turned into an AddressError with the caller's code. */
class Unreadable {
  constructor(readonly reason: string) {}
}

function fail(reason: string): never {
  throw new Unreadable(reason);
}

function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

function reading<T>(code: AddressErrorCode, text: string, what: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof Unreadable) throw new AddressError(code, `${quote(text)} is not ${what}: ${error.reason}.`);
    throw error;
  }
}

/** Complaints that fit any address text, checked before the family is known. */
function screen(text: string): void {
  if (text === '') fail('it is empty');
  if (/\s/.test(text)) fail('it contains spaces or line breaks; remove them');
  if (text.includes('%')) fail('zone ids such as "%eth0" belong to one host\'s configuration, not to the registry; remove the "%" part');
}

function readIpv4(text: string): bigint {
  const octets = text.split('.');
  if (octets.length !== 4) fail('an IPv4 address is exactly four decimal octets, as in 10.1.2.0');
  let value = 0n;
  for (const octet of octets) {
    if (!/^[0-9]+$/.test(octet)) fail(`"${octet}" is not a decimal octet`);
    // A leading zero means octal to inet_aton and to netmask: 010 would be 8.
    if (octet.length > 1 && octet.startsWith('0')) fail(`octet "${octet}" has a leading zero, which some tools read as octal; write ${Number(octet)}`);
    if (Number(octet) > 255) fail(`octet ${octet} is larger than 255`);
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

/** RFC 4291 text, hexadecimal groups only. */
function readIpv6(text: string): bigint {
  if (text.includes('.')) {
    fail('dotted IPv4 inside an IPv6 address (as in ::ffff:10.0.0.0) is not accepted; write the last 32 bits as two hexadecimal groups');
  }
  if (!/^[0-9A-Fa-f:]+$/.test(text)) fail('an IPv6 address has only hexadecimal digits and colons');
  const halves = text.split('::');
  if (halves.length > 2) fail('"::" may appear only once');
  const groupsOf = (half: string): string[] => (half === '' ? [] : half.split(':'));
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  for (const group of [...head, ...tail]) {
    if (group === '') fail('it has an empty group (a stray ":" at either end, or ":::")');
    if (group.length > 4) fail(`group "${group}" has more than four hexadecimal digits`);
  }
  if (halves.length === 1 && head.length !== 8) fail('an IPv6 address without "::" has exactly eight groups');
  if (halves.length === 2 && head.length + tail.length > 7) fail('with "::" at most seven groups can be written, since "::" stands for at least one');
  const zeros: string[] = Array(8 - head.length - tail.length).fill('0');
  return [...head, ...zeros, ...tail].reduce((value, group) => (value << 16n) | BigInt(`0x${group}`), 0n);
}

function readAddressText(text: string): { family: Family; value: bigint } {
  return text.includes(':') ? { family: 6, value: readIpv6(text) } : { family: 4, value: readIpv4(text) };
}

function readLength(text: string, family: Family): number {
  const bits = familyBits(family);
  if (text === '') fail('the prefix length after "/" is missing');
  if (!/^[0-9]+$/.test(text)) fail(`prefix length "${text}" is not a decimal number`);
  if (text.length > 1 && text.startsWith('0')) fail(`prefix length "${text}" has a leading zero; write /${Number(text)}`);
  if (Number(text) > bits) fail(`an IPv${family} prefix length is 0 to ${bits}`);
  return Number(text);
}

function readPrefixed(text: string): { family: Family; value: bigint; length: number } {
  screen(text);
  const parts = text.split('/');
  if (parts.length === 1) fail('the prefix length is missing; write it after a "/", as in 10.1.0.0/16 or 2001:db8::/32');
  if (parts.length > 2) fail('it has more than one "/"');
  const { family, value } = readAddressText(parts[0]);
  return { family, value, length: readLength(parts[1], family) };
}

/**
 * A prefix as a person types it: `10.1.0.0/16`, `2001:DB8:0:0::/32`. IPv4 takes four
 * decimal octets and a length without leading zeros; IPv6 takes any RFC 4291 hex form
 * (upper case, leading zeros, uncompressed) but no zone id and no dotted IPv4 tail.
 * Host bits set → `not_canonical` with the suggestion; anything else → `invalid_cidr`.
 */
export function parseCidr(text: string): Cidr {
  const { family, value, length } = reading('invalid_cidr', text, 'a valid CIDR prefix', () => readPrefixed(text));
  return cidrOf(family, value, length);
}

/**
 * A host address, same grammar as {@link parseCidr} without the length (`invalid_address`).
 * IPv4-mapped addresses are accepted only in hex (`::ffff:a00:1`), never dotted.
 */
export function parseAddress(text: string): Address {
  return reading('invalid_address', text, 'a valid IP address', () => {
    screen(text);
    if (text.includes('/')) fail('a host address takes no "/length"; remove it');
    const { family, value } = readAddressText(text);
    return { family, value, text: formatAddress(family, value) };
  });
}

// --- reading the database's own text ------------------------------------------------

/*
 * Two readers on purpose. parseCidr and parseAddress read what a person types and refuse
 * every spelling that some tool reads differently (see the top of this file); their errors
 * are the person's to fix (AddressError, a 400). Rows read back from PostgreSQL are neither
 * ambiguous nor the person's: they are PostgreSQL's canonical output, which differs from ours
 * in one way. Its inet/cidr output (network_out → inet_net_ntop_ipv6, BIND's inet_ntop6)
 * writes an IPv6 value with a dotted IPv4 tail when its first 96 bits are zero and the 7th
 * group is not (`::128.0.0.0/97` for ::8000:0/97), or when it is ::ffff:0:0/96-mapped
 * (`::ffff:10.0.0.0/104`); measured on PostgreSQL 15 and PGlite, see the tests. Reading rows
 * with the strict parser turned such a row into a misleading 400 (issue 13, item 10), and
 * loosening the strict parser would let people type the dotted form. So database text goes
 * through readStoredCidr/readStoredAddress, which take the dotted tail, and text they still
 * cannot read is the server's fault: a plain Error, answered as 500, never a 400.
 */

/** RFC 4291 2.2 form 3: `x:…:d.d.d.d`, the last 32 bits as a dotted IPv4 address. */
function readIpv6DottedTail(text: string): bigint {
  const cut = text.lastIndexOf(':');
  if (!text.includes('.') || cut < 0) return readIpv6(text);
  const low = readIpv4(text.slice(cut + 1));
  return readIpv6(`${text.slice(0, cut + 1)}${(low >> 16n).toString(16)}:${(low & 0xffffn).toString(16)}`);
}

function readStored<T>(text: string, what: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof Unreadable || error instanceof AddressError) {
      const reason = error instanceof Unreadable ? error.reason : error.message;
      throw new Error(`the database returned ${quote(text)} as ${what}, which is not PostgreSQL ${what} text: ${reason}`);
    }
    throw error;
  }
}

function readStoredText(text: string): { family: Family; value: bigint; length?: number } {
  const parts = text.split('/');
  if (parts.length > 2) fail('it has more than one "/"');
  const family: Family = parts[0].includes(':') ? 6 : 4;
  const value = family === 6 ? readIpv6DottedTail(parts[0]) : readIpv4(parts[0]);
  return parts.length === 2 ? { family, value, length: readLength(parts[1], family) } : { family, value };
}

/** A `cidr` value as PostgreSQL prints it (`10.1.0.0/16`, `::ffff:10.0.0.0/104`), read back into the canonical {@link Cidr}. */
export function readStoredCidr(text: string): Cidr {
  return readStored(text, 'cidr', () => {
    const { family, value, length } = readStoredText(text);
    if (length === undefined) fail('the prefix length is missing');
    return cidrOf(family, value, length);
  });
}

/**
 * An `inet` host address as PostgreSQL prints it: `host(x)` or the column itself, bare
 * (`::ffff:10.0.0.1`) or with its length (`10.0.0.1/32`, which `text(inet)` adds); the length
 * is dropped, as host() drops it.
 */
export function readStoredAddress(text: string): Address {
  return readStored(text, 'inet', () => {
    const { family, value } = readStoredText(text);
    return { family, value, text: formatAddress(family, value) };
  });
}

/**
 * An interface address as devices show it, `10.1.2.1/30`: host bits are the point here.
 * Errors use `invalid_address`.
 */
export function parseInterfaceAddress(text: string): InterfaceAddress {
  const { family, value, length } = reading('invalid_address', text, 'a valid interface address', () => readPrefixed(text));
  return {
    address: { family, value, text: formatAddress(family, value) },
    prefix: blockContaining(family, value, length),
  };
}

/**
 * The prefix length of a dotted mask reported by a device (`255.255.255.252` → 30).
 * Non-contiguous masks are rejected with `invalid_address`, the code for bad dotted text.
 */
export function maskFromDotted(mask: string): number {
  const value = reading('invalid_address', mask, 'a valid netmask', () => {
    screen(mask);
    return readIpv4(mask);
  });
  // netmask tests for /0 with `0xffffffff << 32`, which JavaScript shifts by 0, so it rejects 0.0.0.0.
  if (value === 0n) return 0;
  try {
    return new Netmask('0.0.0.0', mask).bitmask;
  } catch {
    throw new AddressError(
      'invalid_address',
      `${quote(mask)} is not a valid netmask: its one bits must be contiguous from the left, as in 255.255.255.252.`,
    );
  }
}
