import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { arrayParam, idArray } from './arrays.js';

describe('array parameters', () => {
  const client = new PGlite();
  const db = drizzle(client);
  afterAll(() => client.close());

  it('round-trips interface names that need quoting, and NULLs', async () => {
    const names = ['GigabitEthernet0/0/1', 'Eth-Trunk 1', 'a"b\\c', 'NULL', '', '{x,y}'];
    const result = await db.execute(sql`SELECT array_agg(n ORDER BY o) AS names FROM unnest(${arrayParam(names, 'text')}) WITH ORDINALITY AS u(n, o)`);
    expect((result.rows[0] as { names: string[] }).names).toEqual(names);
    const speeds = await db.execute(sql`SELECT array_agg(s ORDER BY o) AS s FROM unnest(${arrayParam([100, null, 1e-7], 'float8')}) WITH ORDINALITY AS u(s, o)`);
    expect((speeds.rows[0] as { s: (number | null)[] }).s).toEqual([100, null, 1e-7]);
  });

  it('reads bigint arrays in either driver shape', () => {
    expect(idArray(['3', '12'])).toEqual([3, 12]);
    expect(idArray('{3,12}')).toEqual([3, 12]);
    expect(idArray(null)).toEqual([]);
  });
});
