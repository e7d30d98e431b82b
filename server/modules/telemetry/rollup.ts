import { sql } from 'drizzle-orm';
import { mutate, type Audit, type Ctx } from '../../context.js';
import { rows, type Tx } from '../../db/client.js';
import { openFinding, openFindingKeys, resolveFindingAutomatically } from '../findings/service.js';
import { arrayParam } from './arrays.js';
import { BUCKET_SECONDS, bucketize, bucketStart, counter32WrapSpeed, intervals, type Bucket, type CounterReading, type Interval } from './rates.js';
import type { TelemetrySettings } from './settings.js';

/** Interfaces taken from the backlog per transaction: bounded work and lock time. */
const chunkSize = 200;

/** Three polling intervals, with 10 % slack for jitter: longer silences are gaps (the device-down threshold is the same three). */
export function heartbeatSeconds(settings: TelemetrySettings): number {
  return 3.3 * settings.pollIntervalSeconds;
}

export interface RollupResult {
  interfaces: number;
  buckets: number;
}

interface Target {
  interfaceId: number;
  deviceId: number;
  name: string;
  /** Rebuild buckets from here (epoch ms, a bucket start). */
  start: number;
  links: { id: number; name: string; capacityMbps: number }[];
}

interface StoredReading extends CounterReading {
  highSpeedMbps: number | null;
  operStatus: string;
}

/**
 * Brings the 5-minute rollups up to date with every reading in the backlog. `wait` blocks on
 * backlog rows another server is rolling up right now (the evaluate endpoint needs them done);
 * the periodic job skips them instead (SKIP LOCKED), so servers share the work.
 */
export async function rollUp(ctx: Ctx, settings: TelemetrySettings, options: { wait: boolean }): Promise<RollupResult> {
  const total: RollupResult = { interfaces: 0, buckets: 0 };
  await mutate(ctx, (tx) => adoptNewLinks(tx));
  // Bounded so a flood of readings arriving while we work cannot keep one pass going for ever.
  for (let round = 0; round < 10_000; round++) {
    const done = await mutate(ctx, (tx, audit) => rollUpChunk(tx, ctx, audit, settings, options.wait));
    if (!done) break;
    total.interfaces += done.interfaces;
    total.buckets += done.buckets;
  }
  return total;
}

async function rollUpChunk(tx: Tx, ctx: Ctx, audit: Audit, settings: TelemetrySettings, wait: boolean): Promise<RollupResult | null> {
  const backlog = await rows<{ interface_id: string | number; since_ms: number; prev_ms: number | null }>(
    tx,
    sql`SELECT b.interface_id, (extract(epoch FROM b.since) * 1000)::float8 AS since_ms,
               (SELECT (extract(epoch FROM max(r.at)) * 1000)::float8 FROM readings r WHERE r.interface_id = b.interface_id AND r.at < b.since) AS prev_ms
        FROM (SELECT interface_id, since FROM rollup_backlog ORDER BY interface_id LIMIT ${chunkSize} FOR UPDATE ${wait ? sql`` : sql`SKIP LOCKED`}) b`,
  );
  if (backlog.length === 0) return null;
  const ids = backlog.map((b) => Number(b.interface_id));
  // Buckets older than the raw retention cannot be rebuilt (their readings are pruned): a spool
  // replayed from beyond it must not wipe them. The bucket straddling the cutoff is left alone too.
  const floor = bucketStart(ctx.now().getTime() - settings.readingsRetentionDays * 86_400_000) + BUCKET_SECONDS * 1000;
  // A new reading changes the interval that ends at it, which began at the reading before.
  const starts = new Map(backlog.map((b) => [Number(b.interface_id), Math.max(floor, bucketStart(Number(b.prev_ms ?? b.since_ms)))]));

  const info = await rows<{ id: string | number; device_id: string | number; name: string; link_id: string | number | null; link_name: string | null; capacity_mbps: number | null }>(
    tx,
    sql`SELECT i.id, i.device_id, i.name, l.id AS link_id, l.name AS link_name, l.capacity_mbps
        FROM device_interfaces i
        LEFT JOIN links l ON l.a_interface_id = i.id OR l.z_interface_id = i.id
        WHERE i.id = ANY(${arrayParam(ids, 'bigint')})
        ORDER BY i.id, l.id`,
  );
  const targets = new Map<number, Target>();
  for (const row of info) {
    const id = Number(row.id);
    let target = targets.get(id);
    if (!target) targets.set(id, (target = { interfaceId: id, deviceId: Number(row.device_id), name: row.name, start: starts.get(id)!, links: [] }));
    if (row.link_id !== null) target.links.push({ id: Number(row.link_id), name: row.link_name!, capacityMbps: Number(row.capacity_mbps) });
  }
  const present = [...targets.values()];
  const startParam = (list: Target[]) =>
    arrayParam(
      list.map((t) => new Date(t.start).toISOString()),
      'timestamptz',
    );

  const loaded = await rows<{
    interface_id: string | number;
    at_ms: number;
    sys_up_time: string | number;
    in_octets: string;
    out_octets: string;
    counter_bits: number;
    high_speed_mbps: number | null;
    oper_status: string;
  }>(
    tx,
    sql`SELECT s.id AS interface_id, (extract(epoch FROM r.at) * 1000)::float8 AS at_ms, r.sys_up_time, r.in_octets::text AS in_octets, r.out_octets::text AS out_octets,
               r.counter_bits, r.high_speed_mbps, r.oper_status
        FROM unnest(${arrayParam(
          present.map((t) => t.interfaceId),
          'bigint',
        )}, ${startParam(present)}) AS s(id, start)
        CROSS JOIN LATERAL (
          SELECT * FROM readings r
          WHERE r.interface_id = s.id
            AND r.at >= COALESCE((SELECT max(p.at) FROM readings p WHERE p.interface_id = s.id AND p.at < s.start), s.start)
          ORDER BY r.at
        ) r`,
  );
  const byInterface = new Map<number, StoredReading[]>();
  for (const r of loaded) {
    const id = Number(r.interface_id);
    const list = byInterface.get(id) ?? [];
    list.push({
      at: Number(r.at_ms),
      sysUpTime: Number(r.sys_up_time),
      inOctets: BigInt(r.in_octets),
      outOctets: BigInt(r.out_octets),
      counterBits: Number(r.counter_bits) as 32 | 64,
      highSpeedMbps: r.high_speed_mbps === null ? null : Number(r.high_speed_mbps),
      operStatus: r.oper_status,
    });
    byInterface.set(id, list);
  }

  const bucketRows: { interfaceId: number; bucket: Bucket }[] = [];
  const verdicts = new Map<number, Interval[]>();
  for (const target of present) {
    const list = byInterface.get(target.interfaceId) ?? [];
    const latest = list[list.length - 1];
    const capacity = target.links.length ? Math.min(...target.links.map((l) => l.capacityMbps)) : null;
    const speedMbps = capacity ?? (latest?.highSpeedMbps ? latest.highSpeedMbps : null);
    const computed = intervals(list, { speedBps: speedMbps === null ? null : speedMbps * 1e6, maxIntervalSeconds: heartbeatSeconds(settings) });
    verdicts.set(target.interfaceId, computed);
    for (const bucket of bucketize(computed, target.start)) bucketRows.push({ interfaceId: target.interfaceId, bucket });
  }

  await tx.execute(sql`
    DELETE FROM interface_rollups ir
    USING unnest(${arrayParam(
      present.map((t) => t.interfaceId),
      'bigint',
    )}, ${startParam(present)}) AS s(id, start)
    WHERE ir.interface_id = s.id AND ir.bucket_at >= s.start`);
  if (bucketRows.length) {
    await tx.execute(sql`
      INSERT INTO interface_rollups (interface_id, bucket_at, in_bps, out_bps, sample_seconds, spikes, invalid)
      SELECT * FROM unnest(
        ${arrayParam(
          bucketRows.map((b) => b.interfaceId),
          'bigint',
        )},
        ${arrayParam(
          bucketRows.map((b) => new Date(b.bucket.at).toISOString()),
          'timestamptz',
        )},
        ${arrayParam(
          bucketRows.map((b) => b.bucket.inBps),
          'float8',
        )},
        ${arrayParam(
          bucketRows.map((b) => b.bucket.outBps),
          'float8',
        )},
        ${arrayParam(
          bucketRows.map((b) => b.bucket.sampleSeconds),
          'float8',
        )},
        ${arrayParam(
          bucketRows.map((b) => b.bucket.spikes),
          'integer',
        )},
        ${arrayParam(
          bucketRows.map((b) => b.bucket.invalid),
          'integer',
        )})`);
  }

  // Each link touched is rebuilt from the earliest start of its touched ends.
  const linkStarts = new Map<number, number>();
  for (const t of present) for (const l of t.links) linkStarts.set(l.id, Math.min(linkStarts.get(l.id) ?? Infinity, t.start));
  if (linkStarts.size) await rebuildLinks(tx, linkStarts);

  await judgeCounters(tx, ctx, audit, present, byInterface, verdicts, settings);

  await tx.execute(sql`DELETE FROM rollup_backlog WHERE interface_id = ANY(${arrayParam(ids, 'bigint')})`);
  return { interfaces: ids.length, buckets: bucketRows.length };
}

/**
 * A link registered after its interfaces were already read has interface buckets but no link
 * buckets: build them from the interface buckets (the readings may be pruned by now).
 */
async function adoptNewLinks(tx: Tx): Promise<void> {
  const found = await rows<{ id: string | number; since_ms: number }>(
    tx,
    sql`SELECT l.id, (extract(epoch FROM first.at) * 1000)::float8 AS since_ms
        FROM links l
        CROSS JOIN LATERAL (
          SELECT min(ir.bucket_at) AS at FROM interface_rollups ir WHERE ir.interface_id IN (l.a_interface_id, l.z_interface_id)
        ) first
        WHERE first.at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM link_rollups lr WHERE lr.link_id = l.id)`,
  );
  if (found.length) await rebuildLinks(tx, new Map(found.map((f) => [Number(f.id), Number(f.since_ms)])));
}

/**
 * A link's buckets come from its A end; for a bucket the A end did not measure (no valid
 * interval), from the Z end with in and out swapped: what leaves Z enters A.
 */
async function rebuildLinks(tx: Tx, starts: Map<number, number>): Promise<void> {
  const ids = arrayParam([...starts.keys()], 'bigint');
  const from = arrayParam(
    [...starts.values()].map((t) => new Date(t).toISOString()),
    'timestamptz',
  );
  await tx.execute(sql`
    DELETE FROM link_rollups lr USING unnest(${ids}, ${from}) AS s(id, start)
    WHERE lr.link_id = s.id AND lr.bucket_at >= s.start`);
  await tx.execute(sql`
    INSERT INTO link_rollups (link_id, bucket_at, in_bps, out_bps, in_percent, out_percent, capacity_mbps, sample_seconds, spikes, source)
    SELECT link_id, bucket_at, in_bps, out_bps, in_bps / (capacity_mbps * 10000.0), out_bps / (capacity_mbps * 10000.0),
           capacity_mbps, sample_seconds, spikes, source
    FROM (
      SELECT m.link_id, m.bucket_at, m.capacity_mbps,
             CASE WHEN m.use_a THEN m.a_in ELSE m.z_out END AS in_bps,
             CASE WHEN m.use_a THEN m.a_out ELSE m.z_in END AS out_bps,
             CASE WHEN m.use_a THEN m.a_seconds ELSE m.z_seconds END AS sample_seconds,
             CASE WHEN m.use_a THEN m.a_spikes ELSE m.z_spikes END AS spikes,
             CASE WHEN m.use_a THEN 'a' ELSE 'z' END AS source
      FROM (
        SELECT g.*, (g.a_seconds IS NOT NULL AND (g.a_seconds > 0 OR COALESCE(g.z_seconds, 0) = 0)) AS use_a
        FROM (
          SELECT l.id AS link_id, l.capacity_mbps, e.bucket_at,
                 max(e.in_bps) FILTER (WHERE e.side = 'a') AS a_in,
                 max(e.out_bps) FILTER (WHERE e.side = 'a') AS a_out,
                 max(e.sample_seconds) FILTER (WHERE e.side = 'a') AS a_seconds,
                 max(e.spikes) FILTER (WHERE e.side = 'a') AS a_spikes,
                 max(e.in_bps) FILTER (WHERE e.side = 'z') AS z_in,
                 max(e.out_bps) FILTER (WHERE e.side = 'z') AS z_out,
                 max(e.sample_seconds) FILTER (WHERE e.side = 'z') AS z_seconds,
                 max(e.spikes) FILTER (WHERE e.side = 'z') AS z_spikes
          FROM unnest(${ids}, ${from}) AS s(id, start)
          JOIN links l ON l.id = s.id
          CROSS JOIN LATERAL (
            SELECT 'a' AS side, ir.bucket_at, ir.in_bps, ir.out_bps, ir.sample_seconds, ir.spikes
            FROM interface_rollups ir WHERE ir.interface_id = l.a_interface_id AND ir.bucket_at >= s.start
            UNION ALL
            SELECT 'z', ir.bucket_at, ir.in_bps, ir.out_bps, ir.sample_seconds, ir.spikes
            FROM interface_rollups ir WHERE ir.interface_id = l.z_interface_id AND ir.bucket_at >= s.start
          ) e
          GROUP BY l.id, l.capacity_mbps, e.bucket_at
        ) g
      ) m
    ) chosen`);
}

/**
 * Findings the counters themselves reveal, judged on each interface's latest reading:
 * 32-bit counters on a link that wraps them more than once per polling interval, and a port
 * slower than the circuit registered on it (a faster port is normal: a 100 Mbps circuit on a
 * GE port). Both close by themselves once the readings show them cured.
 */
async function judgeCounters(
  tx: Tx,
  ctx: Ctx,
  audit: Audit,
  targets: Target[],
  byInterface: Map<number, StoredReading[]>,
  verdicts: Map<number, Interval[]>,
  settings: TelemetrySettings,
): Promise<void> {
  const open = await openFindingKeys(
    tx,
    [...new Set(targets.map((t) => t.deviceId))],
    ['counter32_on_fast_link', 'speed_mismatch'],
  );
  const now = ctx.now();
  const wrapMbps = counter32WrapSpeed(settings.pollIntervalSeconds) / 1e6;
  for (const target of targets) {
    const list = byInterface.get(target.interfaceId) ?? [];
    const latest = list[list.length - 1];
    if (!latest) continue;
    const key = (kind: string) => `${target.deviceId}|${kind}|${target.name}`;
    const link = target.links[0];
    const speedMbps = link?.capacityMbps ?? latest.highSpeedMbps ?? null;

    const fast = latest.counterBits === 32 && speedMbps !== null && speedMbps > wrapMbps;
    if (fast && !open.has(key('counter32_on_fast_link'))) {
      const dropped = (verdicts.get(target.interfaceId) ?? []).filter((i) => i.verdict === 'counter32_on_fast_link').length;
      await openFinding(tx, audit, {
        deviceId: target.deviceId,
        kind: 'counter32_on_fast_link',
        subject: target.name,
        detail:
          `${target.name} is read with 32-bit counters, which can wrap more than once per ${settings.pollIntervalSeconds}-second poll ` +
          `at ${speedMbps} Mbps (anything above ${wrapMbps.toFixed(1)} Mbps): its rates cannot be trusted and ${dropped} interval(s) were dropped. ` +
          `Read the 64-bit ifHCInOctets/ifHCOutOctets counters (SNMP v2c or v3) instead.`,
        at: now,
      });
    } else if (latest.counterBits === 64 && open.has(key('counter32_on_fast_link'))) {
      await resolveFindingAutomatically(tx, audit, {
        deviceId: target.deviceId,
        kind: 'counter32_on_fast_link',
        subject: target.name,
        comment: `the agent reads 64-bit counters since ${new Date(latest.at).toISOString()}`,
        at: now,
      });
    }

    const portMbps = latest.highSpeedMbps;
    if (!link || portMbps === null || portMbps <= 0 || latest.operStatus !== 'up') continue;
    if (portMbps < link.capacityMbps && !open.has(key('speed_mismatch'))) {
      await openFinding(tx, audit, {
        deviceId: target.deviceId,
        kind: 'speed_mismatch',
        subject: target.name,
        detail: `${target.name} runs at ${portMbps} Mbps (ifHighSpeed), below the ${link.capacityMbps} Mbps registered for link ${link.name}: the port cannot carry the circuit; fix the port or the registered capacity`,
        diff: { ifHighSpeedMbps: portMbps, capacityMbps: link.capacityMbps },
        at: now,
      });
    } else if (portMbps >= link.capacityMbps && open.has(key('speed_mismatch'))) {
      await resolveFindingAutomatically(tx, audit, {
        deviceId: target.deviceId,
        kind: 'speed_mismatch',
        subject: target.name,
        comment: `the port reads ${portMbps} Mbps, enough for the ${link.capacityMbps} Mbps circuit`,
        at: now,
      });
    }
  }
}
