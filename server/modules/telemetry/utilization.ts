import { and, asc, eq, gte, lt, sql } from 'drizzle-orm';
import { read, type Ctx } from '../../context.js';
import { rows } from '../../db/client.js';
import { invalid, notFound } from '../../http/problem.js';
import { authorize } from '../access/authorize.js';
import { links } from '../sites/schema.js';
import { linkReadable } from '../sites/service/links.js';
import type { UtilizationQuery, UtilizationView } from './inputs.js';
import { linkRollups } from './schema.js';

const maxSpanMs = 400 * 86_400_000;

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
    const span = and(eq(linkRollups.linkId, link.id), gte(linkRollups.bucketAt, from), lt(linkRollups.bucketAt, to));
    const series = await ctx.db.select().from(linkRollups).where(span).orderBy(asc(linkRollups.bucketAt));
    const [summary] = await rows<{ p_in: number | null; p_out: number | null; peak: number | null; spikes: number | string | null }>(
      ctx.db,
      sql`SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY in_percent) AS p_in,
                 percentile_cont(0.95) WITHIN GROUP (ORDER BY out_percent) AS p_out,
                 max(GREATEST(in_percent, out_percent)) AS peak,
                 sum(spikes) AS spikes
          FROM link_rollups
          WHERE link_id = ${link.id} AND bucket_at >= ${from.toISOString()}::timestamptz AND bucket_at < ${to.toISOString()}::timestamptz`,
    );
    const num = (v: number | null) => (v === null ? null : Number(v));
    return {
      link: String(link.id),
      capacityMbps: link.capacityMbps,
      from: from.toISOString(),
      to: to.toISOString(),
      series: series.map((b) => ({
        at: b.bucketAt.toISOString(),
        inBps: b.inBps,
        outBps: b.outBps,
        inPercent: b.inPercent,
        outPercent: b.outPercent,
        sampleSeconds: b.sampleSeconds,
        source: b.source,
      })),
      p95InPercent: num(summary.p_in),
      p95OutPercent: num(summary.p_out),
      peakPercent: num(summary.peak),
      spikes: Number(summary.spikes ?? 0),
    };
  });
}
