import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { devices } from '../sites/schema.js';

/** What the agents and the server's own checks can find wrong with a device (article 19: 不得擅自移动、挪用、改造). */
export const findingKinds = [
  'identity_mismatch',
  'moved',
  'readdressed',
  'config_drift',
  'unreachable',
  'host_key_changed',
  'speed_mismatch',
  'counter32_on_fast_link',
] as const;
export type FindingKind = (typeof findingKinds)[number];

/**
 * One row per thing found wrong. `subject` names what on the device it concerns (an interface
 * name, '' for the device as a whole), so a device can have one open finding per kind and
 * subject: a check that finds the same problem again does not pile up duplicates.
 */
export const findings = pgTable(
  'findings',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deviceId: bigint('device_id', { mode: 'number' })
      .notNull()
      .references(() => devices.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: findingKinds }).notNull(),
    subject: text('subject').notNull().default(''),
    detail: text('detail').notNull(),
    diff: jsonb('diff'),
    status: text('status', { enum: ['open', 'resolved'] }).notNull().default('open'),
    openedAt: timestamp('opened_at', { withTimezone: true, mode: 'date' }).notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
    resolvedBy: text('resolved_by'),
    resolution: text('resolution'),
  },
  (t) => [
    uniqueIndex('findings_one_open_key').on(t.deviceId, t.kind, t.subject).where(sql`${t.status} = 'open'`),
    index('findings_device_idx').on(t.deviceId, t.id),
    index('findings_status_idx').on(t.status, t.id),
    check(
      'findings_kind_check',
      sql`${t.kind} IN ('identity_mismatch', 'moved', 'readdressed', 'config_drift', 'unreachable', 'host_key_changed', 'speed_mismatch', 'counter32_on_fast_link')`,
    ),
    check('findings_status_check', sql`(${t.status} = 'open') = (${t.resolvedAt} IS NULL)`),
  ],
);

export type FindingRow = typeof findings.$inferSelect;
