// The load generator of the HTTP benchmarks, on a thread of its own (test/bench/support.ts
// `loadFromWorker`): the clients' own work (HTTP framing, JSON) must not share the server's
// event loop, or the benchmark measures the server plus its clients on one core. Plain
// JavaScript so the worker starts without the TypeScript loader.
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { base, token, clients, perClient, requests } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const url = new URL(base);

function send(method, path, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const started = performance.now();
let failure;
await Promise.all(
  Array.from({ length: clients }, async (_, c) => {
    const plan = requests[c];
    for (let i = 0; i < perClient && !failure; i++) {
      const r = await send(plan.method, plan.path, plan.body);
      if (r.status !== plan.expect) failure = `${plan.method} ${plan.path}: ${r.status} ${r.text.slice(0, 300)}`;
    }
  }),
);
agent.destroy();
parentPort.postMessage({ ms: performance.now() - started, failure });
