import { describe, expect, it } from 'vitest';
import { bucketize, counter32WrapSpeed, intervalBetween, intervals, recommendTier, type CounterReading } from './rates.js';

const t0 = Date.UTC(2025, 0, 6, 0, 0, 0);
const min = 60_000;
const reading = (over: Partial<CounterReading> & { at: number }): CounterReading => ({
  sysUpTime: 100_000_000,
  inOctets: 0n,
  outOctets: 0n,
  counterBits: 64,
  ...over,
});
const on100M = { speedBps: 100e6 };

describe('rates between consecutive readings', () => {
  it('normal: Δoctets × 8 / Δt', () => {
    // 1,875,000,000 octets in 300 s = 15,000,000,000 bits / 300 s = 50,000,000 bps (50 Mbps).
    // 375,000,000 octets out = 3,000,000,000 bits / 300 s = 10,000,000 bps.
    const iv = intervalBetween(
      reading({ at: t0, sysUpTime: 1_000_000, inOctets: 10_000n, outOctets: 20_000n }),
      reading({ at: t0 + 5 * min, sysUpTime: 1_030_000, inOctets: 10_000n + 1_875_000_000n, outOctets: 20_000n + 375_000_000n }),
      on100M,
    );
    expect(iv).toMatchObject({ verdict: 'ok', seconds: 300, inBps: 50_000_000, outBps: 10_000_000 });
  });

  it('keeps 64-bit counters beyond 2^53 exact', () => {
    // 2^60 + 3,750,000,000 − 2^60 = 3,750,000,000 octets = 30,000,000,000 bits / 300 s = 100,000,000 bps.
    const big = 2n ** 60n;
    const iv = intervalBetween(reading({ at: t0, inOctets: big }), reading({ at: t0 + 5 * min, sysUpTime: 100_030_000, inOctets: big + 3_750_000_000n }), {
      speedBps: 1e9,
    });
    expect(iv.inBps).toBe(100_000_000);
  });

  it('a missed poll is one longer interval over the real elapsed time, not an invented point', () => {
    // Polls at 0 s and 600 s (the 300 s poll was missed): 1,500,000,000 octets = 12,000,000,000 bits / 600 s = 20,000,000 bps.
    const list = intervals(
      [reading({ at: t0, sysUpTime: 0 + 500_000 }), reading({ at: t0 + 10 * min, sysUpTime: 560_000, inOctets: 1_500_000_000n })],
      on100M,
    );
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ verdict: 'ok', seconds: 600, inBps: 20_000_000 });
    // Spread over the two buckets it spans, each seeing the same mean rate for a full 300 s.
    const buckets = bucketize(list);
    expect(buckets.map((b) => [b.at - t0, b.inBps, b.sampleSeconds])).toEqual([
      [0, 20_000_000, 300],
      [5 * min, 20_000_000, 300],
    ]);
  });

  it('an interval longer than the heartbeat is a gap, not hours of one invented rate', () => {
    // Heartbeat 990 s (3 polls of 300 s + 10 %): a 600 s interval (one missed poll) counts, 12 hours do not.
    const options = { speedBps: 100e6, maxIntervalSeconds: 990 };
    const prev = reading({ at: t0 });
    expect(intervalBetween(prev, reading({ at: t0 + 10 * min, sysUpTime: 100_060_000 }), options).verdict).toBe('ok');
    const after12h = reading({ at: t0 + 720 * min, sysUpTime: 100_000_000 + 4_320_000, inOctets: 1_000n });
    expect(intervalBetween(prev, after12h, options)).toMatchObject({ verdict: 'gap', inBps: null });
  });

  it('uses jittered timestamps as they are: 293 s is 293 s', () => {
    // 1,098,750,000 octets × 8 = 8,790,000,000 bits / 293 s = 30,000,000 bps.
    const iv = intervalBetween(
      reading({ at: t0 + 4_000 }),
      reading({ at: t0 + 4_000 + 293_000, sysUpTime: 100_029_300, inOctets: 1_098_750_000n }),
      on100M,
    );
    expect(iv.inBps).toBe(30_000_000);
  });

  it('64-bit reset: a counter going down drops the interval', () => {
    const iv = intervalBetween(
      reading({ at: t0, inOctets: 9_000_000_000n, outOctets: 5n }),
      reading({ at: t0 + 5 * min, sysUpTime: 100_030_000, inOctets: 1_000n, outOctets: 10n }),
      on100M,
    );
    expect(iv).toMatchObject({ verdict: 'counter_reset', inBps: null, outBps: null });
  });

  it('reboot: sysUpTime going down drops the interval even though the counters went up', () => {
    const iv = intervalBetween(
      reading({ at: t0, sysUpTime: 50_000_000, inOctets: 1_000n }),
      reading({ at: t0 + 5 * min, sysUpTime: 12_000, inOctets: 2_000n }),
      on100M,
    );
    expect(iv.verdict).toBe('reboot');
  });

  it('reboot: an uptime shorter than the interval means it booted inside it', () => {
    // Up 200 s (20,000 hundredths) at the end of a 300 s interval; before, up 100 s: uptime rose, yet it rebooted.
    const iv = intervalBetween(reading({ at: t0, sysUpTime: 10_000 }), reading({ at: t0 + 5 * min, sysUpTime: 20_000, inOctets: 5n }), on100M);
    expect(iv.verdict).toBe('reboot');
  });

  it('sysUpTime wrap: a decrease from near 2^32 matching the elapsed time is no reboot', () => {
    // 2^32 = 4,294,967,296 hundredths. Before: 4,294,957,296 (10,000 short of the wrap); 300 s later
    // = 30,000 hundredths later: (4,294,957,296 + 30,000) − 4,294,967,296 = 20,000.
    const iv = intervalBetween(
      reading({ at: t0, sysUpTime: 4_294_957_296, inOctets: 0n }),
      reading({ at: t0 + 5 * min, sysUpTime: 20_000, inOctets: 375_000_000n }),
      on100M,
    );
    // 375,000,000 × 8 / 300 = 10,000,000 bps.
    expect(iv).toMatchObject({ verdict: 'ok', uptimeWrapped: true, inBps: 10_000_000 });
  });

  it('a decrease near 2^32 that does not match the elapsed time is still a reboot', () => {
    // Wrapped delta would be (4,294,957,296 → 500,000): 510,000 hundredths = 5,100 s, not 300 s.
    const iv = intervalBetween(reading({ at: t0, sysUpTime: 4_294_957_296 }), reading({ at: t0 + 5 * min, sysUpTime: 500_000 }), on100M);
    expect(iv.verdict).toBe('reboot');
  });

  it('32-bit wrap: counted once when the resulting rate fits the link', () => {
    // In: 4,294,000,000 → 1,000,000 across the wrap: 1,000,000 + 4,294,967,296 − 4,294,000,000 = 1,967,296 octets
    //   × 8 = 15,738,368 bits / 300 s = 52,461.2266… bps.
    // Out: 4,000,000,000 → 1,580,032,704: 1,580,032,704 + 4,294,967,296 − 4,000,000,000 = 1,875,000,000 octets
    //   = 15,000,000,000 bits / 300 s = 50,000,000 bps, within 100 Mbps.
    const iv = intervalBetween(
      reading({ at: t0, counterBits: 32, inOctets: 4_294_000_000n, outOctets: 4_000_000_000n }),
      reading({ at: t0 + 5 * min, sysUpTime: 100_030_000, counterBits: 32, inOctets: 1_000_000n, outOctets: 1_580_032_704n }),
      on100M,
    );
    expect(iv.verdict).toBe('ok');
    expect(iv.wrapped).toEqual({ in: true, out: true });
    expect(iv.inBps).toBeCloseTo(52_461.2267, 3);
    expect(iv.outBps).toBe(50_000_000);
  });

  it('32-bit wrap whose rate would exceed the link is a reset, not a wrap', () => {
    // On a 10 Mbps link, 3,000,000,000 → 1,000 as a wrap would be 1,000 + 4,294,967,296 − 3,000,000,000
    // = 1,294,968,296 octets × 8 / 300 s = 34,532,487.9 bps > 10,000,000: so it was a reset.
    const iv = intervalBetween(
      reading({ at: t0, counterBits: 32, inOctets: 3_000_000_000n }),
      reading({ at: t0 + 5 * min, sysUpTime: 100_030_000, counterBits: 32, inOctets: 1_000n }),
      { speedBps: 10e6 },
    );
    expect(iv.verdict).toBe('counter_reset');
  });

  it('32-bit counters on a link that can wrap them twice per interval: every interval invalid', () => {
    // 2^32 octets × 8 / 300 s = 114,532,461.4 bps: a 100 Mbps link is safe, a 200 Mbps one is not.
    expect(counter32WrapSpeed(300)).toBeCloseTo(114_532_461.4, 0);
    const prev = reading({ at: t0, counterBits: 32, inOctets: 1_000n });
    const next = reading({ at: t0 + 5 * min, sysUpTime: 100_030_000, counterBits: 32, inOctets: 2_000n });
    expect(intervalBetween(prev, next, { speedBps: 200e6 }).verdict).toBe('counter32_on_fast_link');
    expect(intervalBetween(prev, next, { speedBps: 100e6 }).verdict).toBe('ok');
  });

  it('spike: a rate above the link capacity is dropped and counted', () => {
    // 7,500,000,000 octets × 8 / 300 s = 200,000,000 bps on a 100 Mbps link.
    const list = intervals(
      [
        reading({ at: t0 }),
        reading({ at: t0 + 5 * min, sysUpTime: 100_030_000, inOctets: 7_500_000_000n }),
        reading({ at: t0 + 10 * min, sysUpTime: 100_060_000, inOctets: 7_500_000_000n + 375_000_000n }),
      ],
      on100M,
    );
    expect(list.map((i) => i.verdict)).toEqual(['spike', 'ok']);
    expect(list[0].inBps).toBe(200_000_000);
    const buckets = bucketize(list);
    // The spike is counted in the bucket where it ended (t0+0…5 min, since the interval ends exactly at 5 min);
    // the next bucket has the real 10 Mbps (375,000,000 × 8 / 300).
    expect(buckets.map((b) => [b.at - t0, b.inBps, b.spikes])).toEqual([
      [0, null, 1],
      [5 * min, 10_000_000, 0],
    ]);
  });

  it('a change between 32- and 64-bit counters is not comparable', () => {
    const iv = intervalBetween(reading({ at: t0, counterBits: 32 }), reading({ at: t0 + 5 * min, sysUpTime: 100_030_000, counterBits: 64 }), on100M);
    expect(iv.verdict).toBe('counter_bits_changed');
  });

  it('with no known speed, rates are kept as measured', () => {
    const iv = intervalBetween(reading({ at: t0 }), reading({ at: t0 + 5 * min, sysUpTime: 100_030_000, inOctets: 75_000_000_000n }), { speedBps: null });
    // 75e9 × 8 / 300 = 2e9 bps.
    expect(iv).toMatchObject({ verdict: 'ok', inBps: 2_000_000_000 });
  });
});

describe('5-minute buckets', () => {
  it('weights jittered intervals by their overlap with each bucket', () => {
    // Interval 1: 02:00 → 07:00 at 30 Mbps; interval 2: 07:00 → 12:00 at 60 Mbps.
    // Bucket 05:00–10:00 sees 2 min of 30 and 3 min of 60: (30×120 + 60×180) / 300 = (3,600 + 10,800) / 300 = 48 Mbps.
    const mk = (fromMin: number, toMin: number, bps: number) => ({
      from: t0 + fromMin * min,
      to: t0 + toMin * min,
      seconds: (toMin - fromMin) * 60,
      verdict: 'ok' as const,
      inBps: bps,
      outBps: 0,
      wrapped: { in: false, out: false },
      uptimeWrapped: false,
    });
    const buckets = bucketize([mk(2, 7, 30e6), mk(7, 12, 60e6)]);
    expect(buckets.map((b) => [(b.at - t0) / min, b.inBps, b.sampleSeconds])).toEqual([
      [0, 30e6, 180],
      [5, 48e6, 300],
      [10, 60e6, 120],
    ]);
    // Rebuilding from 05:00 leaves the earlier bucket alone.
    expect(bucketize([mk(2, 7, 30e6), mk(7, 12, 60e6)], t0 + 5 * min).map((b) => (b.at - t0) / min)).toEqual([5, 10]);
  });
});

describe('recommended capacity', () => {
  it('is the smallest standard tier bringing p95 to the target', () => {
    // 75 Mbps at ≤ 50 % needs ≥ 150 Mbps: 100 is too small, 200 is the tier.
    expect(recommendTier(75e6, 50)).toBe(200);
    // 100 Mbps needs exactly 200: a tier equal to the need suffices.
    expect(recommendTier(100e6, 50)).toBe(200);
    // 260 Mbps needs 520: 500 falls short, 1000.
    expect(recommendTier(260e6, 50)).toBe(1000);
    // 8 Mbps at 50 % needs 16 → 20.
    expect(recommendTier(8e6, 50)).toBe(20);
    expect(recommendTier(80e9, 50)).toBe(100000);
  });
});
