import { sql, type SQL } from 'drizzle-orm';

const plain = /^[0-9A-Za-z:.+\-_]+$/;

/**
 * One bind parameter carrying a whole column as a PostgreSQL array literal, for
 * `unnest($1::bigint[], $2::timestamptz[], …)`: a 10,000-row insert is then a handful of
 * parameters instead of 80,000 (over the protocol's 65,535 limit) and plans once. Numbers,
 * ISO times and enum names go in bare; anything else (interface names: "GigabitEthernet0/0/1",
 * "Eth-Trunk 1") is double-quoted with \ and " escaped, as the array input syntax requires.
 */
export function arrayParam(values: readonly (string | number | bigint | null)[], type: string): SQL {
  const items = values.map((v) => {
    if (v === null) return 'NULL';
    const text = String(v);
    return plain.test(text) && text.toUpperCase() !== 'NULL' ? text : `"${text.replace(/[\\"]/g, '\\$&')}"`;
  });
  return sql`${`{${items.join(',')}}`}::${sql.raw(type)}[]`;
}

/** A bigint[] column as the drivers return it: an array (PGlite, postgres.js) or its text form. */
export function idArray(value: unknown): number[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.map(Number);
  return String(value)
    .replace(/[{}]/g, '')
    .split(',')
    .filter(Boolean)
    .map(Number);
}
