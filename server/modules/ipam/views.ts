import { inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { readStoredCidr } from '../../net/cidr.js';
import { unitCache } from '../divisions/cache.js';
import { units } from '../divisions/schema.js';
import type { AddressView, PrefixView } from './inputs.js';
import { bareAddress } from './lookup.js';
import type { AddressRow, PrefixRow, VrfRow } from './schema.js';

/** percent with two decimals, computed on exact integers (an IPv6 /32 has 2^96 addresses). */
export function percentOf(used: bigint, total: bigint): number {
  if (total === 0n) return 0;
  return Number((used * 10000n) / total) / 100;
}

/**
 * percentOf() of two counts given as decimal text (a numeric column as postgres.js and PGlite
 * return it), in doubles while that is exact: with at most 11 digits each, used × 10,000 stays
 * below 2^53, and a quotient just below an integer k + 1 (by at least 1/total) never rounds up
 * to it, so the floor is percentOf's. A listing page of IPv4 prefixes no longer makes 2,000
 * BigInts and their arithmetic (issue 14); longer counts (IPv6) go through BigInt.
 */
export function percentOfDigits(used: string, total: string): number {
  if (used.length > 11 || total.length > 11) return percentOf(BigInt(used), BigInt(total));
  const t = Number(total);
  return t === 0 ? 0 : Math.floor((Number(used) * 10000) / t) / 100;
}

export interface ViewContext {
  vrfs: Map<number, VrfRow>;
  holderNames: Map<string, string>;
}

/**
 * Loads what prefixes need to be shown: the holders' names come from the process's unit tree
 * (divisions/cache.ts) of `cacheKey`, the request's database; a holder the copy lacks is read.
 */
export async function viewContext(db: Executor, rows: { vrfId: number; holderCode: string }[], vrfs: Map<number, VrfRow>, known: { code: string; name: string }[] = [], cacheKey: object = db): Promise<ViewContext> {
  const holderNames = new Map<string, string>(known.map((u) => [u.code, u.name]));
  const codes = [...new Set(rows.map((r) => r.holderCode))].filter((c) => !holderNames.has(c));
  if (!codes.length) return { vrfs, holderNames };
  const tree = await unitCache.get(cacheKey, db);
  const missing: string[] = [];
  for (const code of codes) {
    const unit = tree.get(code);
    if (unit) holderNames.set(code, unit.name);
    else missing.push(code);
  }
  if (missing.length) {
    unitCache.invalidate(cacheKey);
    for (const u of await db.select({ code: units.code, name: units.name }).from(units).where(inArray(units.code, missing))) holderNames.set(u.code, u.name);
  }
  return { vrfs, holderNames };
}

/**
 * PostgreSQL prints an IPv4 cidr exactly as our canonical form; IPv6 text goes through the one
 * formatter (RFC 5952), which is the cost that matters on 1,000-row pages.
 */
function canonicalText(row: PrefixRow): string {
  return row.family === 4 ? row.prefix : readStoredCidr(row.prefix).text;
}

export function prefixView(row: PrefixRow, view: ViewContext): PrefixView {
  const vrf = view.vrfs.get(row.vrfId)!;
  const used = BigInt(row.usedAddresses);
  const total = BigInt(row.totalAddresses);
  return {
    id: String(row.id),
    vrf: vrf.name,
    zone: vrf.zoneCode,
    cidr: canonicalText(row),
    family: row.family as 4 | 6,
    status: row.status,
    holder: { code: row.holderCode, name: view.holderNames.get(row.holderCode) ?? row.holderCode },
    parentId: row.parentId === null ? null : String(row.parentId),
    description: row.description,
    utilization: { percent: percentOf(used, total), usedAddresses: used.toString(), totalAddresses: total.toString() },
    childCount: row.childCount,
    addressCount: row.addressCount,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

// A timestamptz as PostgreSQL prints it in UTC with the ISO DateStyle: 2026-12-01 19:37:29.87721+00.
// Years 1000–9999 only: Date reads 0001–0099 as two-digit years (0049 → 2049), as it did before.
const pgUtcTime = /^([1-9]\d{3}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00$/;
let lastTime: { raw: string; iso: string } = { raw: '', iso: '' };

/**
 * new Date(value).toISOString() (milliseconds truncated, as Date reads microseconds), by
 * slicing the text when PostgreSQL printed it in UTC — parsing a Date and printing it was half
 * the cost of a listed item — and the last answer kept: rows created together share their times.
 * Anything else (another session time zone) goes through Date. The listing's select gives
 * text on both drivers (listedPrefixColumns), so no Date reaches here.
 */
export function isoTime(value: string): string {
  if (value === lastTime.raw) return lastTime.iso;
  const m = pgUtcTime.exec(value);
  const iso = m ? `${m[1]}T${m[2]}.${m[3] === undefined ? '000' : m[3].length >= 3 ? m[3].slice(0, 3) : m[3].padEnd(3, '0')}Z` : new Date(value).toISOString();
  lastTime = { raw: value, iso };
  return iso;
}

/** A page's JSON fragments of its VRFs and holders, by vrf_id and holder_code as the row gives them. */
export interface PrefixJsonParts {
  vrfs: Map<string, string>;
  holders: Map<string, string>;
}

/**
 * A listed prefix as the listing's select returns it (listedPrefixColumns): the columns that
 * need no escaping as one text, `fields`, in the order of ListedField, and the two free-text
 * columns apart. One text instead of twelve: postgres.js turns each column of each row into a
 * string through Buffer.toString (DataRow, ~2.2 ms of a 1,000-row page's ~7.4 ms in the API's
 * walk), where String.split of one text costs a fraction of that: the API's walk of ten pages
 * took 0.94–0.95 of its time with the fourteen-column select (paired medians of three runs of
 * 60 walks each, interleaved). concat_ws prints each value with its type's output function, the
 * text either driver would have received for the column, so PGlite's numbers and dates are
 * text here too.
 */
export interface ListedPrefix {
  fields: string;
  holder_code: string;
  description: string;
}

/** The place of each value in ListedPrefix.fields, split on '|' (none of them can hold one). */
export const ListedField = {
  id: 0,
  vrfId: 1,
  /** '' for a root pool */
  parentId: 2,
  family: 3,
  /** the cidr as PostgreSQL prints it */
  prefix: 4,
  status: 5,
  usedAddresses: 6,
  totalAddresses: 7,
  childCount: 8,
  addressCount: 9,
  /** timestamptz as PostgreSQL prints it (isoTime) */
  createdAt: 10,
  updatedAt: 11,
} as const;

/** The select list of ListedPrefix, over the prefixes table. */
export const listedPrefixColumns = sql.raw(
  `concat_ws('|', prefixes.id, prefixes.vrf_id, coalesce(prefixes.parent_id::text, ''), prefixes.family, prefixes.prefix, prefixes.status, ` +
    `prefixes.used_addresses, prefixes.total_addresses, prefixes.child_count, prefixes.address_count, prefixes.created_at, prefixes.updated_at) AS fields, ` +
    `prefixes.holder_code, prefixes.description`,
);

/** A listed row's fields (ListedField), split once per row: the page reads some before its JSON. */
export function listedFields(row: ListedPrefix): string[] {
  return row.fields.split('|');
}

/**
 * One prefix as JSON text, from a listed row (`f` its split fields): exactly
 * JSON.stringify(prefixView(prefixFromRaw(row), view)) (same keys, order and values; tested on
 * odd rows and against GET /prefixes/{id} on both databases), without the intermediate row and
 * view objects. Listing pages (issue 14) are 1,000 of these: built here a page costs ~1.5 ms,
 * where PostgreSQL's text functions (to_json, to_char, numeric output, string_agg) cost its
 * server ~13 ms (both measured on this 2-core machine under load). The VRF's and the holder's
 * fragments are kept per page in `parts`. What is built per row is kept to the strings the
 * row holds: the counts' digits as PostgreSQL printed them, the status as it is, an empty
 * description as a constant.
 */
export function prefixJson(row: ListedPrefix, f: string[], view: ViewContext, parts: PrefixJsonParts = { vrfs: new Map(), holders: new Map() }): string {
  const vrfId = f[ListedField.vrfId];
  let vrf = parts.vrfs.get(vrfId);
  if (vrf === undefined) {
    const v = view.vrfs.get(Number(vrfId))!;
    vrf = `"vrf":${JSON.stringify(v.name)},"zone":${JSON.stringify(v.zoneCode)}`;
    parts.vrfs.set(vrfId, vrf);
  }
  let holder = parts.holders.get(row.holder_code);
  if (holder === undefined) {
    holder = `"holder":{"code":${JSON.stringify(row.holder_code)},"name":${JSON.stringify(view.holderNames.get(row.holder_code) ?? row.holder_code)}}`;
    parts.holders.set(row.holder_code, holder);
  }
  const family = f[ListedField.family] === '4' ? 4 : 6;
  // The same text as prefixView's canonicalText(), from the same stored text: hex digits, dots,
  // colons and a slash, nothing JSON escapes.
  const cidr = family === 4 ? f[ListedField.prefix] : readStoredCidr(f[ListedField.prefix]).text;
  // numeric(40, 0) as PostgreSQL prints it: decimal digits, no sign, no leading zero, no
  // exponent — the digits prefixView prints through BigInt. Integers likewise (no leading zero).
  const used = f[ListedField.usedAddresses];
  const total = f[ListedField.totalAddresses];
  const parentId = f[ListedField.parentId];
  // A status is one of PrefixStatus's words (the column's check), nothing JSON escapes.
  return (
    `{"id":"${f[ListedField.id]}",${vrf},"cidr":"${cidr}","family":${family},"status":"${f[ListedField.status]}",${holder}` +
    `,"parentId":${parentId === '' ? 'null' : `"${parentId}"`},"description":${row.description === '' ? '""' : JSON.stringify(row.description)}` +
    `,"utilization":{"percent":${percentOfDigits(used, total)},"usedAddresses":"${used}","totalAddresses":"${total}"}` +
    `,"childCount":${f[ListedField.childCount]},"addressCount":${f[ListedField.addressCount]}` +
    // isoTime keeps its last answer: an updatedAt equal to the createdAt just printed costs one compare.
    `,"createdAt":"${isoTime(f[ListedField.createdAt])}","updatedAt":"${isoTime(f[ListedField.updatedAt])}"}`
  );
}

export function addressView(row: AddressRow, vrf: VrfRow): AddressView {
  return {
    id: String(row.id),
    address: bareAddress(row.address),
    vrf: vrf.name,
    prefixId: String(row.prefixId),
    holder: row.holderCode,
    hostname: row.hostname,
    description: row.description,
    gateway: row.gateway,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The prefixes columns as a raw select returns them (postgres.js gives int8 and numeric as text). */
export interface RawPrefix {
  id: string | number;
  vrf_id: string | number;
  parent_id: string | number | null;
  family: number;
  prefix: string;
  status: PrefixRow['status'];
  holder_code: string;
  description: string;
  used_addresses: string;
  total_addresses: string;
  child_count: number;
  address_count: number;
  created_at: Date | string;
  updated_at: Date | string;
}

export function prefixFromRaw(r: RawPrefix): PrefixRow {
  return {
    id: Number(r.id),
    vrfId: Number(r.vrf_id),
    parentId: r.parent_id === null ? null : Number(r.parent_id),
    family: Number(r.family),
    prefix: r.prefix,
    status: r.status,
    holderCode: r.holder_code,
    description: r.description,
    usedAddresses: r.used_addresses,
    totalAddresses: r.total_addresses,
    childCount: Number(r.child_count),
    addressCount: Number(r.address_count),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}
