/**
 * The next free host address through the HTTP API on PostgreSQL, 16 concurrent clients each in
 * its own assigned prefix, vs 16 clients doing raw INSERTs of the same kind of rows into the
 * same table with the same constraints and triggers (the unique (vrf, address) index, the
 * containment triggers). Also all 16 clients in one prefix, serialized by its row lock by
 * design, against the same baseline. No issue sets a goal yet: the figures track what issue 14's
 * one-statement write (migration 0020) gives the most frequent write of a county operator.
 *   TEST_DATABASE_URL=postgres://… npx tsx test/bench/ipam-addresses.ts
 */
import { formatAddress, parseCidr } from '../../server/net/cidr.js';
import { benchRounds, call, fmt, listen, loadFromWorker, medianRound, openRegistry, ratioRounds, reportRows, serverUrl, table, thousands } from './support.js';

const clients = 16;
const perClient = Number(process.env.BENCH_PER_CLIENT || 100);

/** A department holding clients + 1 assigned /20s under Nanning's /12. */
async function prefixesFor(reg: Awaited<ReturnType<typeof openRegistry>>): Promise<{ id: string; cidr: string }[]> {
  const pool = await call(reg.app, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
  const city = await call(reg.app, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 12, holder: '450100', status: 'allocated' });
  const dept = await call(reg.app, 'POST', '/api/v1/units', { code: 'NN-BENCH', name: '南宁市基准测试局', parent: '450100', kind: 'department' });
  if (dept.status !== 201) throw new Error(JSON.stringify(dept.body));
  const blocks = await call(reg.app, 'POST', `/api/v1/prefixes/${city.body.id}/allocate`, { prefixLength: 20, holder: 'NN-BENCH', status: 'assigned', count: clients + 1 });
  if (blocks.status !== 201) throw new Error(JSON.stringify(blocks.body));
  return blocks.body.items;
}

async function viaApi(samePrefix: boolean) {
  const reg = await openRegistry('postgres', 24);
  const http = await listen(reg.app);
  try {
    const blocks = await prefixesFor(reg);
    const ms = await loadFromWorker(http.base, clients, perClient, (c) => ({
      method: 'POST',
      path: `/api/v1/prefixes/${blocks[samePrefix ? clients : c].id}/addresses`,
      body: { hostname: `host-${c}` },
      expect: 201,
    }));
    return (clients * perClient) / (ms / 1000);
  } finally {
    await http.close();
    await reg.close();
  }
}

/** The same rows, inserted raw: the constraints and triggers still run, nothing else does. */
async function viaRawInsert(samePrefix: boolean) {
  const reg = await openRegistry('postgres', 24);
  try {
    const sql = reg.raw!;
    const blocks = await prefixesFor(reg);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        const block = blocks[samePrefix ? clients : c];
        const network = parseCidr(block.cidr).network;
        for (let i = 0; i < perClient; i++) {
          const host = formatAddress(4, network + 1n + BigInt(samePrefix ? c * perClient + i : i));
          await sql`INSERT INTO addresses (vrf_id, prefix_id, address, holder_code, hostname)
                    VALUES (1, ${Number(block.id)}, ${host}::inet, 'NN-BENCH', ${`host-${c}`})`;
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
    console.log('ipam-addresses: skipped — set TEST_DATABASE_URL (PostgreSQL) to run it; PGlite has one connection.');
    return;
  }
  const rounds = benchRounds();
  const [own, one] = await ratioRounds(rounds, [
    { raw: () => viaRawInsert(false), api: () => viaApi(false) },
    { raw: () => viaRawInsert(true), api: () => viaApi(true) },
  ]);
  console.log(`\n${clients} concurrent clients × ${perClient} next free addresses on PostgreSQL (addresses per second), ${rounds} rounds`);
  table([
    ...own.map((r, i) => ({ scenario: `each client in its own prefix, round ${i + 1}`, 'raw INSERT /s': fmt(r.raw, 0), 'API next free /s': fmt(r.api, 0), ratio: fmt(r.ratio) })),
    ...one.map((r, i) => ({ scenario: `all clients in one prefix, round ${i + 1}`, 'raw INSERT /s': fmt(r.raw, 0), 'API next free /s': fmt(r.api, 0), ratio: fmt(r.ratio) })),
  ]);
  const o = medianRound(own);
  const s = medianRound(one);
  reportRows([
    { what: `API next free address vs raw guarded INSERT, ${clients} clients, own prefixes, PostgreSQL (median of ${rounds} rounds)`, measured: `${thousands(o.api)} /s`, baseline: `${thousands(o.raw)} /s`, ratio: o.ratio },
    { what: `same, all ${clients} clients in one prefix (median of ${rounds} rounds)`, measured: `${thousands(s.api)} /s`, baseline: `${thousands(s.raw)} /s`, ratio: s.ratio },
  ]);
}

await main();
