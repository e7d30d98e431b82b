import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { sql, type ExtractTablesWithRelations, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.js';
import { pipelineTransactions, prepareSmallStatementsOf } from './pipelined.js';

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
  /**
   * PostgreSQL: LISTEN on a channel (its own connection, re-established by postgres.js, which
   * then calls `onListen` again). Absent on PGlite, which serves one process.
   */
  listen?(channel: string, onMessage: (payload: string) => void, onListen: () => void): Promise<unknown>;
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

/**
 * Bounds on how long a request can wait for PostgreSQL, so that a stopped or stuck database
 * answers 503 within seconds instead of holding the client (postgres.js waits 30 s to connect
 * and PostgreSQL never ends a statement or an abandoned transaction by default).
 */
export interface PostgresTimeouts {
  /** Seconds to open a connection (TCP, startup, auth) before the query fails: WAIWANG_DB_CONNECT_TIMEOUT_S. */
  connectTimeoutS: number;
  /** PostgreSQL's statement_timeout, ms (0: none): WAIWANG_DB_STATEMENT_TIMEOUT_MS. */
  statementTimeoutMs: number;
  /** PostgreSQL's idle_in_transaction_session_timeout, ms: a transaction left open by a stalled process releases its locks. WAIWANG_DB_IDLE_TX_TIMEOUT_MS. */
  idleInTransactionTimeoutMs: number;
}

export const defaultPostgresTimeouts: PostgresTimeouts = { connectTimeoutS: 5, statementTimeoutMs: 30_000, idleInTransactionTimeoutMs: 60_000 };

/** `options`: extra postgres.js options (the profiler passes `debug` to count statements). */
export async function openPostgres(
  url: string,
  poolSize = 10,
  timeouts: PostgresTimeouts = defaultPostgresTimeouts,
  options: postgres.Options<Record<string, postgres.PostgresType>> = {},
): Promise<Database> {
  const connect = (max: number) => postgres(url, {
    max,
    onnotice: () => {},
    connect_timeout: timeouts.connectTimeoutS,
    // postgres.js waits before every reconnection, growing to 20 s after seven failures (its
    // default backoff, 3^n/100 s), and a query that arrives meanwhile waits with it: measured
    // during a 10 s outage (test/resilience/long/outage.test.ts), requests took 21 s to be told
    // 503 and the pool took 11 s to notice PostgreSQL was back. A reconnection on loopback or a
    // LAN costs next to nothing, so retry within a second at most.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    // Startup parameters: the server applies them to every session of the pool, reconnects included.
    connection: {
      application_name: 'waiwang',
      statement_timeout: timeouts.statementTimeoutMs,
      idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs,
    },
    ...options,
  });
  const client = connect(poolSize);
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  pipelineTransactions(db, client);
  const batchClient = connect(batchConnections);
  // Shared statements' connections prepare what they send, as the pool's do (pipelined.ts).
  const statementDb = (c: postgres.Sql) => {
    const d = drizzlePostgres(c, { schema }) as unknown as Db;
    prepareSmallStatementsOf(d);
    return d;
  };
  batchDatabases.set(db, statementDb(batchClient));
  const ownClients: postgres.Sql[] = [];
  connectionOpeners.set(db, () => {
    const own = connect(1);
    ownClients.push(own);
    return statementDb(own);
  });
  return {
    db,
    driver: 'postgres',
    get poolSize() {
      return poolSize + batchConnections + ownClients.length;
    },
    listen: (channel, onMessage, onListen) => client.listen(channel, onMessage, onListen),
    close: async () => {
      await Promise.all([client, batchClient, ...ownClients].map((c) => c.end({ timeout: 5 })));
    },
  };
}

/**
 * The connections of the statements that requests share (db/batches.ts: token lookups,
 * allocations), apart from the pool. postgres.js hands a query to the idle connection that has
 * waited longest, so a busy server's statements went round every connection of its pool in
 * turn, and each landed on a PostgreSQL backend whose caches the others had since pushed out of
 * the CPU's. Here one statement of each kind runs at a time (three more beside it when it
 * stalls), and postgres.js opens a connection only when every open one is busy, so two
 * connections carry them, each kept busy and hot. Measured under ipam-concurrent's load (16
 * clients allocating, 2 cores), interleaved with the pool's connections: PostgreSQL's CPU per
 * allocation 0.54-0.57 ms there, 0.49 ms here. Eight: two kinds of batches, each one statement
 * in flight and up to three stalled beside it (BatchOptions in batches.ts); a new kind of batch
 * adds four, or a stalled statement's followers would queue behind it on a busy connection.
 */
const batchConnections = 8;
const batchDatabases = new WeakMap<Executor, Db>();

/** Where statements shared between requests run: PostgreSQL's batch connections, else `db` itself (PGlite). */
export function batchDatabaseOf<D extends Executor>(db: D): D | Db {
  return batchDatabases.get(db) ?? db;
}

const connectionOpeners = new WeakMap<Executor, () => Db>();

/**
 * A connection of its own to `db`'s PostgreSQL, opened on each call and closed with the
 * database, for one kind of shared statement that pipelines (db/batches.ts, `pipelined`);
 * PGlite, which has one connection: `db` itself.
 */
export function ownConnectionOf<D extends Executor>(db: D): D | Db {
  return connectionOpeners.get(db)?.() ?? db;
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

/**
 * PGlite's own start parameters (its defaultStartParams in @electric-sql/pglite 0.5) plus our
 * memory settings. PostgreSQL's shared_buffers default, 128MB, is allocated inside the
 * WebAssembly heap and stays resident; the data files are cached by the OS anyway (PGlite reads
 * them through Node's fs). Measured on this appliance (issue 14): shared_buffers 16MB takes
 * ~125 MiB off the RSS after start; WAIWANG_PGLITE_SHARED_BUFFERS overrides the default.
 */
const pgliteStartParams = ['--single', '-F', '-O', '-j', '-c', 'search_path=public', '-c', 'exit_on_error=false', '-c', 'log_checkpoints=false', '-c', 'max_worker_processes=0', '-c', 'max_parallel_workers=0', '-c', 'max_parallel_workers_per_gather=0', '-c', 'io_method=sync', '-c', 'max_parallel_maintenance_workers=0'];

export function pgliteMemoryParams(env: NodeJS.ProcessEnv = process.env): string[] {
  return ['-c', `shared_buffers=${env.WAIWANG_PGLITE_SHARED_BUFFERS || '32MB'}`, '-c', `work_mem=${env.WAIWANG_PGLITE_WORK_MEM || '4MB'}`];
}

/**
 * fs.cpSync in a worker thread: copy-on-write clones where the file system has them (btrfs, XFS),
 * a plain copy elsewhere. Off the main thread, the copy of the template (28 MB, 668 files:
 * 0.3–0.5 s on the 2-core appliance) runs while the server's modules load (main.ts); Node's own
 * asynchronous fs.promises.cp took twice as long as cpSync, copying file by file through the
 * event loop (measured for issue 14).
 */
function copyInWorker(from: string, to: string): Promise<void> {
  const script = `const { workerData } = require('node:worker_threads'); const fs = require('node:fs');
fs.cpSync(workerData.from, workerData.to, { recursive: true, mode: fs.constants.COPYFILE_FICLONE });`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { eval: true, workerData: { from, to } });
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`copying ${from} to ${to} stopped with exit code ${code}`))));
  });
}

let compiledPglite: Promise<WebAssembly.Module> | undefined;

/**
 * PGlite's WebAssembly (9 MB), compiled once a process. PGlite compiles it inside create() when
 * given none; compiled here it can start before create() (openPglite) and tests' many PGlites share it.
 */
function pgliteWasmModule(): Promise<WebAssembly.Module> {
  compiledPglite ??= fs.promises
    .readFile(path.join(path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')), 'pglite.wasm'))
    // The WebAssembly global is not in the ES lib tsconfig loads (no DOM), only its types.
    .then((bytes) => (globalThis as unknown as { WebAssembly: { compile(b: Uint8Array): Promise<WebAssembly.Module> } }).WebAssembly.compile(bytes));
  return compiledPglite;
}

export interface PgliteOptions {
  /** A gzipped dump to load into a memory database (tests' template). */
  loadDataDir?: Blob;
  /**
   * A closed, migrated and seeded PGlite data directory (server/db/template.ts): copied into a
   * data dir that has none yet, under the data dir's lock, so a fresh start skips initdb.
   */
  template?: string;
}

export async function openPglite(dataDir: string | undefined, options: PgliteOptions | Blob = {}): Promise<Database> {
  const { loadDataDir, template } = options instanceof Blob ? { loadDataDir: options, template: undefined } : options;
  let unlock = () => {};
  if (dataDir) {
    fs.mkdirSync(dataDir, { recursive: true });
    unlock = lockDataDir(dataDir);
  }
  try {
    const pgDir = dataDir ? path.join(dataDir, 'pg') : undefined;
    // Loaded here, not at the top: a PostgreSQL-backed server never needs PGlite, and its module
    // with drizzle's PGlite driver is ~50 MiB resident under tsx (measured for issue 14). Started
    // before the template's copy, with the compilation of PGlite's WebAssembly, so that both run
    // while the copy's worker thread writes the files.
    const loading = Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite/contrib/btree_gist'), import('drizzle-orm/pglite')]);
    const wasm = pgliteWasmModule();
    // Awaited below; handled now, so that a failed copy does not leave them unhandled rejections.
    loading.catch(() => {});
    wasm.catch(() => {});
    if (pgDir && template && !fs.existsSync(pgDir)) {
      // Copied beside, then renamed: a start killed mid-copy leaves no half data dir behind.
      const partial = `${pgDir}.copying`;
      fs.rmSync(partial, { recursive: true, force: true });
      await copyInWorker(template, partial);
      fs.renameSync(partial, pgDir);
    }
    const [{ PGlite }, { btree_gist }, { drizzle: drizzlePglite }] = await loading;
    const client = await PGlite.create(pgDir ?? 'memory://', { extensions: { btree_gist }, loadDataDir, pgliteWasmModule: await wasm, startParams: [...pgliteStartParams, ...pgliteMemoryParams()] });
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

export function openDatabase(config: { databaseUrl?: string; dataDir: string; postgresTimeouts?: PostgresTimeouts }, options: { template?: string } = {}): Promise<Database> {
  return config.databaseUrl ? openPostgres(config.databaseUrl, 10, config.postgresTimeouts) : openPglite(config.dataDir, { template: options.template });
}

/** True when the embedded data directory has no database yet (a first start). */
export function pgliteDataDirIsFresh(dataDir: string): boolean {
  return !fs.existsSync(path.join(dataDir, 'pg'));
}
