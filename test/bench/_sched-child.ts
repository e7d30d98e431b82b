// Per-thread CPU of a server process of its own (_serve-child.ts) under the 16-client load, two
// rounds (issue 14): V8's background threads compile in the first, hardly at all in the second.
//   TEST_DATABASE_URL=postgres://… npx tsx test/bench/_sched-child.ts    CHILD_FLAGS (node flags)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import { call, loadFromWorker, openRegistry } from './support.js';

const clients = 16;
const perClient = Number(process.env.BENCH_PER_CLIENT || 150);
const reg = await openRegistry('postgres', 24);
const p = spawn(process.execPath, [...(process.env.CHILD_FLAGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', 'test/bench/_serve-child.ts'], { env: { ...process.env, CHILD_URL: reg.url }, stdio: ['ignore', 'pipe', 'inherit'] });
const base = (await new Promise<string>((r) => readline.createInterface({ input: p.stdout! }).once('line', r))).trim();
const threads = () => new Map(fs.readdirSync(`/proc/${p.pid}/task`).map((t) => [t, fs.readFileSync(`/proc/${p.pid}/task/${t}/schedstat`, 'utf8').split(' ').map(Number)]));
const pool = await call(reg.app, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
const parents = await call(reg.app, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 12, holder: '450100', status: 'allocated', count: clients });
const ids: string[] = parents.body.items.map((x: { id: string }) => x.id);
const plan = (c: number) => ({ method: 'POST', path: `/api/v1/prefixes/${ids[c]}/allocate`, body: { prefixLength: 28, holder: '450102', status: 'allocated' }, expect: 201 });
await loadFromWorker(base, clients, 30, plan);
for (let r = 0; r < 2; r++) {
  const before = threads();
  const ms = await loadFromWorker(base, clients, perClient, plan);
  const after = threads();
  const n = clients * perClient;
  console.log(`${((n / ms) * 1000).toFixed(0)} /s`);
  for (const [t, [run]] of after) {
    const d = (run - (before.get(t)?.[0] ?? 0)) / 1e6 / n;
    if (d > 0.003) console.log(`  thread ${t}${Number(t) === p.pid ? ' (main)' : ''}: ${d.toFixed(3)} ms/alloc`);
  }
}
p.kill('SIGTERM');
await reg.close();
