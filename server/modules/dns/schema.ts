import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { units } from '../divisions/schema.js';
import { vrfs } from '../ipam/schema.js';

export interface Nameserver {
  /** ASCII, without the final dot. */
  name: string;
  /** Canonical addresses; given when the name lies inside the zone that needs them (glue). */
  addresses: string[];
}

export interface Soa {
  /** Mailbox as a domain name, without the final dot. */
  rname: string;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

/**
 * A DNS zone held by one unit, delegated down the division tree like prefixes. `name` is
 * ASCII (IDNA A-labels), lower case, without the root's dot; the Unicode form is derived.
 * The serial lives on the row that every change of the zone already locks.
 * The custom migration dns_guards keeps a child exactly one label below its parent.
 */
export const domains = pgTable(
  'domains',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    name: text('name').notNull(),
    parentId: bigint('parent_id', { mode: 'number' }).references((): AnyPgColumn => domains.id),
    holderCode: text('holder_code')
      .notNull()
      .references(() => units.code),
    nameservers: jsonb('nameservers').$type<Nameserver[]>().notNull(),
    soa: jsonb('soa').$type<Soa>().notNull(),
    /** TTL of the SOA, apex NS, delegations and glue. */
    ttl: integer('ttl').notNull(),
    serial: bigint('serial', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('domains_name_key').on(t.name),
    index('domains_parent_idx').on(t.parentId),
    index('domains_holder_idx').on(t.holderCode),
    check('domains_name_check', sql`${t.name} ~ '^[a-z0-9-]+(\\.[a-z0-9-]+)*$' AND octet_length(${t.name}) <= 253`),
    check('domains_ttl_check', sql`${t.ttl} BETWEEN 60 AND 604800`),
    check('domains_serial_check', sql`${t.serial} BETWEEN 1 AND 4294967295`),
  ],
);

export const recordTypeValues = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV', 'PTR'] as const;

/** One resource record of a zone; `value` is the canonical presentation form (see values.ts). */
export const dnsRecords = pgTable(
  'dns_records',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    domainId: bigint('domain_id', { mode: 'number' })
      .notNull()
      .references(() => domains.id),
    /** Owner, ASCII, without the final dot. */
    name: text('name').notNull(),
    type: text('type', { enum: recordTypeValues }).notNull(),
    value: text('value').notNull(),
    ttl: integer('ttl').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    index('dns_records_zone_idx').on(t.domainId, t.name, t.type),
    check('dns_records_ttl_check', sql`${t.ttl} BETWEEN 60 AND 604800`),
    check('dns_records_type_check', sql`${t.type} IN ('A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV', 'PTR')`),
  ],
);

/**
 * Reverse zones are computed from the prefix tree, which carries no serial; what is kept is
 * the serial last published for each and a digest of its content, so the serial moves
 * exactly when what the zone says changes.
 */
export const reverseZoneSerials = pgTable(
  'dns_reverse_zones',
  {
    vrfId: bigint('vrf_id', { mode: 'number' })
      .notNull()
      .references(() => vrfs.id),
    name: text('name').notNull(),
    serial: bigint('serial', { mode: 'number' }).notNull(),
    contentSha256: text('content_sha256').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'dns_reverse_zones_pkey', columns: [t.vrfId, t.name] })],
);

/**
 * The last serial published under a zone name in the extranet's shared DNS, kept apart from
 * the rows that come and go so that a name's serial never goes down (secondaries and
 * resolvers ignore a zone whose serial went backwards, RFC 1982): a forward zone leaves its
 * serial here when it is reclaimed, and the next zone registered under that name continues
 * from it; a reverse zone of the shared address spaces (public, internet) keeps its serial
 * and content digest here under its name alone, whichever of the two spaces owns it.
 * Forward names never end in .arpa and reverse names always do, so the two never meet.
 */
export const zoneSerials = pgTable(
  'dns_zone_serials',
  {
    name: text('name').primaryKey(),
    serial: bigint('serial', { mode: 'number' }).notNull(),
    /** Digest of a reverse zone's content; null for a reclaimed forward zone. */
    contentSha256: text('content_sha256'),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [check('dns_zone_serials_serial_check', sql`${t.serial} BETWEEN 1 AND 4294967295`)],
);

export type DomainRow = typeof domains.$inferSelect;
export type DnsRecordRow = typeof dnsRecords.$inferSelect;
