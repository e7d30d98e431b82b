import { inArray } from 'drizzle-orm';
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
 * Anything else (another session time zone, a Date from the driver) goes through Date.
 */
export function isoTime(value: string | Date): string {
  if (typeof value !== 'string') return value.toISOString();
  if (value === lastTime.raw) return lastTime.iso;
  const m = pgUtcTime.exec(value);
  const iso = m ? `${m[1]}T${m[2]}.${m[3] === undefined ? '000' : m[3].length >= 3 ? m[3].slice(0, 3) : m[3].padEnd(3, '0')}Z` : new Date(value).toISOString();
  lastTime = { raw: value, iso };
  return iso;
}

/** A page's JSON fragments of its VRFs and holders, by the raw row's vrf_id and holder_code. */
export interface PrefixJsonParts {
  vrfs: Map<RawPrefix['vrf_id'], string>;
  holders: Map<string, string>;
}

/**
 * One prefix as JSON text, straight from a raw row: exactly JSON.stringify(prefixView(
 * prefixFromRaw(row), view)) (same keys, order and values; tested on odd rows), without the
 * intermediate row and view objects. Listing pages (issue 14) are 1,000 of these: built here a
 * page costs ~1.5 ms, where PostgreSQL's text functions (to_json, to_char, numeric output,
 * string_agg) cost its server ~13 ms (both measured on this 2-core machine under load).
 * The VRF's and the holder's fragments are kept per page in `parts`. What is built per row is
 * kept to strings the row already holds: the counts' digits as the driver gave them, the
 * status as it is, an empty description as a constant (a 1,000-row page's select and JSON went
 * from 58 to 53 ms for ten pages, measured interleaved on the same rows).
 */
export function prefixJson(row: RawPrefix, view: ViewContext, parts: PrefixJsonParts = { vrfs: new Map(), holders: new Map() }): string {
  let vrf = parts.vrfs.get(row.vrf_id);
  if (vrf === undefined) {
    const v = view.vrfs.get(Number(row.vrf_id))!;
    vrf = `"vrf":${JSON.stringify(v.name)},"zone":${JSON.stringify(v.zoneCode)}`;
    parts.vrfs.set(row.vrf_id, vrf);
  }
  let holder = parts.holders.get(row.holder_code);
  if (holder === undefined) {
    holder = `"holder":{"code":${JSON.stringify(row.holder_code)},"name":${JSON.stringify(view.holderNames.get(row.holder_code) ?? row.holder_code)}}`;
    parts.holders.set(row.holder_code, holder);
  }
  const family = Number(row.family);
  // The same text as prefixView's canonicalText(), from the same stored text: hex digits, dots,
  // colons and a slash, nothing JSON escapes.
  const cidr = family === 4 ? row.prefix : readStoredCidr(row.prefix).text;
  // A numeric(40, 0) column as postgres.js and PGlite return it: decimal text, no sign, no
  // leading zero, no exponent — the digits prefixView prints through BigInt.
  const used = row.used_addresses;
  const total = row.total_addresses;
  // A status is one of PrefixStatus's words (the column's check), nothing JSON escapes.
  return (
    `{"id":"${row.id}",${vrf},"cidr":"${cidr}","family":${family},"status":"${row.status}",${holder}` +
    `,"parentId":${row.parent_id === null ? 'null' : `"${row.parent_id}"`},"description":${row.description === '' ? '""' : JSON.stringify(row.description)}` +
    `,"utilization":{"percent":${percentOfDigits(used, total)},"usedAddresses":"${used}","totalAddresses":"${total}"}` +
    `,"childCount":${Number(row.child_count)},"addressCount":${Number(row.address_count)}` +
    `,"createdAt":"${isoTime(row.created_at)}","updatedAt":"${row.updated_at === row.created_at ? isoTime(row.created_at) : isoTime(row.updated_at)}"}`
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
