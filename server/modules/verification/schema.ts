import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { users } from '../access/schema.js';
import { devices } from '../sites/schema.js';

export const checkMethods = ['snmp', 'ssh'] as const;
export type CheckMethod = (typeof checkMethods)[number];
export const checkStatuses = ['ok', 'unreachable', 'auth_failed', 'host_key_changed'] as const;
export type CheckStatus = (typeof checkStatuses)[number];

/**
 * Every check an agent made of a device, stored whole as it came (article 19: the record of what
 * each boundary device was, where and how, when it was looked at). One row per (device, method,
 * at): an agent replaying its spool posts the same check again and changes nothing. A list
 * column that is NULL was not checked (the agent could not or did not look), never "none".
 */
export const deviceChecks = pgTable(
  'device_checks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deviceId: bigint('device_id', { mode: 'number' })
      .notNull()
      .references(() => devices.id, { onDelete: 'cascade' }),
    method: text('method', { enum: checkMethods }).notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    status: text('status', { enum: checkStatuses }).notNull(),
    detail: text('detail'),
    hostKeySha256: text('host_key_sha256'),
    identity: jsonb('identity'),
    interfaces: jsonb('interfaces'),
    neighbors: jsonb('neighbors'),
    configSha256: text('config_sha256'),
    config: text('config'),
    /** Who posted it (an agent, or the admin importing); kept when the user is gone. */
    reportedBy: bigint('reported_by', { mode: 'number' }).references(() => users.id, { onDelete: 'set null' }),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    uniqueIndex('device_checks_once').on(t.deviceId, t.method, t.at),
    index('device_checks_device_at_idx').on(t.deviceId, t.at),
    check('device_checks_method_check', sql`${t.method} IN ('snmp', 'ssh')`),
    check('device_checks_status_check', sql`${t.status} IN ('ok', 'unreachable', 'auth_failed', 'host_key_changed')`),
  ],
);

/**
 * The approved configuration of a device: the normalised text (secrets masked by the agent), its
 * SHA-256, the check it came from, who approved it and when. One per device; approving again
 * replaces it (the audit trail keeps every approval). An SSH check whose configuration hash
 * differs opens `config_drift` with a diff against this text.
 */
export const deviceBaselines = pgTable(
  'device_baselines',
  {
    deviceId: bigint('device_id', { mode: 'number' })
      .primaryKey()
      .references(() => devices.id, { onDelete: 'cascade' }),
    configSha256: text('config_sha256').notNull(),
    config: text('config').notNull(),
    checkId: bigint('check_id', { mode: 'number' }).references(() => deviceChecks.id, { onDelete: 'set null' }),
    approvedBy: text('approved_by').notNull(),
    approvedAt: timestamp('approved_at', { withTimezone: true, mode: 'date' }).notNull(),
    comment: text('comment').notNull().default(''),
  },
  (t) => [check('device_baselines_sha256_check', sql`${t.configSha256} ~ '^[0-9a-f]{64}$'`)],
);

export type DeviceBaselineRow = typeof deviceBaselines.$inferSelect;
export type DeviceCheckRow = typeof deviceChecks.$inferSelect;
