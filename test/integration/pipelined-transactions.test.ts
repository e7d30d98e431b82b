import net from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchDatabaseOf, openPostgres, ownConnectionOf, rows, type Database } from '../../server/db/client.js';
import { sendWithCommit } from '../../server/db/pipelined.js';
import { startTestApp, type TestApp } from '../support/harness.js';

/**
 * PostgreSQL transactions are pipelined (server/db/pipelined.ts): BEGIN leaves with the first
 * statement, and statements sent with sendWithCommit (the audit entries) are answered with
 * COMMIT. Pipelining must not cost atomicity: whatever fails, nothing of the transaction stays,
 * and the connection goes back to the pool outside any transaction.
 */
/** How many socket writes `work` makes (every socket of the process: run it alone). */
async function socketWrites(work: () => Promise<unknown>): Promise<number> {
  const write = net.Socket.prototype.write;
  let writes = 0;
  net.Socket.prototype.write = function (this: net.Socket, ...args: Parameters<typeof write>) {
    writes++;
    return write.apply(this, args);
  } as typeof write;
  try {
    await work();
  } finally {
    net.Socket.prototype.write = write;
  }
  return writes;
}

describe.runIf(process.env.TEST_DATABASE_URL)('pipelined transactions on PostgreSQL', () => {
  let t: TestApp;
  let one: Database;
  const probe = (id: number, note: string) => `INSERT INTO pipeline_probe (id, note) VALUES (${id}, '${note}')`;
  const notes = async () => (await rows<{ note: string }>(one.db, sql`SELECT note FROM pipeline_probe ORDER BY id`)).map((r) => r.note);
  const send = (tx: Parameters<typeof sendWithCommit>[0], id: number, note: string) => expect(sendWithCommit(tx, 'INSERT INTO pipeline_probe (id, note) VALUES ($1::int, $2)', [id, note])).toBe(true);

  beforeAll(async () => {
    t = await startTestApp('postgres');
    const [{ name }] = await rows<{ name: string }>(t.database.db, sql`SELECT current_database() AS name`);
    const u = new URL(process.env.TEST_DATABASE_URL!);
    u.pathname = `/${name}`;
    // One connection: every transaction below reuses it, so one left open would show.
    one = await openPostgres(u.toString(), 1);
    await one.db.execute(sql`CREATE TABLE pipeline_probe (id int PRIMARY KEY, note text NOT NULL)`);
  });
  afterAll(async () => {
    await one?.close();
    await t?.close();
  });

  it('commits what was sent with COMMIT together with the rest', async () => {
    const answer = await one.db.transaction(async (tx) => {
      await tx.execute(sql.raw(probe(1, 'awaited')));
      send(tx, 2, 'sent with commit');
      return 'done';
    });
    expect(answer).toBe('done');
    expect(await notes()).toEqual(['awaited', 'sent with commit']);
  });

  it('a statement sent with COMMIT that fails fails the transaction, and nothing of it stays', async () => {
    const failed = one.db.transaction(async (tx) => {
      await tx.execute(sql.raw(probe(3, 'before')));
      send(tx, 1, 'duplicate key');
    });
    await expect(failed).rejects.toMatchObject({ code: '23505' });
    expect(await notes()).toEqual(['awaited', 'sent with commit']);
    // The connection is back outside any transaction: an autocommitted write is seen by others.
    await one.db.execute(sql.raw(probe(4, 'autocommit')));
    expect((await rows<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM pipeline_probe WHERE id = 4`))[0].n).toBe(1);
  });

  it('work that throws after sending rolls back what it sent', async () => {
    const failed = one.db.transaction(async (tx) => {
      send(tx, 5, 'sent, then refused');
      await tx.execute(sql.raw(probe(6, 'awaited, then refused')));
      throw new Error('refused by a rule');
    });
    await expect(failed).rejects.toThrow('refused by a rule');
    expect(await notes()).toEqual(['awaited', 'sent with commit', 'autocommit']);
  });

  it('a savepoint that fails is undone and forgiven; the transaction around it commits', async () => {
    await one.db.transaction(async (tx) => {
      send(tx, 7, 'outer');
      await expect(
        tx.transaction(async (inner) => {
          await inner.execute(sql.raw(probe(8, 'inner, undone')));
          await inner.execute(sql.raw(probe(1, 'inner duplicate')));
        }),
      ).rejects.toMatchObject({ cause: { code: '23505' } });
      await tx.transaction(async (inner) => {
        await inner.execute(sql.raw(probe(9, 'inner, kept')));
      });
    });
    expect(await notes()).toEqual(['awaited', 'sent with commit', 'autocommit', 'outer', 'inner, kept']);
  });

  it('sends COMMIT in one write with the statements still owed: three writes', async () => {
    const transaction = () =>
      one.db.transaction(async (tx) => {
        await tx.execute(sql`SELECT 1`);
        send(tx, 100 + Math.floor(Math.random() * 1e6), 'counted');
      });
    await transaction(); // prepares the statements (a first parameterized statement is described first)
    // BEGIN, the SELECT, then the INSERT and COMMIT together; awaiting the INSERT would make four.
    expect(await socketWrites(transaction)).toBe(3);
  });

  it('the batch connections prepare their statements: a parameterized statement run again is one write', async () => {
    // The allocations' batches (ipam/allocation-batches.ts) run `rows(batchDb, sql…)`; sent
    // unnamed, postgres.js describes such a statement first and waits for its parameter types,
    // a second round trip on every call.
    const batchDb = batchDatabaseOf(t.database.db);
    expect(batchDb).not.toBe(t.database.db);
    const statement = (n: number) => rows<{ n: number }>(batchDb, sql`SELECT ${n}::int + 1 AS n`);
    expect(await statement(1)).toEqual([{ n: 2 }]);
    expect(await socketWrites(async () => expect(await statement(41)).toEqual([{ n: 42 }]))).toBe(1);
  });

  it('a connection of its own (allocation batches) pipelines: the next statement leaves while one runs, and PostgreSQL runs them in order on one backend', async () => {
    const before = one.poolSize;
    const own = ownConnectionOf(one.db);
    expect(own).not.toBe(one.db);
    expect(own).not.toBe(batchDatabaseOf(one.db));
    expect(one.poolSize).toBe(before + 1);
    const statement = (s: number) =>
      rows<{ pid: number; started: string; ended: string }>(own, sql`SELECT pg_backend_pid() AS pid, clock_timestamp()::text AS started, pg_sleep(${s}::float8) IS NULL AS slept, clock_timestamp()::text AS ended`);
    await statement(0); // prepared: the next ones leave without a description first
    let both: Promise<unknown> | undefined;
    let answered = 0;
    // Both on the wire before the first (0.2 s) answers, each ending with its Sync message;
    // without pipelining the second would wait in the driver for that answer.
    const written: Buffer[] = [];
    const write = net.Socket.prototype.write;
    net.Socket.prototype.write = function (this: net.Socket, chunk: unknown, ...rest: unknown[]) {
      if (Buffer.isBuffer(chunk)) written.push(Buffer.from(chunk));
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof write;
    try {
      both = Promise.all([statement(0.2), statement(0)].map((p) => p.then((r) => (answered++, r))));
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      net.Socket.prototype.write = write;
    }
    expect(answered).toBe(0);
    const sync = Buffer.from([0x53, 0, 0, 0, 4]);
    const bytes = Buffer.concat(written);
    let syncs = 0;
    for (let at = bytes.indexOf(sync); at >= 0; at = bytes.indexOf(sync, at + 1)) syncs++;
    expect(syncs).toBe(2);
    const [[first], [second]] = (await both) as { pid: number; started: string; ended: string }[][];
    expect(second.pid).toBe(first.pid);
    expect(Date.parse(second.started)).toBeGreaterThanOrEqual(Date.parse(first.ended));
  });

  it('a connection lost mid-transaction takes the rest of the work with it, and the pool reconnects', async () => {
    let waiting: Promise<unknown> | undefined;
    const failed = one.db.transaction(async (tx) => {
      send(tx, 10, 'sent before the loss');
      const [{ pid }] = await rows<{ pid: number }>(tx, sql`SELECT pg_backend_pid() AS pid`);
      // Another caller waits for the pool's one connection: the lost connection reconnects for it.
      waiting = rows(one.db, sql`SELECT 'served' AS answer`);
      await t.database.db.execute(sql`SELECT pg_terminate_backend(${pid})`);
      await new Promise((r) => setTimeout(r, 200));
      // Must fail: run on the connection's next session it would commit on its own.
      await tx.execute(sql.raw(probe(11, 'after the loss')));
    });
    // drizzle wraps the driver's error (cause); PostgreSQL's own (57P01) or the driver's CONNECTION_CLOSED.
    const err = (await failed.catch((e: { code?: string; cause?: { code?: string } }) => e)) as { code?: string; cause?: { code?: string } };
    expect(err?.cause?.code ?? err?.code).toMatch(/^CONNECTION_|^57P01$/);
    expect(await waiting).toEqual([{ answer: 'served' }]);
    expect((await notes()).filter((n) => n.includes('loss'))).toEqual([]);
    expect(await rows(one.db, sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
  });

  it('PGlite has no pipeline: sendWithCommit declines and the caller runs the statement itself', async () => {
    const pglite = await startTestApp('pglite');
    try {
      await pglite.database.db.transaction(async (tx) => {
        expect(sendWithCommit(tx, 'SELECT 1', [])).toBe(false);
      });
    } finally {
      await pglite.close();
    }
  });
});
