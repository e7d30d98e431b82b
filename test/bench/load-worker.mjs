// The load generator of the HTTP benchmarks, on a thread of its own (test/bench/support.ts
// `loadFromWorker`): the clients' own work (HTTP framing, JSON) must not share the server's
// event loop, or the benchmark measures the server plus its clients on one core. Each client is
// an autocannon run of one connection (as in test/resilience/long/load.test.ts), all at once:
// autocannon sends prebuilt request bytes, cheaper than node:http's client (issue 14: on two
// cores the load generator's CPU is taken from the server's). Plain JavaScript so the worker
// starts without the TypeScript loader.
import autocannon from 'autocannon';
import { parentPort } from 'node:worker_threads';

// One run per message, answered with { ms, failure }; the worker lives as long as the benchmark
// (support.ts keeps one, so that its code is compiled once, not in every measured round).
parentPort.on('message', async (job) => parentPort.postMessage(await run(job)));

async function run({ base, token, perClient, requests }) {
  const total = requests.length * perClient;
  let answered = 0;
  let finished;
  let failure;
  const started = performance.now();
  const results = await Promise.all(
    requests.map((plan) => {
      const body = plan.body === undefined ? undefined : JSON.stringify(plan.body);
      const instance = autocannon({
        url: new URL(plan.path, base).href,
        connections: 1,
        // This client's requests, one at a time.
        amount: perClient,
        pipelining: 1,
        method: plan.method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body,
        timeout: 60,
      });
      // The time is the last answer's: autocannon itself ends a run on its next one-second tick.
      instance.on('response', (_client, status) => {
        answered++;
        if (status !== plan.expect && !failure) failure = `${plan.method} ${plan.path}: ${status}, not ${plan.expect}`;
        if (answered === total) finished = performance.now();
      });
      return instance;
    }),
  );
  const ms = (finished ?? performance.now()) - started;
  const errors = results.reduce((n, r) => n + r.errors + r.timeouts, 0);
  if (!failure && (answered !== total || errors)) failure = `${answered} of ${total} requests answered, ${errors} errors or timeouts`;
  return { ms, failure };
}
