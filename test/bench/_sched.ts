/**
 * Where the two cores go under ipam-concurrent's 16-client own-parent load (issue 14), from the
 * kernel's schedstat: CPU time and time spent runnable but waiting for a core, per allocation,
 * for this process's threads (main; V8's and the load worker's, all named "node"), every
 * PostgreSQL backend of the bench database and everything else; the machine's idle share from
 * /proc/stat. Three rounds after a short warm-up: the first ones show the JIT still at work.
 *   TEST_DATABASE_URL=postgres://… npx tsx test/bench/_sched.ts    BENCH_PER_CLIENT (150)
 */
import fs from 'node:fs';
import { call, listen, loadFromWorker, openRegistry } from './support.js';

const clients = 16;
const perClient = Number(process.env.BENCH_PER_CLIENT || 150);
function snap(): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  const add = (k: string, f: string) => {
    try {
      const [run, wait] = fs.readFileSync(f, 'utf8').split(' ').map(Number);
      const a = out.get(k) ?? [0, 0];
      out.set(k, [a[0] + run, a[1] + wait]);
    } catch {}
  };
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let cmd = '';
    try { cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '); } catch { continue; }
    if (Number(pid) === process.pid) {
      for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
        const comm = fs.readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim();
        add(`node:${Number(t) === process.pid ? "main" : comm + ":" + t}`, `/proc/${pid}/task/${t}/schedstat`);
      }
    } else if (cmd.startsWith('postgres')) {
      const kind = /postgres: 15\/main: (\w+ \w+|\w+)/.exec(cmd)?.[1] ?? cmd.slice(0, 30);
      add(`pg:${/waiwang_bench/.test(cmd) ? 'backend' : kind}`, `/proc/${pid}/schedstat`);
    } else add('other', `/proc/${pid}/schedstat`);
  }
  return out;
}
const reg = await openRegistry('postgres', 24);
const http = await listen(reg.app);
const pool = await call(reg.app, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
const parents = await call(reg.app, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 12, holder: '450100', status: 'allocated', count: clients });
const ids: string[] = parents.body.items.map((x: { id: string }) => x.id);
const plan = (c: number) => ({ method: 'POST', path: `/api/v1/prefixes/${ids[c]}/allocate`, body: { prefixLength: 28, holder: '450102', status: 'allocated' }, expect: 201 });
await loadFromWorker(http.base, clients, 30, plan);
for (let round = 0; round < 3; round++) {
  const stat0 = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  const before = snap();
  const ms = await loadFromWorker(http.base, clients, perClient, plan);
  const after = snap();
  const stat1 = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  const n = clients * perClient;
  console.log(`${((n / ms) * 1000).toFixed(0)} /s over ${ms.toFixed(0)} ms`);
  const d = stat1.map((v, i) => v - stat0[i]);
  const tot = d.reduce((a, b) => a + b, 0);
  console.log(`machine: user ${(d[0] / tot * 100).toFixed(0)}% sys ${(d[2] / tot * 100).toFixed(0)}% idle ${(d[3] / tot * 100).toFixed(0)}% iowait ${(d[4] / tot * 100).toFixed(0)}% softirq ${(d[6] / tot * 100).toFixed(0)}%`);
  for (const [k, [run, wait]] of [...after].sort((x, y) => y[1][0] - x[1][0])) {
    const b = before.get(k) ?? [0, 0];
    const dr = (run - b[0]) / 1e6 / n, dw = (wait - b[1]) / 1e6 / n;
    if (dr > 0.005) console.log(`${k.padEnd(28)} cpu ${dr.toFixed(3)} ms/alloc  runqueue wait ${dw.toFixed(3)} ms/alloc`);
  }
}
await http.close();
await reg.close();
