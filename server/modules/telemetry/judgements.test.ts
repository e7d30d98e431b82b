import { describe, expect, it } from 'vitest';
import { findingKey, judgeCounters, type CounterState } from './judgements.js';

const now = new Date('2025-01-06T00:10:00Z');
const options = { pollIntervalSeconds: 300, now };
const state = (over: Partial<Omit<CounterState, 'latest'>> & { latest?: Partial<CounterState['latest']> } = {}): CounterState => ({
  deviceId: 7,
  interfaceName: 'GigabitEthernet0/0/1',
  link: { name: 'nn-xn-01', capacityMbps: 1000 },
  dropped: 0,
  ...over,
  latest: { at: Date.parse('2025-01-06T00:05:00Z'), counterBits: 64, highSpeedMbps: 1000, operStatus: 'up', ...over.latest },
});
const none = new Set<string>();
const opened = (...kinds: ('counter32_on_fast_link' | 'speed_mismatch')[]) => new Set(kinds.map((k) => findingKey(7, k, 'GigabitEthernet0/0/1')));

describe('32-bit counters on a fast link', () => {
  it('opens above the wrap speed: 2^32 octets × 8 / 300 s = 114.5 Mbps', () => {
    const found = judgeCounters(state({ latest: { counterBits: 32 }, dropped: 2 }), none, options);
    expect(found).toEqual([
      {
        action: 'open',
        finding: expect.objectContaining({ deviceId: 7, kind: 'counter32_on_fast_link', subject: 'GigabitEthernet0/0/1', at: now }),
      },
    ]);
    const detail = (found[0] as { finding: { detail: string } }).finding.detail;
    expect(detail).toContain('at 1000 Mbps (anything above 114.5 Mbps)');
    expect(detail).toContain('2 interval(s) were dropped');
  });

  it('does not open at or below the wrap speed: 100 Mbps cannot wrap twice in 300 s', () => {
    expect(judgeCounters(state({ link: { name: 'l', capacityMbps: 100 }, latest: { counterBits: 32, highSpeedMbps: 100 } }), none, options)).toEqual([]);
  });

  it('judges the registered capacity before the port speed: a 100 Mbps circuit on a GE port is slow', () => {
    expect(judgeCounters(state({ link: { name: 'l', capacityMbps: 100 }, latest: { counterBits: 32, highSpeedMbps: 1000 } }), none, options)).toEqual([]);
    // Without a link, the port's own speed decides.
    const alone = judgeCounters(state({ link: null, latest: { counterBits: 32, highSpeedMbps: 1000 } }), none, options);
    expect(alone.map((j) => j.action)).toEqual(['open']);
  });

  it('the wrap speed follows the polling interval: at 60 s it is 572.7 Mbps, so 500 Mbps is safe', () => {
    // 2^32 × 8 / 60 = 572,662,306 bps.
    const at60 = { ...options, pollIntervalSeconds: 60 };
    expect(judgeCounters(state({ link: { name: 'l', capacityMbps: 500 }, latest: { counterBits: 32, highSpeedMbps: 500 } }), none, at60)).toEqual([]);
    expect(judgeCounters(state({ latest: { counterBits: 32 } }), none, at60).map((j) => j.action)).toEqual(['open']);
  });

  it('is not opened twice: one open finding per device, kind and subject', () => {
    expect(judgeCounters(state({ latest: { counterBits: 32 } }), opened('counter32_on_fast_link'), options)).toEqual([]);
  });

  it('resolves by itself once the agent reads 64-bit counters, saying since when', () => {
    expect(judgeCounters(state(), opened('counter32_on_fast_link'), options)).toEqual([
      {
        action: 'resolve',
        resolution: {
          deviceId: 7,
          kind: 'counter32_on_fast_link',
          subject: 'GigabitEthernet0/0/1',
          comment: 'the agent reads 64-bit counters since 2025-01-06T00:05:00.000Z',
          at: now,
        },
      },
    ]);
  });

  it('is not resolved by a slower link alone: still 32-bit counters', () => {
    expect(judgeCounters(state({ link: { name: 'l', capacityMbps: 100 }, latest: { counterBits: 32, highSpeedMbps: 100 } }), opened('counter32_on_fast_link'), options)).toEqual([]);
  });
});

describe('a port slower than its circuit', () => {
  it('opens when ifHighSpeed is below the registered capacity, with both in the diff', () => {
    const found = judgeCounters(state({ latest: { highSpeedMbps: 100 } }), none, options);
    expect(found).toEqual([
      {
        action: 'open',
        finding: expect.objectContaining({ kind: 'speed_mismatch', subject: 'GigabitEthernet0/0/1', diff: { ifHighSpeedMbps: 100, capacityMbps: 1000 }, at: now }),
      },
    ]);
    expect((found[0] as { finding: { detail: string } }).finding.detail).toContain('below the 1000 Mbps registered for link nn-xn-01');
  });

  it('a faster port is normal: a 100 Mbps circuit on a GE port', () => {
    expect(judgeCounters(state({ link: { name: 'l', capacityMbps: 100 }, latest: { highSpeedMbps: 1000 } }), none, options)).toEqual([]);
  });

  it('is judged only on a port that is up, reports a speed above 0, and carries a link', () => {
    expect(judgeCounters(state({ latest: { highSpeedMbps: 100, operStatus: 'down' } }), none, options)).toEqual([]);
    expect(judgeCounters(state({ latest: { highSpeedMbps: 0 } }), none, options)).toEqual([]);
    expect(judgeCounters(state({ latest: { highSpeedMbps: null } }), none, options)).toEqual([]);
    expect(judgeCounters(state({ link: null, latest: { highSpeedMbps: 100 } }), none, options)).toEqual([]);
  });

  it('is not opened twice, and resolves by itself once the port reads the capacity', () => {
    expect(judgeCounters(state({ latest: { highSpeedMbps: 100 } }), opened('speed_mismatch'), options)).toEqual([]);
    expect(judgeCounters(state(), opened('speed_mismatch'), options)).toEqual([
      {
        action: 'resolve',
        resolution: { deviceId: 7, kind: 'speed_mismatch', subject: 'GigabitEthernet0/0/1', comment: 'the port reads 1000 Mbps, enough for the 1000 Mbps circuit', at: now },
      },
    ]);
  });
});

it('judges the counters first, then the port speed (the order the findings are written in)', () => {
  // 32-bit on a 10 GE circuit whose port negotiated 1 GE: both open.
  const found = judgeCounters(state({ link: { name: 'l', capacityMbps: 10_000 }, latest: { counterBits: 32, highSpeedMbps: 1000 } }), none, options);
  expect(found.map((j) => (j.action === 'open' ? j.finding.kind : j.resolution.kind))).toEqual(['counter32_on_fast_link', 'speed_mismatch']);
});
