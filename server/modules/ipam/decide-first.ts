import { Problem } from '../../http/problem.js';
import { unitCache } from '../divisions/cache.js';

/** What a one-statement IPAM function answers when the locked rows no longer say what the verb decided on. */
export type Stale = { stale: 'parent' | 'prefix' | 'units' };

const attempts = 3;

/**
 * Decide first, then write (issue 14; migrations 0019 and 0020): the verb decides who acts and
 * what the rules allow on rows as the caches have them (`decide(false)`), then one statement
 * locks those rows and writes only if they still say the same (`write`), else writes nothing
 * and answers `stale`, and the verb decides again on rows read afresh (`decide(true)`), three
 * times at most, then 409 `conflict`. A refusal is never made on cached copies alone: they might
 * be stale the other way (a status or unit changed back on another server), and the function
 * only checks what it is asked to write, so a Problem from `decide(false)` means decide again
 * on fresh rows. The unit tree's copy is dropped only when the fresh rows allow what the copies
 * refused, or when the function found a unit changed, so that refusals alone never reload it.
 * `cacheKey`: the request's database (ctx.db), which the caches are kept by; `conflict`: the
 * 409's message after `attempts` stale answers.
 */
export async function decideThenWrite<D, T>(
  cacheKey: object,
  decide: (fresh: boolean) => Promise<D>,
  write: (decision: D) => Promise<T | Stale>,
  conflict: (attempts: number) => string,
): Promise<T> {
  let refusedOnCopies = false;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const fresh = attempt > 1;
    let decision: D;
    try {
      decision = await decide(fresh);
    } catch (err) {
      if (!fresh && err instanceof Problem) {
        refusedOnCopies = true;
        continue;
      }
      throw err;
    }
    if (refusedOnCopies) {
      unitCache.invalidate(cacheKey);
      refusedOnCopies = false;
    }
    const result = await write(decision);
    if (isStale(result)) {
      // A unit changed (moved, retired) since the tree was cached: drop the copy, read anew.
      if (result.stale === 'units') unitCache.invalidate(cacheKey);
      continue;
    }
    return result;
  }
  throw new Problem(409, 'conflict', conflict(attempts));
}

function isStale(result: unknown): result is Stale {
  return typeof result === 'object' && result !== null && typeof (result as Partial<Stale>).stale === 'string';
}
