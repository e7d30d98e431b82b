/**
 * Export of a zone with 50,000 records through GET /api/v1/domains/{id}/zone (authorization,
 * one read-only snapshot, the master file rendered and sent as text/dns) vs the raw SQL select
 * of the same records on the same connection. Goal ≤ 3×.
 *   npx tsx test/bench/dns-zone-export.ts        (PGlite; PostgreSQL too when TEST_DATABASE_URL is set)
 *   BENCH_REPEATS=5 (default) rounds; the median is reported.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { rows } from '../../server/db/client.js';
import { benchToken, call, fmt, openRegistry, reportRows, serverUrl, table, type BenchRegistry } from './support.js';

const records = 50_000;
const repeats = Number(process.env.BENCH_REPEATS || 5);
const zoneName = 'bench.example';

async function fixtures(reg: BenchRegistry): Promise<string> {
  const zone = await call(reg.app, 'POST', '/api/v1/domains', {
    name: zoneName,
    holder: '450000',
    nameservers: [{ name: `ns1.${zoneName}`, addresses: ['10.250.0.53'] }, { name: 'ns.elsewhere.example' }],
  });
  if (zone.status !== 201) throw new Error(`${zone.status} ${JSON.stringify(zone.body)}`);
  // The records straight into their table: what is measured is the export. A mix as a county
  // zone has it: 80 % A, 10 % AAAA, 10 % TXT.
  await reg.database.db.execute(sql`
    INSERT INTO dns_records (domain_id, name, type, value, ttl)
    SELECT ${zone.body.id}, 'host-' || g || '.${sql.raw(zoneName)}',
      CASE WHEN g % 10 = 0 THEN 'AAAA' WHEN g % 10 = 1 THEN 'TXT' ELSE 'A' END,
      CASE WHEN g % 10 = 0 THEN '2001:db8:250::' || to_hex(g)
           WHEN g % 10 = 1 THEN 'asset ' || g || ' 南宁市某局'
           ELSE '10.250.' || (g / 256) % 256 || '.' || g % 256 END,
      3600
    FROM generate_series(1, ${records}) g`);
  return zone.body.id;
}

async function viaApi(reg: BenchRegistry, id: string): Promise<{ ms: number; text: string }> {
  const started = performance.now();
  const res = await reg.app.request(`/api/v1/domains/${id}/zone`, { headers: { authorization: `Bearer ${benchToken}` } });
  const text = await res.text();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`${res.status} ${text.slice(0, 300)}`);
  return { ms, text };
}

async function viaRawSelect(reg: BenchRegistry, id: string): Promise<{ ms: number; count: number }> {
  const started = performance.now();
  const found = await rows(reg.database.db, sql`SELECT name, type, value, ttl FROM dns_records WHERE domain_id = ${id}`);
  return { ms: performance.now() - started, count: found.length };
}

function checkzone(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waiwang-bench-zone-'));
  try {
    fs.writeFileSync(path.join(dir, 'zone.db'), text);
    const out = execFileSync('named-checkzone', ['-k', 'fail', '-i', 'local', zoneName, path.join(dir, 'zone.db')], { encoding: 'utf8' });
    return out.trim().split('\n').pop() ?? '';
  } catch (err) {
    throw new Error(`named-checkzone refused the exported zone: ${(err as { stdout?: string }).stdout ?? err}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function scenario(backend: 'pglite' | 'postgres') {
  const reg = await openRegistry(backend);
  try {
    const id = await fixtures(reg);
    // Warm both paths (JIT, plans, buffers).
    const warm = await viaApi(reg, id);
    const recordLines = warm.text.split('\n').filter((l) => l.startsWith('host-')).length;
    if (recordLines !== records) throw new Error(`the exported zone has ${recordLines} records, not ${records}`);
    const checked = checkzone(warm.text);
    const { count } = await viaRawSelect(reg, id);
    if (count !== records) throw new Error(`the raw select found ${count} records`);

    const api: number[] = [];
    const raw: number[] = [];
    for (let r = 0; r < repeats; r++) {
      api.push((await viaApi(reg, id)).ms);
      raw.push((await viaRawSelect(reg, id)).ms);
    }
    const apiMs = median(api);
    const rawMs = median(raw);
    return {
      backend,
      records,
      'zone MiB': fmt(Buffer.byteLength(warm.text) / 1048576),
      'API ms': fmt(apiMs, 0),
      'raw select ms': fmt(rawMs, 0),
      'API/raw time': fmt(apiMs / rawMs),
      'named-checkzone': checked,
    };
  } finally {
    await reg.close();
  }
}

const results = [await scenario('pglite')];
if (serverUrl()) results.push(await scenario('postgres'));
table(results);
const worst = Math.max(...results.map((r) => Number(r['API/raw time'])));
console.log(`goal ≤ 3× the raw select: ${worst <= 3 ? 'met' : 'NOT met'} (worst ${fmt(worst)}×)`);
reportRows(
  results.map((r) => ({
    what: `zone export of ${records.toLocaleString('en-US')} records vs raw select, ${r.backend === 'pglite' ? 'PGlite' : 'PostgreSQL'}`,
    measured: `${r['API ms']} ms`,
    baseline: `${r['raw select ms']} ms`,
    ratio: Number(r['API/raw time']),
    goal: ['<=', 3] as const,
  })),
);
process.exit(0);
