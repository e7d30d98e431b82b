// The load generator of the HTTP benchmarks, on a thread of its own (test/bench/support.ts
// `loadFromWorker`): the clients' own work (HTTP framing, JSON) must not share the server's
// event loop, or the benchmark measures the server plus its clients on one core. The clients
// are autocannon's (as in test/resilience/long/load.test.ts): it sends prebuilt request bytes
// and parses answers with llhttp, about a third of the CPU per request of node:http's client
// (issue 14: on two cores the load generator's CPU is taken from the server's). Plain
// JavaScript so the worker starts without the TypeScript loader.
import autocannon from 'autocannon';
import { parentPort } from 'node:worker_threads';

// One run per message, answered with { ms, failure }; the worker lives as long as the benchmark
// (support.ts keeps one, so that its code is compiled once, not in every measured round).
parentPort.on('message', async (job) => parentPort.postMessage(await run(job)));

async function run({ base, token, clients, perClient, requests }) {
  const [first] = requests;
  for (const plan of requests) {
    // autocannon gives each connection its own URL (connection i takes url[i]) but one method,
    // body and header set to all.
    if (plan.method !== first.method || JSON.stringify(plan.body) !== JSON.stringify(first.body) || plan.expect !== first.expect) {
      return { ms: 0, failure: 'load-worker: the clients may differ only in their paths' };
    }
  }
  const body = first.body === undefined ? undefined : JSON.stringify(first.body);
  const total = clients * perClient;
  let answered = 0;
  let unexpected = 0;
  let lastStatus;
  let finished;
  const started = performance.now();
  const instance = autocannon({
    url: requests.map((plan) => new URL(plan.path, base).href),
    connections: clients,
    // Each connection sends exactly perClient requests, one at a time.
    amount: total,
    pipelining: 1,
    method: first.method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body,
    timeout: 60,
  });
  // The time is the last answer's: autocannon itself ends a run on its next one-second tick.
  instance.on('response', (_client, status) => {
    answered++;
    if (status !== first.expect) {
      unexpected++;
      lastStatus = status;
    }
    if (answered === total) finished = performance.now();
  });
  const result = await instance;
  const ms = (finished ?? performance.now()) - started;
  let failure;
  if (answered !== total || unexpected || result.errors || result.timeouts) {
    failure = `${first.method} ${first.path}: ${answered} of ${total} answered, ${unexpected} not ${first.expect} (the last ${lastStatus}); status counts ${JSON.stringify(result.statusCodeStats)}, ${result.errors} errors, ${result.timeouts} timeouts`;
  }
  return { ms, failure };
}
