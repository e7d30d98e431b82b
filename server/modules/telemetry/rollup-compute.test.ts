import { describe, expect, it } from 'vitest';
import { findingKey } from './judgements.js';
import { computeRollup, heartbeatSeconds, rebuildStart, type RollupInput, type RollupTarget, type StoredReading } from './rollup-compute.js';

const t0 = Date.UTC(2025, 0, 6, 0, 0, 0);
const min = 60_000;
const day = 86_400_000;
const now = new Date(t0 + 60 * min);

/** A reading `m` minutes after t0 on a device up since long before, `inOctets` as given. */
const reading = (m: number, inOctets: bigint, over: Partial<StoredReading> = {}): StoredReading => ({
  at: t0 + m * min,
  sysUpTime: 100_000_000 + m * 6_000,
  inOctets,
  outOctets: 0n,
  counterBits: 64,
  highSpeedMbps: 1000,
  operStatus: 'up',
  ...over,
});
const target = (over: Partial<RollupTarget> = {}): RollupTarget => ({ interfaceId: 1, deviceId: 7, name: 'GigabitEthernet0/0/1', start: t0, links: [], ...over });
const input = (targets: RollupTarget[], readings: [number, StoredReading[]][], over: Partial<RollupInput> = {}): RollupInput => ({
  targets,
  readings: new Map(readings),
  openFindings: new Set(),
  settings: { pollIntervalSeconds: 300 },
  now,
  ...over,
});

describe('where an interface is rebuilt from', () => {
  const settings = { readingsRetentionDays: 35 };

  it('from the bucket of the reading before the earliest new one: the interval ending at the new one changed', () => {
    // New reading at 00:12; the one before it at 00:07 → the bucket from 00:05.
    expect(rebuildStart(t0 + 12 * min, t0 + 7 * min, now.getTime(), settings)).toBe(t0 + 5 * min);
  });

  it("from the new reading's own bucket when it is the interface's first", () => {
    expect(rebuildStart(t0 + 12 * min, null, now.getTime(), settings)).toBe(t0 + 10 * min);
  });

  it('never from the buckets past the raw retention: their readings are pruned, a replay must not wipe them', () => {
    // 35 days before now (01:00) is 01:00, 35 days ago; the bucket holding the cutoff is left alone too: from 01:05.
    const nowMs = now.getTime();
    const cutoff = nowMs - 35 * day;
    expect(rebuildStart(cutoff - 3 * day, cutoff - 3 * day - 5 * min, nowMs, settings)).toBe(t0 + 60 * min - 35 * day + 5 * min);
    // Just inside the retention: as usual.
    expect(rebuildStart(cutoff + 20 * min, cutoff + 15 * min, nowMs, settings)).toBe(cutoff + 15 * min);
  });
});

describe('computing a chunk', () => {
  it('the heartbeat is 3.3 polling intervals: 990 s at 300 s', () => {
    expect(heartbeatSeconds({ pollIntervalSeconds: 300 })).toBe(990);
    // 16.5 minutes (990 s) between polls still counts; 17 minutes (1,020 s) is a gap.
    const ok = computeRollup(input([target()], [[1, [reading(0, 0n), reading(16.5, 1_000n)]]]));
    expect(ok.buckets.some((b) => b.bucket.sampleSeconds > 0)).toBe(true);
    const gap = computeRollup(input([target()], [[1, [reading(0, 0n), reading(17, 1_000n)]]]));
    expect(gap.buckets.map((b) => [b.bucket.sampleSeconds, b.bucket.invalid])).toEqual([[0, 1]]);
  });

  it("keeps only the buckets from the target's start: the reading before it only opens the first interval", () => {
    // Readings at 00:03, 00:08, 00:13 with start 00:05: buckets 00:05 and 00:10, not 00:00.
    // 375,000,000 octets per 300 s = 3,000,000,000 bits / 300 s = 10,000,000 bps.
    const plan = computeRollup(input([target({ start: t0 + 5 * min })], [[1, [reading(3, 0n), reading(8, 375_000_000n), reading(13, 750_000_000n)]]]));
    expect(plan.buckets.map((b) => [b.interfaceId, b.bucket.at - t0, b.bucket.inBps])).toEqual([
      [1, 5 * min, 10_000_000],
      [1, 10 * min, 10_000_000],
    ]);
  });

  it("an interface's speed is the smallest capacity of its links: 80 Mbps is a spike on a 50 Mbps circuit", () => {
    // 3,000,000,000 octets × 8 / 300 s = 80,000,000 bps.
    const readings: [number, StoredReading[]][] = [[1, [reading(0, 0n), reading(5, 3_000_000_000n)]]];
    const links = [
      { id: 10, name: 'a', capacityMbps: 100 },
      { id: 11, name: 'b', capacityMbps: 50 },
    ];
    expect(computeRollup(input([target({ links })], readings)).buckets[0].bucket).toMatchObject({ spikes: 1, inBps: null });
    expect(computeRollup(input([target({ links: [links[0]] })], readings)).buckets[0].bucket).toMatchObject({ spikes: 0, inBps: 80_000_000 });
  });

  it("without a link, the port's ifHighSpeed; 0 or none is unknown, so nothing is a spike", () => {
    // 30,000,000,000 octets × 8 / 300 s = 800,000,000 bps: over a 100 Mbps port, unknowable on the others.
    const fast = (highSpeedMbps: number | null) => [reading(0, 0n, { highSpeedMbps }), reading(5, 30_000_000_000n, { highSpeedMbps })];
    expect(computeRollup(input([target()], [[1, fast(100)]])).buckets[0].bucket.spikes).toBe(1);
    expect(computeRollup(input([target()], [[1, fast(0)]])).buckets[0].bucket.inBps).toBe(800_000_000);
    expect(computeRollup(input([target()], [[1, fast(null)]])).buckets[0].bucket.inBps).toBe(800_000_000);
  });

  it('rebuilds each touched link from the earliest start of its ends in the chunk', () => {
    const link = { id: 10, name: 'a', capacityMbps: 100 };
    const plan = computeRollup(
      input(
        [target({ interfaceId: 1, start: t0 + 10 * min, links: [link] }), target({ interfaceId: 2, start: t0 + 5 * min, links: [link, { id: 11, name: 'b', capacityMbps: 100 }] }), target({ interfaceId: 3 })],
        [],
      ),
    );
    expect([...plan.linkStarts]).toEqual([
      [10, t0 + 5 * min],
      [11, t0 + 5 * min],
    ]);
  });

  it('judges the counter findings on the latest reading, with the intervals it dropped; an interface without readings on nothing', () => {
    // 32-bit counters on a GE port (no link): every interval is dropped as counter32_on_fast_link.
    const list = [reading(0, 0n, { counterBits: 32 }), reading(5, 1n, { counterBits: 32 }), reading(10, 2n, { counterBits: 32 })];
    const plan = computeRollup(input([target(), target({ interfaceId: 2, name: 'GigabitEthernet0/0/2' })], [[1, list]]));
    expect(plan.findings).toEqual([
      { action: 'open', finding: expect.objectContaining({ deviceId: 7, kind: 'counter32_on_fast_link', subject: 'GigabitEthernet0/0/1', at: now }) },
    ]);
    expect((plan.findings[0] as { finding: { detail: string } }).finding.detail).toContain('2 interval(s) were dropped');
    // Already open: nothing to do.
    const again = computeRollup(input([target()], [[1, list]], { openFindings: new Set([findingKey(7, 'counter32_on_fast_link', 'GigabitEthernet0/0/1')]) }));
    expect(again.findings).toEqual([]);
  });

  it('judges the port speed against the first link registered on the interface', () => {
    const links = [
      { id: 10, name: 'first', capacityMbps: 1000 },
      { id: 11, name: 'second', capacityMbps: 100 },
    ];
    const plan = computeRollup(input([target({ links })], [[1, [reading(0, 0n, { highSpeedMbps: 100 })]]]));
    expect(plan.findings).toEqual([{ action: 'open', finding: expect.objectContaining({ kind: 'speed_mismatch', diff: { ifHighSpeedMbps: 100, capacityMbps: 1000 } }) }]);
  });
});
