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

export type DeviceCheckRow = typeof deviceChecks.$inferSelect;
