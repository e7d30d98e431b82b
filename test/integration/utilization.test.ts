import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startTestApp, type TestApp } from '../support/harness.js';
import { agent, boundaryLink, day, minute, type Link } from './telemetry-fixtures.js';

/** 2025-01-02 00:00 in Guangxi (UTC+8, no daylight saving): the first 5-minute bucket. */
const D0 = Date.parse('2025-01-01T16:00:00Z');
const days = 120;
const hour = 60 * minute;

/**
 * 120 days of 5-minute buckets written straight into link_rollups (what the job would have
 * made): into A, bucket k of each hour reads k × 5 % (hourly mean 27.5 %, peak 55 %); out of A
 * 10 %. In hour 30, eight of twelve buckets come from the Z end; in hour 31 the last bucket's
 * inbound rate was a dropped spike (null).
 */
async function fillRollups(t: TestApp, link: Link): Promise<void> {
  await t.database.db.execute(sql`
    INSERT INTO link_rollups (link_id, bucket_at, in_bps, out_bps, in_percent, out_percent, capacity_mbps, sample_seconds, spikes, source)
    SELECT ${Number(link.id)}, ${new Date(D0).toISOString()}::timestamptz + k * interval '5 minutes',
           CASE WHEN k / 12 = 31 AND k % 12 = 11 THEN NULL ELSE (k % 12) * 5e6 END, 10e6,
           CASE WHEN k / 12 = 31 AND k % 12 = 11 THEN NULL ELSE (k % 12) * 5.0 END, 10.0,
           100, 300, CASE WHEN k / 12 = 31 AND k % 12 = 11 THEN 1 ELSE 0 END,
           CASE WHEN k / 12 = 30 AND k % 12 < 8 THEN 'z' ELSE 'a' END
    FROM generate_series(0, ${days * 288 - 1}) AS k`);
}

describe.each(backends)('utilization over long spans on %s', (backend) => {
  let t: TestApp;
  let link: Link;
  const get = (from: number, to: number) => t.call('GET', `/api/v1/links/${link.id}/utilization?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`);

  beforeAll(async () => {
    t = await startTestApp(backend);
    link = await boundaryLink(t, { agent: await agent(t), capacityMbps: 100, payingUnit: '450102' });
    await fillRollups(t, link);
  });
  afterAll(async () => t?.close());

  it('answers up to 7 days in 5-minute buckets', async () => {
    const week = await get(D0, D0 + 7 * day);
    expect(week.status, week.text).toBe(200);
    expect(week.body.bucketSeconds).toBe(300);
    expect(week.body.series).toHaveLength(7 * 288);
    expect(week.body.series[3]).toEqual({ at: new Date(D0 + 15 * minute).toISOString(), inBps: 15e6, outBps: 10e6, inPercent: 15, outPercent: 10, peakPercent: 15, sampleSeconds: 300, source: 'a' });
  });

  it('past 7 days, 1-hour buckets: means weighted by measured time, the peak of the 5-minute buckets', async () => {
    const span = await get(D0, D0 + 8 * day);
    expect(span.status, span.text).toBe(200);
    expect(span.body.bucketSeconds).toBe(3600);
    expect(span.body.series).toHaveLength(8 * 24);
    expect(span.body.series[0]).toEqual({ at: new Date(D0).toISOString(), inBps: 27.5e6, outBps: 10e6, inPercent: 27.5, outPercent: 10, peakPercent: 55, sampleSeconds: 3600, source: 'a' });
    // Mostly measured at Z: the bucket says so.
    expect(span.body.series[30]).toMatchObject({ at: new Date(D0 + 30 * hour).toISOString(), source: 'z', inPercent: 27.5 });
    // The dropped spike does not count as 0 %: the mean is over the eleven measured buckets.
    expect(span.body.series[31].inPercent).toBeCloseTo(25, 9);
    expect(span.body.series[31].peakPercent).toBe(50);
    // The summary is still over the 5-minute buckets (over hourly means it would be 27.5 %).
    expect(span.body.p95InPercent).toBe(55);
    expect(span.body.peakPercent).toBe(55);
    expect(span.body.spikes).toBe(1);
    // A span starting inside an hour: the first bucket holds only what lies in the span.
    const ragged = await get(D0 + 30 * minute, D0 + 8 * day);
    expect(ragged.body.series[0]).toMatchObject({ at: new Date(D0).toISOString(), sampleSeconds: 1800, inPercent: 42.5, peakPercent: 55 });
  });

  it('past 90 days, 1-day buckets aligned to midnight in Guangxi (UTC+8); at most 400 days', async () => {
    const span = await get(D0, D0 + days * day);
    expect(span.status, span.text).toBe(200);
    expect(span.body.bucketSeconds).toBe(86_400);
    expect(span.body.series).toHaveLength(days);
    expect(span.body.series[0]).toMatchObject({ at: new Date(D0).toISOString(), inPercent: 27.5, outPercent: 10, peakPercent: 55, sampleSeconds: 86_400 });
    expect(span.body.series[1].at).toBe('2025-01-02T16:00:00.000Z');
    const year = await get(D0 - 280 * day, D0 + days * day);
    expect(year.status).toBe(200);
    expect(year.body.series).toHaveLength(days);
    expect(year.text.length).toBeLessThan(100_000);
    const tooLong = await get(D0 - 281 * day, D0 + days * day);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.field).toBe('from');
  });
});
