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

export function table(rows: Record<string, string | number>[]): void {
  if (!rows.length) return;
  const cols = Object.keys(rows[0]);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(width[i])).join('  ');
  console.log(line(cols));
  for (const r of rows) console.log(line(cols.map((c) => String(r[c]))));
}
