/**
 * Expansion policy evaluation over 2,000 links × 7 days of 5-minute rollups (4,032,000 rows)
 * on PostgreSQL: the whole evaluation (rollup backlog check, fulfilment, per-level percentiles,
 * raising and refreshing requests, audit) vs the bare percentile_cont query over the same rows.
 * One link in 20 runs hot (p95 ≈ 88 %) so requests are raised (first round) and refreshed (later).
 *   TEST_DATABASE_URL=postgres://… npx tsx test/bench/policy-evaluate.ts
 *   BENCH_LINKS=2000 BENCH_REPEATS=5
 */
import { sql } from 'drizzle-orm';
import { systemCtx } from '../../server/bootstrap.js';
import { rows } from '../../server/db/client.js';
import { evaluateExpansion } from '../../server/modules/telemetry/service/policy.js';
import { fmt, openRegistry, reportRows, serverUrl, table } from './support.js';

const linkCount = Number(process.env.BENCH_LINKS || 2000);
const repeats = Number(process.env.BENCH_REPEATS || 5);
const now = new Date('2025-07-07T00:00:00Z');

if (!serverUrl()) {
  console.log('set TEST_DATABASE_URL (or DATABASE_URL) to a PostgreSQL server: this benchmark runs on PostgreSQL');
  process.exit(0);
}

const reg = await openRegistry('postgres', 4);
const db = reg.database.db;
try {
  const setupStarted = performance.now();
  // Two devices and one link per pair, paid by the counties of Guangxi in turn.
  await db.execute(sql`
    INSERT INTO devices (hostname, role, vendor, owner_unit_code)
    SELECT 'bench-' || side || '-' || g, 'pe', 'huawei', '450100'
    FROM generate_series(1, ${linkCount}) g CROSS JOIN (VALUES ('a'), ('z')) s(side)`);
  await db.execute(sql`INSERT INTO device_interfaces (device_id, name) SELECT id, 'GE0/0/1' FROM devices WHERE hostname LIKE 'bench-%'`);
  await db.execute(sql`
    WITH counties AS (SELECT code, row_number() OVER (ORDER BY code) - 1 AS n, count(*) OVER () AS total FROM units WHERE kind = 'division' AND level = 'county'),
    pairs AS (
      SELECT g, a.id AS a_dev, ai.id AS a_if, z.id AS z_dev, zi.id AS z_if
      FROM generate_series(1, ${linkCount}) g
      JOIN devices a ON a.hostname = 'bench-a-' || g JOIN device_interfaces ai ON ai.device_id = a.id
      JOIN devices z ON z.hostname = 'bench-z-' || g JOIN device_interfaces zi ON zi.device_id = z.id
    )
    INSERT INTO links (name, a_device_id, a_interface_id, z_device_id, z_interface_id, capacity_mbps, paying_unit_code)
    SELECT 'bench-link-' || g, a_dev, a_if, z_dev, z_if, (ARRAY[100, 200, 500, 1000])[1 + g % 4], c.code
    FROM pairs JOIN counties c ON c.n = g % c.total`);
  // 7 days of buckets per link; every 20th link busy (in = 60–95 % of capacity), the rest 10–60 %.
  // Four million rows: on a loaded machine more than the server's 30 s statement_timeout, which
  // guards requests, not a benchmark's set-up.
  await db.transaction(async (tx) => {
    await tx.execute(sql`SET LOCAL statement_timeout = 0`);
    await tx.execute(sql`
    INSERT INTO link_rollups (link_id, bucket_at, in_bps, out_bps, in_percent, out_percent, capacity_mbps, sample_seconds, spikes, source)
    SELECT id, at, inp * capacity_mbps * 10000.0, outp * capacity_mbps * 10000.0, inp, outp, capacity_mbps, 300, 0, 'a'
    FROM (
      -- random() per row: volatile, so this subquery is evaluated for every bucket, not once per link.
      SELECT l.id, l.capacity_mbps, b.at,
             CASE WHEN l.id % 20 = 0 THEN 60 + random() * 35 ELSE 10 + random() * 50 END AS inp,
             5 + random() * 30 AS outp
      FROM links l
      CROSS JOIN generate_series(${new Date(now.getTime() - 7 * 86_400_000).toISOString()}::timestamptz, ${new Date(now.getTime() - 300_000).toISOString()}::timestamptz, interval '5 minutes') b(at)
    ) generated`);
  });
  await db.execute(sql`ANALYZE link_rollups`);
  await db.execute(sql`ANALYZE links`);
  const [{ n }] = await rows<{ n: string }>(db, sql`SELECT count(*) AS n FROM link_rollups`);
  const setupMs = performance.now() - setupStarted;

  const bare = async () => {
    const started = performance.now();
    const found = await rows(
      db,
      sql`SELECT link_id,
                 percentile_cont(0.95) WITHIN GROUP (ORDER BY in_bps) AS p_in,
                 percentile_cont(0.95) WITHIN GROUP (ORDER BY out_bps) AS p_out
          FROM link_rollups
          WHERE bucket_at >= ${new Date(now.getTime() - 7 * 86_400_000).toISOString()}::timestamptz AND bucket_at < ${now.toISOString()}::timestamptz
          GROUP BY link_id`,
    );
    if (found.length !== linkCount) throw new Error(`bare query saw ${found.length} links`);
    return performance.now() - started;
  };
  const ctx = systemCtx(reg.database, reg.config, () => now);
  const evaluations: { raised: number; updated: number }[] = [];
  const full = async () => {
    const started = performance.now();
    const result = await evaluateExpansion(ctx, { wait: true, summaryAudit: true });
    const ms = performance.now() - started;
    if (!result || result.linksJudged !== linkCount) throw new Error(`evaluation judged ${result?.linksJudged} links`);
    evaluations.push({ raised: result.raised.length, updated: result.updated.length });
    return ms;
  };

  await bare(); // warm the buffers and plans
  const bareMs: number[] = [];
  const fullMs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    fullMs.push(await full());
    bareMs.push(await bare());
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const [{ requests }] = await rows<{ requests: string }>(db, sql`SELECT count(*) AS requests FROM expansion_requests`);
  table([
    {
      links: linkCount,
      rollups: Number(n),
      'setup s': fmt(setupMs / 1000, 1),
      'bare percentile_cont ms (median)': fmt(median(bareMs), 0),
      'evaluation ms (median)': fmt(median(fullMs), 0),
      'first evaluation ms': fmt(fullMs[0], 0),
      'evaluation / bare': fmt(median(fullMs) / median(bareMs)),
      requests: Number(requests),
      'raised, then refreshed': `${evaluations[0].raised}, ${evaluations[evaluations.length - 1].updated}`,
    },
  ]);
  reportRows([
    {
      what: `expansion policy evaluation, ${linkCount.toLocaleString('en-US')} links × 7 days of rollups, vs bare percentile_cont, PostgreSQL`,
      measured: `${fmt(median(fullMs), 0)} ms`,
      baseline: `${fmt(median(bareMs), 0)} ms`,
      ratio: median(fullMs) / median(bareMs),
    },
  ]);
} finally {
  await reg.close();
}
process.exit(0);
