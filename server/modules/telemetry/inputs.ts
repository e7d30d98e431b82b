import { z } from '@hono/zod-openapi';
import { cursorParts, cursorQuery, idCursor } from '../../http/paging.js';
import { parsedSynchronously } from '../../http/openapi.js';
import { objectId } from '../../http/params.js';
import { unitCode } from '../divisions/inputs.js';
import { COUNTER64_MAX } from './rates.js';
import { incidentKinds, operStatuses } from './schema.js';


export const MAX_READINGS_PER_BATCH = 10_000;

const rfc3339 = z.iso.datetime({ offset: true, message: 'an RFC 3339 time with offset, e.g. 2025-01-06T08:00:00+08:00' });

const digits = /^[0-9]{1,20}$/;
const octets = z
  .string()
  .regex(digits, 'a decimal string of a whole number of octets: no sign, fraction or exponent')
  // zod runs refinements after a failed regex too: only digits reach BigInt(), and only 20 of them can exceed the range.
  .refine((v) => v.length < 20 || !digits.test(v) || BigInt(v) <= COUNTER64_MAX, 'at most 2^64 − 1 = 18446744073709551615')
  .openapi({ example: '184467440737095' });

export const readingInput = z
  .object({
    device: z.union([objectId, z.number().int().positive()]).openapi({ description: 'the device id' }),
    ifName: z.string().min(1).max(128).openapi({ example: 'GigabitEthernet0/0/1' }),
    at: rfc3339.openapi({ description: 'when the agent read the counters; at most 5 minutes ahead of the server’s clock' }),
    sysUpTime: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .openapi({ description: 'hundredths of a second (TimeTicks); wraps after 2^32' }),
    inOctets: octets.openapi({ description: 'ifHCInOctets (or ifInOctets when counterBits is 32), decimal string' }),
    outOctets: octets.openapi({ description: 'ifHCOutOctets (or ifOutOctets), decimal string' }),
    counterBits: z.union([z.literal(32), z.literal(64)]),
    highSpeedMbps: z.number().int().min(0).max(10_000_000).nullable().optional().openapi({ description: 'ifHighSpeed' }),
    operStatus: z.enum(operStatuses).openapi({ description: 'IF-MIB ifOperStatus name' }),
  })
  .strict()
  .openapi('Reading');
export type ReadingInput = z.infer<typeof readingInput>;

const readingKeys: ReadonlySet<string> = new Set(Object.keys(readingInput.shape));
const requiredReadingKeys = Object.keys(readingInput.shape).filter((k) => k !== 'highSpeedMbps').length;
const statuses: ReadonlySet<unknown> = new Set(operStatuses);
const isCount = (v: unknown, max: number): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= max;
const isOctets = (v: unknown): boolean => typeof v === 'string' && digits.test(v) && (v.length < 20 || BigInt(v) <= COUNTER64_MAX);

/**
 * Whether readingBatchInput accepts `value` as it is, checked without zod: issue 14 measured
 * zod at ~18 ms of a 10,000-reading batch (it builds a new object per reading), this at a few.
 * The same rules as the schema above, field by field; the device ids and times, a thousand and a
 * handful of distinct values per poll cycle, are checked by the schema's own field schemas once
 * each. Says no to anything doubtful (an unknown key, a wrong type): zod then decides, and words
 * every refusal.
 */
function batchAcceptedAsIs(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const list = (value as { readings?: unknown }).readings;
  if (keys.length !== 1 || keys[0] !== 'readings' || !Array.isArray(list)) return false;
  const devices = new Map<unknown, boolean>();
  const times = new Map<unknown, boolean>();
  const shape = readingInput.shape;
  for (const r of list as unknown[]) {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return false;
    let required = 0;
    for (const key of Object.keys(r)) {
      if (!readingKeys.has(key)) return false;
      if (key !== 'highSpeedMbps') required++;
    }
    if (required !== requiredReadingKeys) return false;
    const x = r as Record<string, unknown>;
    let ok = devices.get(x.device);
    if (ok === undefined) devices.set(x.device, (ok = shape.device.safeParse(x.device).success));
    if (!ok) return false;
    ok = times.get(x.at);
    if (ok === undefined) times.set(x.at, (ok = typeof x.at === 'string' && shape.at.safeParse(x.at).success));
    if (!ok) return false;
    if (typeof x.ifName !== 'string' || x.ifName.length < 1 || x.ifName.length > 128) return false;
    if (!isCount(x.sysUpTime, 2 ** 32 - 1) || !isOctets(x.inOctets) || !isOctets(x.outOctets)) return false;
    if ((x.counterBits !== 32 && x.counterBits !== 64) || !statuses.has(x.operStatus)) return false;
    if (x.highSpeedMbps !== undefined && x.highSpeedMbps !== null && !isCount(x.highSpeedMbps, 10_000_000)) return false;
  }
  return true;
}

// Parsed synchronously, and a batch that passes batchAcceptedAsIs without zod (issue 14).
export const readingBatchInput = parsedSynchronously(
  z
    .object({
      readings: z.array(readingInput).openapi({ description: `at most ${MAX_READINGS_PER_BATCH} readings (413 above)` }),
    })
    .strict()
    .openapi('ReadingBatch'),
  batchAcceptedAsIs,
);
export type ReadingBatchInput = z.infer<typeof readingBatchInput>;

export const readingBatchResultSchema = z
  .object({
    received: z.number().int(),
    accepted: z.number().int().openapi({ description: 'readings new to the registry' }),
    duplicates: z.number().int().openapi({ description: 'readings it already had (a replayed batch): changed nothing' }),
  })
  .openapi('ReadingBatchResult');
export type ReadingBatchResult = z.infer<typeof readingBatchResultSchema>;

const page = {
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** the last reading's `at|interface id` */
  cursor: cursorQuery(cursorParts.time, cursorParts.id).optional(),
};

export const listReadingsQuery = z
  .object({
    device: objectId,
    ifName: z.string().min(1).max(128).optional(),
    from: rfc3339.optional().openapi({ description: 'default: 24 hours before `to`' }),
    to: rfc3339.optional().openapi({ description: 'default: now' }),
    ...page,
  })
  .strict();
export type ListReadingsQuery = z.infer<typeof listReadingsQuery>;

export const readingSchema = z
  .object({
    device: z.string(),
    ifName: z.string(),
    at: z.string(),
    sysUpTime: z.number(),
    inOctets: z.string(),
    outOctets: z.string(),
    counterBits: z.number(),
    highSpeedMbps: z.number().nullable(),
    operStatus: z.string(),
    receivedAt: z.string(),
  })
  .openapi('StoredReading');
export type ReadingView = z.infer<typeof readingSchema>;

export const utilizationQuery = z
  .object({
    from: rfc3339.optional().openapi({ description: 'default: 24 hours before `to`' }),
    to: rfc3339.optional().openapi({ description: 'default: now' }),
  })
  .strict();
export type UtilizationQuery = z.infer<typeof utilizationQuery>;

export const utilizationSchema = z
  .object({
    link: z.string(),
    capacityMbps: z.number(),
    from: z.string(),
    to: z.string(),
    bucketSeconds: z.number().int().openapi({ description: '300 up to a 7-day span, 3600 up to 90 days, 86400 beyond (days from 00:00 UTC+8)' }),
    series: z.array(
      z.object({
        at: z.string().openapi({ description: 'the start of the bucket' }),
        inBps: z.number().nullable().openapi({ description: 'mean over the bucket, weighted by measured seconds' }),
        outBps: z.number().nullable(),
        inPercent: z.number().nullable(),
        outPercent: z.number().nullable(),
        peakPercent: z.number().nullable().openapi({ description: 'the highest 5-minute utilization in either direction within the bucket' }),
        sampleSeconds: z.number(),
        source: z.enum(['a', 'z']).openapi({ description: 'the end measured (most of the bucket): a, or z with directions swapped' }),
      }),
    ),
    p95InPercent: z.number().nullable(),
    p95OutPercent: z.number().nullable(),
    peakPercent: z.number().nullable(),
    spikes: z.number().int().openapi({ description: 'intervals dropped because their rate exceeded the capacity' }),
  })
  .openapi('LinkUtilization');
export type UtilizationView = z.infer<typeof utilizationSchema>;

// ---- expansion policy -----------------------------------------------------------------

const percent = z.number().gt(0).max(100);
const policyFields = {
  percentile: percent.openapi({ description: 'which percentile of 5-minute utilization, e.g. 95' }),
  thresholdPercent: percent.openapi({ description: 'a request is raised when that percentile reaches this, in either direction' }),
  windowDays: z.number().int().min(1).max(365),
  targetPercent: percent.openapi({ description: 'the recommended capacity brings the percentile down to at most this' }),
  minSamples: z.number().int().min(1).max(105_120).optional().openapi({ description: '5-minute buckets needed before a link is judged (default 288: one day)' }),
};

const levelOverride = z.object(policyFields).partial().strict();

export const expansionPolicyInput = z
  .object({
    ...policyFields,
    byLevel: z
      .object({ city: levelOverride.optional(), county: levelOverride.optional(), township: levelOverride.optional() })
      .strict()
      .optional()
      .openapi({ description: 'overrides for links whose paying unit is at that level' }),
  })
  .strict()
  .openapi('ExpansionPolicy');
export type ExpansionPolicyInput = z.infer<typeof expansionPolicyInput>;

export const expansionPolicySchema = z
  .object({
    percentile: z.number(),
    thresholdPercent: z.number(),
    windowDays: z.number(),
    targetPercent: z.number(),
    minSamples: z.number(),
    byLevel: z.object({ city: levelOverride.optional(), county: levelOverride.optional(), township: levelOverride.optional() }),
    updatedAt: z.string().nullable(),
  })
  .openapi('ExpansionPolicyView');
export type ExpansionPolicyView = z.infer<typeof expansionPolicySchema>;

export const evaluationSchema = z
  .object({
    evaluatedAt: z.string(),
    linksJudged: z.number().int(),
    breaches: z.number().int(),
    raised: z.array(z.string()).openapi({ description: 'ids of requests raised now' }),
    updated: z.array(z.string()).openapi({ description: 'ids of open requests whose evidence was refreshed' }),
    fulfilled: z.array(z.string()),
    rolledUp: z.object({ interfaces: z.number().int(), buckets: z.number().int() }),
  })
  .openapi('ExpansionEvaluation');
export type EvaluationView = z.infer<typeof evaluationSchema>;

// ---- expansion requests ---------------------------------------------------------------

export const expansionStatusFilter = z.enum(['open', 'approved', 'rejected', 'fulfilled']);

export const listExpansionQuery = z
  .object({
    status: expansionStatusFilter.optional(),
    unit: unitCode.optional().openapi({ description: 'requests routed to this unit' }),
    link: objectId.optional(),
    limit: page.limit,
    cursor: idCursor.optional(),
  })
  .strict();
export type ListExpansionQuery = z.infer<typeof listExpansionQuery>;

export const evidenceSchema = z
  .object({
    p95In: z.number().openapi({ description: 'the policy percentile of inbound utilization (into the A end), % of current capacity' }),
    p95Out: z.number(),
    peak: z.number().openapi({ description: 'the highest 5-minute utilization in either direction, %' }),
    p95InBps: z.number(),
    p95OutBps: z.number(),
    peakBps: z.number(),
    percentile: z.number(),
    thresholdPercent: z.number(),
    targetPercent: z.number(),
    window: z.object({ days: z.number(), from: z.string(), to: z.string() }),
    samples: z.number().int(),
  })
  .openapi('ExpansionEvidence');
export type EvidenceView = z.infer<typeof evidenceSchema>;

export const expansionRequestSchema = z
  .object({
    id: z.string(),
    link: z.string(),
    linkName: z.string().nullable(),
    evidence: evidenceSchema,
    currentMbps: z.number(),
    recommendedMbps: z.number(),
    linkCapacityMbps: z.number().nullable().openapi({ description: 'the capacity registered now' }),
    unit: z.string().openapi({ description: 'the paying unit that decides' }),
    status: expansionStatusFilter,
    raisedAt: z.string(),
    evaluatedAt: z.string(),
    decidedAt: z.string().nullable(),
    decidedBy: z.string().nullable(),
    opinion: z.string().nullable(),
    fulfilledAt: z.string().nullable(),
  })
  .openapi('ExpansionRequest');
export type ExpansionRequestView = z.infer<typeof expansionRequestSchema>;

export const decisionInput = z
  .object({
    decision: z.enum(['approve', 'reject']),
    opinion: z.string().trim().min(1).max(4000).openapi({ description: '审核意见' }),
  })
  .strict()
  .openapi('ExpansionDecision');
export type DecisionInput = z.infer<typeof decisionInput>;

// ---- incidents ------------------------------------------------------------------------

export const listIncidentsQuery = z
  .object({
    status: z.enum(['open', 'resolved']).optional(),
    reportedTo: unitCode.optional(),
    kind: z.enum(incidentKinds).optional(),
    limit: page.limit,
    cursor: idCursor.optional(),
  })
  .strict();
export type ListIncidentsQuery = z.infer<typeof listIncidentsQuery>;

export const incidentSchema = z
  .object({
    id: z.string(),
    kind: z.enum(incidentKinds),
    device: z.string().nullable(),
    link: z.string().nullable(),
    finding: z.string().nullable().openapi({ description: 'the finding that opened it (device_moved, config_drift, …); null for link_down and device_down' }),
    detail: z.string(),
    openedAt: z.string(),
    detectedAt: z.string(),
    resolvedAt: z.string().nullable(),
    durationSeconds: z.number().nullable().openapi({ description: 'from openedAt to resolvedAt; null while open' }),
    reportedTo: z.string().openapi({ description: 'the upper-level O&M unit of the paying unit (article 20)' }),
    payingUnit: z.string().nullable(),
    status: z.enum(['open', 'resolved']),
    title: z.string().nullable().openapi({ description: 'operator_reported only: the operator’s title; null for the automatic kinds' }),
    description: z.string().nullable().openapi({ description: 'operator_reported only' }),
    reportedBy: z.string().nullable().openapi({ description: 'operator_reported only: the username who reported it' }),
    resolvedBy: z.string().nullable().openapi({ description: 'operator_reported only: the username who closed it' }),
    resolution: z.string().nullable().openapi({ description: 'operator_reported only: the closing comment' }),
  })
  .openapi('Incident');
export type IncidentView = z.infer<typeof incidentSchema>;
