import { describe, expect, it } from 'vitest';
import { mapLimit } from './runner.js';
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
