import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, cidr, index, inet, integer, numeric, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { units } from '../divisions/schema.js';

/** The three functional zones of article 15; fixed, seeded at first start. */
export const zones = pgTable('zones', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
});

/** An address space inside one zone: uniqueness of prefixes and addresses is per VRF. */
export const vrfs = pgTable(
  'vrfs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    name: text('name').notNull(),
    zoneCode: text('zone_code')
      .notNull()
      .references(() => zones.code),
    description: text('description').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('vrfs_name_key').on(t.name)],
);

export const prefixStatuses = ['pool', 'allocated', 'assigned', 'reserved'] as const;
export type PrefixStatus = (typeof prefixStatuses)[number];

/**
 * The delegation tree. The database guards its invariants (custom migration ipam_guards):
 * `cidr` rejects host bits; an exclusion constraint keeps siblings (and root pools of one VRF)
 * from overlapping; a trigger keeps every child strictly inside its parent, in the parent's VRF.
 * used/total are exact (an IPv6 /32 holds 2^96 addresses) and live on the row an allocation
 * already locks: the parent's, never its ancestors'.
 */
export const prefixes = pgTable(
  'prefixes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    vrfId: bigint('vrf_id', { mode: 'number' })
      .notNull()
      .references(() => vrfs.id),
    parentId: bigint('parent_id', { mode: 'number' }),
    family: smallint('family').notNull(),
    prefix: cidr('prefix').notNull(),
    status: text('status', { enum: prefixStatuses }).notNull(),
    holderCode: text('holder_code')
      .notNull()
      .references(() => units.code),
    description: text('description').notNull().default(''),
    usedAddresses: numeric('used_addresses', { precision: 40, scale: 0 }).notNull().default('0'),
    totalAddresses: numeric('total_addresses', { precision: 40, scale: 0 }).notNull(),
    childCount: integer('child_count').notNull().default(0),
    addressCount: integer('address_count').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    // Listings page in (vrf, prefix, id) order by keyset: these make each page an index range.
    index('prefixes_parent_idx').on(t.parentId, t.vrfId, t.prefix, t.id),
    index('prefixes_listing_idx').on(t.vrfId, t.prefix, t.id),
    index('prefixes_holder_idx').on(t.holderCode),
    index('prefixes_vrf_prefix_idx').using('gist', t.vrfId, sql`${t.prefix} inet_ops`),
  ],
);

/**
 * Each parent's free space as its canonical decomposition into maximal aligned blocks (a buddy
 * system kept in a table): finding the next free block is an index lookup, whatever the number
 * of siblings; an allocation splits one block, a reclaim merges buddies back.
 */
export const freeBlocks = pgTable(
  'prefix_free_blocks',
  {
    parentId: bigint('parent_id', { mode: 'number' })
      .notNull()
      .references(() => prefixes.id, { onDelete: 'cascade' }),
    block: cidr('block').notNull(),
    length: smallint('length').notNull(),
  },
  (t) => [primaryKey({ name: 'prefix_free_blocks_pkey', columns: [t.parentId, t.block] }), index('prefix_free_blocks_best_idx').on(t.parentId, t.length, t.block)],
);

/** One host address inside an `assigned` prefix. */
export const addresses = pgTable(
  'addresses',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    vrfId: bigint('vrf_id', { mode: 'number' })
      .notNull()
      .references(() => vrfs.id),
    prefixId: bigint('prefix_id', { mode: 'number' })
      .notNull()
      .references(() => prefixes.id),
    address: inet('address').notNull(),
    holderCode: text('holder_code')
      .notNull()
      .references(() => units.code),
    hostname: text('hostname').notNull().default(''),
    description: text('description').notNull().default(''),
    gateway: boolean('gateway').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('addresses_vrf_address_key').on(t.vrfId, t.address), index('addresses_prefix_idx').on(t.prefixId, t.address), index('addresses_holder_idx').on(t.holderCode)],
);

export type ZoneRow = typeof zones.$inferSelect;
export type VrfRow = typeof vrfs.$inferSelect;
export type PrefixRow = typeof prefixes.$inferSelect;
export type AddressRow = typeof addresses.$inferSelect;
