/**
 * RDAP (RFC 9082 queries, RFC 9083 responses) over the registry: "whose is this address,
 * this name, this unit", answered the standard way for anyone on the extranet. Public and
 * read-only; the output carries units and their O&M offices' service channels, never users,
 * credentials or personal phone numbers.
 */
import { eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { Problem } from '../../http/problem.js';
import { AddressError, familyBits, formatAddress, lastAddress, parseAddress, parseCidr, readStoredCidr, type Cidr } from '../../net/cidr.js';
import { units, type UnitRow } from '../divisions/schema.js';
import { asciiName, NameError, unicodeName } from '../dns/names.js';
import { locateReverseZone, vrfsFor } from '../dns/service/reverse.js';
import { domains, type DomainRow, type Nameserver } from '../dns/schema.js';
import { mostSpecificPrefix } from '../ipam/lookup.js';
import { prefixes, vrfs, type PrefixRow } from '../ipam/schema.js';

export const rdapConformance = ['rdap_level_0', 'cidr0'] as const;
export const rdapType = 'application/rdap+json';

/** An RDAP error (RFC 9083 section 6): the status and the sentences of its description. */
export class RdapError extends Error {
  constructor(
    readonly status: 400 | 404 | 503,
    readonly title: string,
    readonly description: string[],
  ) {
    super(description.join(' '));
    this.name = 'RdapError';
  }

  toJSON() {
    return { rdapConformance, errorCode: this.status, title: this.title, description: this.description };
  }
}

const malformed = (sentence: string) => new RdapError(400, 'Bad Request', [sentence]);
const missing = (sentence: string) => new RdapError(404, 'Not Found', [sentence]);

/** The registry's refusals (404 from lookups, 400 from parsers, 503) in RDAP's shape. */
export function asRdapError(err: unknown): unknown {
  if (err instanceof RdapError) return err;
  if (err instanceof Problem && (err.status === 400 || err.status === 404 || err.status === 503)) {
    return new RdapError(err.status, err.status === 400 ? 'Bad Request' : err.status === 404 ? 'Not Found' : 'Service Unavailable', [err.detail]);
  }
  if (err instanceof AddressError) return malformed(err.message);
  return err;
}

interface Link {
  value: string;
  rel: string;
  href: string;
  type: string;
}

const link = (value: string, rel: string, href: string): Link => ({ value, rel, href, type: rdapType });

type Jcard = [string, Record<string, unknown>, string, string];

// --- entities ----------------------------------------------------------------------------

async function unitsByCode(db: Executor, codes: string[]): Promise<Map<string, UnitRow>> {
  const found = codes.length ? await db.select().from(units).where(inArray(units.code, [...new Set(codes)])) : [];
  return new Map(found.map((u) => [u.code, u]));
}

/**
 * The O&M unit (运维管理单位) that answers for a holder: a division runs its own, except a
 * township, run by its county (article 21); a department is served by its division's.
 */
async function omUnitOf(db: Executor, holder: UnitRow): Promise<UnitRow> {
  let unit = holder;
  while (unit.kind === 'department' || unit.level === 'township') {
    if (!unit.parentCode) break;
    const [parent] = await db.select().from(units).where(eq(units.code, unit.parentCode));
    if (!parent) break;
    unit = parent;
  }
  return unit;
}

function entityObject(base: string, unit: UnitRow, roles: string[]) {
  const card: Jcard[] = [
    ['version', {}, 'text', '4.0'],
    ['fn', {}, 'text', unit.name],
    ['kind', {}, 'text', 'org'],
  ];
  // Only the O&M office's public service channels (article 20), which exist to be published.
  const channels = unit.channels ?? {};
  if (channels.hotline) card.push(['tel', { type: ['work', 'voice'] }, 'uri', `tel:${channels.hotline.replace(/\s+/g, '')}`]);
  if (channels.email) card.push(['email', { type: 'work' }, 'text', channels.email]);
  if (channels.website) card.push(['url', { type: 'work' }, 'uri', channels.website]);
  const self = `${base}/rdap/entity/${encodeURIComponent(unit.code)}`;
  return {
    objectClassName: 'entity',
    handle: unit.code,
    ...(roles.length ? { roles } : {}),
    vcardArray: ['vcard', card],
    status: [unit.retiredAt ? 'inactive' : 'active'],
    remarks: [{ title: 'unit', description: [`${unit.kind} at ${unit.level} level (${unit.type})${unit.parentCode ? `, under ${unit.parentCode}` : ''}`] }],
    links: [link(self, 'self', self)],
  };
}

/** The holder as registrant and its O&M unit as administrative contact (one entity when they are the same unit). */
async function holderEntities(db: Executor, base: string, holderCode: string) {
  const holder = (await unitsByCode(db, [holderCode])).get(holderCode);
  if (!holder) return [];
  const om = await omUnitOf(db, holder);
  if (om.code === holder.code) return [entityObject(base, holder, ['registrant', 'administrative'])];
  return [entityObject(base, holder, ['registrant']), entityObject(base, om, ['administrative'])];
}

export async function entityLookup(db: Executor, base: string, code: string) {
  const unit = (await unitsByCode(db, [code])).get(code);
  if (!unit) throw missing(`no unit has the code ${code}`);
  const entity = entityObject(base, unit, []);
  return {
    rdapConformance,
    ...entity,
    events: [
      { eventAction: 'registration', eventDate: unit.createdAt.toISOString() },
      { eventAction: 'last changed', eventDate: unit.updatedAt.toISOString() },
    ],
  };
}

// --- ip networks -------------------------------------------------------------------------

const events = (row: { createdAt: Date; updatedAt: Date }) => [
  { eventAction: 'registration', eventDate: row.createdAt.toISOString() },
  { eventAction: 'last changed', eventDate: row.updatedAt.toISOString() },
];

function ipUrl(base: string, cidr: Cidr, vrfName: string | null): string {
  return `${base}/rdap/ip/${formatAddress(cidr.family, cidr.network)}/${cidr.length}${vrfName ? `?vrf=${encodeURIComponent(vrfName)}` : ''}`;
}

/**
 * An ip network object for a registered prefix. `vrfQuery` is the VRF to keep in links when
 * the question named one (a dedicated space); the shared spaces need none.
 */
async function networkObject(db: Executor, base: string, prefix: PrefixRow, vrfQuery: string | null) {
  const cidr = readStoredCidr(prefix.prefix);
  const [vrf] = await db.select({ name: vrfs.name, zone: vrfs.zoneCode }).from(vrfs).where(eq(vrfs.id, prefix.vrfId));
  const self = ipUrl(base, cidr, vrfQuery);
  const links: Link[] = [link(self, 'self', self)];
  if (prefix.parentId !== null) {
    const [parent] = await db.select({ prefix: prefixes.prefix }).from(prefixes).where(eq(prefixes.id, prefix.parentId));
    if (parent) links.push(link(self, 'up', ipUrl(base, readStoredCidr(parent.prefix), vrfQuery)));
  }
  const network = formatAddress(cidr.family, cidr.network);
  const remarks = [{ title: 'address space', description: [`VRF ${vrf?.name ?? prefix.vrfId} in the ${vrf?.zone ?? '?'} zone`] }];
  if (prefix.description) remarks.push({ title: 'description', description: [prefix.description] });
  return {
    objectClassName: 'ip network',
    handle: String(prefix.id),
    startAddress: network,
    endAddress: formatAddress(cidr.family, lastAddress(cidr)),
    ipVersion: cidr.family === 4 ? 'v4' : 'v6',
    name: `${(vrf?.name ?? 'vrf').toUpperCase()}-${network.replace(/[.:]+/g, '-').replace(/-$/, '')}-${cidr.length}`,
    type: prefix.status,
    country: 'CN',
    ...(prefix.parentId !== null ? { parentHandle: String(prefix.parentId) } : {}),
    cidr0_cidrs: [cidr.family === 4 ? { v4prefix: network, length: cidr.length } : { v6prefix: network, length: cidr.length }],
    status: [prefix.status === 'reserved' ? 'reserved' : 'active'],
    remarks,
    events: events(prefix),
    entities: await holderEntities(db, base, prefix.holderCode),
    links,
  };
}

/** `/rdap/ip/{address}` and `/rdap/ip/{address}/{length}`: the most specific registered prefix covering it. */
export async function ipLookup(db: Executor, base: string, address: string, length: string | undefined, vrfName: string | undefined) {
  let query: Cidr;
  try {
    const { family, text } = parseAddress(address);
    if (length === undefined) query = parseCidr(`${text}/${familyBits(family)}`);
    else {
      if (!/^[0-9]{1,3}$/.test(length) || Number(length) > familyBits(family)) {
        throw malformed(`/${length} is not an IPv${family} prefix length: it runs from 0 to ${familyBits(family)}`);
      }
      query = parseCidr(`${text}/${Number(length)}`);
    }
  } catch (err) {
    if (err instanceof AddressError) throw malformed(err.message);
    throw err;
  }
  const vrfIds = await vrfsFor(db, vrfName);
  const prefix = await mostSpecificPrefix(db, vrfIds, query.text);
  if (!prefix) throw missing(`no registered prefix covers ${query.text} in ${vrfName ? `VRF ${vrfName}` : 'the shared address spaces (public, internet)'}`);
  return { rdapConformance, ...(await networkObject(db, base, prefix, vrfName ?? null)) };
}

// --- domains -----------------------------------------------------------------------------

function nameserverObjects(nameservers: Nameserver[]) {
  return nameservers.map((ns) => ({
    objectClassName: 'nameserver',
    ldhName: ns.name,
    ...(unicodeName(ns.name) !== ns.name ? { unicodeName: unicodeName(ns.name) } : {}),
    ...(ns.addresses.length
      ? { ipAddresses: { v4: ns.addresses.filter((a) => !a.includes(':')), v6: ns.addresses.filter((a) => a.includes(':')) } }
      : {}),
  }));
}

async function forwardDomain(db: Executor, base: string, name: string) {
  const [row] = await db.select().from(domains).where(eq(domains.name, name));
  if (!row) throw missing(`no domain named ${name} is registered`);
  const self = `${base}/rdap/domain/${name}`;
  const links: Link[] = [link(self, 'self', self)];
  if (row.parentId !== null) {
    const [parent] = await db.select({ name: domains.name }).from(domains).where(eq(domains.id, row.parentId));
    if (parent) links.push(link(self, 'up', `${base}/rdap/domain/${parent.name}`));
  }
  return {
    rdapConformance,
    objectClassName: 'domain',
    handle: `DOM-${row.id}`,
    ldhName: row.name,
    ...(unicodeName(row.name) !== row.name ? { unicodeName: unicodeName(row.name) } : {}),
    status: ['active'],
    nameservers: nameserverObjects(row.nameservers),
    secureDNS: { delegationSigned: false },
    events: events(row as DomainRow),
    entities: await holderEntities(db, base, row.holderCode),
    links,
  };
}

async function reverseDomain(db: Executor, base: string, name: string, vrfName: string | undefined) {
  const zone = await locateReverseZone(db, name, await vrfsFor(db, vrfName));
  const self = `${base}/rdap/domain/${name}${vrfName ? `?vrf=${encodeURIComponent(vrfName)}` : ''}`;
  return {
    rdapConformance,
    objectClassName: 'domain',
    handle: `REV-${zone.owner.vrfId}-${zone.name}`,
    ldhName: zone.name,
    status: ['active'],
    nameservers: nameserverObjects(zone.serving.nameservers),
    secureDNS: { delegationSigned: false },
    events: events(zone.owner),
    entities: await holderEntities(db, base, zone.owner.holderCode),
    network: await networkObject(db, base, zone.owner, vrfName ?? null),
    links: [link(self, 'self', self)],
  };
}

/** `/rdap/domain/{name}`: a registered forward zone (A- or U-labels), or a reverse zone of a registered prefix. */
export async function domainLookup(db: Executor, base: string, nameText: string, vrfName: string | undefined) {
  const lower = nameText.toLowerCase().replace(/\.$/, '');
  if (lower.endsWith('.in-addr.arpa') || lower.endsWith('.ip6.arpa')) return reverseDomain(db, base, lower, vrfName);
  let name: string;
  try {
    name = asciiName(nameText, 'host');
  } catch (err) {
    if (err instanceof NameError) throw malformed(`${JSON.stringify(nameText)} is not a valid domain name: ${err.message}`);
    throw err;
  }
  return forwardDomain(db, base, name);
}

export function help(base: string) {
  return {
    rdapConformance,
    notices: [
      {
        title: 'waiwang RDAP',
        description: [
          'Registration data of the Guangxi e-government extranet (广西电子政务外网), from its authoritative registry.',
          'Queries: /rdap/ip/{address}, /rdap/ip/{address}/{length} (the most specific registered prefix in the shared address spaces public and internet; add ?vrf=NAME for a dedicated one), /rdap/domain/{name} (forward zones in A- or U-labels, reverse zones under in-addr.arpa and ip6.arpa), /rdap/entity/{unit code}.',
          'Network types are the registry’s statuses: pool, allocated (delegated to the next division down), assigned (given to a department for use), reserved.',
        ],
        links: [link(`${base}/rdap/help`, 'self', `${base}/rdap/help`)],
      },
    ],
  };
}
