import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { inject } from 'vitest';
import { createApp, type App } from '../../server/app.js';
import { loadConfig, type Config } from '../../server/config.js';
import { openPglite, openPostgres, type Database } from '../../server/db/client.js';
import { Sealer } from '../../server/modules/audit/sealer.js';
import { adminToken, pgliteTemplatePath, testRoot, withDatabase } from './databases.js';

export type Backend = 'pglite' | 'postgres';

/** Every database test runs on PGlite, and on PostgreSQL too when TEST_DATABASE_URL is set. */
export const backends: Backend[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface CallOptions {
  token?: string | null;
  body?: unknown;
  /** A raw body sent as is (for malformed JSON, CSV, oversized bodies). */
  raw?: string | Uint8Array;
  headers?: Record<string, string>;
}

export interface Reply<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface TestApp {
  backend: Backend;
  app: App;
  database: Database;
  config: Config;
  sealer: Sealer;
  adminToken: string;
  /** The clock the app sees; tests move it. */
  clock: { now: Date };
  call<T = any>(method: string, path: string, options?: CallOptions): Promise<Reply<T>>;
  /** Creates a user with a token and returns the token. */
  userToken(role: string, unit: string, username?: string): Promise<string>;
  close(): Promise<void>;
}

let counter = 0;

export async function startTestApp(backend: Backend, overrides: Partial<Config> = {}): Promise<TestApp> {
  const dir = fs.mkdtempSync(path.join(testRoot, `app-${process.pid}-`));
  const config: Config = {
    ...loadConfig({}),
    dataDir: dir,
    auditAnchorPath: path.join(dir, 'audit-anchors.log'),
    bootstrapToken: adminToken,
    ...overrides,
  };
  let database: Database;
  let dropDatabase = async () => {};
  if (backend === 'pglite') {
    database = await openPglite(undefined, new Blob([fs.readFileSync(inject('pgliteTemplate'))]));
  } else {
    const serverUrl = process.env.TEST_DATABASE_URL!;
    const template = inject('templateDatabase');
    const name = `waiwang_t_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;
    await withDatabase(serverUrl, async (sql) => {
      // Two files copying the template at once collide (55006): wait and retry.
      for (let attempt = 0; ; attempt++) {
        try {
          await sql.unsafe(`CREATE DATABASE ${name} TEMPLATE ${template}`);
          return;
        } catch (err) {
          if ((err as { code?: string }).code !== '55006' || attempt > 50) throw err;
          await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
        }
      }
    });
    const u = new URL(serverUrl);
    u.pathname = `/${name}`;
    database = await openPostgres(u.toString(), 20);
    dropDatabase = () => withDatabase(serverUrl, async (sql) => void (await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
  }
  const clock = { now: new Date() };
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const app = createApp({ database, config, log, now: () => new Date(clock.now.getTime()) });
  const sealer = new Sealer(database.db, config.auditAnchorPath, log, config.auditHash);

  const call = async <T>(method: string, url: string, options: CallOptions = {}): Promise<Reply<T>> => {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? adminToken : options.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | Uint8Array | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    if (body !== undefined && headers['content-length'] === undefined) {
      headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : (body as Uint8Array).byteLength);
    }
    const res = await app.request(url, { method, headers, body: body as never });
    const text = await res.text();
    let parsed: unknown = text;
    const type = res.headers.get('content-type') ?? '';
    if (type.includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, body: parsed as T, text, headers: res.headers };
  };

  const userToken = async (role: string, unit: string, username?: string) => {
    const name = username ?? `${role}-${unit.toLowerCase()}-${randomBytes(3).toString('hex')}`;
    const created = await call('POST', '/api/v1/users', { body: { username: name, displayName: name, unit, role } });
    if (created.status !== 201) throw new Error(`could not create ${role} of ${unit}: ${created.text}`);
    const issued = await call<{ token: string }>('POST', `/api/v1/users/${name}/tokens`, { body: {} });
    if (issued.status !== 201) throw new Error(`could not issue a token: ${issued.text}`);
    return issued.body.token;
  };

  return {
    backend,
    app,
    database,
    config,
    sealer,
    adminToken,
    clock,
    call,
    userToken,
    close: async () => {
      await sealer.stop();
      await database.close();
      await dropDatabase();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Counts rows of a table: "nothing changed" checks compare counts before and after. */
export async function countRows(t: TestApp, table: string): Promise<number> {
  const { rows } = await import('../../server/db/client.js');
  const { sql } = await import('drizzle-orm');
  const [row] = await rows<{ n: string | number }>(t.database.db, sql.raw(`SELECT count(*) AS n FROM ${table}`));
  return Number(row.n);
}
