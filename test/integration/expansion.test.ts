import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelemetryJob } from '../../server/modules/telemetry/job.js';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';
import { agent, boundaryLink, day, minute, post, prng, reading, type Agent, type Link, type Reading } from './telemetry-fixtures.js';

/**
 * Expansion end to end, with no shortcut: raw 64-bit counters as agents would read them, every
 * 5 minutes for 7 days with jittered timestamps, from both ends of each link; the server's own
 * job rolls them up and evaluates the policy.
 *
 * Traffic (UTC; busy = 00:00–12:00 UTC, 08:00–20:00 in Guangxi):
 *   link "hot"  (100 Mbps): into A 75 Mbps busy / 20 idle; out of A 30 busy / 10 idle.
 *   link "warm" (100 Mbps): into A 65 Mbps busy / 20 idle; out of A 30 busy / 10 idle.
 * Busy is half of every day, far more than the top 5 %, so p95 in = the busy rate exactly:
 * 75 % and 65 %. Policy: p95 ≥ 70 % raises; recommended = smallest tier with p95 ≤ 50 %:
 * 75 Mbps / 0.5 = 150 Mbps needed → 100 is too small → tier 200. 65 % < 70 %: nothing.
 *
 * The A end of "hot" misses one poll (day 1), its counters reset once (day 3), and its agent is
 * silent for 12 hours on day 4, when the Z end's readings stand in with directions swapped.
 */
const D0 = Date.parse('2025-05-05T00:00:00Z');
const polls = 7 * 288;
const busyHalf = 43_200;

interface Traffic {
  /** Octets per second into the A end, busy and idle; out of the A end likewise. */
  inBusy: bigint;
  inIdle: bigint;
  outBusy: bigint;
  outIdle: bigint;
}

/** Octets that flowed from D0 to D0 + s seconds (whole seconds: the rates are exact). */
function flowed(seconds: number, busy: bigint, idle: bigint): bigint {
  const days = BigInt(Math.floor(seconds / 86_400));
  const rest = seconds % 86_400;
  const busyPart = BigInt(Math.min(rest, busyHalf));
  const idlePart = BigInt(Math.max(0, rest - busyHalf));
  return days * BigInt(busyHalf) * (busy + idle) + busyPart * busy + idlePart * idle;
}

interface EndPlan {
  device: string;
  ifName: string;
  /** true: the A end (in = into A); false: the Z end (in = out of A). */
  isA: boolean;
  jitter: () => number;
  skip: (k: number) => boolean;
  /** Poll index at which the counters restart from 0 (100 s before that poll), if any. */
  resetAt?: number;
}

function readingsFor(link: Link, traffic: Traffic, end: EndPlan, from: number, to: number): Reading[] {
  const out: Reading[] = [];
  const base = 1_000_000_000_000n;
  const resetSecond = end.resetAt === undefined ? null : end.resetAt * 300 - 100;
  for (let k = from; k < to; k++) {
    const jitter = end.jitter();
    if (end.skip(k)) continue;
    const s = k * 300 + (k === 0 ? 0 : jitter);
    let intoA = flowed(s, traffic.inBusy, traffic.inIdle);
    let outOfA = flowed(s, traffic.outBusy, traffic.outIdle);
    let offset = base;
    if (resetSecond !== null && s >= resetSecond) {
      intoA -= flowed(resetSecond, traffic.inBusy, traffic.inIdle);
      outOfA -= flowed(resetSecond, traffic.outBusy, traffic.outIdle);
      offset = 0n;
    }
    out.push(
      reading({
        device: end.device,
        ifName: end.ifName,
        at: new Date(D0 + s * 1000),
        // Up for 200 days at D0, counting in hundredths.
        sysUpTime: 1_728_000_000 + s * 100,
        inOctets: String(offset + (end.isA ? intoA : outOfA)),
        outOctets: String(offset + (end.isA ? outOfA : intoA)),
        counterBits: 64,
        highSpeedMbps: 1000,
        operStatus: 'up',
      }),
    );
  }
  void link;
  return out;
}

const mbps = (n: number) => BigInt((n * 1_000_000) / 8);

describe.each(backends)('bandwidth expansion on %s', (backend) => {
  let t: TestApp;
  let poller: Agent;
  let hot: Link;
  let warm: Link;
  let job: TelemetryJob;
  let hookId: string;
  const plans = new Map<string, { link: Link; traffic: Traffic; ends: EndPlan[] }>();

  const postDays = async (fromPoll: number, toPoll: number) => {
    for (let start = fromPoll; start < toPoll; start += 288) {
      const end = Math.min(toPoll, start + 288);
      const batch = [...plans.values()].flatMap((p) => p.ends.flatMap((e) => readingsFor(p.link, p.traffic, e, start, end)));
      const reply = await post(t, poller.token, batch);
      expect(reply.status, reply.text).toBe(200);
      expect(reply.body.duplicates).toBe(0);
    }
  };
  const requests = async (query = '') => (await t.call('GET', `/api/v1/expansion-requests?limit=1000${query}`)).body.items as any[];

  beforeAll(async () => {
    t = await startTestApp(backend);
    t.clock.now = new Date(D0 + 7 * day + 3 * minute);
    poller = await agent(t);
    hot = await boundaryLink(t, { agent: poller, capacityMbps: 100, payingUnit: '450102' });
    warm = await boundaryLink(t, { agent: poller, capacityMbps: 100, payingUnit: '450102' });
    const hook = await t.call('POST', '/api/v1/webhooks', {
      body: { unit: '450102', url: 'http://10.45.0.9:9/expansion', secret: 'expansion-secret-0123456789', events: ['expansion.raised', 'expansion.decided'] },
    });
    expect(hook.status, hook.text).toBe(201);
    hookId = hook.body.id;
    // The jitter of each end is drawn in poll order, whatever the batch: one generator per end.
    const jitter = (seed: number) => {
      const next = prng(seed);
      return () => Math.round(next() * 40) - 20;
    };
    const missed = 288 + 100;
    const silentFrom = 4 * 288 + 72;
    const silentTo = 4 * 288 + 216;
    plans.set('hot', {
      link: hot,
      traffic: { inBusy: mbps(75), inIdle: mbps(20), outBusy: mbps(30), outIdle: mbps(10) },
      ends: [
        { device: hot.a.id, ifName: hot.aIf, isA: true, jitter: jitter(1), skip: (k) => k === missed || (k >= silentFrom && k < silentTo), resetAt: 3 * 288 + 150 },
        { device: hot.z.id, ifName: hot.zIf, isA: false, jitter: jitter(2), skip: () => false },
      ],
    });
    plans.set('warm', {
      link: warm,
      traffic: { inBusy: mbps(65), inIdle: mbps(20), outBusy: mbps(30), outIdle: mbps(10) },
      ends: [
        { device: warm.a.id, ifName: warm.aIf, isA: true, jitter: jitter(3), skip: () => false },
        { device: warm.z.id, ifName: warm.zIf, isA: false, jitter: jitter(4), skip: () => false },
      ],
    });
    job = new TelemetryJob(t.database.db, t.config, { now: () => t.clock.now });
    await postDays(0, polls + 1);
  });
  afterAll(async () => t?.close());

  it('the server’s job rolls the readings up and raises exactly one request, for 75 %, with tier 200', async () => {
    expect(await countRows(t, 'rollup_backlog')).toBeGreaterThan(0);
    const pass = await job.pass();
    expect(await countRows(t, 'rollup_backlog')).toBe(0);
    expect(pass.rolledUp.interfaces).toBe(4);
    expect(pass.evaluation?.linksJudged).toBeGreaterThanOrEqual(2);
    expect(pass.evaluation?.raised).toHaveLength(1);

    const all = await requests();
    expect(all).toHaveLength(1);
    const [request] = all;
    expect(request).toMatchObject({ link: hot.id, status: 'open', currentMbps: 100, recommendedMbps: 200, unit: '450102' });
    // p95 into A: 75 Mbps of 100; out: 30; the peak 5-minute bucket: 75.
    expect(request.evidence.p95In).toBeCloseTo(75, 1);
    expect(request.evidence.p95Out).toBeCloseTo(30, 1);
    expect(request.evidence.peak).toBeCloseTo(75, 1);
    expect(request.evidence).toMatchObject({ percentile: 95, thresholdPercent: 70, targetPercent: 50 });
    expect(request.evidence.window.days).toBe(7);
    // 2,016 buckets in 7 days; the first falls just outside the window (it starts 3 minutes later).
    expect(request.evidence.samples).toBeGreaterThanOrEqual(2010);
    expect(request.evidence.samples).toBeLessThanOrEqual(2016);

    const deliveries = await t.call('GET', `/api/v1/webhooks/${hookId}/deliveries`);
    expect(deliveries.body.items.map((d: { eventType: string }) => d.eventType)).toEqual(['expansion.raised']);
    const audit = await t.call('GET', `/api/v1/audit?object=expansion_request:${request.id}`);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['expansion.raise']);
  });

  it('measured at the A end, from the Z end (swapped) while A was silent, through a missed poll and a counter reset', async () => {
    const url = (from: number, to: number) => `/api/v1/links/${hot.id}/utilization?from=${new Date(D0 + from).toISOString()}&to=${new Date(D0 + to).toISOString()}`;
    // Day 4, 08:00–09:00 UTC (busy): A silent, Z read. Into A = out of Z = 75 Mbps.
    const silent = await t.call('GET', url(4 * day + 8 * 60 * minute, 4 * day + 9 * 60 * minute));
    expect(silent.body.series).toHaveLength(12);
    for (const b of silent.body.series) expect(b).toMatchObject({ source: 'z', inPercent: expect.closeTo(75, 6), outPercent: expect.closeTo(30, 6) });
    // Day 1 around the missed poll (08:20 UTC, busy): the 10-minute interval still reads 75 %, from A.
    const missed = await t.call('GET', url(day + 8 * 60 * minute, day + 9 * 60 * minute));
    expect(missed.body.series).toHaveLength(12);
    for (const b of missed.body.series) expect(b).toMatchObject({ source: 'a', inPercent: expect.closeTo(75, 6) });
    // Day 3 idle, 12:15–13:15 UTC (counters reset at 12:28:20): 20 % in, 10 % out; the reset interval is dropped, not a negative rate.
    const reset = await t.call('GET', url(3 * day + 12 * 60 * minute + 15 * minute, 3 * day + 13 * 60 * minute + 15 * minute));
    expect(reset.body.series).toHaveLength(12);
    for (const b of reset.body.series) {
      expect(b.inPercent).toBeCloseTo(20, 6);
      expect(b.outPercent).toBeCloseTo(10, 6);
    }
    const week = await t.call('GET', url(0, 7 * day));
    expect(week.body.p95InPercent).toBeCloseTo(75, 6);
    expect(week.body.p95OutPercent).toBeCloseTo(30, 6);
    expect(week.body.spikes).toBe(0);
  });

  it('re-evaluation a day later updates the evidence of the same request, never a duplicate', async () => {
    const [before] = await requests();
    t.clock.now = new Date(D0 + 8 * day + 3 * minute);
    await postDays(polls + 1, polls + 1 + 288);
    const pass = await job.pass();
    expect(pass.evaluation?.raised).toEqual([]);
    expect(pass.evaluation?.updated).toEqual([before.id]);
    const after = await requests();
    expect(after).toHaveLength(1);
    expect(after[0].id).toBe(before.id);
    expect(after[0].evaluatedAt).toBe(t.clock.now.toISOString());
    expect(Date.parse(after[0].evidence.window.to)).toBeGreaterThan(Date.parse(before.evidence.window.to));
    expect(after[0].evidence.p95In).toBeCloseTo(75, 1);
    // The paying unit decides on this evidence: its change is on the record, before and after.
    const reevaluations = async () => (await t.call('GET', `/api/v1/audit?object=expansion_request:${before.id}&action=expansion.reevaluate`)).body.items;
    const [changed] = await reevaluations();
    expect(changed).toMatchObject({ actor: 'system', objectType: 'expansion_request', objectId: before.id, before: { evidence: before.evidence, recommendedMbps: 200 }, after: { evidence: after[0].evidence, recommendedMbps: 200 } });

    // On demand, by an operator: the same answer, and an audited evaluation; the evidence is the same, so no new reevaluation entry.
    const operator = await t.userToken('operator', '450100');
    const now = await t.call('POST', '/api/v1/policies/expansion/evaluate', { token: operator });
    expect(now.status, now.text).toBe(200);
    expect(now.body).toMatchObject({ raised: [], updated: [before.id] });
    expect(await countRows(t, 'expansion_requests')).toBe(1);
    expect(await reevaluations()).toHaveLength(1);
  });

  it('the paying unit’s operators decide; raising the capacity fulfils the approval', async () => {
    const [request] = await requests();
    const outside = await t.userToken('operator', '450200');
    const refused = await t.call('POST', `/api/v1/expansion-requests/${request.id}/decision`, { token: outside, body: { decision: 'approve', opinion: '同意' } });
    expect(refused.status).toBe(403);
    const county = await t.userToken('operator', '450102');
    const bad = await t.call('POST', `/api/v1/expansion-requests/${request.id}/decision`, { token: county, body: { decision: 'maybe', opinion: 'x' } });
    expect(bad.status).toBe(400);
    const approved = await t.call('POST', `/api/v1/expansion-requests/${request.id}/decision`, {
      token: county,
      body: { decision: 'approve', opinion: '同意扩容至 200 Mbps，列入本级财政预算' },
    });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', opinion: '同意扩容至 200 Mbps，列入本级财政预算', decidedBy: expect.any(String) });
    const again = await t.call('POST', `/api/v1/expansion-requests/${request.id}/decision`, { token: county, body: { decision: 'reject', opinion: '改主意' } });
    expect(again.status).toBe(409);

    // Raised to 200 Mbps through the sites API: fulfilled at once on read, and recorded by the next evaluation.
    const raised = await t.call('PATCH', `/api/v1/links/${hot.id}`, { body: { capacityMbps: 200 } });
    expect(raised.status, raised.text).toBe(200);
    expect((await requests('&status=fulfilled')).map((r) => r.id)).toEqual([request.id]);
    const pass = await job.pass();
    expect(pass.evaluation?.fulfilled).toEqual([request.id]);
    // 75 Mbps of 200 is 37.5 %: nothing new.
    expect(pass.evaluation?.raised).toEqual([]);
    const [stored] = await requests();
    expect(stored).toMatchObject({ status: 'fulfilled', linkCapacityMbps: 200 });
    expect(stored.fulfilledAt).not.toBeNull();
    const deliveries = await t.call('GET', `/api/v1/webhooks/${hookId}/deliveries`);
    expect(deliveries.body.items.map((d: { eventType: string }) => d.eventType).sort()).toEqual(['expansion.decided', 'expansion.raised']);
  });

  it('a level override applies to links paid at that level; a rejection is not raised again within the window', async () => {
    const operator = await t.userToken('operator', '450100');
    expect((await t.call('PUT', '/api/v1/policies/expansion', { token: operator, body: { percentile: 95, thresholdPercent: 60, windowDays: 7, targetPercent: 50 } })).status).toBe(403);
    const before = await countRows(t, 'audit_entries');
    const inverted = await t.call('PUT', '/api/v1/policies/expansion', { body: { percentile: 95, thresholdPercent: 70, windowDays: 7, targetPercent: 50, byLevel: { county: { targetPercent: 80 } } } });
    expect(inverted.status).toBe(400);
    expect(inverted.body.field).toBe('byLevel.county.targetPercent');
    expect(await countRows(t, 'audit_entries')).toBe(before);

    const put = await t.call('PUT', '/api/v1/policies/expansion', { body: { percentile: 95, thresholdPercent: 70, windowDays: 7, targetPercent: 50, byLevel: { county: { thresholdPercent: 60 } } } });
    expect(put.status, put.text).toBe(200);
    expect((await t.call('GET', '/api/v1/policies/expansion')).body).toMatchObject({ thresholdPercent: 70, byLevel: { county: { thresholdPercent: 60 } } });
    const pass = await job.pass();
    expect(pass.evaluation?.raised).toHaveLength(1);
    const [warmRequest] = await requests('&status=open');
    // 65 Mbps / 0.5 = 130 Mbps → tier 200.
    expect(warmRequest).toMatchObject({ link: warm.id, recommendedMbps: 200, evidence: { thresholdPercent: 60 } });
    expect(warmRequest.evidence.p95In).toBeCloseTo(65, 1);

    const rejected = await t.call('POST', `/api/v1/expansion-requests/${warmRequest.id}/decision`, { token: operator, body: { decision: 'reject', opinion: '本年度预算已用完，明年再议' } });
    expect(rejected.status).toBe(200);
    expect((await job.pass()).evaluation?.raised).toEqual([]);
    expect(await requests('&status=open')).toEqual([]);
    const put2 = await t.call('PUT', '/api/v1/policies/expansion', { body: { percentile: 95, thresholdPercent: 70, windowDays: 7, targetPercent: 50 } });
    expect(put2.status).toBe(200);
  });

  it('only readers see the requests and the policy', async () => {
    expect((await t.call('GET', '/api/v1/expansion-requests', { token: poller.token })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/policies/expansion', { token: poller.token })).status).toBe(403);
    expect((await t.call('POST', '/api/v1/policies/expansion/evaluate', { token: poller.token })).status).toBe(403);
  });
});
