import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import pino from 'pino';
import postgres from 'postgres';
import { createApp, type App } from '../../server/app.js';
import { prepare } from '../../server/bootstrap.js';
import { loadConfig, type Config } from '../../server/config.js';
import { openPglite, openPostgres, type Database } from '../../server/db/client.js';

/** Shared by the benchmarks: a fresh, migrated and seeded registry on either database. */
export const benchToken = 'ww_bench_admin_token_00000000000000000000';

export function serverUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;
}

export interface BenchRegistry {
  database: Database;
  app: App;
  config: Config;
  /** Raw SQL on its own connection pool, for baselines. */
  raw?: postgres.Sql;
  url?: string;
  close(): Promise<void>;
}

export async function openRegistry(backend: 'pglite' | 'postgres', poolSize = 20): Promise<BenchRegistry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waiwang-bench-'));
  const config: Config = { ...loadConfig({}), dataDir: dir, auditAnchorPath: path.join(dir, 'anchors.log'), bootstrapToken: benchToken };
  let database: Database;
  let raw: postgres.Sql | undefined;
  let url: string | undefined;
  let drop = async () => {};
  if (backend === 'pglite') {
    database = await openPglite(undefined);
  } else {
    const base = serverUrl();
    if (!base) throw new Error('set TEST_DATABASE_URL or DATABASE_URL for the PostgreSQL benchmarks');
    const name = `waiwang_bench_${randomBytes(4).toString('hex')}`;
    const admin = postgres(base, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(base);
    u.pathname = `/${name}`;
    url = u.toString();
    database = await openPostgres(url, poolSize);
    raw = postgres(url, { max: poolSize, onnotice: () => {} });
    drop = async () => {
      const a = postgres(base, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    };
  }
  await prepare(database, config);
  const app = createApp({ database, config, log: pino({ level: 'silent' }), now: () => new Date() });
  return {
    database,
    app,
    config,
    raw,
    url,
    close: async () => {
      await raw?.end({ timeout: 5 });
      await database.close();
      await drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function call(app: App, method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await app.request(url, {
    method,
    headers: { authorization: `Bearer ${benchToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Serves the app over real HTTP on a free loopback port. */
export async function listen(app: App): Promise<{ base: string; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server: ServerType = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({ base: `http://127.0.0.1:${info.port}`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summary(samplesMs: number[]): { p50: number; p99: number; n: number } {
  const s = [...samplesMs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), n: s.length };
}

export const fmt = (n: number, digits = 2) => n.toFixed(digits);

/** One round of a throughput benchmark: the baseline's rate, the API's, and their ratio. */
export interface RatioRound {
  raw: number;
  api: number;
  ratio: number;
}

/**
 * Baselines swing from run to run on a shared 2-core machine (raw guarded INSERTs between 1,345
 * and 2,160 /s on one machine minutes apart, 2026-12-02), and a single pair of runs can land on
 * either side of a "must". So each scenario runs `rounds` times, its baseline and its API side
 * back to back in each round (both see the machine as it is then), scenarios interleaved;
 * report the median round (medianRound). Resolves with each scenario's rounds, in order.
 */
export async function ratioRounds(rounds: number, scenarios: { raw: () => Promise<number>; api: () => Promise<number> }[]): Promise<RatioRound[][]> {
  const out: RatioRound[][] = scenarios.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, s] of scenarios.entries()) {
      const raw = await s.raw();
      const api = await s.api();
      out[i].push({ raw, api, ratio: api / raw });
    }
  }
  return out;
}

/** The round whose ratio is the median (the lower middle one of an even count), with its own rates. */
export function medianRound(list: RatioRound[]): RatioRound {
  if (!list.length) throw new Error('medianRound: no rounds');
  const sorted = [...list].sort((a, b) => a.ratio - b.ratio);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** BENCH_ROUNDS, 3 unless set: how many rounds ratioRounds runs. */
export const benchRounds = () => Math.max(1, Number(process.env.BENCH_ROUNDS || 3));


export function table(rows: Record<string, string | number>[]): void {
  if (!rows.length) return;
  const cols = Object.keys(rows[0]);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(width[i])).join('  ');
  console.log(line(cols));
  for (const r of rows) console.log(line(cols.map((c) => String(r[c]))));
}

// ---- the figures `npm run bench` gathers into its one closing table ---------------------------

/** `['>=', 0.5]`: the ratio must be at least 0.5; `['<=', 3]`: at most 3. */
export type Bound = readonly ['>=' | '<=', number];

/**
 * One figure of the closing table. Every benchmark reports its figures with {@link reportRows}
 * (any number, any benchmark), and run.ts prints them all as one Markdown table: the README's
 * benchmark section is that table.
 */
export interface BenchRow {
  /** what is measured, with its conditions (backend, size, clients) */
  what: string;
  /** the measured figure, with its unit ('1,234 /s', '152 ms', '312 MiB') */
  measured: string;
  /** the baseline measured in the same run, with its unit; '—' for an absolute figure */
  baseline: string;
  /** the figure the goal is about: measured ÷ baseline, or the absolute number for an absolute goal */
  ratio: number;
  /** the issue's minimum ("must") and its goal, when it has them */
  must?: Bound;
  goal?: Bound;
  /** printed after the ratio: '×' (default) for a ratio, 's', 'MiB' for an absolute figure */
  unit?: string;
}

const holds = (value: number, bound?: Bound) => bound === undefined || (bound[0] === '>=' ? value >= bound[1] : value <= bound[1]);
const boundText = (b: Bound | undefined, unit: string) => (b ? `${b[0] === '>=' ? '≥' : '≤'} ${b[1]}${unit === '×' ? '×' : ` ${unit}`}` : '—');

/** met: 'goal' when the goal holds, 'must' when only the minimum does, 'NO' when not even that. */
export function verdict(row: BenchRow): string {
  if (!row.must && !row.goal) return '—';
  if (row.goal && holds(row.ratio, row.goal) && holds(row.ratio, row.must)) return 'goal';
  if (row.must && holds(row.ratio, row.must)) return 'must';
  if (!row.must && row.goal && holds(row.ratio, row.goal)) return 'goal';
  return 'NO';
}

function ratioText(row: BenchRow): string {
  const unit = row.unit ?? '×';
  const digits = Math.abs(row.ratio) >= 100 ? 0 : 2;
  return unit === '×' ? `${row.ratio.toFixed(digits)}×` : `${row.ratio.toFixed(digits)} ${unit}`;
}

/** The closing table, Markdown. */
export function markdownTable(rows: BenchRow[]): string {
  const lines = ['| what | measured | baseline | ratio | must | goal | met |', '|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    const unit = r.unit ?? '×';
    lines.push(`| ${r.what} | ${r.measured} | ${r.baseline} | ${ratioText(r)} | ${boundText(r.must, unit)} | ${boundText(r.goal, unit)} | ${verdict(r)} |`);
  }
  return lines.join('\n');
}

/**
 * Reports a benchmark's figures: printed here as a table, and appended (one JSON line each) to
 * the file run.ts names in WAIWANG_BENCH_ROWS, from which it builds the closing table.
 */
export function reportRows(rows: BenchRow[]): void {
  if (!rows.length) return;
  console.log(`\n${markdownTable(rows)}`);
  const file = process.env.WAIWANG_BENCH_ROWS;
  if (file) fs.appendFileSync(file, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/** 12345.6 → '12,346' */
export const thousands = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** How often `key` occurs in `body`: a plain loop, ~2× faster than Buffer.indexOf once per item. */
function occurrences(body: Buffer, key: Buffer): number {
  const last = key.length - 1;
  const end = key[last];
  let n = 0;
  next: for (let i = last; i < body.length; i++) {
    if (body[i] !== end) continue;
    for (let k = 1; k <= last; k++) if (body[i - k] !== key[last - k]) continue next;
    n++;
  }
  return n;
}

/**
 * Walks every page of a keyset-paged list as a client would, until the whole body of each page is
 * delivered, and returns the bodies as bytes; countItems() counts them afterwards, outside the
 * timed walk. Only the next cursor is read off each page's tail on the way, because decoding a
 * page into a string, like parsing its 1,000 objects or scanning it for its items, is the
 * client's cost, not the API's (measured: TextDecoder took ~1.3 ms of a ~360 KB page holding
 * Chinese holder names — longer than the API took to build it; the raw select it is compared
 * with decodes no such text).
 */
export async function walkPages(app: { request(path: string, init?: RequestInit): Response | Promise<Response> }, path: string): Promise<Buffer[]> {
  let cursor: string | null = null;
  const pages: Buffer[] = [];
  do {
    const res = await app.request(`${path}${path.includes('?') ? '&' : '?'}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: { authorization: `Bearer ${benchToken}` } });
    const body = Buffer.from(await res.arrayBuffer());
    pages.push(body);
    // The body ends with "nextCursor":"…"} or "nextCursor":null}; a cursor is short ASCII.
    const tail = body.subarray(Math.max(0, body.length - 512)).toString('latin1');
    cursor = /"nextCursor":(?:"([^"]*)"|null)\}$/.exec(tail)?.[1] ?? null;
  } while (cursor);
  return pages;
}

/** The items of walked pages, by a key each item carries once (`"cidr":`). */
export function countItems(pages: Buffer[], itemKey: string): number {
  const key = Buffer.from(`"${itemKey}":`);
  return pages.reduce((n, page) => n + occurrences(page, key), 0);
}

/** One client's requests for loadFromWorker: the same request `perClient` times. */
export interface ClientPlan {
  method: string;
  path: string;
  body?: unknown;
  /** The status every answer must have. */
  expect: number;
}

/**
 * Runs `clients` concurrent keep-alive HTTP clients, each sending its plan's request
 * `perClient` times one after the other, on a worker thread (load-worker.mjs), so the
 * server's event loop serves requests instead of also making them. Resolves with the
 * wall time in ms; rejects on the first unexpected status.
 *
 * One worker serves every call of the process: a new worker is a new V8 isolate whose code is
 * compiled afresh, on the threads V8 shares with the server, while the clock runs (issue 14:
 * 0.3 ms of background compilation per request of a 1,600-request round, a third of the
 * server's own CPU, counted against the API in every round).
 */
export async function loadFromWorker(base: string, clients: number, perClient: number, plan: (client: number) => ClientPlan): Promise<number> {
  const requests = Array.from({ length: clients }, (_, c) => plan(c));
  const worker = await loadWorker();
  worker.ref();
  try {
    const outcome = await new Promise<{ ms: number; failure?: string }>((resolve, reject) => {
      const fail = (err: unknown) => {
        loadWorkerMade = undefined;
        reject(err);
      };
      worker.once('error', fail);
      worker.once('message', (m) => {
        worker.off('error', fail);
        resolve(m);
      });
      worker.postMessage({ base, token: benchToken, perClient, requests });
    });
    if (outcome.failure) throw new Error(outcome.failure);
    return outcome.ms;
  } finally {
    // Idle between calls, it must not keep the benchmark's process alive.
    worker.unref();
  }
}

let loadWorkerMade: Promise<import('node:worker_threads').Worker> | undefined;
function loadWorker() {
  return (loadWorkerMade ??= import('node:worker_threads').then(({ Worker }) => new Worker(new URL('./load-worker.mjs', import.meta.url))));
}
