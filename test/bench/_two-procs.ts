// Would a second server process use the second core (issue 14)? 16 clients on one process
// against 8 + 8 on two processes on one database, rounds alternating. On 2026-12-03 it did not
// (1,031/1,068/1,069/913 against 1,035/938/1,007/906 /s): the server was not bound by its one
// event loop.
//   TEST_DATABASE_URL=postgres://… npx tsx test/bench/_two-procs.ts    BENCH_PER_CLIENT (150)
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { call, loadFromWorker, openRegistry } from './support.js';

const clients = 16;
const perClient = Number(process.env.BENCH_PER_CLIENT || 150);
const reg = await openRegistry('postgres', 24);
async function child() {
  const p = spawn(process.execPath, ['--import', 'tsx', 'test/bench/_serve-child.ts'], { env: { ...process.env, CHILD_URL: reg.url }, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((r) => readline.createInterface({ input: p.stdout! }).once('line', r));
  return { p, base: line.trim() };
}
const a = await child();
const b = await child();
const pool = await call(reg.app, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
const parents = await call(reg.app, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 12, holder: '450100', status: 'allocated', count: clients });
const ids: string[] = parents.body.items.map((x: { id: string }) => x.id);
const res: Record<string, number[]> = { one: [], two: [] };
for (let r = 0; r < 10; r++) {
  const two = r % 2 === 1;
  const ms = await loadFromWorker(a.base, clients, perClient, (c) => ({
    method: 'POST',
    path: `${two && c >= clients / 2 ? b.base : a.base}/api/v1/prefixes/${ids[c]}/allocate`,
    body: { prefixLength: 28, holder: '450102', status: 'allocated' },
    expect: 201,
  }));
  if (r >= 2) res[two ? 'two' : 'one'].push((clients * perClient) / (ms / 1000));
}
for (const k of ['one', 'two']) console.log(k, res[k].map((x) => x.toFixed(0)).join(' '));
a.p.kill('SIGTERM');
b.p.kill('SIGTERM');
await reg.close();
