import type { TablesRelationalConfig } from 'drizzle-orm';
import { PostgresJsSession, PostgresJsTransaction } from 'drizzle-orm/postgres-js';
import type postgres from 'postgres';
import type { Db, Tx } from './client.js';

/**
 * Transactions on PostgreSQL with fewer round trips. Statements whose answer the transaction's
 * work does not need (the audit entries, sendWithCommit) leave at once and are answered
 * together with COMMIT, which postgres.js's `begin()` sends in the same packet right behind
 * them. Issue 14's profile: each round trip on loopback costs about 0.3 ms of Node CPU here
 * (socket write, read, the driver's parsing). A BEGIN sent with the first statement would save
 * one more, but needs postgres.js's reserve(), which hung after an outage (see below).
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
 * rolls back, and the failure reaches the caller.
 */
interface Pipeline {
  conn: postgres.Sql;
  /** Answers still owed by statements sent with sendWithCommit. */
  owed: Promise<unknown>[];
}

const pipelines = new WeakMap<object, Pipeline>();

export const preparedParameterLimit = 64;

/**
 * Makes `db` prepare its statements of at most preparedParameterLimit parameters (see above):
 * the pool's (pipelineTransactions) and the batch connections' (client.ts, batchDatabaseOf).
 * The batches' allocation statement went unnamed, in two round trips a batch, until issue 14's
 * profile showed it: of the event loop's time in socket writes to PostgreSQL under 16 clients'
 * allocations, 0.31 of 0.80 s was the second half of such a statement, sent on its
 * ParameterDescription (the token lookups, prepared by name, were not affected).
 */
export function prepareSmallStatementsOf(db: Db): void {
  prepareSmallStatements((db as unknown as { session: Session }).session);
}

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

/** drizzle's session over postgres.js, typed loosely: a reserved connection stands in for a transaction's. */
type Session = ConstructorParameters<typeof PostgresJsTransaction<Record<string, unknown>, TablesRelationalConfig>>[1];
type Dialect = ConstructorParameters<typeof PostgresJsTransaction>[0];
type SchemaConfig = ConstructorParameters<typeof PostgresJsTransaction>[2];

/** Replaces the transactions of a drizzle database over postgres.js (see openPostgres). */
export function pipelineTransactions(db: Db, client: postgres.Sql): void {
  const session = (db as unknown as { session: Session }).session;
  prepareSmallStatementsOf(db);
  const { dialect, options } = session as unknown as { dialect: Dialect; options: ConstructorParameters<typeof PostgresJsSession>[3] };
  // postgres.js's own begin(): it opens connections and survives their loss (its reserve(),
  // which a pipelined BEGIN needs, left a pass of the audit sealer waiting forever on a
  // connection opened for it after a PostgreSQL outage: make resilience, the outage test).
  session.transaction = async <T>(work: (tx: never) => Promise<T>, config?: Parameters<Session['transaction']>[1]): Promise<T> => {
    const owed: Promise<unknown>[] = [];
    const result = await client.begin(async (conn) => {
      const txSession = new PostgresJsSession(conn as unknown as postgres.Sql, dialect, undefined, options) as unknown as Session;
      prepareSmallStatements(txSession);
      const tx = new PostgresJsTransaction(dialect, txSession, undefined);
      pipelines.set(tx, { conn: conn as unknown as postgres.Sql, owed });
      if (config) await tx.setTransaction(config);
      return (await work(tx as never)) as T;
    });
    // begin() sent COMMIT right behind the statements still owed an answer; PostgreSQL answers a
    // failed one with an error and the COMMIT with ROLLBACK, which begin() does not check.
    await Promise.all(owed);
    return result as T;
  };
}
