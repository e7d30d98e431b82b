import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { sql, type ExtractTablesWithRelations, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything a query can run on: the database or an open transaction. */
export type Executor = Db | Tx;

export interface Database {
  db: Db;
  driver: 'pglite' | 'postgres';
  /** Connections the driver may open (PGlite: one). */
  poolSize: number;
  close(): Promise<void>;
}

/** Rows of a raw `sql` query; the two drivers shape execute() results differently. */
export async function rows<T = Record<string, unknown>>(db: Executor, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/**
 * The id a bigserial column will give the next row, taken before the insert, for a row whose
 * content has to name its own id (a secret sealed for its row, see crypto/secret-box.ts).
 */
export async function nextSerialId(db: Executor, table: 'devices' | 'webhooks'): Promise<number> {
  const [{ id }] = await rows<{ id: string | number }>(db, sql`SELECT nextval(pg_get_serial_sequence(${table}, 'id')) AS id`);
  return Number(id);
}

/** `options`: extra postgres.js options (the profiler passes `debug` to count statements). */
export async function openPostgres(url: string, poolSize = 10, options: postgres.Options<Record<string, postgres.PostgresType>> = {}): Promise<Database> {
  const client = postgres(url, {
    max: poolSize,
    onnotice: () => {},
    ...options,
  });
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  return { db, driver: 'postgres', poolSize, close: () => client.end({ timeout: 5 }) };
}

/**
 * PGlite does not lock its data directory, and two processes writing one directory corrupt
 * it. A lock file holding our pid refuses a second server; a lock left by a dead process
 * (kill -9) is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const lockPath = path.join(dataDir, 'waiwang.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(lockPath, 'utf8') === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(lockPath, 'utf8'));
      if (holder && holder !== process.pid && processAlive(holder)) {
        throw new DataDirLockedError(dataDir, holder);
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new DataDirLockedError(dataDir, 0);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class DataDirLockedError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `the data directory ${dataDir} is in use by another waiwang server (pid ${pid}); ` +
        `embedded PGlite serves one process per directory: stop that server, or set WAIWANG_DATA_DIR ` +
        `to another directory, or use DATABASE_URL for several servers`,
    );
    this.name = 'DataDirLockedError';
  }
}

export async function openPglite(dataDir: string | undefined, loadDataDir?: Blob): Promise<Database> {
  let unlock = () => {};
  if (dataDir) {
    fs.mkdirSync(dataDir, { recursive: true });
    unlock = lockDataDir(dataDir);
  }
  try {
    const pgDir = dataDir ? path.join(dataDir, 'pg') : undefined;
    const client = await PGlite.create(pgDir ?? 'memory://', { extensions: { btree_gist }, loadDataDir });
    const db = drizzlePglite(client, { schema }) as unknown as Db;
    return {
      db,
      driver: 'pglite',
      poolSize: 1,
      close: async () => {
        await client.close();
        unlock();
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}

export function openDatabase(config: { databaseUrl?: string; dataDir: string }): Promise<Database> {
  return config.databaseUrl ? openPostgres(config.databaseUrl) : openPglite(config.dataDir);
}
