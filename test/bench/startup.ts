/**
 * Start-up cost of the server process: time from spawn to the first /healthz 200, and the
 * server's resident memory right then, on embedded PGlite (fresh data dir, then a second start
 * on the same dir) and on PostgreSQL (fresh database, then a second start). The server runs as
 * `npm start` runs it: `node scripts/start.mjs`, which checks that the bundle is current (and
 * rebuilds it when a source changed) at every start, then imports it; npm's own start-up is
 * measured once apart. The old way, `node --import tsx server/main.ts`, is measured once as the
 * figure before issue 14's bundle. The baseline is a bare node:http server answering /healthz,
 * as plain node too, measured in the same run.
 *   npx tsx test/bench/startup.ts        (PostgreSQL too when TEST_DATABASE_URL or DATABASE_URL is set)
 *   BENCH_RUNS=5 npx tsx test/bench/startup.ts
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { fmt, reportRows, serverUrl, table, type BenchRow } from './support.js';
import { freePort } from '../support/ports.js';
import { processBelow, serverLauncher } from '../support/server-process.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const runs = Number(process.env.BENCH_RUNS || 3);
const token = `ww_bench_startup_${randomBytes(12).toString('hex')}`;

interface Sample {
  ms: number;
  rssMiB: number;
}


function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
  if (!kib) throw new Error(`no VmRSS for pid ${pid}`);
  return kib / 1024;
}

/**
 * Spawns `command` (node itself, not npx or npm, whose wrappers would be the pid we measure,
 * unless npm's own start-up is what is measured: then the server is the process below npm that
 * runs `marker`), polls /healthz, reads VmRSS, stops it with SIGTERM.
 */
async function measure(command: string[], env: Record<string, string>, marker?: string): Promise<Sample> {
  const port = await freePort();
  const what = command.join(' ');
  const started = performance.now();
  const child = spawn(command[0], command.slice(1), {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  let pid = child.pid!;
  try {
    for (;;) {
      if (gone) throw new Error(`${what} exited before answering:\n${stderr}`);
      if (performance.now() - started > 180_000) throw new Error(`${what} did not answer /healthz within 180 s`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (res.status === 200) break;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const ms = performance.now() - started;
    if (marker) pid = processBelow(child.pid!, marker);
    return { ms, rssMiB: rssMiB(pid) };
  } finally {
    if (!gone) {
      process.kill(pid, 'SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`${what} stopped with exit code ${code}:\n${stderr}`);
    }
  }
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function adminSql<T>(url: string, work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function main() {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'waiwang-bench-startup-'));
  const baselineScript = path.join(scratch, 'baseline.mjs');
  fs.writeFileSync(
    baselineScript,
    `import http from 'node:http';
http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"status":"ok"}'); })
  .listen(Number(process.env.PORT), process.env.HOST);
process.on('SIGTERM', () => process.exit(0));
`,
  );
  const node = process.execPath;
  const baselineCommand = [node, baselineScript];
  // What `npm start` runs (package.json), without npm.
  const server = [node, path.join(repoRoot, serverLauncher)];
  const rebuilt = [...server, '--rebuild'];
  const npmStart = ['npm', 'start', '--silent'];
  const underTsx = [node, '--import', 'tsx', path.join(repoRoot, 'server/main.ts')];
  const results: { scenario: string; samples: Sample[] }[] = [];
  const record = (scenario: string, sample: Sample) => {
    let entry = results.find((r) => r.scenario === scenario);
    if (!entry) results.push((entry = { scenario, samples: [] }));
    entry.samples.push(sample);
    process.stderr.write(`  ${scenario}: ${fmt(sample.ms, 0)} ms, ${fmt(sample.rssMiB, 0)} MiB\n`);
  };
  const base = serverUrl();
  // The template data directory a fresh embedded start copies is built by `make setup` (npm run
  // pglite-template) or by the first start ever; build it here, untimed, so every fresh start
  // measured is the usual one.
  const built = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts/pglite-template.ts')], { cwd: repoRoot, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('could not build the PGlite template data directory');
  // Likewise the server's bundle (make setup makes it current): a clean checkout has none, and
  // the first fresh start measured would build it, which the "bundle rebuilt first" row measures.
  const bundled = spawnSync(process.execPath, [path.join(repoRoot, serverLauncher), '--build'], { cwd: repoRoot, stdio: 'inherit' });
  if (bundled.status !== 0) throw new Error('could not build the server bundle');
  try {
    for (let run = 0; run < runs; run++) {
      record('baseline: node:http', await measure(baselineCommand, {}));

      const dataDir = fs.mkdtempSync(path.join(scratch, 'pglite-'));
      const pgliteEnv = { WAIWANG_DATA_DIR: dataDir, WAIWANG_BOOTSTRAP_TOKEN: token };
      record('PGlite, fresh data dir (migrate + seed)', await measure(server, pgliteEnv));
      record('PGlite, second start on the same dir', await measure(server, pgliteEnv));
      fs.rmSync(dataDir, { recursive: true, force: true });
      // The same fresh start when a source file changed since the last: the launcher rebuilds
      // the bundle first (--rebuild forces it; the bundle stays valid for the other rows).
      const rebuiltDir = fs.mkdtempSync(path.join(scratch, 'pglite-rebuilt-'));
      record('PGlite, fresh data dir, bundle rebuilt first', await measure(rebuilt, { WAIWANG_DATA_DIR: rebuiltDir, WAIWANG_BOOTSTRAP_TOKEN: token }));
      fs.rmSync(rebuiltDir, { recursive: true, force: true });
      // The same through npm, as `npm start` / `make start` run it: npm's own start-up included.
      const npmDir = fs.mkdtempSync(path.join(scratch, 'pglite-npm-'));
      record('PGlite, fresh data dir, through npm start', await measure(npmStart, { WAIWANG_DATA_DIR: npmDir, WAIWANG_BOOTSTRAP_TOKEN: token }, serverLauncher));
      fs.rmSync(npmDir, { recursive: true, force: true });
      // Before issue 14's bundle: the server's TypeScript under tsx's loader.
      const tsxDir = fs.mkdtempSync(path.join(scratch, 'pglite-tsx-'));
      record('PGlite, fresh data dir, under tsx (before)', await measure(underTsx, { WAIWANG_DATA_DIR: tsxDir, WAIWANG_BOOTSTRAP_TOKEN: token }));
      fs.rmSync(tsxDir, { recursive: true, force: true });
      // What a fresh start cost before the template: initdb, migrations and seed in WebAssembly.
      const plainDir = fs.mkdtempSync(path.join(scratch, 'pglite-plain-'));
      record('PGlite, fresh data dir without the template (initdb + migrate + seed)', await measure(server, { WAIWANG_DATA_DIR: plainDir, WAIWANG_BOOTSTRAP_TOKEN: token, WAIWANG_PGLITE_TEMPLATE: 'off' }));
      fs.rmSync(plainDir, { recursive: true, force: true });

      if (base) {
        const name = `waiwang_bench_startup_${process.pid}_${run}`;
        const url = new URL(base);
        url.pathname = `/${name}`;
        await adminSql(base, (sql) => sql.unsafe(`CREATE DATABASE ${name}`));
        try {
          const pgEnv = { DATABASE_URL: url.toString(), WAIWANG_DATA_DIR: fs.mkdtempSync(path.join(scratch, 'pg-')), WAIWANG_BOOTSTRAP_TOKEN: token };
          record('PostgreSQL, fresh database (migrate + seed)', await measure(server, pgEnv));
          record('PostgreSQL, second start', await measure(server, pgEnv));
        } finally {
          await adminSql(base, (sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
        }
      }
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }

  const baseline = results[0];
  const baseMs = median(baseline.samples.map((s) => s.ms));
  const baseRss = median(baseline.samples.map((s) => s.rssMiB));
  console.log(`\nserver start-up: spawn → first /healthz 200, and VmRSS of the server then (median of ${runs} runs; node ${process.version}, ${os.cpus().length} CPUs)`);
  table(
    results.map(({ scenario, samples }) => {
      const ms = median(samples.map((s) => s.ms));
      const rss = median(samples.map((s) => s.rssMiB));
      return {
        scenario,
        'start ms': fmt(ms, 0),
        'RSS MiB': fmt(rss, 0),
        'start × baseline': fmt(ms / baseMs, 1),
        'RSS × baseline': fmt(rss / baseRss, 1),
      };
    }),
  );
  if (!base) console.log('(PostgreSQL skipped: set TEST_DATABASE_URL or DATABASE_URL to measure it)');

  // Issue 14's goals are absolute (seconds, MiB on this machine); the baseline column gives the
  // bare node:http server of the same run for scale.
  const of = (scenario: string) => results.find((r) => r.scenario === scenario);
  const figures: BenchRow[] = [];
  const start = (scenario: string, what: string, must?: number, goal?: number) => {
    const r = of(scenario);
    if (!r) return;
    const ms = median(r.samples.map((x) => x.ms));
    figures.push({ what, measured: `${fmt(ms / 1000, 2)} s`, baseline: `${fmt(baseMs / 1000, 2)} s`, ratio: ms / 1000, unit: 's', ...(must ? { must: ['<=', must] as const } : {}), ...(goal ? { goal: ['<=', goal] as const } : {}) });
  };
  const rss = (scenario: string, what: string, must?: number, goal?: number) => {
    const r = of(scenario);
    if (!r) return;
    const mib = median(r.samples.map((x) => x.rssMiB));
    figures.push({ what, measured: `${fmt(mib, 0)} MiB`, baseline: `${fmt(baseRss, 0)} MiB`, ratio: mib, unit: 'MiB', ...(must ? { must: ['<=', must] as const } : {}), ...(goal ? { goal: ['<=', goal] as const } : {}) });
  };
  start('PGlite, fresh data dir (migrate + seed)', 'fresh PGlite start (spawn → first /healthz 200), from the template data directory', 2.5, 1.5);
  start('PGlite, fresh data dir, bundle rebuilt first', 'same, the bundle rebuilt first (the start after a source change)');
  start('PGlite, fresh data dir, through npm start', 'same through `npm start` (npm\'s own start-up included)');
  start('PGlite, fresh data dir, under tsx (before)', 'same under tsx\'s loader (`node --import tsx server/main.ts`, before the bundle)');
  start('PGlite, fresh data dir without the template (initdb + migrate + seed)', 'fresh PGlite start without the template (initdb in WebAssembly, as before issue 14)');
  rss('PGlite, fresh data dir without the template (initdb + migrate + seed)', 'PGlite server RSS after a fresh start without the template');
  rss('PGlite, fresh data dir (migrate + seed)', 'PGlite server RSS after a fresh start', 450, 350);
  rss('PGlite, fresh data dir, under tsx (before)', 'PGlite server RSS after a fresh start under tsx\'s loader (before the bundle)');
  start('PGlite, second start on the same dir', 'PGlite second start on the same data dir');
  rss('PGlite, second start on the same dir', 'PGlite server RSS after a second start');
  start('PostgreSQL, fresh database (migrate + seed)', 'PostgreSQL-backed start, fresh database');
  rss('PostgreSQL, fresh database (migrate + seed)', 'PostgreSQL-backed server RSS after start', 180, 150);
  rss('PostgreSQL, second start', 'PostgreSQL-backed server RSS after a second start', 180, 150);
  reportRows(figures);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
