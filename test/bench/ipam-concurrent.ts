/**
 * 16 concurrent clients allocating through the HTTP API on PostgreSQL, each under its own
 * parent, vs 16 clients doing raw INSERTs of the same rows into the same table with the same
 * constraints (goal ≥ 0.5×). Also the 16 clients all under one parent — serialized by the
 * parent's row lock by design — against the same baseline.
 *   TEST_DATABASE_URL=postgres://… npx tsx test/bench/ipam-concurrent.ts
 */
import { addressCount, cidrOf, parseCidr } from '../../server/net/cidr.js';
import { benchRounds, call, fmt, listen, loadFromWorker, medianRound, openRegistry, ratioRounds, reportRows, serverUrl, table, thousands } from './support.js';

const clients = 16;
const perClient = Number(process.env.BENCH_PER_CLIENT || 100);

async function viaApi(sameParent: boolean) {
  const reg = await openRegistry('postgres', 24);
  const http = await listen(reg.app);
  try {
    const pool = await call(reg.app, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
    const parents = await call(reg.app, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 16, holder: '450100', status: 'allocated', count: clients });
    const parentIds: string[] = parents.body.items.map((p: { id: string }) => p.id);
    const ms = await loadFromWorker(http.base, clients, perClient, (c) => ({
      method: 'POST',
      path: `/api/v1/prefixes/${sameParent ? parentIds[0] : parentIds[c]}/allocate`,
      body: { prefixLength: 28, holder: '450102', status: 'allocated' },
      expect: 201,
    }));
    return (clients * perClient) / (ms / 1000);
  } finally {
    await http.close();
    await reg.close();
  }
}

/** The same rows, inserted raw: the constraints and triggers still run, nothing else does. */
async function viaRawInsert(sameParent: boolean) {
  const reg = await openRegistry('postgres', 24);
  try {
    const sql = reg.raw!;
    const pool = await call(reg.app, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
    const parents = await call(reg.app, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 16, holder: '450100', status: 'allocated', count: clients });
    const parentRows: { id: string; cidr: string }[] = parents.body.items;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        const parent = sameParent ? parentRows[0] : parentRows[c];
        const p = parseCidr(parent.cidr);
        const size = addressCount(cidrOf(4, 0n, 28));
        for (let i = 0; i < perClient; i++) {
          const n = sameParent ? c * perClient + i : i;
          const block = cidrOf(4, p.network + BigInt(n) * size, 28);
          await sql`INSERT INTO prefixes (vrf_id, parent_id, family, prefix, status, holder_code, total_addresses)
                    VALUES (1, ${Number(parent.id)}, 4, ${block.text}::cidr, 'allocated', '450102', 16)`;
        }
      }),
    );
    return (clients * perClient) / ((performance.now() - started) / 1000);
  } finally {
    await reg.close();
  }
}

async function main() {
  if (!serverUrl()) {
    console.log('ipam-concurrent: skipped — set TEST_DATABASE_URL (PostgreSQL) to run it; PGlite has one connection.');
    return;
  }
  const rounds = benchRounds();
  const [own, one] = await ratioRounds(rounds, [
    { raw: () => viaRawInsert(false), api: () => viaApi(false) },
    { raw: () => viaRawInsert(true), api: () => viaApi(true) },
  ]);
  console.log(`\n${clients} concurrent clients × ${perClient} allocations on PostgreSQL (allocations per second), ${rounds} rounds`);
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
}

await main();
