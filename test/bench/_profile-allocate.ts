/**
 * Where the milliseconds of one allocation go (issue 14's profile; not part of `npm run bench`,
 * the leading `_` keeps run.ts from picking it up).
 *
 *   TEST_DATABASE_URL=postgres://… node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof \
 *     test/bench/_profile-allocate.ts
 *   npx tsx test/bench/_cpu-summary.ts /tmp/prof/*.cpuprofile
 *
 * It allocates N /28s one after the other through app.request() (no socket, so the HTTP layer
 * measured is Hono's), on a fresh PostgreSQL database, and reports per allocation: the wall
 * time, the statements the driver sent (postgres.js `debug` hook), and, from the server's log
 * (`log_min_duration_statement = 0` set on the bench database only; pg_stat_statements is not
 * preloaded on the shared server), the time PostgreSQL spent executing each kind of statement.
 * What is left is Node CPU plus the loopback round trips.
 */
import fs from 'node:fs';
import pino from 'pino';
import postgres from 'postgres';
import { createApp } from '../../server/app.js';
import { defaultPostgresTimeouts, openPostgres } from '../../server/db/client.js';
import { call, fmt, openRegistry, serverUrl, table } from './support.js';

const n = Number(process.env.PROFILE_ALLOCATIONS || 300);
const logFile = process.env.PG_LOG || '/var/log/postgresql/postgresql-15-main.log';

if (!serverUrl()) {
  console.log('_profile-allocate: set TEST_DATABASE_URL');
  process.exit(0);
}

const reg = await openRegistry('postgres', 4);
const dbName = new URL(reg.url!).pathname.slice(1);
const pool = await call(reg.app, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
const parent = await call(reg.app, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 16, holder: '450100', status: 'allocated' });
const parentId = parent.body.id;

// A second client on the same database, opened after the setting, so its sessions log.
await reg.raw!.unsafe(`ALTER DATABASE ${dbName} SET log_min_duration_statement = 0`);
let statements = 0;
const texts = new Map<string, number>();
const database = await openPostgres(reg.url!, 1, defaultPostgresTimeouts, {
  debug: (_conn: number, query: string) => {
    statements++;
    const key = query.replace(/\s+/g, ' ').slice(0, 90);
    texts.set(key, (texts.get(key) ?? 0) + 1);
  },
});
const app = createApp({ database, config: reg.config, log: pino({ level: 'silent' }), now: () => new Date() });
const req = (i: number) =>
  app.request(`/api/v1/prefixes/${parentId}/allocate`, {
    method: 'POST',
    headers: { authorization: 'Bearer ww_bench_admin_token_00000000000000000000', 'content-type': 'application/json' },
    body: JSON.stringify({ prefixLength: 28, holder: '450102', status: 'allocated', description: `p${i}` }),
  });
for (let i = 0; i < 20; i++) await (await req(i)).arrayBuffer(); // warm-up: JIT, prepared statements
statements = 0;
texts.clear();
const logStart = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
const cpuStart = process.cpuUsage();
const started = performance.now();
for (let i = 0; i < n; i++) {
  const res = await req(i);
  if (res.status !== 201) throw new Error(`${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}
const wallMs = (performance.now() - started) / n;
const cpu = process.cpuUsage(cpuStart);
const cpuMs = (cpu.user + cpu.system) / 1000 / n;
await new Promise((r) => setTimeout(r, 300));

// PostgreSQL's own execution time per statement kind, from its log.
const byKind = new Map<string, { ms: number; count: number }>();
let serverMs = 0;
if (fs.existsSync(logFile)) {
  const fd = fs.openSync(logFile, 'r');
  const size = fs.statSync(logFile).size;
  const buf = Buffer.alloc(size - logStart);
  fs.readSync(fd, buf, 0, buf.length, logStart);
  fs.closeSync(fd);
  for (const line of buf.toString('utf8').split('\n')) {
    if (!line.includes(`@${dbName} `)) continue;
    const m = /duration: ([\d.]+) ms\s+(?:statement|execute [^:]*|parse [^:]*|bind [^:]*):\s*(.*)$/.exec(line);
    if (!m) continue;
    const phase = /duration: [\d.]+ ms\s+(parse|bind|execute|statement)/.exec(line)?.[1] ?? '?';
    const key = `${phase.padEnd(9)} ${m[2].replace(/\s+/g, ' ').slice(0, 80)}`;
    const k = byKind.get(key) ?? { ms: 0, count: 0 };
    k.ms += Number(m[1]);
    k.count++;
    byKind.set(key, k);
    serverMs += Number(m[1]);
  }
}
await reg.raw!.unsafe(`ALTER DATABASE ${dbName} RESET log_min_duration_statement`);
await database.close();
await reg.close();

console.log(`\none allocation (${n} sequential, PostgreSQL, app.request): ${fmt(wallMs)} ms wall, ${fmt(cpuMs)} ms Node CPU, ${fmt(statements / n, 1)} statements sent`);
table(
  [...texts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([q, c]) => ({ 'per allocation': fmt(c / n, 2), statement: q })),
);
console.log(`\nPostgreSQL execution time per allocation (parse + bind + execute, from its log): ${fmt(serverMs / n, 3)} ms`);
table(
  [...byKind.entries()]
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, 25)
    .map(([q, k]) => ({ 'ms / allocation': fmt(k.ms / n, 3), 'count / allocation': fmt(k.count / n, 2), statement: q })),
);
void postgres;
