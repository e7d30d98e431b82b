import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Ctx } from '../../context.js';
import type { Executor } from '../../db/client.js';
import { idOf } from '../../http/params.js';
import { notFound } from '../../http/problem.js';
import { readStoredAddress } from '../../net/cidr.js';
import { readScope, unitCodeIn } from '../access/scope.js';
import { addresses, prefixes, vrfs, type AddressRow, type PrefixRow, type VrfRow } from './schema.js';
import { vrfCache } from './vrf-cache.js';

/** Read-only questions other modules (DNS, RDAP, sites, telemetry) ask the registry. */

export async function loadPrefix(db: Executor, id: string | number, options: { forUpdate?: boolean } = {}): Promise<PrefixRow> {
  const n = typeof id === 'number' ? id : idOf(id, 'prefix');
  const query = db.select().from(prefixes).where(eq(prefixes.id, n));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  if (!row) throw notFound(`prefix ${id}`);
  return row;
}

/**
 * The prefixes a caller reads: those its scope holds, and for an operator also every prefix
 * that contains one of them in the same VRF, so that it sees where its space comes from
 * (article 21: space moves down one level at a time). Undefined for the admin and auditors,
 * whose listings stay the plain index range they were.
 */
export function prefixReadable(ctx: Ctx): SQL | undefined {
  const scope = readScope(ctx);
  if (scope.kind === 'all') return undefined;
  const own = unitCodeIn(scope, prefixes.holderCode);
  if (scope.kind !== 'subtree') return own;
  // Containment in one VRF is ancestry in the tree (children lie inside their parent, siblings
  // never overlap). Uncorrelated, so it is computed once per query (from the subtree's own
  // prefixes up, through the GiST index), not once per row listed.
  return sql`(${own} OR ${prefixes.id} IN (
    SELECT above.id FROM prefixes mine JOIN prefixes above ON above.vrf_id = mine.vrf_id AND above.prefix >> mine.prefix
    WHERE ${unitCodeIn(scope, sql.raw('mine.holder_code'))}))`;
}

/** A prefix the caller may read, or 404: the same answer as for an id nobody has, so ids reveal nothing. */
export async function loadReadablePrefix(ctx: Ctx, id: string | number, db: Executor = ctx.db): Promise<PrefixRow> {
  const readable = prefixReadable(ctx);
  if (!readable) return loadPrefix(db, id);
  const n = typeof id === 'number' ? id : idOf(id, 'prefix');
  const [row] = await db.select().from(prefixes).where(and(eq(prefixes.id, n), readable));
  if (!row) throw notFound(`prefix ${id}`);
  return row;
}

/**
 * A VRF by name. With `cacheKey` (the request's ctx.db) from the process's VRF map
 * (service/vrfs.ts), asking the database only for a name the map lacks.
 */
export async function loadVrf(db: Executor, name: string, cacheKey?: object): Promise<VrfRow> {
  if (cacheKey) {
    for (const vrf of (await vrfCache.get(cacheKey, db)).values()) if (vrf.name === name) return vrf;
  }
  const [row] = await db.select().from(vrfs).where(eq(vrfs.name, name));
  if (!row) throw notFound(`VRF ${name}`);
  return row;
}

/** The shared address spaces that RDAP and the sites module search by default. */
export const sharedVrfNames = ['public', 'internet'] as const;

/**
 * The most specific registered prefix covering `cidrText` (an address or a CIDR) in any of the
 * VRFs. Two VRFs may hold the same block (public and internet both hold a /16): then `public`
 * comes before `internet`, then any other VRF, and among those the lowest prefix id, so that
 * RDAP and the reverse zones, which both ask here, always name the same owner.
 */
export async function mostSpecificPrefix(db: Executor, vrfIds: number[], cidrText: string): Promise<PrefixRow | undefined> {
  if (vrfIds.length === 0) return undefined;
  const sharedRank = sql.join(
    sharedVrfNames.map((name, i) => sql`WHEN ${name} THEN ${sql.raw(String(i))}`),
    sql` `,
  );
  const [row] = await db
    .select()
    .from(prefixes)
    .where(and(inArray(prefixes.vrfId, vrfIds), sql`${prefixes.prefix} >>= ${cidrText}::cidr`))
    .orderBy(
      desc(sql`masklen(${prefixes.prefix})`),
      sql`CASE (SELECT ${vrfs.name} FROM ${vrfs} WHERE ${vrfs.id} = ${prefixes.vrfId}) ${sharedRank} ELSE ${sql.raw(String(sharedVrfNames.length))} END`,
      asc(prefixes.id),
    )
    .limit(1);
  return row;
}

/** The registered host address, if any, in one VRF. */
export async function findAddress(db: Executor, vrfId: number, address: string): Promise<AddressRow | undefined> {
  const [row] = await db
    .select()
    .from(addresses)
    .where(and(eq(addresses.vrfId, vrfId), sql`${addresses.address} = ${address}::inet`));
  return row;
}

/** Registered host addresses in any of the VRFs (sites match management addresses this way). */
export async function findAddressInVrfs(db: Executor, vrfIds: number[], address: string): Promise<AddressRow | undefined> {
  if (vrfIds.length === 0) return undefined;
  const [row] = await db
    .select()
    .from(addresses)
    .where(and(inArray(addresses.vrfId, vrfIds), sql`${addresses.address} = ${address}::inet`))
    .limit(1);
  return row;
}

/** The chain of ancestors, nearest first (for RDAP's parentHandle and "up" links). */
export async function ancestorsOf(db: Executor, prefix: PrefixRow): Promise<PrefixRow[]> {
  const chain: PrefixRow[] = [];
  let parentId = prefix.parentId;
  while (parentId !== null) {
    const [parent] = await db.select().from(prefixes).where(eq(prefixes.id, parentId));
    if (!parent) break;
    chain.push(parent);
    parentId = parent.parentId;
  }
  return chain;
}

/**
 * Addresses are stored as inet host routes; the API shows them bare and canonical, as they
 * were given (PostgreSQL prints ::ffff:a00:1 as ::ffff:10.0.0.1).
 */
export function bareAddress(inetText: string): string {
  return readStoredAddress(inetText).text;
}
