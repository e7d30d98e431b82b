/**
 * Interface counters → rates, the way careful pollers (RRDtool, LibreNMS, Prometheus' rate())
 * do it, but on the server so every agent's readings are judged by the same rules:
 *
 * - one interval per pair of consecutive readings of one interface; Δt is the real elapsed
 *   time between their `at`, so a missed poll yields one longer interval, never invented points;
 * - a device reboot (sysUpTime going down, or an uptime shorter than the interval) restarts
 *   the counters: that interval says nothing and is dropped;
 * - sysUpTime is a 32-bit TimeTicks value that wraps after 2^32 hundredths (≈497 days): a
 *   decrease whose wrapped delta matches the elapsed time is a wrap, not a reboot;
 * - a 64-bit counter going down is a reset (nobody sends 2^64 octets);
 * - a 32-bit counter going down wrapped at most once when the resulting rate fits the link;
 *   on a link fast enough to wrap it more than once per interval no interval can be trusted;
 * - a rate above the link's speed is a spike (a counter glitch, a clear-counters command):
 *   dropped and counted;
 * - an interval longer than the heartbeat (RRDtool's term; the caller sets it to a few polling
 *   intervals) is a gap: one missed poll still gives one longer interval, but an average over
 *   hours of silence would paint every bucket of the gap with the same made-up rate.
 */

export const UPTIME_MODULUS = 2 ** 32;
export const COUNTER32_MODULUS = 2n ** 32n;
export const COUNTER64_MAX = 2n ** 64n - 1n;
export const BUCKET_SECONDS = 300;

export interface CounterReading {
  /** When the agent read the counters, epoch milliseconds. */
  at: number;
  /** sysUpTime in hundredths of a second (TimeTicks, 0 … 2^32 − 1). */
  sysUpTime: number;
  inOctets: bigint;
  outOctets: bigint;
  counterBits: 32 | 64;
}

export type IntervalVerdict =
  | 'ok'
  /** sysUpTime went down (and was no wrap), or the device has been up for less than the interval. */
  | 'reboot'
  /** a 64-bit counter went down, or a 32-bit one whose wrapped rate would exceed the link's speed. */
  | 'counter_reset'
  /** a 32-bit counter on a link that can wrap it more than once per interval. */
  | 'counter32_on_fast_link'
  /** the agent switched between 32- and 64-bit counters: the two values are not comparable. */
  | 'counter_bits_changed'
  /** a rate above the link's speed. */
  | 'spike'
  /** longer than the heartbeat: the interface was not read for too long to say when the traffic flowed. */
  | 'gap';

export interface Interval {
  from: number;
  to: number;
  seconds: number;
  verdict: IntervalVerdict;
  /** Bits per second into / out of the interface; null unless the verdict is ok (spikes keep theirs, for the record). */
  inBps: number | null;
  outBps: number | null;
  /** Which 32-bit counters wrapped in this interval. */
  wrapped: { in: boolean; out: boolean };
  /** The sysUpTime TimeTicks wrapped (≈ every 497 days) in this interval. */
  uptimeWrapped: boolean;
}

export interface RateOptions {
  /**
   * The most the interface can carry, bits per second: the link's registered capacity when the
   * interface is on a link (a 100 Mbps circuit on a GE port carries 100 Mbps), else the port's
   * own speed; null when unknown (then no wrap or spike can be judged against it).
   */
  speedBps: number | null;
  /**
   * How far sysUpTime may disagree with the agent's clock over one interval, seconds, before a
   * decrease stops being a wrap: polling latency plus clock drift. Default 10 s + 1 % of Δt.
   */
  uptimeToleranceSeconds?: (elapsedSeconds: number) => number;
  /** The heartbeat, seconds: a longer interval is a gap. Default: none. */
  maxIntervalSeconds?: number;
}

const defaultTolerance = (elapsed: number) => 10 + elapsed * 0.01;

/** A 32-bit counter wraps at 2^32 octets: above this speed (bps) it can wrap twice within `seconds`. */
export function counter32WrapSpeed(seconds: number): number {
  return (Number(COUNTER32_MODULUS) * 8) / seconds;
}

/** The interval between two consecutive readings of one interface. */
export function intervalBetween(prev: CounterReading, next: CounterReading, options: RateOptions): Interval {
  const seconds = (next.at - prev.at) / 1000;
  const base = { from: prev.at, to: next.at, seconds, inBps: null, outBps: null, wrapped: { in: false, out: false }, uptimeWrapped: false };
  if (!(seconds > 0)) throw new Error('readings must be in strictly increasing time order');
  if (options.maxIntervalSeconds !== undefined && seconds > options.maxIntervalSeconds) return { ...base, verdict: 'gap' };
  const tolerance = (options.uptimeToleranceSeconds ?? defaultTolerance)(seconds);

  let uptimeWrapped = false;
  if (next.sysUpTime < prev.sysUpTime) {
    const wrappedSeconds = (next.sysUpTime + UPTIME_MODULUS - prev.sysUpTime) / 100;
    if (Math.abs(wrappedSeconds - seconds) > tolerance) return { ...base, verdict: 'reboot' };
    uptimeWrapped = true;
  } else if (next.sysUpTime / 100 + tolerance < seconds) {
    // Up for less time than the interval lasted: it booted inside it, so the counters restarted.
    return { ...base, verdict: 'reboot' };
  }
  const withUptime = { ...base, uptimeWrapped };

  if (prev.counterBits !== next.counterBits) return { ...withUptime, verdict: 'counter_bits_changed' };
  const speed = options.speedBps;
  if (next.counterBits === 32 && speed !== null && speed > counter32WrapSpeed(seconds)) {
    return { ...withUptime, verdict: 'counter32_on_fast_link' };
  }

  const inDelta = delta(prev.inOctets, next.inOctets, next.counterBits);
  const outDelta = delta(prev.outOctets, next.outOctets, next.counterBits);
  if (inDelta === null || outDelta === null) return { ...withUptime, verdict: 'counter_reset' };
  const inBps = (Number(inDelta.octets) * 8) / seconds;
  const outBps = (Number(outDelta.octets) * 8) / seconds;
  const wrapped = { in: inDelta.wrapped, out: outDelta.wrapped };
  if (speed !== null) {
    // A wrap is only believable when the traffic it implies fits the link; otherwise the counter was reset.
    if ((wrapped.in && inBps > speed) || (wrapped.out && outBps > speed)) return { ...withUptime, wrapped, verdict: 'counter_reset' };
    if (inBps > speed || outBps > speed) return { ...withUptime, wrapped, inBps, outBps, verdict: 'spike' };
  }
  return { ...withUptime, wrapped, inBps, outBps, verdict: 'ok' };
}

function delta(prev: bigint, next: bigint, bits: 32 | 64): { octets: bigint; wrapped: boolean } | null {
  if (next >= prev) return { octets: next - prev, wrapped: false };
  if (bits === 64) return null;
  return { octets: next + COUNTER32_MODULUS - prev, wrapped: true };
}

/** Intervals between consecutive readings (sorted by `at`, distinct times). */
export function intervals(readings: readonly CounterReading[], options: RateOptions): Interval[] {
  const out: Interval[] = [];
  for (let i = 1; i < readings.length; i++) out.push(intervalBetween(readings[i - 1], readings[i], options));
  return out;
}

export interface Bucket {
  /** Start of the 5-minute bucket, epoch ms. */
  at: number;
  /** Time-weighted mean rates over the covered seconds; null when no valid interval covers the bucket. */
  inBps: number | null;
  outBps: number | null;
  /** Seconds of the bucket covered by valid intervals (≤ 300). */
  sampleSeconds: number;
  /** Intervals ending in this bucket that were dropped as spikes, and for any other reason. */
  spikes: number;
  invalid: number;
}

export function bucketStart(ms: number, bucketSeconds = BUCKET_SECONDS): number {
  const size = bucketSeconds * 1000;
  return Math.floor(ms / size) * size;
}

/**
 * Spreads each valid interval's rate over the buckets it overlaps, weighted by the overlap,
 * so jittered polls and a missed poll still give each bucket the mean rate of the time it
 * saw. Buckets before `since` (epoch ms, a bucket start) are left out: the caller rebuilds
 * from there.
 */
export function bucketize(list: readonly Interval[], since = -Infinity, bucketSeconds = BUCKET_SECONDS): Bucket[] {
  const size = bucketSeconds * 1000;
  const acc = new Map<number, { inBits: number; outBits: number; seconds: number; spikes: number; invalid: number }>();
  const slot = (at: number) => {
    let b = acc.get(at);
    if (!b) acc.set(at, (b = { inBits: 0, outBits: 0, seconds: 0, spikes: 0, invalid: 0 }));
    return b;
  };
  for (const iv of list) {
    if (iv.verdict !== 'ok') {
      // Counted where the interval ends: that is when the bad reading arrived.
      const at = bucketStart(iv.to - 1, bucketSeconds);
      if (at < since) continue;
      const b = slot(at);
      if (iv.verdict === 'spike') b.spikes += 1;
      else b.invalid += 1;
      continue;
    }
    for (let at = bucketStart(iv.from, bucketSeconds); at < iv.to; at += size) {
      if (at < since) continue;
      const overlap = (Math.min(iv.to, at + size) - Math.max(iv.from, at)) / 1000;
      if (overlap <= 0) continue;
      const b = slot(at);
      b.inBits += iv.inBps! * overlap;
      b.outBits += iv.outBps! * overlap;
      b.seconds += overlap;
    }
  }
  return [...acc.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([at, b]) => ({
      at,
      inBps: b.seconds > 0 ? b.inBits / b.seconds : null,
      outBps: b.seconds > 0 ? b.outBits / b.seconds : null,
      sampleSeconds: b.seconds,
      spikes: b.spikes,
      invalid: b.invalid,
    }));
}

/** The standard circuit tiers (Mbps) an expansion recommends from. */
export const CAPACITY_TIERS_MBPS = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 40000, 100000] as const;

/**
 * The smallest standard tier on which `p95Bps` would be at most `targetPercent` of capacity;
 * the largest tier when even that is not enough.
 */
export function recommendTier(p95Bps: number, targetPercent: number): number {
  const neededMbps = p95Bps / 1e6 / (targetPercent / 100);
  for (const tier of CAPACITY_TIERS_MBPS) if (tier >= neededMbps - 1e-9) return tier;
  return CAPACITY_TIERS_MBPS[CAPACITY_TIERS_MBPS.length - 1];
}
