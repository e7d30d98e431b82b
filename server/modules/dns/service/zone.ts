import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import { read, type Ctx } from '../../../context.js';
import { rows } from '../../../db/client.js';
import { idOf } from '../../../http/params.js';
import { notFound } from '../../../http/problem.js';
import { authorize } from '../../access/authorize.js';
import { unicodeName } from '../names.js';
import { domains, type DomainRow, type Nameserver } from '../schema.js';
import { renderZone, type ResourceRecord, type ZoneSection } from '../zonefile.js';
import { domainReadable, glueOf, loadReadableDomain } from './domains.js';

/** Zone files of forward zones (reverse zones: reverse.ts). */

/**
 * Zone files are what DNS servers publish anyway; their pull jobs may run with an agent's
 * token, and an agent pulls every zone. People read the zone files of the zones they read.
 */
function zoneReadable(ctx: Ctx): SQL | undefined {
  return ctx.actor.role === 'agent' ? undefined : domainReadable(ctx);
}

function addressRecords(ns: Nameserver, ttl: number): ResourceRecord[] {
  return ns.addresses.map((address) => ({ name: ns.name, ttl, type: address.includes(':') ? 'AAAA' : 'A', value: address }));
}

/** The ETag of a zone: its serial moves with every change of what the zone file says. */
function zoneEtag(zone: Pick<DomainRow, 'id' | 'serial'>): string {
  return `"zone-${zone.id}-${zone.serial}"`;
}

/** Just the current ETag, so a pull job that has the zone already is answered without rendering it. */
export async function currentZoneEtag(ctx: Ctx, idText: string): Promise<string> {
  authorize(ctx, 'zone.read');
  const id = idOf(idText, 'domain');
  return read(async () => {
    const [row] = await ctx.db
      .select({ id: domains.id, serial: domains.serial })
      .from(domains)
      .where(and(eq(domains.id, id), zoneReadable(ctx)));
    if (!row) throw notFound(`domain ${id}`);
    return zoneEtag(row);
  });
}

/** The master file of a forward zone: SOA, apex NS, the addresses of in-zone name servers, records, then each delegation with its glue. */
export async function zoneFile(ctx: Ctx, idText: string): Promise<{ text: string; etag: string }> {
  authorize(ctx, 'zone.read');
  const id = idOf(idText, 'domain');
  // One snapshot: the serial in the SOA is the serial of exactly these records.
  return read(() =>
    ctx.db.transaction(
      async (tx) => {
        const zone = await loadReadableDomain(tx, id, zoneReadable(ctx));
        const children = await tx
          .select({ name: domains.name, holderCode: domains.holderCode, nameservers: domains.nameservers, ttl: domains.ttl })
          .from(domains)
          .where(eq(domains.parentId, zone.id))
          .orderBy(asc(domains.name));
        const records = await rows<ResourceRecord>(tx, sql`SELECT name, ttl, type, value FROM dns_records WHERE domain_id = ${zone.id}`);
        return { text: renderForwardZone(zone, children, records), etag: zoneEtag(zone) };
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    ),
  );
}

/** Owner, then type, then value, by code units: the same bytes on every database, whatever its collation. */
function byOwner(a: ResourceRecord, b: ResourceRecord): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.type !== b.type) return a.type < b.type ? -1 : 1;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

export function renderForwardZone(
  zone: Pick<DomainRow, 'name' | 'nameservers' | 'soa' | 'ttl' | 'serial' | 'holderCode'>,
  children: Pick<DomainRow, 'name' | 'holderCode' | 'nameservers' | 'ttl'>[],
  records: ResourceRecord[],
): string {
  // The registry writes address records for name servers inside the zone; a record that repeats one is written once.
  const generated = new Set<string>();
  const once = (rr: ResourceRecord) => {
    const key = `${rr.name} ${rr.type} ${rr.value}`;
    if (generated.has(key)) return false;
    generated.add(key);
    return true;
  };
  const apex: ResourceRecord[] = zone.nameservers.map((ns) => ({ name: zone.name, ttl: zone.ttl, type: 'NS', value: `${ns.name}.` }));
  const apexAddresses = glueOf(zone).flatMap((ns) => addressRecords(ns, zone.ttl)).filter(once);
  const delegations: ZoneSection[] = children.map((child) => ({
    comment: `delegation: ${unicodeName(child.name)} held by ${child.holderCode}`,
    records: [
      ...child.nameservers.map((ns) => ({ name: child.name, ttl: child.ttl, type: 'NS', value: `${ns.name}.` })),
      // Glue only inside the child: a child's holder never writes addresses elsewhere in this zone.
      ...glueOf(child).flatMap((ns) => addressRecords(ns, child.ttl)).filter(once),
    ],
  }));
  const generatedNames = new Set([...generated].map((key) => key.slice(0, key.indexOf(' '))));
  const own = records.filter((rr) => !generatedNames.has(rr.name) || !generated.has(`${rr.name} ${rr.type} ${rr.value}`)).sort(byOwner);
  return renderZone({
    origin: zone.name,
    ttl: zone.ttl,
    soa: { mname: zone.nameservers[0].name, ...zone.soa, serial: zone.serial },
    sections: [
      { comment: `${unicodeName(zone.name)} held by ${zone.holderCode}`, records: apex },
      { records: apexAddresses },
      { comment: own.length > 0 ? 'records' : undefined, records: own },
      ...delegations,
    ],
  });
}
