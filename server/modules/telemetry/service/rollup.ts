import { sql } from 'drizzle-orm';
import { mutate, type Audit, type Ctx } from '../../../context.js';
import { rows, type Tx } from '../../../db/client.js';
import { jsonIds, jsonRows } from '../../../db/json-rows.js';
import { openFinding, openFindingKeys, resolveFindingAutomatically } from '../../findings/service.js';
import { counterFindingKinds } from '../judgements.js';
import { computeRollup, rebuildStart, type RollupInput, type RollupPlan, type RollupTarget, type StoredReading } from '../rollup-compute.js';
import type { TelemetrySettings } from '../settings.js';

/** Interfaces taken from the backlog per transaction: bounded work and lock time. */
const chunkSize = 200;

export interface RollupResult {
  interfaces: number;
  buckets: number;
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

/** One chunk of the backlog, in three steps: load its state, compute (rollup-compute.ts, pure), write. */
async function rollUpChunk(tx: Tx, ctx: Ctx, audit: Audit, settings: TelemetrySettings, wait: boolean): Promise<RollupResult | null> {
  const loaded = await loadChunk(tx, ctx, settings, wait);
  if (!loaded) return null;
  const plan = computeRollup(loaded.input);
  await writeChunk(tx, audit, loaded.input.targets, plan);
  await tx.execute(sql`DELETE FROM rollup_backlog WHERE interface_id = ANY(${jsonIds(loaded.backlog)})`);
  return { interfaces: loaded.backlog.length, buckets: plan.buckets.length };
}

/**
 * Takes (locks) up to `chunkSize` interfaces from the backlog and loads what their rollup
 * needs: their links, their readings from the one before each start on, and the open counter
 * findings of their devices. Null when the backlog is empty (or, without `wait`, all locked).
 */
async function loadChunk(tx: Tx, ctx: Ctx, settings: TelemetrySettings, wait: boolean): Promise<{ backlog: number[]; input: RollupInput } | null> {
  const backlog = await rows<{ interface_id: string | number; since_ms: number; prev_ms: number | null }>(
    tx,
    sql`SELECT b.interface_id, (extract(epoch FROM b.since) * 1000)::float8 AS since_ms,
               (SELECT (extract(epoch FROM max(r.at)) * 1000)::float8 FROM readings r WHERE r.interface_id = b.interface_id AND r.at < b.since) AS prev_ms
        FROM (SELECT interface_id, since FROM rollup_backlog ORDER BY interface_id LIMIT ${chunkSize} FOR UPDATE ${wait ? sql`` : sql`SKIP LOCKED`}) b`,
  );
  if (backlog.length === 0) return null;
  const ids = backlog.map((b) => Number(b.interface_id));
  const now = ctx.now();
  const starts = new Map(
    backlog.map((b) => [Number(b.interface_id), rebuildStart(Number(b.since_ms), b.prev_ms === null ? null : Number(b.prev_ms), now.getTime(), settings)]),
  );

  const info = await rows<{ id: string | number; device_id: string | number; name: string; link_id: string | number | null; link_name: string | null; capacity_mbps: number | null }>(
    tx,
    sql`SELECT i.id, i.device_id, i.name, l.id AS link_id, l.name AS link_name, l.capacity_mbps
        FROM device_interfaces i
        LEFT JOIN links l ON l.a_interface_id = i.id OR l.z_interface_id = i.id
        WHERE i.id = ANY(${jsonIds(ids)})
        ORDER BY i.id, l.id`,
  );
  const targets = new Map<number, RollupTarget>();
  for (const row of info) {
    const id = Number(row.id);
    let target = targets.get(id);
    if (!target) targets.set(id, (target = { interfaceId: id, deviceId: Number(row.device_id), name: row.name, start: starts.get(id)!, links: [] }));
    if (row.link_id !== null) target.links.push({ id: Number(row.link_id), name: row.link_name!, capacityMbps: Number(row.capacity_mbps) });
  }
  const present = [...targets.values()];

  const found = await rows<{
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
        FROM ${targetStarts(present)}
        CROSS JOIN LATERAL (
          SELECT * FROM readings r
          WHERE r.interface_id = s.id
            AND r.at >= COALESCE((SELECT max(p.at) FROM readings p WHERE p.interface_id = s.id AND p.at < s.start), s.start)
          ORDER BY r.at
        ) r`,
  );
  const readings = new Map<number, StoredReading[]>();
  for (const r of found) {
    const id = Number(r.interface_id);
    const list = readings.get(id) ?? [];
    list.push({
      at: Number(r.at_ms),
      sysUpTime: Number(r.sys_up_time),
      inOctets: BigInt(r.in_octets),
      outOctets: BigInt(r.out_octets),
      counterBits: Number(r.counter_bits) as 32 | 64,
      highSpeedMbps: r.high_speed_mbps === null ? null : Number(r.high_speed_mbps),
      operStatus: r.oper_status,
    });
    readings.set(id, list);
  }

  const openFindings = await openFindingKeys(tx, [...new Set(present.map((t) => t.deviceId))], [...counterFindingKinds]);
  return { backlog: ids, input: { targets: present, readings, openFindings, settings, now } };
}

/** Each target's interface id and start, as the row set `s(id, start)`. */
function targetStarts(targets: readonly RollupTarget[]) {
  return jsonRows(
    's',
    { id: 'bigint', start: 'timestamptz' },
    targets.map((t) => ({ id: t.interfaceId, start: new Date(t.start).toISOString() })),
  );
}

/** Replaces the targets' buckets from their starts on, rebuilds their links, opens and resolves the counter findings. */
async function writeChunk(tx: Tx, audit: Audit, targets: readonly RollupTarget[], plan: RollupPlan): Promise<void> {
  await tx.execute(sql`
    DELETE FROM interface_rollups ir
    USING ${targetStarts(targets)}
    WHERE ir.interface_id = s.id AND ir.bucket_at >= s.start`);
  if (plan.buckets.length) {
    await tx.execute(sql`
      INSERT INTO interface_rollups (interface_id, bucket_at, in_bps, out_bps, sample_seconds, spikes, invalid)
      SELECT interface_id, bucket_at, in_bps, out_bps, sample_seconds, spikes, invalid
      FROM ${jsonRows(
        'b',
        { interface_id: 'bigint', bucket_at: 'timestamptz', in_bps: 'float8', out_bps: 'float8', sample_seconds: 'float8', spikes: 'integer', invalid: 'integer' },
        plan.buckets.map(({ interfaceId, bucket }) => ({
          interface_id: interfaceId,
          bucket_at: new Date(bucket.at).toISOString(),
          in_bps: bucket.inBps,
          out_bps: bucket.outBps,
          sample_seconds: bucket.sampleSeconds,
          spikes: bucket.spikes,
          invalid: bucket.invalid,
        })),
      )}`);
  }
  if (plan.linkStarts.size) await rebuildLinks(tx, plan.linkStarts);
  for (const judgement of plan.findings) {
    if (judgement.action === 'open') await openFinding(tx, audit, judgement.finding);
    else await resolveFindingAutomatically(tx, audit, judgement.resolution);
  }
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
  const linkStarts = () =>
    jsonRows(
      's',
      { id: 'bigint', start: 'timestamptz' },
      [...starts].map(([id, start]) => ({ id, start: new Date(start).toISOString() })),
    );
  await tx.execute(sql`
    DELETE FROM link_rollups lr USING ${linkStarts()}
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
          FROM ${linkStarts()}
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
