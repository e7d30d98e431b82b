import type { TablesRelationalConfig } from 'drizzle-orm';
import { PostgresJsSession, PostgresJsTransaction } from 'drizzle-orm/postgres-js';
import type postgres from 'postgres';
import type { Db, Tx } from './client.js';

/**
 * Transactions on PostgreSQL with two round trips fewer than postgres.js's `begin()`, which
 * waits for BEGIN's answer before the first statement and for every statement before COMMIT.
 * Here BEGIN leaves in the same packet as the transaction's first statement (postgres.js
 * coalesces what is written in one turn of the event loop), and statements whose answer the
 * transaction's work does not need (the audit entries, sendWithCommit) leave at once and are
 * answered together with COMMIT. Issue 14's profile: each round trip on loopback costs about
 * 0.3 ms of Node CPU here (socket write, read, the driver's parsing), an allocation made five
 * (token, BEGIN, the IPAM function, the audit entry, COMMIT) and now makes three.
 *
 * Statements of up to `preparedParameterLimit` parameters are also prepared (named, cached per
 * connection by postgres.js): drizzle sends every other statement unnamed, and postgres.js
 * sends an unnamed statement with parameters in two round trips (Parse and Describe, wait for
 * the parameter types, then Bind and Execute), so without this each of them cost one more.
 * The limit keeps the cache bounded: statements with that few parameters come in a fixed
 * number of shapes (an IN list grows by one at most `preparedParameterLimit` times), while
 * multi-row inserts of any length (readings) would add a statement per length.
 *
 * The order on the wire is the order of the calls, and PostgreSQL answers a pipeline in
 * order: a statement that fails aborts the transaction, whatever follows it fails or (COMMIT)
 * rolls back, and the failure reaches the caller. Written by hand because neither postgres.js
 * (its `begin()`) nor drizzle offers a pipelined transaction.
 */
interface Pipeline {
  conn: postgres.ReservedSql;
  /** Answers still owed by statements sent with sendWithCommit. */
  owed: Promise<unknown>[];
}

const pipelines = new WeakMap<object, Pipeline>();

export const preparedParameterLimit = 64;

/** Makes `session` prepare its statements of at most preparedParameterLimit parameters (see above). */
function prepareSmallStatements(session: Session): void {
  const prepareQuery = session.prepareQuery;
  session.prepareQuery = function (this: Session, query, fields, name, ...rest) {
    // postgres-js's session prepares exactly the statements given a name; the name is not used otherwise.
    return prepareQuery.call(this, query, fields, name ?? (query.params.length <= preparedParameterLimit ? 'prepared' : undefined), ...rest);
  } as Session['prepareQuery'];
}

/**
 * Sends a statement now inside the pipelined transaction `tx`, not waiting for its answer:
 * COMMIT collects it, and the transaction fails with it. Returns false (nothing sent) when
 * `tx` is not pipelined — PGlite, where a statement costs no round trip — and the caller runs
 * the statement as usual.
 */
export function sendWithCommit(tx: Tx, text: string, params: (string | number | null)[]): boolean {
  const pipeline = pipelines.get(tx);
  if (!pipeline) return false;
  const answer = pipeline.conn.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true }).execute();
  // Collected by COMMIT; until then a failure must not count as unhandled.
  answer.catch(() => {});
  pipeline.owed.push(answer);
  return true;
}

type Work<T> = (tx: Tx) => Promise<T>;
/** drizzle's session over postgres.js, typed loosely: a reserved connection stands in for a transaction's. */
type Session = ConstructorParameters<typeof PostgresJsTransaction<Record<string, unknown>, TablesRelationalConfig>>[1];
type Dialect = ConstructorParameters<typeof PostgresJsTransaction>[0];
type SchemaConfig = ConstructorParameters<typeof PostgresJsTransaction>[2];

/** A savepoint inside a pipelined transaction (the import runs each row in one). */
class PipelinedTransaction extends PostgresJsTransaction<Record<string, unknown>, TablesRelationalConfig> {
  private savepoints = 0;

  constructor(
    private readonly pipeline: Pipeline,
    session: Session,
    dialect: Dialect,
    schema: SchemaConfig,
  ) {
    super(dialect, session, schema);
    pipelines.set(this, pipeline);
  }

  override async transaction<T>(work: Work<T> | ((tx: never) => Promise<T>)): Promise<T> {
    const name = `waiwang_sp_${++this.savepoints}`;
    const { conn } = this.pipeline;
    const mark = this.pipeline.owed.length;
    await conn.unsafe(`SAVEPOINT ${name}`);
    try {
      // The savepoint's statements share the connection and its pipeline.
      const result = await (work as Work<T>)(this as unknown as Tx);
      await Promise.all(this.pipeline.owed.slice(mark));
      await conn.unsafe(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      // What failed inside is undone by the rollback to the savepoint, and forgiven with it.
      this.pipeline.owed.length = mark;
      await conn.unsafe(`ROLLBACK TO SAVEPOINT ${name}`);
      throw err;
    }
  }
}

/** Replaces the transactions of a drizzle database over postgres.js (see openPostgres). */
export function pipelineTransactions(db: Db, client: postgres.Sql): void {
  const session = (db as unknown as { session: Session }).session;
  prepareSmallStatements(session);
  const { dialect, options } = session as unknown as { dialect: Dialect; options: ConstructorParameters<typeof PostgresJsSession>[3] };
  session.transaction = async <T>(work: (tx: never) => Promise<T>, config?: Parameters<Session['transaction']>[1]): Promise<T> => {
    const conn = await client.reserve();
    let open = true;
    try {
      const began = conn.unsafe('BEGIN').execute();
      began.catch(() => {});
      const pipeline: Pipeline = { conn, owed: [] };
      // No relational schema: nothing here uses drizzle's relational queries (db.query), and
      // building their builders for every table cost each transaction ~50 µs (profiled).
      const txSession = new PostgresJsSession(conn, dialect, undefined, options) as unknown as Session;
      prepareSmallStatements(txSession);
      const tx = new PipelinedTransaction(pipeline, txSession, dialect, undefined);
      try {
        if (config) await tx.setTransaction(config);
        const result = await work(tx as never);
        // COMMIT leaves behind the statements still owed an answer, without waiting for them;
        // once it is sent the transaction ends, committed or (something failed) rolled back.
        // Flushed at once (patches/postgres+3.4.9.patch): the transaction may hold a row lock
        // (the parent of an allocation) that others queue for, and a write left to the next
        // setImmediate would wait behind every HTTP request the event loop has pending.
        const commit = conn.unsafe('COMMIT', [], { flush: true } as postgres.UnsafeQueryOptions).execute();
        open = false;
        commit.catch(() => {});
        try {
          await began;
          await Promise.all(pipeline.owed);
        } catch (err) {
          await commit.catch(() => {});
          throw err;
        }
        const committed = await commit;
        // PostgreSQL answers COMMIT of a failed transaction with ROLLBACK, not an error.
        if (committed.command !== 'COMMIT') throw new Error(`the transaction was rolled back (${committed.command})`);
        return result;
      } catch (err) {
        if (open) {
          open = false;
          await conn.unsafe('ROLLBACK').catch(() => {});
        }
        throw err;
      }
    } finally {
      conn.release();
    }
  };
}
