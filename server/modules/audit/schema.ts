import { sql } from 'drizzle-orm';
import { bigint, customType, pgSequence, index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** PostgreSQL's 64-bit transaction id (never wraps), as decimal text. */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });

/**
 * Append-only. Written inside the mutation's own transaction; `hash` is the hash of the
 * entry's canonical JSON (see audit/chain.ts), computed by the writer in Node — or left NULL
 * by a writer that runs inside one database statement (the IPAM functions, migration 0019),
 * whose entry the sealer hashes when it seals it (audit_seals.entry_hash). Writers never touch
 * a chain head: the sealer chains committed entries afterwards into audit_seals. Triggers
 * (custom migration) refuse UPDATE and DELETE on both tables.
 */
export const auditEntries = pgTable(
  'audit_entries',
  {
    id: bigint('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    objectType: text('object_type').notNull(),
    objectId: text('object_id').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
    requestId: text('request_id'),
    hash: text('hash'),
    /**
     * The writing transaction (not part of the hash): the sealer knows from it which entries
     * may still become visible, whatever their id or clock (see sealer.ts).
     */
    xactId: xid8('xact_id')
      .notNull()
      .default(sql`pg_current_xact_id()`),
  },
  (t) => [
    index('audit_entries_at_idx').on(t.at),
    index('audit_entries_object_idx').on(t.objectType, t.objectId),
    index('audit_entries_actor_idx').on(t.actor),
    index('audit_entries_xact_idx').on(t.xactId),
  ],
);

export const auditSeals = pgTable(
  'audit_seals',
  {
    position: bigint('position', { mode: 'number' }).primaryKey(),
    entryId: bigint('entry_id', { mode: 'number' }).notNull(),
    chain: text('chain').notNull(),
    /**
     * The entry's hash as the sealer computed it from the stored entry, for an entry written
     * without one (hash NULL); NULL when the entry carries its own.
     */
    entryHash: text('entry_hash'),
    sealedAt: timestamp('sealed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('audit_seals_entry_key').on(t.entryId)],
);

export type AuditEntryRow = typeof auditEntries.$inferSelect;

/** Ids come from this sequence before the insert, because the entry's hash covers its id. */
export const auditEntryIds = pgSequence('audit_entry_ids');
