import { and, asc, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import { mutate, read, type Audit, type Ctx } from '../../../context.js';
import { rows, type Executor, type Tx } from '../../../db/client.js';
import { explainConstraint } from '../../../db/errors.js';
import { keysetPage, type Page } from '../../../http/paging.js';
import { idOf } from '../../../http/params.js';
import { conflict, invalid, notFound, Problem, ruleViolation } from '../../../http/problem.js';
import { AddressError, parseAddress } from '../../../net/cidr.js';
import { assertRole, authorize } from '../../access/authorize.js';
import { readScope, unitCodeIn } from '../../access/scope.js';
import { units } from '../../divisions/schema.js';
import { assertActive, loadUnit } from '../../divisions/service.js';
import type { CreateDomainInput, DelegateInput, DomainView, ListDomainsQuery, UpdateDomainInput } from '../inputs.js';
import { asciiLabel, asciiName, isWithin, NameError, readName, unicodeName } from '../names.js';
import { delegationRefusal } from '../delegation.js';
import { domains, dnsRecords, zoneSerials, type DomainRow, type Nameserver, type Soa } from '../schema.js';
import { firstSerialOf, nextSerial } from '../serial.js';
import { dnsDefaults } from '../settings.js';
import { mailboxName } from '../zonefile.js';

/**
 * Domains: registering, delegating, changing and reclaiming zones, and what the other verb
 * files share about them (loading, who reads which zone, the serial, the glue a zone publishes).
 */

explainConstraint('domains_name_key', () => conflict('a domain with this name is already registered'));

// --- views -----------------------------------------------------------------------------

function domainView(row: DomainRow, holderName: string): DomainView {
  return {
    id: String(row.id),
    name: row.name,
    unicodeName: unicodeName(row.name),
    holder: { code: row.holderCode, name: holderName },
    parentId: row.parentId === null ? null : String(row.parentId),
    nameservers: row.nameservers.map((ns) => ({ name: ns.name, unicodeName: unicodeName(ns.name), addresses: ns.addresses })),
    soa: { mname: row.nameservers[0].name, rname: row.soa.rname, refresh: row.soa.refresh, retry: row.soa.retry, expire: row.soa.expire, minimum: row.soa.minimum },
    ttl: row.ttl,
    serial: row.serial,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

// --- loading ---------------------------------------------------------------------------

export async function loadDomain(db: Executor, id: number, options: { forUpdate?: boolean } = {}): Promise<DomainRow> {
  const query = db.select().from(domains).where(eq(domains.id, id));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  if (!row) throw notFound(`domain ${id}`);
  return row;
}

/**
 * The zones a caller reads: those its scope holds, and for an operator also the zones above
 * them (their parent chains), so that it sees where its names come from. Undefined for the
 * admin and auditors.
 */
export function domainReadable(ctx: Ctx): SQL | undefined {
  const scope = readScope(ctx);
  if (scope.kind === 'all') return undefined;
  const own = unitCodeIn(scope, domains.holderCode);
  if (scope.kind !== 'subtree') return own;
  // The zones above are the parent chains of the subtree's own zones, walked once per query.
  return sql`(${own} OR ${domains.id} IN (
    WITH RECURSIVE above(id) AS (
      SELECT mine.parent_id FROM domains mine WHERE mine.parent_id IS NOT NULL AND ${unitCodeIn(scope, sql.raw('mine.holder_code'))}
      UNION
      SELECT d.parent_id FROM domains d JOIN above ON d.id = above.id WHERE d.parent_id IS NOT NULL)
    SELECT id FROM above))`;
}

/** A zone the condition allows, or 404 (the same answer as for an id nobody has). */
export async function loadReadableDomain(db: Executor, id: number, readable: SQL | undefined): Promise<DomainRow> {
  if (!readable) return loadDomain(db, id);
  const [row] = await db.select().from(domains).where(and(eq(domains.id, id), readable));
  if (!row) throw notFound(`domain ${id}`);
  return row;
}

async function holderName(db: Executor, code: string): Promise<string> {
  const [row] = await db.select({ name: units.name }).from(units).where(eq(units.code, code));
  return row?.name ?? code;
}

async function viewOf(db: Executor, row: DomainRow): Promise<DomainView> {
  return domainView(row, await holderName(db, row.holderCode));
}

// --- reading what people typed -----------------------------------------------------------

/**
 * Name servers of the zone `zone` as given. Addresses go with a server inside the zone, and
 * only there (an in-domain server, RFC 9499 section 7): resolvers reach such a server only through the
 * addresses published with the delegation (glue), so they are required; a server outside
 * the zone is found through its own zone, and addresses given for it would be written into
 * a zone its holder does not hold (the delegating zone, for a name beside the child), so
 * they are refused.
 */
function readNameservers(input: { name: string; addresses?: string[] }[], zone: string): Nameserver[] {
  const seen = new Set<string>();
  return input.map((ns, i) => {
    const field = `nameservers.${i}`;
    const name = readName(`${field}.name`, JSON.stringify(ns.name), () => asciiName(ns.name, 'host'));
    if (seen.has(name)) throw invalid(`${field}.name: ${name} is listed twice`, { field: `${field}.name` });
    seen.add(name);
    const addresses = [
      ...new Set(
        (ns.addresses ?? []).map((text, j) => {
          try {
            return parseAddress(text).text;
          } catch (err) {
            if (err instanceof AddressError) throw new Problem(400, err.code, `${field}.addresses.${j}: ${err.message}`, { field: `${field}.addresses.${j}` });
            throw err;
          }
        }),
      ),
    ];
    if (addresses.length === 0 && isWithin(name, zone)) {
      throw invalid(`${field}: ${name} lies inside ${zone}, so resolvers reach it only through the addresses (glue) published with the delegation: give its addresses`, {
        field: `${field}.addresses`,
      });
    }
    if (addresses.length > 0 && !isWithin(name, zone)) {
      throw invalid(`${field}.addresses: ${name} is outside ${zone}; its address is published by its own zone, not with this delegation: drop addresses`, {
        field: `${field}.addresses`,
      });
    }
    return { name, addresses };
  });
}

/** The zone's contact as a mailbox (`hostmaster@gx.example`) or already as a name (`hostmaster.gx.example`). */
function readMailbox(typed: string): string {
  const at = typed.indexOf('@');
  if (at < 0) return readName('soa.rname', JSON.stringify(typed), () => asciiName(typed, 'service'));
  const local = typed.slice(0, at);
  if (!/^[A-Za-z0-9._+-]{1,63}$/.test(local)) {
    throw invalid(`soa.rname: the mailbox ${JSON.stringify(typed)} needs a plain local part (letters, digits and . _ + -)`, { field: 'soa.rname' });
  }
  return mailboxName(`${local}@${readName('soa.rname', JSON.stringify(typed), () => asciiName(typed.slice(at + 1), 'host'))}`);
}

/** SOA values: what was given, else what the zone had, else the deployment's defaults (settings.ts). */
function readSoa(input: CreateDomainInput['soa'], zone: string, base?: Soa): Soa {
  const defaults = dnsDefaults();
  return {
    rname: input?.rname !== undefined ? readMailbox(input.rname) : (base?.rname ?? mailboxName(defaults.rname ?? `hostmaster.${zone}`)),
    refresh: input?.refresh ?? base?.refresh ?? defaults.refresh,
    retry: input?.retry ?? base?.retry ?? defaults.retry,
    expire: input?.expire ?? base?.expire ?? defaults.expire,
    minimum: input?.minimum ?? base?.minimum ?? defaults.minimum,
  };
}

// --- zone bookkeeping ----------------------------------------------------------------------

/** Bumps a locked zone's serial inside the caller's transaction; returns the new serial. */
export async function bumpSerial(tx: Tx, zone: DomainRow, now: Date): Promise<number> {
  const serial = nextSerial(zone.serial, now);
  await tx.update(domains).set({ serial, updatedAt: now }).where(eq(domains.id, zone.id));
  return serial;
}

/**
 * The serial a zone registered under `name` starts with: past the last serial that name was
 * published with, when a zone of that name was reclaimed before (the same day or not), else
 * the day's first. Secondaries and resolvers that saw the old zone take the new one only if
 * its serial is higher (RFC 1982 comparison).
 */
async function firstSerialFor(tx: Tx, name: string, now: Date): Promise<number> {
  const [last] = await tx.select({ serial: zoneSerials.serial }).from(zoneSerials).where(eq(zoneSerials.name, name));
  return last ? nextSerial(last.serial, now) : firstSerialOf(now);
}

/** Keeps a reclaimed zone's serial under its name, for the next zone of that name. */
async function keepLastSerial(tx: Tx, zone: DomainRow, now: Date): Promise<void> {
  await tx
    .insert(zoneSerials)
    .values({ name: zone.name, serial: zone.serial, contentSha256: null, updatedAt: now })
    .onConflictDoUpdate({ target: zoneSerials.name, set: { serial: sql`GREATEST(${zoneSerials.serial}, EXCLUDED.serial)`, updatedAt: now } });
}

/**
 * The name servers whose addresses a zone's file publishes with the zone's NS records: those
 * inside the zone (a root's own, or a child's as glue in its parent). Addresses stored for a
 * server outside it (accepted before that was refused) are never written.
 */
export function glueOf(zone: Pick<DomainRow, 'name' | 'nameservers'>): Nameserver[] {
  return zone.nameservers.filter((ns) => isWithin(ns.name, zone.name) && ns.addresses.length > 0);
}

/** Names of a zone where the registry itself writes address records: its name servers' and its children's glue. */
export async function generatedAddressNames(db: Executor, zone: DomainRow): Promise<Set<string>> {
  const children = await db.select({ name: domains.name, nameservers: domains.nameservers }).from(domains).where(eq(domains.parentId, zone.id));
  return new Set([zone, ...children].flatMap(glueOf).map((ns) => ns.name));
}

/**
 * A child's name server elsewhere in the delegating zone is written there without glue, so
 * resolvers find it only if that zone publishes an address for it (an A or AAAA record, or a
 * name server's or sibling's glue); refuses one it does not have, which would make the
 * delegation lame and the zone fail named-checkzone.
 */
async function refuseUnpublishedServers(db: Executor, parent: DomainRow, child: string, nameservers: Nameserver[]): Promise<void> {
  const elsewhere = nameservers.map((ns, i) => ({ ns, i })).filter(({ ns }) => isWithin(ns.name, parent.name) && !isWithin(ns.name, child));
  if (elsewhere.length === 0) return;
  const published = await generatedAddressNames(db, parent);
  const records = await db
    .select({ name: dnsRecords.name })
    .from(dnsRecords)
    .where(and(eq(dnsRecords.domainId, parent.id), inArray(dnsRecords.type, ['A', 'AAAA']), inArray(dnsRecords.name, elsewhere.map(({ ns }) => ns.name))));
  for (const r of records) published.add(r.name);
  const missing = elsewhere.find(({ ns }) => !published.has(ns.name));
  if (missing) {
    const field = `nameservers.${missing.i}.name`;
    throw invalid(
      `${field}: ${parent.name} publishes no address for ${missing.ns.name} (no A or AAAA record, no name server's glue), so resolvers could not reach it: ask the holder of ${parent.name} to add its address first, or name a server inside ${child} with its addresses`,
      { field },
    );
  }
}

/** A CNAME stands alone (RFC 1034 3.6.2): refuses name servers whose addresses would sit beside one. */
async function refuseCnameAt(db: Executor, zone: DomainRow, names: string[]): Promise<void> {
  if (names.length === 0) return;
  const [clash] = await db
    .select({ name: dnsRecords.name })
    .from(dnsRecords)
    .where(and(eq(dnsRecords.domainId, zone.id), eq(dnsRecords.type, 'CNAME'), inArray(dnsRecords.name, names)))
    .limit(1);
  if (clash) {
    throw conflict(`${clash.name} is a CNAME in ${zone.name}; a name server's addresses cannot sit beside it: delete the CNAME or name another server`);
  }
}

// --- domains -----------------------------------------------------------------------------

export async function createDomain(ctx: Ctx, input: CreateDomainInput): Promise<DomainView> {
  authorize(ctx, 'domain.create');
  const name = readName('name', JSON.stringify(input.name), () => asciiName(input.name, 'host'));
  if (name === 'arpa' || name.endsWith('.arpa')) {
    throw invalid(`name: reverse zones are not registered by hand; they follow the prefix tree (GET /api/v1/prefixes/{id}/reverse-zones, GET /api/v1/reverse-zones/{name})`, { field: 'name' });
  }
  const nameservers = readNameservers(input.nameservers, name);
  const soa = readSoa(input.soa, name);
  return mutate(ctx, async (tx, audit) => {
    const holder = await loadUnit(tx, input.holder);
    assertActive(holder);
    const [related] = await rows<{ name: string }>(
      tx,
      sql`SELECT name FROM domains
          WHERE name = ${name} OR right(${name}, length(name) + 1) = '.' || name OR right(name, ${name.length + 1}) = ${`.${name}`}
          ORDER BY length(name) LIMIT 1`,
    );
    if (related) {
      if (related.name === name) throw conflict(`the domain ${name} is already registered`);
      if (isWithin(name, related.name)) throw conflict(`${name} lies inside the registered zone ${related.name}: delegate it from there (POST /api/v1/domains/{id}/delegate)`);
      throw conflict(`${related.name} is already registered below ${name}; a root zone cannot be put above an existing zone`);
    }
    const [row] = await tx
      .insert(domains)
      .values({ name, parentId: null, holderCode: holder.code, nameservers, soa, ttl: input.ttl ?? dnsDefaults().ttl, serial: await firstSerialFor(tx, name, ctx.now()), createdAt: ctx.now(), updatedAt: ctx.now() })
      .returning();
    const view = domainView(row, holder.name);
    await audit({ action: 'domain.create', objectType: 'domain', objectId: view.id, after: view });
    return view;
  });
}

export async function delegateDomain(ctx: Ctx, parentIdText: string, input: DelegateInput): Promise<DomainView> {
  return mutate(ctx, (tx, audit) => delegateDomainIn(ctx, tx, audit, parentIdText, input));
}

/**
 * The delegation inside a transaction the caller owns: POST /domains/{id}/delegate and the
 * approval of a `domain` application both call it.
 */
export async function delegateDomainIn(ctx: Ctx, tx: Tx, audit: Audit, parentIdText: string, input: DelegateInput): Promise<DomainView> {
  // A role that may never do this hears 403 before the lookup (CONTRIBUTING: Add a verb), not 404.
  assertRole(ctx, 'domain.delegate');
  const parentId = idOf(parentIdText, 'domain');
  const label = readName('label', JSON.stringify(input.label), () => {
    if (input.label.includes('.')) throw new NameError('a delegation hands out one label; delegate one level at a time, then delegate again from the child');
    return asciiLabel(input.label, 'host');
  });
  const parent = await loadDomain(tx, parentId, { forUpdate: true });
  const parentHolder = await loadUnit(tx, parent.holderCode);
  authorize(ctx, 'domain.delegate', { unit: parentHolder });
  const holder = await loadUnit(tx, input.holder);
  assertActive(holder);
  const refusal = delegationRefusal(parentHolder, holder);
  if (refusal) throw ruleViolation('delegation_rule', refusal, { rule: 'article 21: one level at a time, departments under their own division' });
  const name = readName('label', JSON.stringify(input.label), () => {
    const full = `${label}.${parent.name}`;
    if (Buffer.byteLength(full) > 253) throw new NameError(`${full} would be ${Buffer.byteLength(full)} octets; a DNS name holds at most 253`);
    return full;
  });
  const nameservers = readNameservers(input.nameservers, name);
  const soa = readSoa(input.soa, name);
  const [taken] = await tx.select({ holderCode: domains.holderCode }).from(domains).where(eq(domains.name, name));
  if (taken) throw conflict(`${name} is already delegated (to ${taken.holderCode})`);
  const [occupied] = await rows<{ name: string; type: string }>(
    tx,
    sql`SELECT name, type FROM dns_records WHERE domain_id = ${parent.id} AND (name = ${name} OR right(name, ${name.length + 1}) = ${`.${name}`}) LIMIT 1`,
  );
  if (occupied) {
    throw conflict(`${parent.name} has a ${occupied.type} record at ${occupied.name}, which would fall inside the new zone: delete it first and add it to the child zone after delegating`);
  }
  await refuseUnpublishedServers(tx, parent, name, nameservers);
  const [row] = await tx
    .insert(domains)
    .values({ name, parentId: parent.id, holderCode: holder.code, nameservers, soa, ttl: input.ttl ?? parent.ttl, serial: await firstSerialFor(tx, name, ctx.now()), createdAt: ctx.now(), updatedAt: ctx.now() })
    .returning();
  const parentSerial = await bumpSerial(tx, parent, ctx.now());
  const view = domainView(row, holder.name);
  await audit({ action: 'domain.delegate', objectType: 'domain', objectId: view.id, after: { ...view, parent: { id: String(parent.id), name: parent.name, serial: parentSerial } } });
  return view;
}

export async function updateDomain(ctx: Ctx, idText: string, input: UpdateDomainInput): Promise<DomainView> {
  // A role that may never do this hears 403 before the lookup (CONTRIBUTING: Add a verb), not 404.
  assertRole(ctx, 'domain.update');
  const id = idOf(idText, 'domain');
  return mutate(ctx, async (tx, audit) => {
    // Parent before child, the order every verb locks in, so two writers never wait on each other in a circle.
    const unlocked = await loadDomain(tx, id);
    const parent = unlocked.parentId === null ? null : await loadDomain(tx, unlocked.parentId, { forUpdate: true });
    const before = await loadDomain(tx, id, { forUpdate: true });
    const holder = await loadUnit(tx, before.holderCode);
    authorize(ctx, 'domain.update', { unit: holder });
    const nameservers = input.nameservers ? readNameservers(input.nameservers, before.name) : before.nameservers;
    if (input.nameservers) {
      await refuseCnameAt(tx, before, nameservers.filter((ns) => isWithin(ns.name, before.name)).map((ns) => ns.name));
      if (parent) await refuseUnpublishedServers(tx, parent, before.name, nameservers);
    }
    const soa = input.soa ? readSoa(input.soa, before.name, before.soa) : before.soa;
    const ttl = input.ttl ?? before.ttl;
    const serial = nextSerial(before.serial, ctx.now());
    const [row] = await tx.update(domains).set({ nameservers, soa, ttl, serial, updatedAt: ctx.now() }).where(eq(domains.id, id)).returning();
    // The parent zone carries the delegation (NS, glue, their TTL): it changes with them.
    const parentChanges = parent && (input.nameservers !== undefined || input.ttl !== undefined);
    if (parentChanges) await bumpSerial(tx, parent, ctx.now());
    const beforeView = domainView(before, holder.name);
    const view = domainView(row, holder.name);
    await audit({ action: 'domain.update', objectType: 'domain', objectId: view.id, before: beforeView, after: view });
    return view;
  });
}

export async function reclaimDomain(ctx: Ctx, idText: string): Promise<void> {
  // A role that may never do this (domain.create's admin is among domain.reclaim's roles) hears 403 before the lookup (CONTRIBUTING: Add a verb), not 404.
  assertRole(ctx, 'domain.reclaim');
  const id = idOf(idText, 'domain');
  await mutate(ctx, async (tx, audit) => {
    const unlocked = await loadDomain(tx, id);
    const parent = unlocked.parentId === null ? null : await loadDomain(tx, unlocked.parentId, { forUpdate: true });
    const before = await loadDomain(tx, id, { forUpdate: true });
    if (parent) authorize(ctx, 'domain.reclaim', { unit: await loadUnit(tx, parent.holderCode) });
    else authorize(ctx, 'domain.create');
    const [child] = await tx.select({ name: domains.name }).from(domains).where(eq(domains.parentId, id)).limit(1);
    if (child) throw new Problem(409, 'in_use', `${before.name} still delegates ${child.name}: reclaim the child zones first`);
    const [record] = await tx.select({ name: dnsRecords.name, type: dnsRecords.type }).from(dnsRecords).where(eq(dnsRecords.domainId, id)).limit(1);
    if (record) throw new Problem(409, 'in_use', `${before.name} still has records (${record.type} at ${record.name}): delete them first`);
    await tx.delete(domains).where(eq(domains.id, id));
    await keepLastSerial(tx, before, ctx.now());
    if (parent) await bumpSerial(tx, parent, ctx.now());
    await audit({ action: 'domain.reclaim', objectType: 'domain', objectId: String(id), before: await viewOf(tx, before) });
  });
}

export async function getDomain(ctx: Ctx, idText: string): Promise<DomainView> {
  authorize(ctx, 'domain.read');
  const id = idOf(idText, 'domain');
  return read(async () => viewOf(ctx.db, await loadReadableDomain(ctx.db, id, domainReadable(ctx))));
}

export async function listDomains(ctx: Ctx, query: ListDomainsQuery): Promise<Page<DomainView>> {
  authorize(ctx, 'domain.read');
  const conditions: (SQL | undefined)[] = [domainReadable(ctx)];
  if (query.name !== undefined) conditions.push(eq(domains.name, readName('name', JSON.stringify(query.name), () => asciiName(query.name!, 'host'))));
  if (query.holder) conditions.push(eq(domains.holderCode, query.holder));
  if (query.parent) conditions.push(eq(domains.parentId, Number(query.parent)));
  if (query.cursor) conditions.push(gt(domains.id, Number(query.cursor)));
  return read(async () => {
    const found = await ctx.db
      .select({ domain: domains, holderName: units.name })
      .from(domains)
      .innerJoin(units, eq(units.code, domains.holderCode))
      .where(and(...conditions))
      .orderBy(asc(domains.id))
      .limit(query.limit + 1);
    return keysetPage(found, query.limit, (last) => String(last.domain.id), (page) => page.map((r) => domainView(r.domain, r.holderName)));
  });
}
