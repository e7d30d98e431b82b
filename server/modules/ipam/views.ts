import { inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { readStoredCidr } from '../../net/cidr.js';
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

/** Loads what a page of prefixes needs to be shown, in two queries whatever the page size. */
export async function viewContext(db: Executor, rows: { vrfId: number; holderCode: string }[], vrfs: Map<number, VrfRow>, known: { code: string; name: string }[] = []): Promise<ViewContext> {
  const holderNames = new Map<string, string>(known.map((u) => [u.code, u.name]));
  const codes = [...new Set(rows.map((r) => r.holderCode))].filter((c) => !holderNames.has(c));
  if (codes.length) {
    for (const u of await db.select({ code: units.code, name: units.name }).from(units).where(inArray(units.code, codes))) holderNames.set(u.code, u.name);
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

export const prefixColumns = sql.raw(
  'id, vrf_id, parent_id, family, prefix::text AS prefix, status, holder_code, description, used_addresses::text AS used_addresses, total_addresses::text AS total_addresses, child_count, address_count, created_at, updated_at',
);

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
