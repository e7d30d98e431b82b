import { eq, sql } from 'drizzle-orm';
import { mutate, read, type Ctx } from '../../../context.js';
import { rows, type Executor } from '../../../db/client.js';
import { invalid } from '../../../http/problem.js';
import { authorize } from '../../access/authorize.js';
import { canonicalJson } from '../../audit/chain.js';
import { emitEvent } from '../../webhooks/events.js';
import { expansionView, loadExpansionView } from './expansion.js';
import type { EvaluationView, EvidenceView, ExpansionPolicyInput, ExpansionPolicyView } from '../inputs.js';
import { recommendTier } from '../rates.js';
import { rollUp, type RollupResult } from './rollup.js';
import { expansionPolicy, expansionRequests, type ExpansionRequestRow } from '../schema.js';

/** Arbitrary but fixed: the advisory lock that lets one server at a time evaluate the policy. */
const evaluateLockKey = 4_500_000_005;

type Levels = 'city' | 'county' | 'township';
const levels: Levels[] = ['city', 'county', 'township'];

export interface PolicyRule {
  percentile: number;
  thresholdPercent: number;
  windowDays: number;
  targetPercent: number;
  minSamples: number;
}

/**
 * The default: the 95th percentile of 5-minute utilization over 7 days reaching 70 % in either
 * direction raises a request for the capacity that brings it to 50 %. NANOG practice plans at
 * 80 % p95 (and Huawei's default interface alarm is 80 %); government procurement is slow, so
 * the registry starts earlier. A link is judged once it has a day of buckets.
 */
export const defaultPolicy: ExpansionPolicyInput & { minSamples: number } = {
  percentile: 95,
  thresholdPercent: 70,
  windowDays: 7,
  targetPercent: 50,
  minSamples: 288,
  byLevel: {},
};

function policyView(value: ExpansionPolicyInput, updatedAt: Date | null): ExpansionPolicyView {
  return {
    percentile: value.percentile,
    thresholdPercent: value.thresholdPercent,
    windowDays: value.windowDays,
    targetPercent: value.targetPercent,
    minSamples: value.minSamples ?? defaultPolicy.minSamples,
    byLevel: value.byLevel ?? {},
    updatedAt: updatedAt ? updatedAt.toISOString() : null,
  };
}

async function loadPolicy(db: Executor): Promise<ExpansionPolicyView> {
  const [row] = await db.select().from(expansionPolicy).where(eq(expansionPolicy.id, 1));
  return row ? policyView(row.value as ExpansionPolicyInput, row.updatedAt) : policyView(defaultPolicy, null);
}

/** The rule for links paid by a unit of each level: the default, overridden field by field. */
export function effectiveRules(policy: ExpansionPolicyView): Record<'region' | Levels, PolicyRule> {
  const base: PolicyRule = {
    percentile: policy.percentile,
    thresholdPercent: policy.thresholdPercent,
    windowDays: policy.windowDays,
    targetPercent: policy.targetPercent,
    minSamples: policy.minSamples,
  };
  const out = { region: base } as Record<'region' | Levels, PolicyRule>;
  for (const level of levels) out[level] = { ...base, ...(policy.byLevel[level] ?? {}) };
  return out;
}

export async function getExpansionPolicy(ctx: Ctx): Promise<ExpansionPolicyView> {
  authorize(ctx, 'policy.read');
  return read(() => loadPolicy(ctx.db));
}

export async function putExpansionPolicy(ctx: Ctx, input: ExpansionPolicyInput): Promise<ExpansionPolicyView> {
  authorize(ctx, 'policy.update');
  const candidate = policyView(input, null);
  for (const [level, rule] of Object.entries(effectiveRules(candidate))) {
    if (rule.targetPercent >= rule.thresholdPercent) {
      const where = level === 'region' ? '' : ` for ${level} links`;
      throw invalid(
        `targetPercent (${rule.targetPercent}) must lie below thresholdPercent (${rule.thresholdPercent})${where}: a recommendation has to bring utilization under the point that raised it`,
        { field: level === 'region' ? 'targetPercent' : `byLevel.${level}.targetPercent` },
      );
    }
  }
  return mutate(ctx, async (tx, audit) => {
    const before = await loadPolicy(tx);
    const now = ctx.now();
    const value = { ...input, minSamples: input.minSamples ?? defaultPolicy.minSamples, byLevel: input.byLevel ?? {} };
    await tx
      .insert(expansionPolicy)
      .values({ id: 1, value, updatedAt: now })
      .onConflictDoUpdate({ target: expansionPolicy.id, set: { value, updatedAt: now } });
    const after = policyView(value, now);
    await audit({ action: 'policy.update', objectType: 'policy', objectId: 'expansion', before, after });
    return after;
  });
}

interface LinkStats {
  link_id: string | number;
  link_name: string;
  capacity_mbps: number;
  paying_unit_code: string;
  level: 'region' | Levels;
  p_in: number | null;
  p_out: number | null;
  peak: number | null;
  samples: number | string;
  first_ms: number | null;
  last_ms: number | null;
}

/**
 * Every link's percentile over its window, in one statement over the 5-minute rollups: the
 * rule comes from the paying unit's level, the rates are judged against the capacity
 * registered now (so a link just expanded is not judged by its old circuit). One aggregate per
 * link over its primary-key range (LATERAL) instead of one sort of every row by link: the
 * rows arrive in key order and only each link's window is ever sorted.
 */
export async function linkStatistics(db: Executor, policy: ExpansionPolicyView, now: Date): Promise<LinkStats[]> {
  const rules = effectiveRules(policy);
  const values = sql.join(
    Object.entries(rules).map(([level, r]) => sql`(${level}, ${r.percentile / 100}::float8, ${r.windowDays}::int)`),
    sql`, `,
  );
  const end = sql`${now.toISOString()}::timestamptz`;
  return rows<LinkStats>(
    db,
    sql`WITH policy(level, fraction, window_days) AS (VALUES ${values})
        SELECT l.id AS link_id, l.name AS link_name, l.capacity_mbps, l.paying_unit_code, u.level, s.*
        FROM links l
        JOIN units u ON u.code = l.paying_unit_code
        JOIN policy p ON p.level = u.level
        CROSS JOIN LATERAL (
          SELECT percentile_cont(p.fraction) WITHIN GROUP (ORDER BY r.in_bps) AS p_in,
                 percentile_cont(p.fraction) WITHIN GROUP (ORDER BY r.out_bps) AS p_out,
                 max(GREATEST(r.in_bps, r.out_bps)) AS peak,
                 count(r.in_bps) AS samples,
                 (extract(epoch FROM min(r.bucket_at)) * 1000)::float8 AS first_ms,
                 (extract(epoch FROM max(r.bucket_at)) * 1000)::float8 AS last_ms
          FROM link_rollups r
          WHERE r.link_id = l.id AND r.bucket_at >= ${end} - make_interval(days => p.window_days) AND r.bucket_at < ${end}
        ) s
        WHERE s.samples > 0`,
  );
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Brings the rollups up to date, records fulfilled requests, then judges every link against
 * the policy: a breach raises one request per link (the unique partial index guards it),
 * re-evaluation refreshes the evidence of the open one. A request rejected within the window
 * is not raised again until the window has passed since, so the next one rests on new data.
 * With several servers one evaluates at a time (advisory lock): `wait` queues behind the
 * other (the endpoint); otherwise the pass is skipped and null returned (the job).
 */
export async function evaluateExpansion(ctx: Ctx, options: { wait: boolean; summaryAudit: boolean; rolledUp?: RollupResult }): Promise<EvaluationView | null> {
  authorize(ctx, 'policy.evaluate');
  const settings = ctx.config.telemetry;
  // The telemetry job's pass has just rolled up and hands its result in: once per pass is enough.
  const rolledUp = options.rolledUp ?? (await rollUp(ctx, settings, { wait: options.wait }));
  return mutate(ctx, async (tx, audit) => {
    const [{ locked }] = await rows<{ locked: boolean }>(
      tx,
      options.wait ? sql`SELECT pg_advisory_xact_lock(${evaluateLockKey}) IS NOT NULL AS locked` : sql`SELECT pg_try_advisory_xact_lock(${evaluateLockKey}) AS locked`,
    );
    if (!locked) return null;
    const now = ctx.now();

    const fulfilled = await rows<{ id: string | number }>(
      tx,
      sql`UPDATE expansion_requests r SET status = 'fulfilled', fulfilled_at = ${now.toISOString()}::timestamptz
          FROM links l
          WHERE l.id = r.link_id AND r.status = 'approved' AND l.capacity_mbps >= r.recommended_mbps
          RETURNING r.id`,
    );
    for (const f of fulfilled) {
      const view = (await loadExpansionView(tx, Number(f.id)))!;
      await audit({ action: 'expansion.fulfil', objectType: 'expansion_request', objectId: view.id, before: { ...view, status: 'approved', fulfilledAt: null }, after: view });
    }

    const policy = await loadPolicy(tx);
    const rules = effectiveRules(policy);
    const stats = await linkStatistics(tx, policy, now);
    const inFlight = new Map<number, ExpansionRequestRow>();
    for (const r of await tx.select().from(expansionRequests).where(sql`${expansionRequests.status} IN ('open', 'approved')`).for('update')) {
      inFlight.set(r.linkId, r);
    }
    const rejected = new Map<number, Date>();
    for (const r of await rows<{ link_id: string | number; decided_ms: number }>(
      tx,
      sql`SELECT link_id, (extract(epoch FROM max(decided_at)) * 1000)::float8 AS decided_ms FROM expansion_requests WHERE status = 'rejected' GROUP BY link_id`,
    )) {
      rejected.set(Number(r.link_id), new Date(Number(r.decided_ms)));
    }

    const raised: string[] = [];
    const updated: string[] = [];
    let breaches = 0;
    for (const s of stats) {
      const linkId = Number(s.link_id);
      const rule = rules[s.level];
      const capacityBps = s.capacity_mbps * 1e6;
      const samples = Number(s.samples);
      if (samples === 0) continue;
      const pIn = Number(s.p_in ?? 0);
      const pOut = Number(s.p_out ?? 0);
      const peak = Number(s.peak ?? 0);
      const evidence: EvidenceView = {
        p95In: round2((pIn / capacityBps) * 100),
        p95Out: round2((pOut / capacityBps) * 100),
        peak: round2((peak / capacityBps) * 100),
        p95InBps: Math.round(pIn),
        p95OutBps: Math.round(pOut),
        peakBps: Math.round(peak),
        percentile: rule.percentile,
        thresholdPercent: rule.thresholdPercent,
        targetPercent: rule.targetPercent,
        window: { days: rule.windowDays, from: new Date(Number(s.first_ms)).toISOString(), to: new Date(Number(s.last_ms) + 300_000).toISOString() },
        samples,
      };
      const breach = samples >= rule.minSamples && Math.max(pIn, pOut) >= (rule.thresholdPercent / 100) * capacityBps;
      if (breach) breaches++;
      const recommendedMbps = Math.max(recommendTier(Math.max(pIn, pOut), rule.targetPercent), s.capacity_mbps);
      const current = inFlight.get(linkId);
      if (current) {
        if (current.status !== 'open') continue;
        const [row] = await tx
          .update(expansionRequests)
          .set({ evidence, currentMbps: s.capacity_mbps, recommendedMbps, evaluatedAt: now })
          .where(eq(expansionRequests.id, current.id))
          .returning();
        updated.push(String(current.id));
        // The paying unit decides on this evidence and recommendation: each change of them is
        // on the record with what it replaced. A pass that finds the same figures only notes
        // the time of the evaluation, which is no change to decide on.
        const decidedOn = (r: ExpansionRequestRow) => canonicalJson({ evidence: r.evidence, currentMbps: r.currentMbps, recommendedMbps: r.recommendedMbps });
        if (decidedOn(row) !== decidedOn(current)) {
          const link = { name: s.link_name, capacityMbps: s.capacity_mbps };
          const view = expansionView(row, link);
          await audit({ action: 'expansion.reevaluate', objectType: 'expansion_request', objectId: view.id, before: expansionView(current, link), after: view });
        }
        continue;
      }
      if (!breach) continue;
      const lastRejected = rejected.get(linkId);
      if (lastRejected && now.getTime() - lastRejected.getTime() < rule.windowDays * 86_400_000) continue;
      const [row] = await tx
        .insert(expansionRequests)
        .values({ linkId, unitCode: s.paying_unit_code, status: 'open', evidence, currentMbps: s.capacity_mbps, recommendedMbps, raisedAt: now, evaluatedAt: now })
        .returning();
      const view = expansionView(row, { name: s.link_name, capacityMbps: s.capacity_mbps });
      await audit({ action: 'expansion.raise', objectType: 'expansion_request', objectId: view.id, after: view });
      await emitEvent(tx, { type: 'expansion.raised', unitCodes: [s.paying_unit_code], payload: view, at: now });
      raised.push(view.id);
    }
    const result: EvaluationView = {
      evaluatedAt: now.toISOString(),
      linksJudged: stats.length,
      breaches,
      raised,
      updated,
      fulfilled: fulfilled.map((f) => String(f.id)),
      rolledUp,
    };
    if (options.summaryAudit) await audit({ action: 'policy.evaluate', objectType: 'policy', objectId: 'expansion', after: result });
    return result;
  });
}
