/**
 * 16 concurrent clients allocating through the HTTP API on PostgreSQL, each under its own
 * parent, vs 16 clients doing raw INSERTs of the same rows into the same table with the same
 * constraints (goal ≥ 0.5×). Also the 16 clients all under one parent — serialized by the
 * parent's row lock by design — against the same baseline.
 *   TEST_DATABASE_URL=postgres://… npx tsx test/bench/ipam-concurrent.ts
 *   BENCH_ROUNDS (5), BENCH_PER_CLIENT (300)
 *
 * One registry serves every round, both sides: each round allocates its own new parents (a /16
 * for each client, or one /12 for all), so no round meets another's rows, and no round pays for
 * a new database (CREATE DATABASE, migrations, the seed, new connections and their first plans:
 * a backend's first call of the allocation function takes 10-14 ms, and the checkpoint after
 * CREATE DATABASE ran on into the next measurement). A first round, not reported, warms both
 * sides up (connections, plans, the JIT): the figures are steady rates, the start-up is
 * startup.ts's. Until 2026-12-03 each round opened a registry and measured 100 requests per
 * client from cold, about one second of API time, much of it the server's and the load
 * worker's JIT compilation (issue 14).
 */
import { addressCount, cidrOf, parseCidr } from '../../server/net/cidr.js';
import { call, fmt, listen, loadFromWorker, medianRound, openRegistry, ratioRounds, reportRows, serverUrl, table, thousands, type BenchRegistry } from './support.js';

const clients = 16;
const perClient = Number(process.env.BENCH_PER_CLIENT || 300);

/** New parents for one round: a /16 for each client, or one /12 that all clients share. */
async function newParents(reg: BenchRegistry, pool: string, sameParent: boolean): Promise<{ id: string; cidr: string }[]> {
  const made = await call(reg.app, 'POST', `/api/v1/prefixes/${pool}/allocate`, { prefixLength: sameParent ? 12 : 16, holder: '450100', status: 'allocated', count: sameParent ? 1 : clients });
  if (made.status !== 201) throw new Error(`parents: ${made.status} ${JSON.stringify(made.body)}`);
  // One block comes back as itself, several as items.
  const rows: { id: string; cidr: string }[] = made.body.items ?? [made.body];
  return Array.from({ length: clients }, (_, c) => rows[sameParent ? 0 : c]);
}

async function viaApi(reg: BenchRegistry, base: string, pool: string, sameParent: boolean) {
  const parents = await newParents(reg, pool, sameParent);
  const ms = await loadFromWorker(base, clients, perClient, (c) => ({
    method: 'POST',
    path: `/api/v1/prefixes/${parents[c].id}/allocate`,
    body: { prefixLength: 28, holder: '450102', status: 'allocated' },
    expect: 201,
  }));
  return (clients * perClient) / (ms / 1000);
}

/** The same rows, inserted raw: the constraints and triggers still run, nothing else does. */
async function viaRawInsert(reg: BenchRegistry, pool: string, sameParent: boolean) {
  const sql = reg.raw!;
  const parents = await newParents(reg, pool, sameParent);
  const size = addressCount(cidrOf(4, 0n, 28));
  const started = performance.now();
  await Promise.all(
    parents.map(async (parent, c) => {
      const p = parseCidr(parent.cidr);
      for (let i = 0; i < perClient; i++) {
        const n = sameParent ? c * perClient + i : i;
        const block = cidrOf(4, p.network + BigInt(n) * size, 28);
        await sql`INSERT INTO prefixes (vrf_id, parent_id, family, prefix, status, holder_code, total_addresses)
                  VALUES (1, ${Number(parent.id)}, 4, ${block.text}::cidr, 'allocated', '450102', 16)`;
      }
    }),
  );
  return (clients * perClient) / ((performance.now() - started) / 1000);
}

async function main() {
  if (!serverUrl()) {
    console.log('ipam-concurrent: skipped — set TEST_DATABASE_URL (PostgreSQL) to run it; PGlite has one connection.');
    return;
  }
  const rounds = Number(process.env.BENCH_ROUNDS || 5);
  const reg = await openRegistry('postgres', 24);
  const http = await listen(reg.app);
  try {
    // Every side of every round takes a /12's room (16 /16s, or one /12), four a round, from /8s
    // of sixteen /12s each.
    const pools: string[] = [];
    for (let i = 0; i < Math.ceil(((rounds + 1) * 4) / 16); i++) {
      const made = await call(reg.app, 'POST', '/api/v1/prefixes', { cidr: `${10 + i}.0.0.0/8`, holder: '450000' });
      pools.push(made.body.id);
    }
    let used = 0;
    const pool = () => pools[Math.floor(used++ / 16)];
    const [ownAll, oneAll] = await ratioRounds(rounds + 1, [
      { raw: () => viaRawInsert(reg, pool(), false), api: () => viaApi(reg, http.base, pool(), false) },
      { raw: () => viaRawInsert(reg, pool(), true), api: () => viaApi(reg, http.base, pool(), true) },
    ]);
    // The first round warmed up.
    const own = ownAll.slice(1);
    const one = oneAll.slice(1);
    console.log(`\n${clients} concurrent clients × ${perClient} allocations on PostgreSQL (allocations per second), ${rounds} rounds after one to warm up`);
    table([
      ...own.map((r, i) => ({ scenario: `each client under its own parent, round ${i + 1}`, 'raw INSERT /s': fmt(r.raw, 0), 'API allocate /s': fmt(r.api, 0), ratio: fmt(r.ratio) })),
      ...one.map((r, i) => ({ scenario: `all clients under one parent, round ${i + 1}`, 'raw INSERT /s': fmt(r.raw, 0), 'API allocate /s': fmt(r.api, 0), ratio: fmt(r.ratio) })),
    ]);
    const o = medianRound(own);
    const s = medianRound(one);
    reportRows([
      { what: `API allocation vs raw guarded INSERT, ${clients} clients, own parents, PostgreSQL (median of ${rounds} rounds)`, measured: `${thousands(o.api)} /s`, baseline: `${thousands(o.raw)} /s`, ratio: o.ratio, must: ['>=', 0.3], goal: ['>=', 0.5] },
      { what: `same, all ${clients} clients under one parent (median of ${rounds} rounds)`, measured: `${thousands(s.api)} /s`, baseline: `${thousands(s.raw)} /s`, ratio: s.ratio, must: ['>=', 0.2], goal: ['>=', 0.3] },
    ]);
  } finally {
    await http.close();
    await reg.close();
  }
}

await main();
