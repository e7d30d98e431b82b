import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { mutate, type Audit, type Ctx } from '../context.js';
import type { Database, Executor, Tx } from './client.js';

/**
 * In-process caches of what rarely changes and is read on many requests (issue 14): the unit
 * tree (1,410 divisions and the departments, changed by operators and the admin) and the VRFs.
 *
 * Invalidation: a verb that writes a cached table goes through {@link mutateCached}, which
 * NOTIFYs `waiwang_cache` with the table's name inside its transaction and drops this process's
 * copy once the transaction has committed. PostgreSQL delivers a NOTIFY only on commit, to every
 * session that LISTENs, so every other server on the same database drops its copy too
 * ({@link listenForChanges}, started by createApp); a listener connection that was lost and
 * re-established drops everything, since notifications sent meanwhile are gone. Between a
 * commit and the notification's arrival another server may answer from its old copy for a few
 * milliseconds: the caches serve reads and views, and a write's checks only where the write
 * itself checks under its locks that what it decided on still holds (allocation: ipam
 * allocateIn and migration 0019), and never refuses on a cached copy alone; every other write
 * reads inside its own transaction. PGlite serves one process, which invalidates itself.
 */
export type CachedTable = 'units' | 'vrfs';
const channel = 'waiwang_cache';

const caches = new Set<TableCache<unknown>>();

export class TableCache<T> {
  private readonly entries = new WeakMap<object, Promise<T>>();
  constructor(
    readonly table: CachedTable,
    private readonly load: (db: Executor) => Promise<T>,
  ) {
    caches.add(this as TableCache<unknown>);
  }

  /**
   * `key`: the request's database (ctx.db), never a transaction: the copy is per database.
   * `db`: what to load it through when missing (a verb's transaction may pass itself).
   */
  get(key: object, db: Executor = key as Executor): Promise<T> {
    let value = this.entries.get(key);
    if (!value) {
      const loading = this.load(db);
      this.entries.set(key, (value = loading));
      // A failed load is not kept.
      loading.catch(() => {
        if (this.entries.get(key) === loading) this.entries.delete(key);
      });
    }
    return value;
  }

  invalidate(db: object): void {
    this.entries.delete(db);
  }
}

export function invalidateTable(db: object, table?: CachedTable): void {
  for (const cache of caches) if (!table || cache.table === table) cache.invalidate(db);
}

/** mutate() for verbs that write a cached table: announced to every server, dropped here after commit. */
export async function mutateCached<T>(ctx: Ctx, table: CachedTable, work: (tx: Tx, audit: Audit) => Promise<T>): Promise<T> {
  try {
    return await mutate(ctx, async (tx, audit) => {
      const result = await work(tx, audit);
      await tx.execute(sql`SELECT pg_notify(${channel}, ${table})`);
      return result;
    });
  } finally {
    // Also after a failed write: dropping a copy is always safe.
    invalidateTable(ctx.db, table);
  }
}

const listening = new WeakSet<object>();

/** On PostgreSQL: LISTEN for other servers' writes to cached tables (once per database). */
export async function listenForChanges(database: Database, log?: Logger): Promise<void> {
  if (!database.listen || listening.has(database)) return;
  listening.add(database);
  await database.listen(
    channel,
    (payload) => invalidateTable(database.db, payload === 'units' || payload === 'vrfs' ? payload : undefined),
    () => {
      invalidateTable(database.db);
      log?.debug('cache invalidation: listening on waiwang_cache');
    },
  );
}
