/**
 * The pure half of the rollup (rollup.ts loads, this computes, rollup.ts writes): from the raw
 * readings of a chunk of interfaces to their 5-minute buckets, the links to rebuild and the
 * counter findings to open or resolve. The rules, each tested in rollup-compute.test.ts:
 *
 * - a new reading changes the interval that ends at it, which began at the reading before: an
 *   interface is rebuilt from the bucket holding the reading before its earliest new one (or
 *   the new one itself, when it is the first);
 * - buckets older than the raw retention cannot be rebuilt (their readings are pruned), so a
 *   spool replayed from beyond it must not wipe them; the bucket straddling the cutoff is left
 *   alone too, so it starts one bucket after the cutoff's;
 * - an interface's speed is the smallest capacity registered on its links (a 100 Mbps circuit
 *   on a GE port carries 100 Mbps), else the port's own ifHighSpeed, else unknown (0 counts as
 *   unknown: RFC 2863's "no notion of bandwidth");
 * - the heartbeat is 3.3 polling intervals: three missed polls with 10 % slack for jitter; a
 *   longer silence is a gap (the device-down threshold is the same three intervals);
 * - buckets are rebuilt from the interface's start; a link is rebuilt from the earliest start
 *   of its ends in the chunk (its buckets come from both ends, in SQL: rollup.ts);
 * - the counter findings are judged on each interface's latest reading (judgements.ts); an
 *   interface without readings is judged on nothing.
 */
import type { TelemetrySettings } from './settings.js';
import { judgeCounters, type CounterJudgement } from './judgements.js';
import { BUCKET_SECONDS, bucketize, bucketStart, intervals, type Bucket, type CounterReading } from './rates.js';

const day = 86_400_000;

/** Three polling intervals, with 10 % slack for jitter: longer silences are gaps (the device-down threshold is the same three). */
export function heartbeatSeconds(settings: Pick<TelemetrySettings, 'pollIntervalSeconds'>): number {
  return 3.3 * settings.pollIntervalSeconds;
}

/**
 * Where an interface's buckets are rebuilt from (epoch ms, a bucket start): the bucket of the
 * reading before its earliest new one (`previousMs`, null when there is none) or of the new one
 * (`sinceMs`), but never at or before the bucket holding the raw retention's cutoff.
 */
export function rebuildStart(sinceMs: number, previousMs: number | null, nowMs: number, settings: Pick<TelemetrySettings, 'readingsRetentionDays'>): number {
  const floor = bucketStart(nowMs - settings.readingsRetentionDays * day) + BUCKET_SECONDS * 1000;
  return Math.max(floor, bucketStart(previousMs ?? sinceMs));
}

export interface RollupTarget {
  interfaceId: number;
  deviceId: number;
  name: string;
  /** Rebuild buckets from here (epoch ms, a bucket start). */
  start: number;
  /** The links registered on the interface, in id order. */
  links: { id: number; name: string; capacityMbps: number }[];
}

export interface StoredReading extends CounterReading {
  highSpeedMbps: number | null;
  operStatus: string;
}

export interface RollupInput {
  targets: readonly RollupTarget[];
  /** Each target's readings, oldest first: the last one before its start (if any) and every one since. */
  readings: ReadonlyMap<number, readonly StoredReading[]>;
  /** The open counter findings of the targets' devices, as `findingKey` names them. */
  openFindings: ReadonlySet<string>;
  settings: Pick<TelemetrySettings, 'pollIntervalSeconds'>;
  now: Date;
}

export interface RollupPlan {
  /** The interface buckets from each target's start on (the ones before stay as they are). */
  buckets: { interfaceId: number; bucket: Bucket }[];
  /** Link id → rebuild its buckets from here (epoch ms). */
  linkStarts: Map<number, number>;
  /** Counter findings to open or resolve, in order. */
  findings: CounterJudgement[];
}

export function computeRollup(input: RollupInput): RollupPlan {
  const plan: RollupPlan = { buckets: [], linkStarts: new Map(), findings: [] };
  const heartbeat = heartbeatSeconds(input.settings);
  for (const target of input.targets) {
    const list = input.readings.get(target.interfaceId) ?? [];
    const latest = list[list.length - 1];
    const capacity = target.links.length ? Math.min(...target.links.map((l) => l.capacityMbps)) : null;
    const speedMbps = capacity ?? (latest?.highSpeedMbps ? latest.highSpeedMbps : null);
    const computed = intervals(list, { speedBps: speedMbps === null ? null : speedMbps * 1e6, maxIntervalSeconds: heartbeat });
    for (const bucket of bucketize(computed, target.start)) plan.buckets.push({ interfaceId: target.interfaceId, bucket });
    for (const l of target.links) plan.linkStarts.set(l.id, Math.min(plan.linkStarts.get(l.id) ?? Infinity, target.start));
    if (!latest) continue;
    const link = target.links[0];
    plan.findings.push(
      ...judgeCounters(
        {
          deviceId: target.deviceId,
          interfaceName: target.name,
          link: link ? { name: link.name, capacityMbps: link.capacityMbps } : null,
          latest,
          dropped: computed.filter((i) => i.verdict === 'counter32_on_fast_link').length,
        },
        input.openFindings,
        { pollIntervalSeconds: input.settings.pollIntervalSeconds, now: input.now },
      ),
    );
  }
  return plan;
}
