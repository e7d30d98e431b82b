import { and, asc, eq, gt, like, sql, type SQL } from 'drizzle-orm';
import { mutate, read, type Ctx } from '../../../context.js';
import type { Executor, Tx } from '../../../db/client.js';
import { keysetPage, type Page } from '../../../http/paging.js';
import { idOf } from '../../../http/params.js';
import { invalid, notFound, ruleViolation } from '../../../http/problem.js';
import { AddressError, parseAddress } from '../../../net/cidr.js';
import { assertInScope, assertRole, authorize } from '../../access/authorize.js';
import { unitInScope } from '../../access/scope.js';
import { units, type UnitRow } from '../../divisions/schema.js';
import { assertActive, loadUnit } from '../../divisions/service.js';
import { asciiName, readName, unicodeName } from '../../dns/names.js';
import '../constraints.js';
import { shanghaiDate } from '../dates.js';
import type { CreateFilingInput, FilingFlag, FilingView, ListFilingsQuery, UpdateFilingInput } from '../inputs.js';
import { websiteFilings, type WebsiteFilingRow } from '../schema.js';

/**
 * What the registry says about a filing, computed in the read's own query (no copy to go stale):
 * the zone its domain lies in (DNS, domains table), whether DNS has the name, which of its
 * addresses IPAM does not hold, which DNS does not give for the name.
 */
const f = websiteFilings;
const registryFacts = {
  zone: sql<string | null>`(SELECT d.name FROM domains d WHERE ${f.domain} = d.name OR right(${f.domain}, length(d.name) + 1) = '.' || d.name ORDER BY length(d.name) DESC LIMIT 1)`,
  inDns: sql<boolean>`EXISTS (SELECT 1 FROM dns_records r WHERE r.name = ${f.domain} AND r.type IN ('A', 'AAAA', 'CNAME'))`,
  cname: sql<boolean>`EXISTS (SELECT 1 FROM dns_records r WHERE r.name = ${f.domain} AND r.type = 'CNAME')`,
  addressList: sql<string[]>`array_to_json(ARRAY(SELECT host(a) FROM unnest(${f.addresses}) WITH ORDINALITY AS u(a, n) ORDER BY n))`,
  unregistered: sql<string[]>`array_to_json(ARRAY(SELECT host(a) FROM unnest(${f.addresses}) a WHERE NOT EXISTS (SELECT 1 FROM addresses x WHERE x.address = a)))`,
  notInDns: sql<string[]>`array_to_json(ARRAY(SELECT host(a) FROM unnest(${f.addresses}) a WHERE NOT EXISTS (SELECT 1 FROM dns_records r WHERE r.name = ${f.domain} AND r.type IN ('A', 'AAAA') AND r.value = host(a))))`,
};

/** The same rules as {@link flagsOf}, as one SQL condition, for `?flagged=`. */
const flaggedSql = sql`(${f.filingNumber} = ''
  OR NOT EXISTS (SELECT 1 FROM domains d WHERE ${f.domain} = d.name OR right(${f.domain}, length(d.name) + 1) = '.' || d.name)
  OR NOT ${registryFacts.inDns}
  OR EXISTS (SELECT 1 FROM unnest(${f.addresses}) a WHERE NOT EXISTS (SELECT 1 FROM addresses x WHERE x.address = a))
  OR (NOT ${registryFacts.cname} AND EXISTS (SELECT 1 FROM unnest(${f.addresses}) a WHERE NOT EXISTS (SELECT 1 FROM dns_records r WHERE r.name = ${f.domain} AND r.type IN ('A', 'AAAA') AND r.value = host(a)))))`;

interface Facts {
  zone: string | null;
  inDns: boolean;
  cname: boolean;
  addressList: string[];
  unregistered: string[];
  notInDns: string[];
}

const asArray = (v: unknown): string[] => (typeof v === 'string' ? JSON.parse(v) : (v as string[]));

/** Article 19: a site on the extranet is filed, and the registry holds its domain and addresses. */
export function flagsOf(row: Pick<WebsiteFilingRow, 'filingNumber' | 'domain'>, facts: Facts): FilingFlag[] {
  const flags: FilingFlag[] = [];
  if (row.filingNumber === '') flags.push({ code: 'not_filed', field: 'filingNumber', message: 'the site has no filing number (网站备案): file it and record the number' });
  if (!facts.zone) {
    flags.push({ code: 'domain_not_registered', field: 'domain', message: `no registered zone holds ${row.domain}: register the domain (POST /api/v1/domains) or correct the filing` });
  } else if (!facts.inDns) {
    flags.push({ code: 'domain_not_in_dns', field: 'domain', message: `the zone ${facts.zone} has no A, AAAA or CNAME record for ${row.domain}: add it so that the filing and DNS agree` });
  }
  for (const address of facts.unregistered) {
    flags.push({ code: 'address_not_registered', field: 'addresses', message: `the registry holds no address ${address}: register it (POST /api/v1/prefixes/{id}/addresses) or correct the filing` });
  }
  if (facts.zone && facts.inDns && !facts.cname) {
    for (const address of facts.notInDns) {
      flags.push({ code: 'address_not_in_dns', field: 'addresses', message: `DNS gives no A/AAAA record ${row.domain} → ${address}: add it or correct the filing` });
    }
  }
  return flags;
}

export function filingView(row: WebsiteFilingRow, unitName: string, raw: Record<keyof Facts, unknown>): FilingView {
  const facts: Facts = {
    zone: (raw.zone as string | null) ?? null,
    inDns: Boolean(raw.inDns),
    cname: Boolean(raw.cname),
    addressList: asArray(raw.addressList),
    unregistered: asArray(raw.unregistered),
    notInDns: asArray(raw.notInDns),
  };
  const flags = flagsOf(row, facts);
  return {
    id: String(row.id),
    siteName: row.siteName,
    domain: row.domain,
    domainUnicode: unicodeName(row.domain),
    zone: facts.zone,
    addresses: facts.addressList,
    responsible: row.responsibleUnitCode,
    responsibleUnitName: unitName,
    responsibleName: row.responsibleName,
    responsiblePhone: row.responsiblePhone,
    filingNumber: row.filingNumber,
    filedOn: row.filedOn,
    assistingUnit: row.assistingUnitCode,
    assistance: row.assistance,
    flags,
    flagged: flags.length > 0,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const selection = { row: websiteFilings, unitName: units.name, ...registryFacts };

async function viewById(db: Executor, id: number, condition?: SQL): Promise<FilingView | undefined> {
  const [found] = await db
    .select(selection)
    .from(websiteFilings)
    .innerJoin(units, eq(units.code, websiteFilings.responsibleUnitCode))
    .where(and(eq(websiteFilings.id, id), condition));
  return found ? filingView(found.row, found.unitName, found) : undefined;
}

function readAddresses(list: string[]): string[] {
  const seen = new Set<string>();
  return list.map((text, i) => {
    let canonical: string;
    try {
      canonical = parseAddress(text).text;
    } catch (err) {
      if (err instanceof AddressError) throw invalid(`addresses[${i}]: ${err.message}`, { field: `addresses.${i}` });
      throw err;
    }
    if (seen.has(canonical)) throw invalid(`addresses[${i}]: ${canonical} is listed twice`, { field: `addresses.${i}` });
    seen.add(canonical);
    return canonical;
  });
}

const readDomain = (text: string) => readName('domain', JSON.stringify(text), () => asciiName(text));

function assertDepartment(unit: UnitRow): void {
  if (unit.kind !== 'department') throw ruleViolation('rule_violation', `${unit.code} (${unit.name}) is a division; a website is filed by the department responsible for it`, { field: 'responsible' });
  assertActive(unit);
}

/** Article 19: the O&M unit of the department's level (or one above it) assists; it is a division. */
async function assistingUnit(ctx: Ctx, tx: Tx, code: string | undefined, responsible: UnitRow): Promise<string | null> {
  if (code === undefined) return null;
  const unit = await loadUnit(tx, code);
  if (unit.kind !== 'division' || !responsible.path.startsWith(unit.path)) {
    throw ruleViolation('rule_violation', `assistingUnit: ${code} is not an O&M unit above ${responsible.code}; name the division whose O&M unit assisted (its own level's or one above)`, { field: 'assistingUnit' });
  }
  assertInScope(ctx, unit, `the O&M unit ${code}`);
  return unit.code;
}

function filedFields(filingNumber: string | undefined, filedOn: string | undefined, today: string, before?: WebsiteFilingRow) {
  const number = filingNumber ?? before?.filingNumber ?? '';
  if (number === '') {
    if (filedOn !== undefined) throw invalid('filedOn: a filing date goes with a filing number', { field: 'filedOn' });
    return { filingNumber: '', filedOn: null };
  }
  return { filingNumber: number, filedOn: filedOn ?? before?.filedOn ?? today };
}

export async function createFiling(ctx: Ctx, input: CreateFilingInput): Promise<FilingView> {
  assertRole(ctx, 'filing.create');
  const domain = readDomain(input.domain);
  const addresses = readAddresses(input.addresses);
  return mutate(ctx, async (tx, audit) => {
    const responsible = await loadUnit(tx, input.responsible);
    authorize(ctx, 'filing.create', { unit: responsible });
    assertDepartment(responsible);
    const now = ctx.now();
    const [row] = await tx
      .insert(websiteFilings)
      .values({
        siteName: input.siteName,
        domain,
        addresses,
        responsibleUnitCode: responsible.code,
        responsibleName: input.responsibleName ?? '',
        responsiblePhone: input.responsiblePhone ?? '',
        ...filedFields(input.filingNumber, input.filedOn, shanghaiDate(now)),
        assistingUnitCode: await assistingUnit(ctx, tx, input.assistingUnit, responsible),
        assistance: input.assistance ?? '',
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const view = (await viewById(tx, row.id))!;
    await audit({ action: 'filing.create', objectType: 'website_filing', objectId: view.id, after: view });
    return view;
  });
}

export async function updateFiling(ctx: Ctx, id: string, input: UpdateFilingInput): Promise<FilingView> {
  assertRole(ctx, 'filing.update');
  const domain = input.domain !== undefined ? readDomain(input.domain) : undefined;
  const addresses = input.addresses !== undefined ? readAddresses(input.addresses) : undefined;
  return mutate(ctx, async (tx, audit) => {
    const n = idOf(id, 'website filing');
    const [before] = await tx.select().from(websiteFilings).where(eq(websiteFilings.id, n)).for('update');
    if (!before) throw notFound(`website filing ${id}`);
    authorize(ctx, 'filing.update', { unit: await loadUnit(tx, before.responsibleUnitCode) });
    const responsible = await loadUnit(tx, input.responsible ?? before.responsibleUnitCode);
    if (input.responsible !== undefined) {
      authorize(ctx, 'filing.update', { unit: responsible });
      assertDepartment(responsible);
    }
    const beforeView = (await viewById(tx, n))!;
    await tx
      .update(websiteFilings)
      .set({
        ...(input.siteName !== undefined ? { siteName: input.siteName } : {}),
        ...(domain !== undefined ? { domain } : {}),
        ...(addresses !== undefined ? { addresses } : {}),
        responsibleUnitCode: responsible.code,
        ...(input.responsibleName !== undefined ? { responsibleName: input.responsibleName } : {}),
        ...(input.responsiblePhone !== undefined ? { responsiblePhone: input.responsiblePhone } : {}),
        ...filedFields(input.filingNumber, input.filedOn, shanghaiDate(ctx.now()), before),
        ...(input.assistingUnit !== undefined ? { assistingUnitCode: await assistingUnit(ctx, tx, input.assistingUnit, responsible) } : {}),
        ...(input.assistance !== undefined ? { assistance: input.assistance } : {}),
        updatedAt: ctx.now(),
      })
      .where(eq(websiteFilings.id, n));
    const view = (await viewById(tx, n))!;
    await audit({ action: 'filing.update', objectType: 'website_filing', objectId: view.id, before: beforeView, after: view });
    return view;
  });
}

export async function deleteFiling(ctx: Ctx, id: string): Promise<void> {
  assertRole(ctx, 'filing.delete');
  await mutate(ctx, async (tx, audit) => {
    const n = idOf(id, 'website filing');
    const [before] = await tx.select().from(websiteFilings).where(eq(websiteFilings.id, n)).for('update');
    if (!before) throw notFound(`website filing ${id}`);
    authorize(ctx, 'filing.delete', { unit: await loadUnit(tx, before.responsibleUnitCode) });
    const beforeView = (await viewById(tx, n))!;
    await tx.delete(websiteFilings).where(eq(websiteFilings.id, n));
    await audit({ action: 'filing.delete', objectType: 'website_filing', objectId: String(n), before: beforeView });
  });
}

export async function getFiling(ctx: Ctx, id: string): Promise<FilingView> {
  authorize(ctx, 'filing.read');
  return read(async () => {
    const view = await viewById(ctx.db, idOf(id, 'website filing'), unitInScope(ctx, websiteFilings.responsibleUnitCode));
    if (!view) throw notFound(`website filing ${id}`);
    return view;
  });
}

export async function listFilings(ctx: Ctx, query: ListFilingsQuery): Promise<Page<FilingView>> {
  authorize(ctx, 'filing.read');
  return read(async () => {
    const conditions: (SQL | undefined)[] = [unitInScope(ctx, websiteFilings.responsibleUnitCode)];
    if (query.responsible) conditions.push(eq(websiteFilings.responsibleUnitCode, query.responsible));
    if (query.within) conditions.push(like(units.path, `${(await loadUnit(ctx.db, query.within)).path}%`));
    if (query.flagged === 'true') conditions.push(flaggedSql);
    if (query.flagged === 'false') conditions.push(sql`NOT ${flaggedSql}`);
    if (query.cursor) conditions.push(gt(websiteFilings.id, Number(query.cursor)));
    const found = await ctx.db
      .select(selection)
      .from(websiteFilings)
      .innerJoin(units, eq(units.code, websiteFilings.responsibleUnitCode))
      .where(and(...conditions))
      .orderBy(asc(websiteFilings.id))
      .limit(query.limit + 1);
    return keysetPage(found, query.limit, (last) => String(last.row.id), (page) => page.map((r) => filingView(r.row, r.unitName, r)));
  });
}
