/**
 * Where the two cores go in ipam-concurrent's own-parent scenario (issue 14): this process's CPU
 * (server, load worker, raw client) and all PostgreSQL processes' CPU (/proc), per allocation,
 * for the API and for the raw guarded INSERTs, rounds alternating.
 *   TEST_DATABASE_URL=postgres://… npx tsx test/bench/_cpu-total.ts    ROUNDS (4), BENCH_PER_CLIENT (100)
 */
import fs from 'node:fs';
import { addressCount, cidrOf, parseCidr } from '../../server/net/cidr.js';
import { call, listen, loadFromWorker, openRegistry, serverUrl } from './support.js';

if (!serverUrl()) process.exit(0);
const clients = 16;
const perClient = Number(process.env.BENCH_PER_CLIENT || 100);
const rounds = Number(process.env.ROUNDS || 4);
const n = clients * perClient;

function postgresCpuMs(): number {
  let ticks = 0;
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {}
  }
  return ticks * 10;
}

async function measure(run: () => Promise<void>) {
  const pg = postgresCpuMs();
  const cpu = process.cpuUsage();
  const t = performance.now();
  await run();
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { rate: (n / ms) * 1000, node: (used.user + used.system) / 1000 / n, pg: (postgresCpuMs() - pg) / n, wall: ms };
}

const reg = await openRegistry('postgres', 24);
const http = await listen(reg.app);
const pool = await call(reg.app, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
const parents = await call(reg.app, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 16, holder: '450100', status: 'allocated', count: clients * (rounds + 1) * 2 > 200 ? 200 : clients * (rounds + 1) * 2 });
const all: { id: string; cidr: string }[] = parents.body.items;
let next = 0;
const sql = reg.raw!;
for (let r = 0; r <= rounds; r++) {
  const apiParents = all.slice(next, next + clients);
  next += clients;
  const rawParents = all.slice(next, next + clients);
  next += clients;
  const api = await measure(async () => {
    await loadFromWorker(http.base, clients, perClient, (c) => ({ method: 'POST', path: `/api/v1/prefixes/${apiParents[c].id}/allocate`, body: { prefixLength: 28, holder: '450102', status: 'allocated' }, expect: 201 }));
  });
  const raw = await measure(async () => {
    await Promise.all(
      rawParents.map(async (parent) => {
        const p = parseCidr(parent.cidr);
        const size = addressCount(cidrOf(4, 0n, 28));
        for (let i = 0; i < perClient; i++) {
          const block = cidrOf(4, p.network + BigInt(i) * size, 28);
          await sql`INSERT INTO prefixes (vrf_id, parent_id, family, prefix, status, holder_code, total_addresses)
                    VALUES (1, ${Number(parent.id)}, 4, ${block.text}::cidr, 'allocated', '450102', 16)`;
        }
      }),
    );
  });
  if (r === 0) continue;
  const f = (x: { rate: number; node: number; pg: number }) => `${x.rate.toFixed(0).padStart(5)} /s  node ${x.node.toFixed(3)} ms  postgres ${x.pg.toFixed(3)} ms  sum ${(x.node + x.pg).toFixed(3)} ms`;
  console.log(`round ${r}: API ${f(api)} | raw ${f(raw)} | ratio ${(api.rate / raw.rate).toFixed(2)}`);
}
await http.close();
await reg.close();
