/**
 * A/B of a code change in one process (issue 14): the change reads `globalThis.__fast` per
 * request (a hack for the measurement, not committed), and rounds of ipam-concurrent's 16-client
 * allocation load alternate it, so the machine's drift (this kind of machine's speed moved by a
 * quarter within minutes, 2026-12-03) falls on both. With B_ENV=NAME=value, B is instead a
 * second registry opened with that environment variable set (for a setting read at start);
 * A_ENV=NAME=value opens A's registry with that variable set, likewise; with B_SQL=file.sql, a second registry whose database runs that SQL first (a function's variant).
 *   TEST_DATABASE_URL=postgres://… npx tsx test/bench/_ab.ts    ROUNDS (8), BENCH_PER_CLIENT (100)
 */
import fs from 'node:fs';
import { call, listen, loadFromWorker, openRegistry, serverUrl } from './support.js';

if (!serverUrl()) process.exit(0);
const clients = 16;
const perClient = Number(process.env.BENCH_PER_CLIENT || 100);
const rounds = Number(process.env.ROUNDS || 8);
/** B_ENV=NAME=value: B is a second registry opened with that variable set (A's without it), not the flag. */
async function server(env?: string) {
  const [name, value] = env ? env.split('=') : [];
  if (name) process.env[name] = value;
  const reg = await openRegistry('postgres', 24);
  if (name) delete process.env[name];
  const http = await listen(reg.app);
  const pool = await call(reg.app, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
  const parents = await call(reg.app, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 12, holder: "450100", status: "allocated", count: clients });
  return { reg, http, ids: parents.body.items.map((p: { id: string }) => p.id) as string[] };
}
const a = await server(process.env.A_ENV);
const b = process.env.B_ENV || process.env.B_SQL ? await server(process.env.B_ENV) : a;
// B_SQL=file.sql: SQL run on B's database first (a variant of a function, say).
if (process.env.B_SQL) await b.reg.raw!.unsafe(fs.readFileSync(process.env.B_SQL, 'utf8'));
const results: Record<string, { rate: number; cpu: number }[]> = { A: [], B: [] };
for (let r = 0; r < rounds * 2 + 2; r++) {
  const fast = r % 2 === 1;
  (globalThis as { __fast?: boolean }).__fast = fast && b === a;
  const { http, ids } = fast ? b : a;
  const cpu = process.cpuUsage();
  const ms = await loadFromWorker(http.base, clients, perClient, (c) => ({ method: 'POST', path: `/api/v1/prefixes/${ids[c]}/allocate`, body: { prefixLength: 28, holder: '450102', status: 'allocated' }, expect: 201 }));
  const used = process.cpuUsage(cpu);
  const n = clients * perClient;
  // The first two rounds warm up.
  if (r >= 2) results[fast ? 'B' : 'A'].push({ rate: (n / ms) * 1000, cpu: (used.user + used.system) / 1000 / n });
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const k of ['A', 'B']) console.log(`${k} (${k === 'A' ? process.env.A_ENV ?? 'as is' : process.env.B_ENV ?? process.env.B_SQL ?? '__fast'}): ${results[k].map((x) => x.rate.toFixed(0)).join(' ')} /s, median ${med(results[k].map((x) => x.rate)).toFixed(0)}; Node CPU median ${med(results[k].map((x) => x.cpu)).toFixed(3)} ms`);
const pairs = results.A.map((a, i) => results.B[i].cpu / a.cpu);
console.log(`paired CPU ratio B/A: ${pairs.map((p) => p.toFixed(3)).join(' ')}, median ${med(pairs).toFixed(3)}`);
for (const s of new Set([a, b])) {
  await s.http.close();
  await s.reg.close();
}
