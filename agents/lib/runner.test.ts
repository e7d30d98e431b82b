import { describe, expect, it } from 'vitest';
import { mapLimit, runEvery } from './runner.js';
import { AgentMetrics } from './metrics.js';
import { formatTable } from './table.js';

describe('mapLimit', () => {
  it('never runs more than the limit at once, keeps order, and isolates a failure', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5 + (n % 3) * 5));
      running--;
      if (n === 4) throw new Error('device 4 timed out');
      return n * 10;
    });
    expect(peak).toBe(3);
    expect(results.slice(0, 3)).toEqual([10, 20, 30]);
    expect((results[3] as Error).message).toBe('device 4 timed out');
    expect(results.slice(4)).toEqual([50, 60, 70]);
  });
});

describe('formatTable', () => {
  it('pads columns to the widest cell, counting CJK characters as two columns', () => {
    expect(formatTable(['device', 'status'], [['南宁-01', 'ok'], ['nn-pe-001', 'unreachable']])).toBe(
      ['device     status', '---------  -----------', '南宁-01    ok', 'nn-pe-001  unreachable', ''].join('\n'),
    );
  });
});

describe('runEvery', () => {
  it('runs cycles start to start at the interval until stopped, and a failing cycle does not end it', async () => {
    const abort = new AbortController();
    const starts: number[] = [];
    const errors: unknown[] = [];
    await runEvery(
      () => 0.05,
      async () => {
        starts.push(Date.now());
        if (starts.length === 2) throw new Error('one bad cycle');
        if (starts.length === 4) abort.abort();
      },
      { signal: abort.signal, jitter: 0.1, onError: (err) => errors.push(err) },
    );
    expect(starts).toHaveLength(4);
    expect(errors).toHaveLength(1);
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(40);
  });
});

describe('AgentMetrics', () => {
  it('serves the cycle, failure and spool figures on /metrics', async () => {
    const metrics = new AgentMetrics('snmp');
    metrics.devicesFailed.set(3);
    metrics.spoolDepth.set(12);
    metrics.lastCycleSeconds.set(1.5);
    const served = await metrics.serve(0);
    try {
      const text = await (await fetch(`http://127.0.0.1:${served.port}/metrics`)).text();
      expect(text).toMatch(/waiwang_agent_devices_failed\{agent="snmp"\} 3/);
      expect(text).toMatch(/waiwang_agent_spool_depth\{agent="snmp"\} 12/);
      expect(text).toMatch(/waiwang_agent_last_cycle_seconds\{agent="snmp"\} 1.5/);
      expect((await fetch(`http://127.0.0.1:${served.port}/other`)).status).toBe(404);
    } finally {
      await served.close();
    }
  });
});
