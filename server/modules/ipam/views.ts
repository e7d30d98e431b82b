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
