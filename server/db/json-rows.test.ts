import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite, openPostgres, rows, type Database } from './client.js';
import { jsonIds, jsonRows } from './json-rows.js';

// Both drivers: PGlite binds the parameter itself, postgres.js sends it over the wire protocol.
const backends = process.env.TEST_DATABASE_URL ? (['pglite', 'postgres'] as const) : (['pglite'] as const);

describe.each(backends)('JSON row sets (%s)', (backend) => {
  let database: Database;
  beforeAll(async () => {
    database = backend === 'pglite' ? await openPglite(undefined) : await openPostgres(process.env.TEST_DATABASE_URL!, 1);
  });
  afterAll(() => database.close());

  it('round-trips interface names that would need quoting in an array literal, and NULLs', async () => {
    const names = ['GigabitEthernet0/0/1', 'Eth-Trunk 1', 'a"b\\c', 'NULL', '', '{x,y}', '以太网1/0/1', null];
    const found = await rows<{ n: string | null }>(
      database.db,
      sql`SELECT t.n FROM ${jsonRows(
        't',
        { i: 'integer', n: 'text' },
        names.map((n, i) => ({ i, n })),
      )} ORDER BY t.i`,
    );
    expect(found.map((r) => r.n)).toEqual(names);
  });

  it('keeps 64-bit counters exact when they travel as strings', async () => {
    // 2^64 − 1 and 2^63 − 1: a JS number would round both (it is exact only up to 2^53).
    const found = await rows<{ octets: string; uptime: string }>(
      database.db,
      sql`SELECT t.octets::text AS octets, t.uptime::text AS uptime FROM ${jsonRows('t', { octets: 'numeric', uptime: 'bigint' }, [
        { octets: '18446744073709551615', uptime: '9223372036854775807' },
      ])}`,
    );
    expect(found).toEqual([{ octets: '18446744073709551615', uptime: '9223372036854775807' }]);
  });

  it('reads floats, times and ids back as they were sent', async () => {
    const found = await rows<{ bps: number | null; at: string; id: string | number }>(
      database.db,
      sql`SELECT t.bps, to_char(t.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, t.id FROM ${jsonRows(
        't',
        { id: 'bigint', at: 'timestamptz', bps: 'float8' },
        [
          { id: 1, at: '2025-01-06T00:05:00.000Z', bps: 1e-7 },
          { id: 2, at: '2025-01-06T00:10:00.000Z', bps: null },
          { id: 3, at: '2025-01-06T00:15:00.000Z', bps: 1234567.891 },
        ],
      )} ORDER BY t.id`,
    );
    expect(found.map((r) => [Number(r.id), r.at, r.bps === null ? null : Number(r.bps)])).toEqual([
      [1, '2025-01-06T00:05:00.000Z', 1e-7],
      [2, '2025-01-06T00:10:00.000Z', null],
      [3, '2025-01-06T00:15:00.000Z', 1234567.891],
    ]);
  });

  it('passes a list of ids as one array, empty included', async () => {
    const hit = await rows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM generate_series(1, 10) g WHERE g = ANY(${jsonIds([3, 12, 7])})`);
    expect(hit[0].n).toBe(2);
    const none = await rows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM generate_series(1, 10) g WHERE g = ANY(${jsonIds([])})`);
    expect(none[0].n).toBe(0);
  });
});
