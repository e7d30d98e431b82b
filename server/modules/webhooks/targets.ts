import { promises as dns } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import os from 'node:os';
import { parseCidr } from '../../net/cidr.js';

/**
 * Where a webhook may send: anywhere but the appliance itself. A receiver URL is typed by a
 * unit's operator, and the appliance POSTs to it from inside the extranet, so without a check
 * a URL could make the appliance probe its own services (the API on 127.0.0.1, PostgreSQL,
 * a cloud metadata endpoint on 169.254.169.254): server-side request forgery (OWASP SSRF
 * prevention cheat sheet; CWE-918). Refused by default: loopback, link-local, unspecified,
 * multicast and broadcast addresses, and every address of the appliance's own interfaces.
 * Private RFC 1918 space stays allowed: the extranet's receivers live in 10.0.0.0/8.
 * WAIWANG_WEBHOOK_ALLOW_PRIVATE_TARGETS (a CIDR list) lets an administrator allow some of it
 * (tests deliver to 127.0.0.1).
 */

export type TargetRefusalReason = 'loopback' | 'link_local' | 'unspecified' | 'multicast' | 'broadcast' | 'own_address';

const refusedRanges: { cidr: string; reason: TargetRefusalReason }[] = [
  { cidr: '0.0.0.0/8', reason: 'unspecified' }, // "this network" (RFC 1122): 0.0.0.0 reaches the host itself on Linux
  { cidr: '127.0.0.0/8', reason: 'loopback' },
  { cidr: '169.254.0.0/16', reason: 'link_local' }, // includes the cloud metadata address 169.254.169.254
  { cidr: '224.0.0.0/4', reason: 'multicast' },
  { cidr: '255.255.255.255/32', reason: 'broadcast' },
  { cidr: '::/128', reason: 'unspecified' },
  { cidr: '::1/128', reason: 'loopback' },
  { cidr: 'fe80::/10', reason: 'link_local' },
  { cidr: 'ff00::/8', reason: 'multicast' },
];

const refusedLists = new Map<TargetRefusalReason, BlockList>();
for (const { cidr, reason } of refusedRanges) {
  if (!refusedLists.has(reason)) refusedLists.set(reason, new BlockList());
  addCidr(refusedLists.get(reason)!, cidr);
}

function addCidr(list: BlockList, text: string): void {
  const cidr = parseCidr(text);
  const [network] = cidr.text.split('/');
  list.addSubnet(network, cidr.length, cidr.family === 4 ? 'ipv4' : 'ipv6');
}

const descriptions: Record<TargetRefusalReason, string> = {
  loopback: 'a loopback address (the appliance itself)',
  link_local: 'a link-local address',
  unspecified: 'an unspecified address (the appliance itself)',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  own_address: 'an address of the appliance itself',
};

/** The allow-list of the configuration (canonical CIDR texts, see config.ts), as a BlockList. */
const allowLists = new Map<string, BlockList>();
function allowListOf(cidrs: readonly string[]): BlockList {
  const key = cidrs.join(',');
  let list = allowLists.get(key);
  if (!list) {
    list = new BlockList();
    for (const cidr of cidrs) addCidr(list, cidr);
    allowLists.set(key, list);
  }
  return list;
}

/** Node's BlockList matches IPv4-mapped IPv6 (::ffff:127.0.0.1) against IPv4 rules too. */
function familyOf(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

function withoutZone(address: string): string {
  const zone = address.indexOf('%');
  return zone < 0 ? address : address.slice(0, zone);
}

/** Every address of this machine's interfaces, read each time (interfaces come and go). */
function ownAddresses(): BlockList {
  const list = new BlockList();
  for (const entries of Object.values(os.networkInterfaces())) {
    for (const entry of entries ?? []) {
      const address = withoutZone(entry.address);
      list.addAddress(address, familyOf(address));
    }
  }
  return list;
}

/** Why an address may not receive webhooks, or null when it may. */
export function refusalOf(address: string, allowed: readonly string[]): TargetRefusalReason | null {
  const bare = withoutZone(address);
  const family = familyOf(bare);
  if (!isIP(bare)) throw new Error(`not an IP address: ${address}`);
  if (allowListOf(allowed).check(bare, family)) return null;
  for (const [reason, list] of refusedLists) if (list.check(bare, family)) return reason;
  if (ownAddresses().check(bare, family)) return 'own_address';
  return null;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** How names are resolved: dns.lookup (the system resolver, /etc/hosts included), replaceable in tests. */
export type Lookup = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemLookup: Lookup = async (hostname) => (await dns.lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export type TargetVerdict =
  | { ok: true; address: ResolvedAddress }
  | { ok: false; category: 'blocked'; detail: string }
  | { ok: false; category: 'dns'; detail: string; code?: string };

/** The URL's host without IPv6 brackets: WHATWG URL has already normalised 2130706433 and 0x7f.1 to 127.0.0.1. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Resolves the URL's host once and checks every address it gives: a name with one refused
 * address among others is refused (the resolver, not the appliance, picks among them). The
 * caller connects to `address`, the one checked, so a second resolution (DNS rebinding,
 * a short TTL) cannot send the request elsewhere.
 */
export async function checkTarget(url: URL, allowed: readonly string[], lookup: Lookup, timeoutMs: number): Promise<TargetVerdict> {
  const host = hostOf(url);
  let addresses: ResolvedAddress[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await withTimeout(lookup(host), timeoutMs, `resolving ${host} took longer than ${timeoutMs} ms`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return { ok: false, category: 'dns', detail: `${host} does not resolve${code ? ` (${code})` : ''}`, ...(code ? { code } : {}) };
    }
    if (addresses.length === 0) return { ok: false, category: 'dns', detail: `${host} resolves to no address` };
  }
  for (const a of addresses) {
    const reason = refusalOf(a.address, allowed);
    if (reason) {
      const via = a.address === host ? host : `${host} resolves to ${a.address}, which`;
      return { ok: false, category: 'blocked', detail: `${via} is ${descriptions[reason]}; webhooks are sent to other systems only` };
    }
  }
  return { ok: true, address: addresses[0] };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(message), { code: 'ETIMEOUT' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
