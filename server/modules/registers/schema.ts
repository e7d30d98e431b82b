import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, customType, date, index, inet, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { units } from '../divisions/schema.js';
import { vrfs } from '../ipam/schema.js';
import { incidents } from '../telemetry/schema.js';

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

/**
 * Website filings (网站备案, article 19): a site deployed on the extranet, its domain and addresses,
 * the department responsible for it and its filing number; the O&M unit that helped with the
 * filing records what it did. Whether the domain and addresses are in the registry (IPAM, DNS)
 * is computed at every read, so a filing is flagged as soon as the registry and it disagree.
 */
export const websiteFilings = pgTable(
  'website_filings',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    siteName: text('site_name').notNull(),
    /** ASCII (IDNA A-labels), lower case, without the final dot: as the domains table writes names. */
    domain: text('domain').notNull(),
    addresses: inet('addresses').array().notNull(),
    responsibleUnitCode: text('responsible_unit_code')
      .notNull()
      .references(() => units.code),
    responsibleName: text('responsible_name').notNull().default(''),
    responsiblePhone: text('responsible_phone').notNull().default(''),
    /** The filing number (备案号); empty while the site is not yet filed. */
    filingNumber: text('filing_number').notNull().default(''),
    filedOn: date('filed_on', { mode: 'string' }),
    assistingUnitCode: text('assisting_unit_code').references(() => units.code),
    assistance: text('assistance').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('website_filings_domain_key').on(t.domain),
    index('website_filings_unit_idx').on(t.responsibleUnitCode),
    check('website_filings_filed_dated', sql`(${t.filingNumber} = '') = (${t.filedOn} IS NULL)`),
  ],
);
export type WebsiteFilingRow = typeof websiteFilings.$inferSelect;

/** bytea: drizzle-orm's pg-core has no column for it; PGlite reads Uint8Array and postgres.js Buffer, both are bytes. */
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => new Uint8Array(value),
});

/**
 * Emergency plans (应急预案, articles 20, 33): one current plan per O&M unit (a region, city or
 * county division), its revision date and the document itself, kept in the database (bytea) so
 * that it is backed up, replicated and scoped like every other record; the audit trail keeps
 * each revision's metadata and hash.
 */
export const emergencyPlans = pgTable(
  'emergency_plans',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    unitCode: text('unit_code')
      .notNull()
      .references(() => units.code),
    title: text('title').notNull(),
    revisedOn: date('revised_on', { mode: 'string' }).notNull(),
    document: bytea('document'),
    documentType: text('document_type'),
    documentName: text('document_name').notNull().default(''),
    documentSize: integer('document_size').notNull().default(0),
    documentSha256: text('document_sha256').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('emergency_plans_unit_key').on(t.unitCode),
    check('emergency_plans_document_typed', sql`(${t.document} IS NULL) = (${t.documentType} IS NULL)`),
  ],
);
export type EmergencyPlanRow = typeof emergencyPlans.$inferSelect;

/** Drills held (演练): date, scenario and what was found. */
export const drills = pgTable(
  'drills',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    unitCode: text('unit_code')
      .notNull()
      .references(() => units.code),
    heldOn: date('held_on', { mode: 'string' }).notNull(),
    scenario: text('scenario').notNull(),
    findings: text('findings').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('drills_unit_held_idx').on(t.unitCode, t.heldOn)],
);
export type DrillRow = typeof drills.$inferSelect;

/** The drill reminder last sent to a unit, for which last drill ('none' when it never drilled): one reminder per lapse. */
export const drillReminders = pgTable('drill_reminders', {
  unitCode: text('unit_code')
    .primaryKey()
    .references(() => units.code),
  remindedFor: text('reminded_for').notNull(),
  remindedAt: timestamp('reminded_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/**
 * Major faults (article 20: 重大故障 reported upward at once; article 37: the handling record kept).
 * Beside the incidents table, not in it, so the telemetry module's incidents keep their shape:
 * one handling row per incident that was classified, acknowledged or written about.
 */
export const incidentSeverities = ['minor', 'major'] as const;
export const incidentHandling = pgTable(
  'incident_handling',
  {
    incidentId: bigint('incident_id', { mode: 'number' })
      .primaryKey()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    severity: text('severity', { enum: incidentSeverities }).notNull(),
    severitySource: text('severity_source', { enum: ['rule', 'operator'] }).notNull(),
    severityReason: text('severity_reason').notNull().default(''),
    majorSince: timestamp('major_since', { withTimezone: true, mode: 'date' }),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true, mode: 'date' }),
    acknowledgedBy: text('acknowledged_by'),
    escalations: integer('escalations').notNull().default(0),
    lastEscalatedAt: timestamp('last_escalated_at', { withTimezone: true, mode: 'date' }),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    check('incident_handling_severity_check', sql`${t.severity} IN ('minor', 'major') AND ${t.severitySource} IN ('rule', 'operator')`),
    check('incident_handling_major_since', sql`(${t.severity} = 'major') = (${t.majorSince} IS NOT NULL)`),
    check('incident_handling_acknowledged', sql`(${t.acknowledgedAt} IS NULL) = (${t.acknowledgedBy} IS NULL)`),
    index('incident_handling_unacknowledged_idx').on(t.majorSince).where(sql`${t.severity} = 'major' AND ${t.acknowledgedAt} IS NULL`),
  ],
);
export type IncidentHandlingRow = typeof incidentHandling.$inferSelect;

/** The handling timeline (处置记录): what happened to a major fault and who did it, in order. */
export const incidentTimeline = pgTable(
  'incident_timeline',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    incidentId: bigint('incident_id', { mode: 'number' })
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    entry: text('entry', { enum: ['reported', 'classified', 'acknowledged', 'escalated', 'note', 'resolved'] }).notNull(),
    actor: text('actor').notNull(),
    comment: text('comment').notNull().default(''),
  },
  (t) => [index('incident_timeline_incident_idx').on(t.incidentId, t.at)],
);
