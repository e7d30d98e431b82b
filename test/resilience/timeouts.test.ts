// The bounds on waiting for PostgreSQL (server/db/client.ts PostgresTimeouts): a database that
// accepts connections but never answers, a statement that runs too long, a transaction left idle.
// Each must end in a 503 `unavailable` within its bound, and the pool must serve again afterwards.
import net from 'node:net';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { read } from '../../server/context.js';
import { openPostgres, type PostgresTimeouts } from '../../server/db/client.js';
import { translateDbError } from '../../server/db/errors.js';
import { Problem } from '../../server/http/problem.js';

const quick: PostgresTimeouts = { connectTimeoutS: 1, statementTimeoutMs: 300, idleInTransactionTimeoutMs: 400 };

async function timed<T>(work: () => Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const started = performance.now();
  try {
    return { value: await work(), ms: performance.now() - started };
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
}

describe('the PostgreSQL timeouts', () => {
  it('are configurable from the environment, with bounded defaults', () => {
    expect(loadConfig({}).postgresTimeouts).toEqual({ connectTimeoutS: 5, statementTimeoutMs: 30_000, idleInTransactionTimeoutMs: 60_000 });
    expect(loadConfig({ WAIWANG_DB_CONNECT_TIMEOUT_S: '2', WAIWANG_DB_STATEMENT_TIMEOUT_MS: '1500', WAIWANG_DB_IDLE_TX_TIMEOUT_MS: '0' }).postgresTimeouts).toEqual({
      connectTimeoutS: 2,
      statementTimeoutMs: 1500,
      idleInTransactionTimeoutMs: 0,
    });
    expect(() => loadConfig({ WAIWANG_DB_STATEMENT_TIMEOUT_MS: 'soon' })).toThrow(/WAIWANG_DB_STATEMENT_TIMEOUT_MS/);
    expect(() => loadConfig({ WAIWANG_DB_CONNECT_TIMEOUT_S: '-1' })).toThrow(/WAIWANG_DB_CONNECT_TIMEOUT_S/);
  });

  describe('a database that accepts connections and never answers', () => {
    // A listener that takes the TCP connection and says nothing: a hung PostgreSQL, or a firewall
    // that lets the handshake through. Without connect_timeout, postgres.js waits 30 s.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    });

    it('answers 503 unavailable within the connect timeout, on /healthz and on the API', async () => {
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const { port } = silent.address() as net.AddressInfo;
      const database = await openPostgres(`postgres://postgres@127.0.0.1:${port}/none`, 2, quick);
      const app = createApp({ database, config: loadConfig({}), log: pino({ level: 'silent' }), now: () => new Date() });
      try {
        for (const [path, headers] of [
          ['/healthz', {}],
          ['/api/v1/units/450000', { authorization: 'Bearer ww_test_admin_token_0000000000000000000000' }],
        ] as const) {
          const { value: res, ms } = await timed(async () => app.request(path, { headers }));
          expect(res!.status, path).toBe(503);
          expect(res!.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          expect(((await res!.json()) as { code: string }).code).toBe('unavailable');
          // The connect timeout (1 s), once or twice, and no 30 s default.
          expect(ms, path).toBeLessThan(5_000);
        }
      } finally {
        await database.close().catch(() => {});
      }
    });
  });

  describe.runIf(process.env.TEST_DATABASE_URL)('on PostgreSQL', () => {
    const url = process.env.TEST_DATABASE_URL ?? 'postgres://unused@127.0.0.1/unused';

    it('ends a statement that runs past statement_timeout with 503, and the pool serves on', async () => {
      const database = await openPostgres(url, 1, quick);
      const other = await openPostgres(url, 1, quick);
      const lockKey = 4_500_099_000 + Math.floor(Math.random() * 1000);
      try {
        const { error, ms } = await timed(() => read(() => database.db.execute(sql`SELECT pg_sleep(3)`)));
        expect(error).toBeInstanceOf(Problem);
        expect(error).toMatchObject({ status: 503, code: 'unavailable' });
        expect(ms).toBeLessThan(2_500);
        expect(await database.db.execute(sql`SELECT 1 AS one`)).toBeTruthy();
      } finally {
        await database.close();
      }
    });

    it('ends a transaction left idle past idle_in_transaction_session_timeout, releasing its locks, and the pool reconnects', async () => {
      const database = await openPostgres(url, 1, quick);
      const other = await openPostgres(url, 1, quick);
      const lockKey = 4_500_099_000 + Math.floor(Math.random() * 1000);
      try {
        const { error, ms } = await timed(() =>
          database.db.transaction(async (tx) => {
            await tx.execute(sql`SELECT pg_advisory_xact_lock(${lockKey})`);
            // A process that stalls mid-transaction (a paused VM, a debugger, a slow webhook call).
            await new Promise((r) => setTimeout(r, 1_200));
            await tx.execute(sql`SELECT 1`);
          }),
        );
        // PostgreSQL ends the session after 400 ms idle; the driver rejects the transaction then.
        expect(ms).toBeGreaterThanOrEqual(350);
        expect(translateDbError(error)).toMatchObject({ status: 503, code: 'unavailable' });
        // Its lock is free for others, and the pool opens a new session.
        const [{ free }] = (await other.db.execute(sql`SELECT pg_try_advisory_xact_lock(${lockKey}) AS free`)) as unknown as { free: boolean }[];
        expect(free).toBe(true);
        const [{ one }] = (await database.db.execute(sql`SELECT 1 AS one`)) as unknown as { one: number }[];
        expect(one).toBe(1);
      } finally {
        await database.close();
        await other.close();
      }
    });

    it('sets the timeouts on every session of the pool', async () => {
      const database = await openPostgres(url, 2, { connectTimeoutS: 4, statementTimeoutMs: 12_345, idleInTransactionTimeoutMs: 23_456 });
      try {
        const [row] = (await database.db.execute(
          sql`SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle, current_setting('application_name') AS app`,
        )) as unknown as { statement: string; idle: string; app: string }[];
        expect(row).toEqual({ statement: '12345ms', idle: '23456ms', app: 'waiwang' });
      } finally {
        await database.close();
      }
    });
  });
});
