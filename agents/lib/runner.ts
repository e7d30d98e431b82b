/**
 * Runs `work` over `items` with at most `limit` at once; results in the items' order. A rejection
 * of one item's work is its result's problem (caught by the caller's `work`), never the others':
 * `work` should not throw, and if it does the error is the result (so one dead device costs only
 * its own slot). Hand-written: twelve lines, where p-limit would be a dependency for the same.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<(R | Error)[]> {
  const results = new Array<R | Error>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = await work(items[i], i);
      } catch (err) {
        results[i] = err instanceof Error ? err : new Error(String(err));
      }
    }
  });
  await Promise.all(lanes);
  return results;
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Daemon mode: a cycle every `interval()` seconds, measured start to start (a slow cycle does not
 * push the schedule), after a random first delay of up to `jitter` of the interval so that agents
 * started together do not poll in step, and with ±`jitter`/2 of the interval on each wait. Stops
 * when the signal aborts (after the running cycle).
 */
export async function runEvery(interval: () => number, cycle: () => Promise<void>, options: { signal: AbortSignal; jitter?: number; onError?: (err: unknown) => void }): Promise<void> {
  const jitter = options.jitter ?? 0.1;
  await sleep(Math.random() * jitter * interval() * 1000, options.signal);
  while (!options.signal.aborted) {
    const started = Date.now();
    try {
      await cycle();
    } catch (err) {
      options.onError?.(err);
    }
    const seconds = interval();
    const wait = seconds * 1000 * (1 + (Math.random() - 0.5) * jitter) - (Date.now() - started);
    await sleep(Math.max(0, wait), options.signal);
  }
}
