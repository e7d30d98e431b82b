import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, doublePrecision, index, integer, jsonb, numeric, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { units } from '../divisions/schema.js';
import { deviceInterfaces, devices, links } from '../sites/schema.js';
import { findings } from '../findings/schema.js';

/** IF-MIB ifOperStatus names. */
export const operStatuses = ['up', 'down', 'testing', 'unknown', 'dormant', 'notPresent', 'lowerLayerDown'] as const;
export type OperStatus = (typeof operStatuses)[number];

/**
 * Raw counter readings as the agents sent them, one per (interface, at): the key makes a
 * replayed batch a no-op. Counters are numeric(20,0): 64-bit values exceed 2^53 and bigint is
 * signed. Kept 35 days by default; the BRIN index on `at` makes pruning cheap and costs
 * ingestion almost nothing, since readings arrive in time order.
 */
export const readings = pgTable(
  'readings',
  {
    interfaceId: bigint('interface_id', { mode: 'number' })
      .notNull()
      .references(() => deviceInterfaces.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    sysUpTime: bigint('sys_up_time', { mode: 'number' }).notNull(),
    inOctets: numeric('in_octets', { precision: 20, scale: 0 }).notNull(),
    outOctets: numeric('out_octets', { precision: 20, scale: 0 }).notNull(),
    counterBits: smallint('counter_bits').notNull(),
    highSpeedMbps: integer('high_speed_mbps'),
    operStatus: text('oper_status', { enum: operStatuses }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'readings_pkey', columns: [t.interfaceId, t.at] }),
    index('readings_at_brin').using('brin', t.at),
    check('readings_counter_bits_check', sql`${t.counterBits} IN (32, 64)`),
    check(
      'readings_octets_range',
      sql`${t.inOctets} >= 0 AND ${t.outOctets} >= 0 AND ${t.inOctets} <= 18446744073709551615 AND ${t.outOctets} <= 18446744073709551615`,
    ),
    check('readings_uptime_range', sql`${t.sysUpTime} >= 0 AND ${t.sysUpTime} < 4294967296`),
    check('readings_oper_status_check', sql`${t.operStatus} IN ('up', 'down', 'testing', 'unknown', 'dormant', 'notPresent', 'lowerLayerDown')`),
  ],
);

/**
 * Interfaces with readings the rollups have not seen yet, and the earliest such reading: the
 * ingest marks, the rollup job takes the rows (FOR UPDATE SKIP LOCKED, so several servers
 * share the work) and rebuilds those interfaces' buckets from there. A spooled batch replayed
 * days later marks its old time, and the buckets it changes are rebuilt.
 */
export const rollupBacklog = pgTable('rollup_backlog', {
  interfaceId: bigint('interface_id', { mode: 'number' })
    .primaryKey()
    .references(() => deviceInterfaces.id, { onDelete: 'cascade' }),
  since: timestamp('since', { withTimezone: true, mode: 'date' }).notNull(),
});

/** 5-minute rates of one interface, as measured there (in = into the interface). */
export const interfaceRollups = pgTable(
  'interface_rollups',
  {
    interfaceId: bigint('interface_id', { mode: 'number' })
      .notNull()
      .references(() => deviceInterfaces.id, { onDelete: 'cascade' }),
    bucketAt: timestamp('bucket_at', { withTimezone: true, mode: 'date' }).notNull(),
    inBps: doublePrecision('in_bps'),
    outBps: doublePrecision('out_bps'),
    sampleSeconds: doublePrecision('sample_seconds').notNull(),
    spikes: integer('spikes').notNull().default(0),
    invalid: integer('invalid').notNull().default(0),
  },
  (t) => [primaryKey({ name: 'interface_rollups_pkey', columns: [t.interfaceId, t.bucketAt] }), index('interface_rollups_bucket_brin').using('brin', t.bucketAt)],
);

/**
 * 5-minute utilization of a link, measured at its A end (in = into A); from the Z end with
 * directions swapped for the buckets where only Z was read. Percentages are of the capacity
 * registered when the bucket was rolled up; the policy judges rates against today's capacity.
 */
export const linkRollups = pgTable(
  'link_rollups',
  {
    linkId: bigint('link_id', { mode: 'number' })
      .notNull()
      .references(() => links.id, { onDelete: 'cascade' }),
    bucketAt: timestamp('bucket_at', { withTimezone: true, mode: 'date' }).notNull(),
    inBps: doublePrecision('in_bps'),
    outBps: doublePrecision('out_bps'),
    inPercent: doublePrecision('in_percent'),
    outPercent: doublePrecision('out_percent'),
    capacityMbps: integer('capacity_mbps').notNull(),
    sampleSeconds: doublePrecision('sample_seconds').notNull(),
    spikes: integer('spikes').notNull().default(0),
    source: text('source', { enum: ['a', 'z'] }).notNull(),
  },
  (t) => [
    primaryKey({ name: 'link_rollups_pkey', columns: [t.linkId, t.bucketAt] }),
    index('link_rollups_bucket_brin').using('brin', t.bucketAt),
    check('link_rollups_source_check', sql`${t.source} IN ('a', 'z')`),
  ],
);

/** The expansion policy: one row, the JSON the API shows (validated by inputs.ts before it is stored). */
export const expansionPolicy = pgTable(
  'expansion_policy',
  {
    id: smallint('id').primaryKey().default(1),
    value: jsonb('value').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [check('expansion_policy_single_row', sql`${t.id} = 1`)],
);

export const expansionStatuses = ['open', 'approved', 'rejected', 'fulfilled'] as const;
export type ExpansionStatus = (typeof expansionStatuses)[number];

/**
 * 扩容申请 raised by the policy. One in flight (open or approved) per link, guarded by a
 * unique partial index: re-evaluation updates the evidence of the open one.
 */
export const expansionRequests = pgTable(
  'expansion_requests',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    linkId: bigint('link_id', { mode: 'number' })
      .notNull()
      .references(() => links.id, { onDelete: 'cascade' }),
    unitCode: text('unit_code')
      .notNull()
      .references(() => units.code),
    status: text('status', { enum: expansionStatuses }).notNull().default('open'),
    evidence: jsonb('evidence').notNull(),
    currentMbps: integer('current_mbps').notNull(),
    recommendedMbps: integer('recommended_mbps').notNull(),
    raisedAt: timestamp('raised_at', { withTimezone: true, mode: 'date' }).notNull(),
    evaluatedAt: timestamp('evaluated_at', { withTimezone: true, mode: 'date' }).notNull(),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }),
    decidedBy: text('decided_by'),
    opinion: text('opinion'),
    fulfilledAt: timestamp('fulfilled_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('expansion_requests_one_in_flight').on(t.linkId).where(sql`${t.status} IN ('open', 'approved')`),
    index('expansion_requests_status_idx').on(t.status, t.id),
    index('expansion_requests_link_idx').on(t.linkId, t.id),
    check('expansion_requests_status_check', sql`${t.status} IN ('open', 'approved', 'rejected', 'fulfilled')`),
    check('expansion_requests_capacity_check', sql`${t.currentMbps} > 0 AND ${t.recommendedMbps} > 0`),
  ],
);

export const incidentKinds = [
  'link_down',
  'device_down',
  // Opened by a finding of the verification agents (article 19), one per finding: see findings/incidents.ts.
  'device_moved',
  'device_readdressed',
  'config_drift',
  'identity_mismatch',
  'device_unreachable',
  'host_key_changed',
  // Reported by an operator (article 20: a fault the readings cannot see, e.g. a cut fibre or a
  // power failure told by phone); closed by an operator, never by readings.
  'operator_reported',
] as const;
export type IncidentKind = (typeof incidentKinds)[number];

/**
 * Faults reported at once to the upper-level O&M unit (article 20: 即时报告). One open incident
 * per link (link_down) and per device (device_down); the history keeps its times, so the
 * duration of every outage is known. Deleting a device or link keeps its incidents.
 */
export const incidents = pgTable(
  'incidents',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind', { enum: incidentKinds }).notNull(),
    deviceId: bigint('device_id', { mode: 'number' }).references(() => devices.id, { onDelete: 'set null' }),
    linkId: bigint('link_id', { mode: 'number' }).references(() => links.id, { onDelete: 'set null' }),
    reportedTo: text('reported_to')
      .notNull()
      .references(() => units.code),
    payingUnitCode: text('paying_unit_code').references(() => units.code),
    detail: text('detail').notNull(),
    /** The finding that opened it (finding kinds only); resolving the finding resolves the incident. */
    findingId: bigint('finding_id', { mode: 'number' }).references(() => findings.id, { onDelete: 'set null' }),
    status: text('status', { enum: ['open', 'resolved'] }).notNull().default('open'),
    /** When the fault began as the readings show it (the first down reading; the last reading heard). */
    openedAt: timestamp('opened_at', { withTimezone: true, mode: 'date' }).notNull(),
    detectedAt: timestamp('detected_at', { withTimezone: true, mode: 'date' }).notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
    /** operator_reported only: what the operator said, and who reported and closed it. */
    title: text('title'),
    description: text('description'),
    reportedBy: text('reported_by'),
    resolvedBy: text('resolved_by'),
    resolution: text('resolution'),
  },
  (t) => [
    uniqueIndex('incidents_one_open_link').on(t.kind, t.linkId).where(sql`${t.status} = 'open' AND ${t.kind} = 'link_down'`),
    uniqueIndex('incidents_one_open_device').on(t.kind, t.deviceId).where(sql`${t.status} = 'open' AND ${t.kind} = 'device_down'`),
    index('incidents_status_idx').on(t.status, t.id),
    uniqueIndex('incidents_one_open_finding').on(t.findingId).where(sql`${t.status} = 'open'`),
    check(
      'incidents_kind_check',
      sql`${t.kind} IN ('link_down', 'device_down', 'device_moved', 'device_readdressed', 'config_drift', 'identity_mismatch', 'device_unreachable', 'host_key_changed', 'operator_reported')`,
    ),
    // An operator's report names itself and its reporter; the automatic kinds carry neither.
    check('incidents_operator_reported_check', sql`(${t.kind} = 'operator_reported') = (${t.title} IS NOT NULL AND ${t.reportedBy} IS NOT NULL)`),
    // Closed by an operator with a comment, or by itself (the automatic kinds) with neither.
    check('incidents_resolved_by_check', sql`(${t.resolvedBy} IS NULL OR (${t.kind} = 'operator_reported' AND ${t.status} = 'resolved' AND ${t.resolution} IS NOT NULL))`),
    check('incidents_finding_kind_check', sql`(${t.findingId} IS NULL) OR ${t.kind} NOT IN ('link_down', 'device_down')`),
    check('incidents_status_check', sql`(${t.status} = 'open') = (${t.resolvedAt} IS NULL)`),
  ],
);

export type ReadingRow = typeof readings.$inferSelect;
export type LinkRollupRow = typeof linkRollups.$inferSelect;
export type ExpansionRequestRow = typeof expansionRequests.$inferSelect;
export type IncidentRow = typeof incidents.$inferSelect;
