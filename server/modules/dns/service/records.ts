import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { mutate, read, type Ctx } from '../../../context.js';
import { rows, type Executor } from '../../../db/client.js';
import { explainConstraint } from '../../../db/errors.js';
import { keysetPage, type Page } from '../../../http/paging.js';
import { idOf } from '../../../http/params.js';
import { conflict, invalid, notFound, ruleViolation } from '../../../http/problem.js';
import { assertRole, authorize } from '../../access/authorize.js';
import type { UnitRow } from '../../divisions/schema.js';
import { loadUnit } from '../../divisions/service.js';
import type { CreatedRecordView, ListRecordsQuery, RecordInput, RecordView } from '../inputs.js';
import { isWithin, nameInZone, readName, unicodeName } from '../names.js';
import { dnsRecords, type DnsRecordRow, type DomainRow } from '../schema.js';
import { canonicalValue, hostOwnerTypes, ValueError, type RecordType } from '../values.js';
import { bumpSerial, domainReadable, generatedAddressNames, loadDomain, loadReadableDomain } from './domains.js';

/** Records: the hand-written records of forward zones. */

explainConstraint('dns_records_unique', () => conflict('the zone already has this record (same name, type and value)'));

function recordView(row: DnsRecordRow): RecordView {
  return {
    id: String(row.id),
    domainId: String(row.domainId),
    name: row.name,
    unicodeName: unicodeName(row.name),
    type: row.type,
    value: row.value,
    ttl: row.ttl,
    createdAt: row.createdAt.toISOString(),
  };
}
/** The delegated child zone `name` lies in (at or below its apex), if any. */
async function childZoneAt(db: Executor, zone: DomainRow, name: string): Promise<{ name: string; holder_code: string } | undefined> {
  const [child] = await rows<{ name: string; holder_code: string }>(
    db,
    sql`SELECT name, holder_code FROM domains WHERE parent_id = ${zone.id} AND (name = ${name} OR right(${name}, length(name) + 1) = '.' || name) LIMIT 1`,
  );
  return child;
}


/** Where the registry and this record disagree: an address not registered to the zone's holder or its subtree. */
async function addressWarnings(db: Executor, holder: UnitRow, address: string): Promise<{ code: string; message: string }[]> {
  const held = await rows<{ holder_code: string; path: string; vrf: string }>(
    db,
    sql`SELECT a.holder_code, u.path, v.name AS vrf FROM addresses a JOIN units u ON u.code = a.holder_code JOIN vrfs v ON v.id = a.vrf_id
        WHERE a.address = ${`${address}/${address.includes(':') ? 128 : 32}`}::inet ORDER BY v.id`,
  );
  if (held.some((h) => h.path.startsWith(holder.path))) return [];
  if (held.length > 0) {
    const others = held.map((h) => `${h.holder_code} in VRF ${h.vrf}`).join(', ');
    return [
      {
        code: 'address_held_elsewhere',
        message: `the registry has ${address} registered to ${others}, not to the zone's holder ${holder.code} (${holder.name}) or a unit below it; registry and DNS should agree`,
      },
    ];
  }
  return [
    {
      code: 'address_not_registered',
      message: `the registry holds no address ${address} for ${holder.code} (${holder.name}); register it (POST /api/v1/prefixes/{id}/addresses) so that registry and DNS agree`,
    },
  ];
}

export async function createRecord(ctx: Ctx, domainIdText: string, input: RecordInput): Promise<CreatedRecordView> {
  // A role that may never do this hears 403 before the lookup (CONTRIBUTING: Add a verb), not 404.
  assertRole(ctx, 'record.create');
  const domainId = idOf(domainIdText, 'domain');
  const type = input.type as RecordType;
  return mutate(ctx, async (tx, audit) => {
    const zone = await loadDomain(tx, domainId, { forUpdate: true });
    const holder = await loadUnit(tx, zone.holderCode);
    authorize(ctx, 'record.create', { unit: holder });
    const name = readName('name', JSON.stringify(input.name), () => nameInZone(input.name, zone.name, hostOwnerTypes.has(type) ? 'host' : 'service'));
    if (!isWithin(name, zone.name)) {
      throw invalid(`name: ${name} lies outside the zone ${zone.name}; a record of this zone is the apex (@) or a name ending in .${zone.name}`, { field: 'name' });
    }
    let value: string;
    try {
      value = canonicalValue(type, input.value, zone.name);
    } catch (err) {
      if (err instanceof ValueError) throw invalid(`value: ${err.message}`, { field: 'value' });
      throw err;
    }
    if (type === 'CNAME' && name === zone.name) {
      throw invalid(`name: a CNAME cannot sit at the apex of ${zone.name}, which has its SOA and NS records; give the apex A/AAAA records, or put the CNAME on a name below`, { field: 'name' });
    }
    if (type === 'NS' && name === zone.name) {
      throw invalid(`name: the apex NS records of ${zone.name} come from the domain's name servers: PATCH /api/v1/domains/${zone.id} {"nameservers": [...]}`, { field: 'name' });
    }
    const child = await childZoneAt(tx, zone, name);
    if (child) {
      throw ruleViolation('delegation_rule', `${name} lies in the zone ${child.name}, delegated to ${child.holder_code}: its records are written there, by its holder's operators`);
    }
    const [cut] = await rows<{ name: string }>(
      tx,
      sql`SELECT name FROM dns_records WHERE domain_id = ${zone.id} AND type = 'NS'
          AND (right(${name}, length(name) + 1) = '.' || name ${type === 'NS' ? sql`` : sql`OR name = ${name}`}) LIMIT 1`,
    );
    if (cut) throw conflict(`${name} lies ${cut.name === name ? 'at' : 'below'} ${cut.name}, which NS records delegate elsewhere: data there belongs to that zone`);
    if (type === 'NS') {
      const [below] = await rows<{ name: string; type: string }>(
        tx,
        sql`SELECT name, type FROM dns_records WHERE domain_id = ${zone.id}
            AND ((name = ${name} AND type <> 'NS') OR right(name, ${name.length + 1}) = ${`.${name}`}) LIMIT 1`,
      );
      if (below) throw conflict(`NS records at ${name} would hide the ${below.type} record at ${below.name}: delete it first`);
      if (isWithin(value.slice(0, -1), name)) {
        throw invalid(`value: ${value} lies inside ${name}, so it needs glue; register the child zone with POST /api/v1/domains/${zone.id}/delegate, which writes NS and glue`, { field: 'value' });
      }
    }
    const existing = await tx.select({ type: dnsRecords.type }).from(dnsRecords).where(and(eq(dnsRecords.domainId, zone.id), eq(dnsRecords.name, name)));
    if (type === 'CNAME') {
      const generated = await generatedAddressNames(tx, zone);
      if (existing.length > 0 || generated.has(name)) {
        const beside = existing.length > 0 ? `${existing[0].type} records` : 'a name server’s address records';
        throw conflict(`a CNAME stands alone at its name (RFC 1034): ${name} already has ${beside}; delete them or put the CNAME on another name`);
      }
    } else if (existing.some((r) => r.type === 'CNAME')) {
      throw conflict(`${name} is a CNAME, which stands alone at its name (RFC 1034): delete the CNAME first or use another name`);
    }
    const warnings = type === 'A' || type === 'AAAA' ? await addressWarnings(tx, holder, value) : [];
    const [row] = await tx
      .insert(dnsRecords)
      .values({ domainId: zone.id, name, type, value, ttl: input.ttl ?? zone.ttl, createdAt: ctx.now() })
      .returning();
    const serial = await bumpSerial(tx, zone, ctx.now());
    const view = recordView(row);
    await audit({ action: 'record.create', objectType: 'record', objectId: view.id, after: { ...view, zone: zone.name, serial } });
    return { ...view, serial, warnings };
  });
}

export async function deleteRecord(ctx: Ctx, idText: string): Promise<void> {
  // A role that may never do this hears 403 before the lookup (CONTRIBUTING: Add a verb), not 404.
  assertRole(ctx, 'record.delete');
  const id = idOf(idText, 'record');
  await mutate(ctx, async (tx, audit) => {
    const [found] = await tx.select().from(dnsRecords).where(eq(dnsRecords.id, id));
    if (!found) throw notFound(`record ${id}`);
    const zone = await loadDomain(tx, found.domainId, { forUpdate: true });
    authorize(ctx, 'record.delete', { unit: await loadUnit(tx, zone.holderCode) });
    const deleted = await tx.delete(dnsRecords).where(eq(dnsRecords.id, id)).returning();
    if (deleted.length === 0) throw notFound(`record ${id}`);
    const serial = await bumpSerial(tx, zone, ctx.now());
    await audit({ action: 'record.delete', objectType: 'record', objectId: String(id), before: { ...recordView(found), zone: zone.name }, after: { serial } });
  });
}

export async function listRecords(ctx: Ctx, domainIdText: string, query: ListRecordsQuery): Promise<Page<RecordView>> {
  authorize(ctx, 'domain.read');
  const domainId = idOf(domainIdText, 'domain');
  return read(async () => {
    const zone = await loadReadableDomain(ctx.db, domainId, domainReadable(ctx));
    const conditions = [eq(dnsRecords.domainId, zone.id)];
    if (query.name !== undefined) conditions.push(eq(dnsRecords.name, readName('name', JSON.stringify(query.name), () => nameInZone(query.name!, zone.name, 'service'))));
    if (query.type) conditions.push(eq(dnsRecords.type, query.type));
    if (query.cursor) conditions.push(gt(dnsRecords.id, Number(query.cursor)));
    const found = await ctx.db.select().from(dnsRecords).where(and(...conditions)).orderBy(asc(dnsRecords.id)).limit(query.limit + 1);
    return keysetPage(found, query.limit, (last) => String(last.id), (page) => page.map(recordView));
  });
}
