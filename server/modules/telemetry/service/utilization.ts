import { and, eq, sql } from 'drizzle-orm';
import { read, type Ctx } from '../../../context.js';
import { rows } from '../../../db/client.js';
import { invalid, notFound } from '../../../http/problem.js';
import { authorize } from '../../access/authorize.js';
import { links } from '../../sites/schema.js';
import { linkReadable } from '../../sites/service/links.js';
import type { UtilizationQuery, UtilizationView } from '../inputs.js';
import { linkRollups } from '../schema.js';

const dayMs = 86_400_000;
const maxSpanMs = 400 * dayMs;

/**
 * The bucket a span is answered in: 5 minutes up to 7 days (2,016 points), 1 hour up to 90
 * days (2,160), 1 day beyond (at most 400): every answer stays a few thousand points, where
 * 400 days of 5-minute buckets were 115,200 (about 20 MB of JSON).
 */
export function bucketSecondsFor(spanMs: number): 300 | 3600 | 86_400 {
  if (spanMs <= 7 * dayMs) return 300;
  if (spanMs <= 90 * dayMs) return 3600;
  return 86_400;
}

/**
 * Days begin at midnight in Guangxi: China Standard Time is UTC+8 all year (no daylight
 * saving since 1991), so a fixed origin aligns every day bucket; hours align either way.
 */
const binOrigin = '2000-01-01T00:00:00+08:00';

interface Point {
  at: Date | string;
  in_bps: number | null;
  out_bps: number | null;
  in_percent: number | null;
  out_percent: number | null;
  peak_percent: number | null;
  sample_seconds: number;
  source: 'a' | 'z';
}

/**
 * A link's 5-minute utilization as the rollups have it (measured at the A end, from the Z end
 * with directions swapped where only Z was read), with the 95th percentiles and the peak over
 * the span. Readings not yet rolled up appear after the next pass of the job, or at once
 * after POST /policies/expansion/evaluate.
 */
export async function getUtilization(ctx: Ctx, id: string, query: UtilizationQuery): Promise<UtilizationView> {
  authorize(ctx, 'utilization.read');
  return read(async () => {
    const [link] = await ctx.db
      .select({ id: links.id, capacityMbps: links.capacityMbps })
      .from(links)
      .where(and(eq(links.id, Number(id)), linkReadable(ctx)));
    if (!link) throw notFound(`link ${id}`);
    const to = query.to ? new Date(query.to) : ctx.now();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - 86_400_000);
    if (from >= to) throw invalid('from must lie before to', { field: 'from' });
    if (to.getTime() - from.getTime() > maxSpanMs) throw invalid('ask for at most 400 days at a time', { field: 'from' });
    const bucketSeconds = bucketSecondsFor(to.getTime() - from.getTime());
    const inSpan = sql`link_id = ${link.id} AND bucket_at >= ${from.toISOString()}::timestamptz AND bucket_at < ${to.toISOString()}::timestamptz`;
    // A wider bucket is the mean of its 5-minute buckets weighted by the seconds each measured
    // (a null rate, a dropped spike, counts as no measurement, not as 0 %), with the highest
    // 5-minute utilization kept as its peak, and the end that measured most of it as its source.
    const series = await rows<Point>(
      ctx.db,
      bucketSeconds === 300
        ? sql`SELECT bucket_at AS at, in_bps, out_bps, in_percent, out_percent, GREATEST(in_percent, out_percent) AS peak_percent, sample_seconds, source
              FROM link_rollups WHERE ${inSpan} ORDER BY bucket_at`
        : sql`SELECT date_bin(${`${bucketSeconds} seconds`}::interval, bucket_at, ${binOrigin}::timestamptz) AS at,
                     sum(in_bps * sample_seconds) / NULLIF(sum(sample_seconds) FILTER (WHERE in_bps IS NOT NULL), 0) AS in_bps,
                     sum(out_bps * sample_seconds) / NULLIF(sum(sample_seconds) FILTER (WHERE out_bps IS NOT NULL), 0) AS out_bps,
                     sum(in_percent * sample_seconds) / NULLIF(sum(sample_seconds) FILTER (WHERE in_percent IS NOT NULL), 0) AS in_percent,
                     sum(out_percent * sample_seconds) / NULLIF(sum(sample_seconds) FILTER (WHERE out_percent IS NOT NULL), 0) AS out_percent,
                     max(GREATEST(in_percent, out_percent)) AS peak_percent,
                     sum(sample_seconds) AS sample_seconds,
                     CASE WHEN coalesce(sum(sample_seconds) FILTER (WHERE source = 'z'), 0) > coalesce(sum(sample_seconds) FILTER (WHERE source = 'a'), 0) THEN 'z' ELSE 'a' END AS source
              FROM link_rollups WHERE ${inSpan} GROUP BY 1 ORDER BY 1`,
    );
    const [summary] = await rows<{ p_in: number | null; p_out: number | null; peak: number | null; spikes: number | string | null }>(
      ctx.db,
      sql`SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY in_percent) AS p_in,
                 percentile_cont(0.95) WITHIN GROUP (ORDER BY out_percent) AS p_out,
                 max(GREATEST(in_percent, out_percent)) AS peak,
                 sum(spikes) AS spikes
          FROM link_rollups
          WHERE ${inSpan}`,
    );
    const num = (v: number | null) => (v === null ? null : Number(v));
    return {
      link: String(link.id),
      capacityMbps: link.capacityMbps,
      from: from.toISOString(),
      to: to.toISOString(),
      bucketSeconds,
      series: series.map((b) => ({
        at: new Date(b.at).toISOString(),
        inBps: num(b.in_bps),
        outBps: num(b.out_bps),
        inPercent: num(b.in_percent),
        outPercent: num(b.out_percent),
        peakPercent: num(b.peak_percent),
        sampleSeconds: Number(b.sample_seconds),
        source: b.source,
      })),
      p95InPercent: num(summary.p_in),
      p95OutPercent: num(summary.p_out),
      peakPercent: num(summary.peak),
      spikes: Number(summary.spikes ?? 0),
    };
  });
}
