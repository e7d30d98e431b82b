/**
 * Reverse zones, built from the prefix tree rather than kept beside it. Every reverse zone a
 * registered prefix spans (server/net/reverse.ts) is a zone of its own, served by the name
 * servers of the prefix's holder, or of the nearest holder above it that runs DNS (has a
 * domain). A zone therefore holds the PTRs of the addresses registered in its own prefix,
 * and delegates the zones of child prefixes: NS records at octet or nibble boundaries, and
 * RFC 2317 CNAMEs plus NS for children longer than /24. Every record a zone holds is named
 * inside it: a classless child of a classless zone is named inside that zone
 * (server/net/reverse.ts), so its NS and CNAMEs are too.
 *
 * The zone's owner is the most specific registered prefix covering it (mostSpecificPrefix:
 * in the shared spaces `public` before `internet` when both hold the same block, the rule
 * RDAP answers by as well).
 */
import { createHash } from 'node:crypto';
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { read, type Ctx } from '../../../context.js';
import { rows, type Executor } from '../../../db/client.js';
import { Problem } from '../../../http/problem.js';
import { AddressError, addressCount, containsCidr, readStoredAddress, readStoredCidr, type Cidr, type Family } from '../../../net/cidr.js';
import { parseReverseName, parseReverseZone, reverseName, reverseZones } from '../../../net/reverse.js';
import { authorize } from '../../access/authorize.js';
import { ancestorsOf, loadPrefix, loadReadablePrefix, loadVrf, mostSpecificPrefix, prefixReadable, sharedVrfNames } from '../../ipam/lookup.js';
import { prefixes, vrfs, type PrefixRow } from '../../ipam/schema.js';
import { asciiName, NameError } from '../names.js';
import type { DomainRow } from '../schema.js';
import { firstSerialOf } from '../serial.js';
import { renderZone, type ResourceRecord, type ZoneSection } from '../zonefile.js';

type ServingDomain = Pick<DomainRow, 'name' | 'holderCode' | 'nameservers' | 'soa' | 'ttl'>;

const missing = (sentence: string) => new Problem(404, 'not_found', sentence);

/**
 * Reverse zones are zone files like any other: an agent (a DNS server's pull job) reads them
 * all; people read those of the prefixes they read (undefined: no condition).
 */
function reverseReadable(ctx: Ctx): SQL | undefined {
  return ctx.actor.role === 'agent' ? undefined : prefixReadable(ctx);
}

export async function reverseZonesOfPrefix(ctx: Ctx, idText: string): Promise<{ items: { name: string }[] }> {
  authorize(ctx, 'zone.read');
  return read(async () => {
    const row = ctx.actor.role === 'agent' ? await loadPrefix(ctx.db, idText) : await loadReadablePrefix(ctx, idText);
    const enclosing = (await ancestorsOf(ctx.db, row)).map((p) => readStoredCidr(p.prefix));
    return { items: reverseZones(readStoredCidr(row.prefix), enclosing).map((name) => ({ name })) };
  });
}

/** The VRFs a reverse question is asked in: the one named, else the shared address spaces. */
export async function vrfsFor(db: Executor, vrfName?: string): Promise<number[]> {
  if (vrfName) return [(await loadVrf(db, vrfName)).id];
  const found = await db.select({ id: vrfs.id }).from(vrfs).where(inArray(vrfs.name, [...sharedVrfNames]));
  return found.map((v) => v.id);
}

/** The domains through which holders serve DNS: for each holder its zone nearest the root. */
async function servingDomains(db: Executor, holders: string[]): Promise<Map<string, ServingDomain>> {
  if (holders.length === 0) return new Map();
  const found = await rows<{ holder_code: string; name: string; nameservers: ServingDomain['nameservers']; soa: ServingDomain['soa']; ttl: number }>(
    db,
    sql`SELECT DISTINCT ON (holder_code) holder_code, name, nameservers, soa, ttl FROM domains
        WHERE holder_code IN (${sql.join(holders.map((h) => sql`${h}`), sql`, `)})
        ORDER BY holder_code, length(name) - length(replace(name, '.', '')), name`,
  );
  return new Map(found.map((d) => [d.holder_code, { name: d.name, holderCode: d.holder_code, nameservers: d.nameservers, soa: d.soa, ttl: Number(d.ttl) }]));
}

interface TreeNode {
  id: number;
  parentId: number | null;
  cidr: Cidr;
  holderCode: string;
  status: string;
}

/** A located reverse zone: its block, the prefix that owns it and whoever serves it. */
export interface ReverseZone {
  name: string;
  cidr: Cidr;
  owner: PrefixRow;
  serving: ServingDomain;
  /** The prefix tree around the zone: owner, its ancestors and the descendants that own zones inside it. */
  nodes: Map<number, TreeNode>;
  servingOf(node: TreeNode): ServingDomain;
}

function reverseNameProblem(err: AddressError): Problem {
  return new Problem(400, 'invalid_cidr', err.message, { field: 'name' });
}

/** `among`: a condition on the prefixes that may own the zone (those the caller reads). */
export async function locateReverseZone(db: Executor, nameText: string, vrfIds: number[], among?: SQL): Promise<ReverseZone> {
  let cidr: Cidr;
  let enclosing: Cidr[];
  try {
    ({ cidr, enclosing } = parseReverseZone(nameText));
  } catch (err) {
    if (err instanceof AddressError) throw reverseNameProblem(err);
    throw err;
  }
  const name = nameText.toLowerCase().replace(/\.$/, '');
  const [canonical] = reverseZones(cidr, enclosing);
  if (canonical !== name) {
    throw missing(`${name} is not a reverse zone name: zones sit at octet (in-addr.arpa /8, /16, /24) or nibble (ip6.arpa) boundaries, or are RFC 2317 names such as ${canonical}`);
  }
  const owner = await mostSpecificPrefix(db, vrfIds, cidr.text);
  const nothing = () => missing(`no registered prefix covers ${cidr.text}, so there is no reverse zone ${name}`);
  if (!owner) throw nothing();
  // Outside the caller's prefixes the zone is answered like one that does not exist.
  if (among && (await db.select({ id: prefixes.id }).from(prefixes).where(and(eq(prefixes.id, owner.id), among))).length === 0) throw nothing();
  const ancestors = await ancestorsOf(db, owner);
  const ownerCidr = readStoredCidr(owner.prefix);
  const ownZones = reverseZones(ownerCidr, ancestors.map((p) => readStoredCidr(p.prefix)));
  if (!ownZones.includes(name)) {
    const holding = ownZones.find((zone) => containsCidr(parseReverseName(zone), cidr)) ?? ownZones[0];
    if (ownerCidr.text === cidr.text) {
      throw missing(`${name} is not the zone of ${cidr.text}: an RFC 2317 zone is named inside the zones of the classless prefixes it is registered in, so its zone is ${holding}`);
    }
    throw missing(`${name} is not a zone of its own: ${cidr.text} lies inside ${owner.prefix}, whose PTRs are served in the zone ${holding}`);
  }

  const nodes = new Map<number, TreeNode>();
  const add = (p: { id: number; parentId: number | null; prefix: string; holderCode: string; status: string }) =>
    nodes.set(Number(p.id), { id: Number(p.id), parentId: p.parentId === null ? null : Number(p.parentId), cidr: readStoredCidr(p.prefix), holderCode: p.holderCode, status: p.status });
  for (const p of [owner, ...ancestors]) add(p);
  // The owner's direct children inside the zone, and below each the prefixes long enough to own one of the child's zones.
  const below = await rows<{ id: number; parent_id: number; prefix: string; holder_code: string; status: string }>(
    db,
    sql`SELECT d.id, d.parent_id, d.prefix::text AS prefix, d.holder_code, d.status
        FROM prefixes c JOIN prefixes d ON d.vrf_id = c.vrf_id AND d.prefix <<= c.prefix
          AND masklen(d.prefix) <= CASE WHEN family(c.prefix) = 4 AND masklen(c.prefix) > 24 THEN masklen(c.prefix)
                                        WHEN family(c.prefix) = 4 THEN ((masklen(c.prefix) + 7) / 8) * 8
                                        ELSE ((masklen(c.prefix) + 3) / 4) * 4 END
        WHERE c.parent_id = ${owner.id} AND c.prefix <<= ${cidr.text}::cidr`,
  );
  for (const d of below) add({ id: d.id, parentId: d.parent_id, prefix: d.prefix, holderCode: d.holder_code, status: d.status });

  const domainsByHolder = await servingDomains(db, [...new Set([...nodes.values()].map((n) => n.holderCode))]);
  const servingOf = (node: TreeNode): ServingDomain => {
    for (let at: TreeNode | undefined = node; at; at = at.parentId === null ? undefined : nodes.get(at.parentId)) {
      const domain = domainsByHolder.get(at.holderCode);
      if (domain) return domain;
    }
    throw missing(
      `nobody serves the reverse zone of ${node.cidr.text}: neither ${node.holderCode} nor a holder above it has a domain with name servers; register one (POST /api/v1/domains)`,
    );
  };
  const ownerNode = nodes.get(owner.id)!;
  return { name, cidr, owner, serving: servingOf(ownerNode), nodes, servingOf };
}

/** The zones of a node of the tree, named inside the classless blocks above it (server/net/reverse.ts). */
function zonesOf(nodes: Map<number, TreeNode>, node: TreeNode): string[] {
  const enclosing: Cidr[] = [];
  for (let at = node.parentId === null ? undefined : nodes.get(node.parentId); at; at = at.parentId === null ? undefined : nodes.get(at.parentId)) enclosing.push(at.cidr);
  return reverseZones(node.cidr, enclosing);
}

/**
 * The owner name, inside `zone`, of an address's PTR or of the RFC 2317 CNAME standing for
 * it: the last octet under a classless zone's own name, else the address's reverse name.
 */
function addressOwner(zone: { name: string; cidr: Cidr }, family: Family, value: bigint): string {
  return family === 4 && zone.cidr.length > 24 ? `${Number(value & 0xffn)}.${zone.name}` : reverseName(family, value);
}

/** The most specific node containing `cidr`. */
function ownerOf(nodes: Iterable<TreeNode>, cidr: Cidr): TreeNode | undefined {
  let best: TreeNode | undefined;
  for (const node of nodes) {
    if (containsCidr(node.cidr, cidr) && (!best || node.cidr.length > best.cidr.length)) best = node;
  }
  return best;
}

function hostTarget(hostname: string): string | null {
  try {
    return `${asciiName(hostname, 'host')}.`;
  } catch (err) {
    if (err instanceof NameError) return null;
    throw err;
  }
}

/** Everything in the zone but the SOA serial; the serial follows from its digest. */
async function reverseZoneSections(db: Executor, zone: ReverseZone): Promise<ZoneSection[]> {
  const { serving, owner, cidr } = zone;
  const ttl = serving.ttl;
  const sections: ZoneSection[] = [
    {
      comment: `${zone.name}: reverse zone of ${owner.prefix} held by ${owner.holderCode}, served by the name servers of ${serving.name}`,
      records: serving.nameservers.map((ns) => ({ name: zone.name, ttl, type: 'NS', value: `${ns.name}.` })),
    },
  ];
  const ownerNode = zone.nodes.get(owner.id)!;
  const children = [...zone.nodes.values()].filter((n) => n.parentId === owner.id && containsCidr(cidr, n.cidr)).sort((a, b) => (a.cidr.network < b.cidr.network ? -1 : 1));
  for (const child of children) {
    const within = [...zone.nodes.values()].filter((n) => containsCidr(child.cidr, n.cidr));
    const records: ResourceRecord[] = [];
    for (const childZone of zonesOf(zone.nodes, child)) {
      const childZoneCidr = parseReverseName(childZone);
      const server = zone.servingOf(ownerOf(within, childZoneCidr) ?? child);
      records.push(...server.nameservers.map((ns) => ({ name: childZone, ttl, type: 'NS', value: `${ns.name}.` })));
      if (child.cidr.family === 4 && child.cidr.length > 24) {
        // RFC 2317: each address of the classless block points into the child's own zone.
        for (let i = 0n; i < addressCount(child.cidr); i++) {
          const address = child.cidr.network + i;
          records.push({ name: addressOwner(zone, 4, address), ttl, type: 'CNAME', value: `${addressOwner({ name: childZone, cidr: child.cidr }, 4, address)}.` });
        }
      }
    }
    sections.push({ comment: `delegation: ${child.cidr.text} held by ${child.holderCode}`, records });
  }
  if (ownerNode.status === 'assigned') {
    const hosts = await rows<{ address: string; hostname: string }>(
      db,
      sql`SELECT host(address) AS address, hostname FROM addresses
          WHERE prefix_id = ${owner.id} AND address <<= ${cidr.text}::inet AND hostname <> '' ORDER BY address`,
    );
    const ptrs: ResourceRecord[] = [];
    const skipped: string[] = [];
    for (const host of hosts) {
      const target = hostTarget(host.hostname);
      if (!target) {
        skipped.push(`${host.address} (${JSON.stringify(host.hostname)})`);
        continue;
      }
      const { family, value } = readStoredAddress(host.address);
      ptrs.push({ name: addressOwner(zone, family, value), ttl, type: 'PTR', value: target });
    }
    sections.push({ comment: ptrs.length > 0 ? 'PTRs from the hostnames of registered addresses' : undefined, records: ptrs });
    if (skipped.length > 0) sections.push({ comment: `not published, hostname is not a valid host name: ${skipped.join(', ')}`, records: [] });
  }
  return sections;
}

/**
 * The serial of a reverse zone whose content has this digest: it moves when, and only when,
 * the content does. Derived state, not a registry change, so no audit entry. In the shared
 * spaces (`vrfId` null) a zone is known by its name alone, so that its serial keeps rising
 * when its owner moves between public and internet; asked in one VRF by name, by that VRF
 * and the name.
 */
async function reverseSerial(tx: Executor, name: string, vrfId: number | null, digest: string, now: Date): Promise<number> {
  const first = firstSerialOf(now);
  const at = now.toISOString();
  const [bumped] = await rows<{ serial: string | number }>(
    tx,
    vrfId === null
      ? sql`INSERT INTO dns_zone_serials (name, serial, content_sha256, updated_at) VALUES (${name}, ${first}, ${digest}, ${at})
            ON CONFLICT (name) DO UPDATE
              SET serial = GREATEST(dns_zone_serials.serial + 1, EXCLUDED.serial), content_sha256 = EXCLUDED.content_sha256, updated_at = EXCLUDED.updated_at
              WHERE dns_zone_serials.content_sha256 IS DISTINCT FROM EXCLUDED.content_sha256
            RETURNING serial`
      : sql`INSERT INTO dns_reverse_zones (vrf_id, name, serial, content_sha256, updated_at) VALUES (${vrfId}, ${name}, ${first}, ${digest}, ${at})
            ON CONFLICT (vrf_id, name) DO UPDATE
              SET serial = GREATEST(dns_reverse_zones.serial + 1, EXCLUDED.serial), content_sha256 = EXCLUDED.content_sha256, updated_at = EXCLUDED.updated_at
              WHERE dns_reverse_zones.content_sha256 <> EXCLUDED.content_sha256
            RETURNING serial`,
  );
  if (bumped) return Number(bumped.serial);
  const [kept] = await rows<{ serial: string | number }>(
    tx,
    vrfId === null
      ? sql`SELECT serial FROM dns_zone_serials WHERE name = ${name}`
      : sql`SELECT serial FROM dns_reverse_zones WHERE vrf_id = ${vrfId} AND name = ${name}`,
  );
  return Number(kept.serial);
}

export async function reverseZoneFile(ctx: Ctx, nameText: string, vrfName?: string): Promise<{ text: string; etag: string }> {
  authorize(ctx, 'zone.read');
  return read(() =>
    ctx.db.transaction(async (tx) => {
      // A zone belongs to the prefix that owns it: among the prefixes the caller does not read, it is not found.
      const zone = await locateReverseZone(tx, nameText, await vrfsFor(tx, vrfName), reverseReadable(ctx));
      const sections = await reverseZoneSections(tx, zone);
      const soa = { mname: zone.serving.nameservers[0].name, ...zone.serving.soa };
      const digest = createHash('sha256').update(JSON.stringify({ soa, ttl: zone.serving.ttl, sections })).digest('hex');
      const serial = await reverseSerial(tx, zone.name, vrfName === undefined ? null : zone.owner.vrfId, digest, ctx.now());
      const text = renderZone({ origin: zone.name, ttl: zone.serving.ttl, soa: { ...soa, serial }, sections });
      return { text, etag: `"rev-${digest.slice(0, 16)}-${serial}"` };
    }),
  );
}
