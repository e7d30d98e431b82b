/**
 * Reverse zones, built from the prefix tree rather than kept beside it. Every reverse zone a
 * registered prefix spans (server/net/reverse.ts) is a zone of its own, served by the name
 * servers of the prefix's holder, or of the nearest holder above it that runs DNS (has a
 * domain). A zone therefore holds the PTRs of the addresses registered in its own prefix,
 * and delegates the zones of child prefixes: NS records at octet or nibble boundaries, and
 * RFC 2317 CNAMEs plus NS for children longer than /24.
 */
import { createHash } from 'node:crypto';
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { read, type Ctx } from '../../context.js';
import { rows, type Executor } from '../../db/client.js';
import { Problem } from '../../http/problem.js';
import { AddressError, addressCount, blockContaining, containsCidr, parseAddress, parseCidr, type Cidr } from '../../net/cidr.js';
import { parseReverseName, reverseName, reverseZones } from '../../net/reverse.js';
import { authorize } from '../access/authorize.js';
import { ancestorsOf, loadVrf, mostSpecificPrefix, sharedVrfNames } from '../ipam/lookup.js';
import { prefixes, vrfs, type PrefixRow } from '../ipam/schema.js';
import { asciiName, NameError } from './names.js';
import type { DomainRow } from './schema.js';
import { firstSerialOf } from './serial.js';
import { renderZone, type ResourceRecord, type ZoneSection } from './zonefile.js';
import { loadPrefix, loadReadablePrefix, prefixReadable } from '../ipam/service.js';

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
    return { items: reverseZones(parseCidr(row.prefix)).map((name) => ({ name })) };
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
  try {
    cidr = parseReverseName(nameText);
  } catch (err) {
    if (err instanceof AddressError) throw reverseNameProblem(err);
    throw err;
  }
  const name = nameText.toLowerCase().replace(/\.$/, '');
  const [canonical] = reverseZones(cidr);
  if (canonical !== name) {
    throw missing(`${name} is not a reverse zone name: zones sit at octet (in-addr.arpa /8, /16, /24) or nibble (ip6.arpa) boundaries, or are RFC 2317 names such as ${canonical}`);
  }
  const owner = await mostSpecificPrefix(db, vrfIds, cidr.text);
  const nothing = () => missing(`no registered prefix covers ${cidr.text}, so there is no reverse zone ${name}`);
  if (!owner) throw nothing();
  // Outside the caller's prefixes the zone is answered like one that does not exist.
  if (among && (await db.select({ id: prefixes.id }).from(prefixes).where(and(eq(prefixes.id, owner.id), among))).length === 0) throw nothing();
  const ownerCidr = parseCidr(owner.prefix);
  const ownZones = reverseZones(ownerCidr);
  if (!ownZones.includes(name)) {
    const holding = ownZones.find((zone) => containsCidr(parseReverseName(zone), cidr)) ?? ownZones[0];
    throw missing(`${name} is not a zone of its own: ${cidr.text} lies inside ${owner.prefix}, whose PTRs are served in the zone ${holding}`);
  }

  const nodes = new Map<number, TreeNode>();
  const add = (p: { id: number; parentId: number | null; prefix: string; holderCode: string; status: string }) =>
    nodes.set(Number(p.id), { id: Number(p.id), parentId: p.parentId === null ? null : Number(p.parentId), cidr: parseCidr(p.prefix), holderCode: p.holderCode, status: p.status });
  for (const p of [owner, ...(await ancestorsOf(db, owner))]) add(p);
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
    for (const childZone of reverseZones(child.cidr)) {
      const childZoneCidr = parseReverseName(childZone);
      const server = zone.servingOf(ownerOf(within, childZoneCidr) ?? child);
      records.push(...server.nameservers.map((ns) => ({ name: childZone, ttl, type: 'NS', value: `${ns.name}.` })));
      if (child.cidr.family === 4 && child.cidr.length > 24) {
        // RFC 2317: each address of the classless block points into the child's own zone.
        const [zone24] = reverseZones(blockContaining(4, child.cidr.network, 24));
        const first = Number(child.cidr.network & 0xffn);
        for (let i = 0; i < Number(addressCount(child.cidr)); i++) {
          records.push({ name: `${first + i}.${zone24}`, ttl, type: 'CNAME', value: `${first + i}.${childZone}.` });
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
      const { family, value } = parseAddress(host.address);
      const ptrName = family === 4 && cidr.length > 24 ? `${Number(value & 0xffn)}.${zone.name}` : reverseName(family, value);
      ptrs.push({ name: ptrName, ttl, type: 'PTR', value: target });
    }
    sections.push({ comment: ptrs.length > 0 ? 'PTRs from the hostnames of registered addresses' : undefined, records: ptrs });
    if (skipped.length > 0) sections.push({ comment: `not published, hostname is not a valid host name: ${skipped.join(', ')}`, records: [] });
  }
  return sections;
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
      const now = ctx.now();
      // Derived state, not a registry change (so no audit entry): the serial moves when, and only when, the content does.
      const [bumped] = await rows<{ serial: string | number }>(
        tx,
        sql`INSERT INTO dns_reverse_zones (vrf_id, name, serial, content_sha256, updated_at)
            VALUES (${zone.owner.vrfId}, ${zone.name}, ${firstSerialOf(now)}, ${digest}, ${now.toISOString()})
            ON CONFLICT (vrf_id, name) DO UPDATE
              SET serial = GREATEST(dns_reverse_zones.serial + 1, EXCLUDED.serial), content_sha256 = EXCLUDED.content_sha256, updated_at = EXCLUDED.updated_at
              WHERE dns_reverse_zones.content_sha256 <> EXCLUDED.content_sha256
            RETURNING serial`,
      );
      const serial = Number(
        bumped?.serial ??
          (await rows<{ serial: string | number }>(tx, sql`SELECT serial FROM dns_reverse_zones WHERE vrf_id = ${zone.owner.vrfId} AND name = ${zone.name}`))[0].serial,
      );
      const text = renderZone({ origin: zone.name, ttl: zone.serving.ttl, soa: { ...soa, serial }, sections });
      return { text, etag: `"rev-${digest.slice(0, 16)}-${serial}"` };
    }),
  );
}
