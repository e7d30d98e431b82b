import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, date, index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { units } from '../divisions/schema.js';
import { vrfs } from '../ipam/schema.js';

/** The stored states of a migration; `overdue` is not stored: it is a planned date passed (article 18). */
export const migrationStatuses = ['planned', 'migrating', 'migrated'] as const;
export type MigrationStatus = (typeof migrationStatuses)[number];

/**
 * Dedicated-network migration plans (专网迁移, articles 15(一) and 18): a department's
 * non-classified dedicated business network that moves into a VRF of the dedicated zone of the
 * extranet by a planned date. After that date an unmigrated network gets no O&M funds (article
 * 18), so the register flags it overdue. A migrated plan has its actual date (CHECK).
 */
export const migrationPlans = pgTable(
  'migration_plans',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    network: text('network').notNull(),
    ownerUnitCode: text('owner_unit_code')
      .notNull()
      .references(() => units.code),
    vrfId: bigint('vrf_id', { mode: 'number' })
      .notNull()
      .references(() => vrfs.id),
    plannedOn: date('planned_on', { mode: 'string' }).notNull(),
    startedOn: date('started_on', { mode: 'string' }),
    migratedOn: date('migrated_on', { mode: 'string' }),
    status: text('status', { enum: migrationStatuses }).notNull().default('planned'),
    note: text('note').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    index('migration_plans_owner_idx').on(t.ownerUnitCode),
    index('migration_plans_open_idx').on(t.plannedOn).where(sql`${t.status} <> 'migrated'`),
    uniqueIndex('migration_plans_owner_network_key').on(t.ownerUnitCode, t.network),
    check('migration_plans_status_check', sql`${t.status} IN ('planned', 'migrating', 'migrated')`),
    check('migration_plans_migrated_dated', sql`(${t.status} = 'migrated') = (${t.migratedOn} IS NOT NULL)`),
  ],
);
export type MigrationPlanRow = typeof migrationPlans.$inferSelect;
