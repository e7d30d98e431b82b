/**
 * Where an allocation's CPU goes under ipam-concurrent's load (issue 14): 16 clients allocating
 * through the HTTP API on PostgreSQL, and per allocation the CPU of this Node process (server,
 * load worker, V8's threads) and of PostgreSQL's processes, read from /proc around the timed
 * load only (so PostgreSQL must run on this machine). Compare code by running it interleaved.
 *   TEST_DATABASE_URL=postgres://… npx tsx test/bench/_cpu-split.ts
 * SAME=1: all clients under one parent. POOL=n: the server's pool (24 as in ipam-concurrent).
 * FN=file.sql: SQL run on the bench database before the load (a variant of a function).
 */
import fs from 'node:fs';
import { call, listen, loadFromWorker, openRegistry, serverUrl } from './support.js';

if (!serverUrl()) {
  console.log('_cpu-split: set TEST_DATABASE_URL');
  process.exit(0);
}
const clients = 16;
const same = process.env.SAME === '1';
const perClient = Number(process.env.BENCH_PER_CLIENT || (same ? 200 : 400));

/** CPU ticks of PostgreSQL: the postmaster, its live children, and the children it has reaped. */
function postgresTicks(postmaster: number): number {
  const fields = (pid: number) => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const own = fields(postmaster);
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const f = fields(Number(entry));
      if (Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      /* gone meanwhile */
    }
  }
  return ticks;
}

const reg = await openRegistry('postgres', Number(process.env.POOL || 24));
const http = await listen(reg.app);
try {
  if (process.env.FN) await reg.raw!.unsafe(fs.readFileSync(process.env.FN, 'utf8'));
  const [{ pid }] = await reg.raw!`SELECT pg_backend_pid() AS pid`;
  const postmaster = Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
  const pool = await call(reg.app, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
  const parents = await call(reg.app, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 16, holder: '450100', status: 'allocated', count: clients });
  const parentIds: string[] = parents.body.items.map((p: { id: string }) => p.id);
  const pg0 = postgresTicks(postmaster);
  const cpu = process.cpuUsage();
  const ms = await loadFromWorker(http.base, clients, perClient, (c) => ({
    method: 'POST',
    path: `/api/v1/prefixes/${same ? parentIds[0] : parentIds[c]}/allocate`,
    body: { prefixLength: 28, holder: '450102', status: 'allocated' },
    expect: 201,
  }));
  const used = process.cpuUsage(cpu);
  const pg = postgresTicks(postmaster) - pg0;
  const n = clients * perClient;
  const tick = 1000 / 100; // ms per clock tick (USER_HZ 100 on Linux)
  console.log(
    `${n} allocations in ${ms.toFixed(0)} ms: ${((n / ms) * 1000).toFixed(0)} /s; CPU per allocation: Node ${((used.user + used.system) / 1000 / n).toFixed(3)} ms, PostgreSQL ${((pg * tick) / n).toFixed(3)} ms`,
  );
} finally {
  await http.close();
  await reg.close();
}
