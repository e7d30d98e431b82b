import { afterEach, describe, expect, it, vi } from 'vitest';
import { Problem } from '../../http/problem.js';
import { unitCache } from '../divisions/cache.js';
import { decideThenWrite } from './decide-first.js';

const key = {};
const conflict = (n: number) => `changed ${n} times`;

describe('decideThenWrite', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes once on the cached decision when nothing changed, and reloads nothing', async () => {
    const invalidate = vi.spyOn(unitCache, 'invalidate');
    const seen: boolean[] = [];
    const result = await decideThenWrite(key, async (fresh) => (seen.push(fresh), 'd'), async (d) => `wrote ${d}`, conflict);
    expect(result).toBe('wrote d');
    expect(seen).toEqual([false]);
    expect(invalidate).not.toHaveBeenCalled();
  });

  it('a refusal on cached copies is decided again on fresh rows; a fresh refusal stands and keeps the unit copy', async () => {
    const invalidate = vi.spyOn(unitCache, 'invalidate');
    const seen: boolean[] = [];
    const write = vi.fn(async () => 'written');
    const refused = decideThenWrite(key, async (fresh) => {
      seen.push(fresh);
      throw new Problem(403, 'forbidden', 'no');
    }, write, conflict);
    await expect(refused).rejects.toMatchObject({ status: 403 });
    expect(seen).toEqual([false, true]);
    expect(write).not.toHaveBeenCalled();
    expect(invalidate).not.toHaveBeenCalled();
  });

  it('fresh rows that allow what the copies refused drop the unit copy, then write', async () => {
    const invalidate = vi.spyOn(unitCache, 'invalidate');
    const result = await decideThenWrite(key, async (fresh) => {
      if (!fresh) throw new Problem(422, 'rule_violation', 'retired (stale copy)');
      return 'd';
    }, async () => 'written', conflict);
    expect(result).toBe('written');
    expect(invalidate).toHaveBeenCalledTimes(1);
  });

  it('a stale answer is decided again on fresh rows (units: the unit copy dropped); three stale answers are a 409 conflict', async () => {
    const invalidate = vi.spyOn(unitCache, 'invalidate');
    const seen: boolean[] = [];
    const once = await decideThenWrite(key, async (fresh) => (seen.push(fresh), fresh), async (fresh) => (fresh ? 'ok' : { stale: 'units' as const }), conflict);
    expect(once).toBe('ok');
    expect(seen).toEqual([false, true]);
    expect(invalidate).toHaveBeenCalledTimes(1);
    const never = decideThenWrite(key, async () => 'd', async () => ({ stale: 'prefix' as const }), conflict);
    await expect(never).rejects.toMatchObject({ status: 409, code: 'conflict', message: 'changed 3 times' });
  });

  it('an error that is not a refusal (the database gone) is not retried', async () => {
    const decide = vi.fn(async () => {
      throw new Error('connection lost');
    });
    await expect(decideThenWrite(key, decide, async () => 'x', conflict)).rejects.toThrow('connection lost');
    expect(decide).toHaveBeenCalledTimes(1);
  });
});
