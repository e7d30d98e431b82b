import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { retryDelayMs, signature } from './worker.js';

describe('webhook signing and retries', () => {
  it('signs the exact body bytes as sha256=<hex HMAC-SHA256>', () => {
    const body = '{"type":"incident.opened","data":{"名称":"南宁"}}';
    const expected = createHmac('sha256', 'k3y').update(Buffer.from(body, 'utf8')).digest('hex');
    expect(signature('k3y', body)).toBe(`sha256=${expected}`);
    expect(signature('k3y', body + ' ')).not.toBe(signature('k3y', body));
    expect(signature('other', body)).not.toBe(signature('k3y', body));
  });

  it('doubles the wait after each failed attempt, up to the cap', () => {
    const options = { baseDelayMs: 10_000, maxDelayMs: 300_000 };
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(n, options))).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  });
});
