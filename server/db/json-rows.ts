import { sql, type SQL } from 'drizzle-orm';

/** The column types a JSON row set is read back as (PostgreSQL's input syntax of each applies). */
export type JsonColumnType = 'bigint' | 'integer' | 'smallint' | 'numeric' | 'float8' | 'text' | 'timestamptz' | 'boolean';

/**
 * A JSON value a row set may carry. No bigint (JSON.stringify refuses it) and, by convention,
 * no 64-bit counter as a JS number: those go as decimal strings and are read back through a
 * `numeric`/`bigint` column, whose input function parses the string exactly (a JS number
 * stops being exact past 2^53).
 */
export type JsonCell = string | number | boolean | null;

/**
 * A whole set of rows as ONE bind parameter, read back as a typed table named `alias` with the
 * given columns: `json_to_recordset($1::json)` with a type per column. A 10,000-row insert is then
 * one parameter instead of 80,000 (over the protocol's 65,535 limit) and plans once; JSON does the
 * quoting (interface names such as "Eth-Trunk 1" or 'a"b\c'), so nothing is escaped by hand.
 * The keys on the wire are short (c0, c1, …) and renamed in SQL: json_to_recordset matches every
 * key of every row by name, and long keys cost. Measured on the 9 columns of a full 10,000-reading
 * batch (build, send, parse, sum; PostgreSQL 15 / PGlite): array literals 77 / 116 ms, this 92 /
 * 132 ms, the columns' own names as keys 112 / 148 ms, jsonb_to_recordset 148 / 178 ms — so
 * `json`, parsed once as it streams, not `jsonb`, which builds a binary value first.
 * A key absent from a row reads as NULL; the column list is typed from the rows' keys, so a
 * misspelt column is a compile error.
 */
export function jsonRows<C extends Record<string, JsonColumnType>>(
  alias: string,
  columns: C,
  rows: readonly { [K in keyof C]: JsonCell }[],
): SQL {
  const names = Object.keys(columns) as (keyof C & string)[];
  const keys = names.map((_, i) => `c${i.toString(36)}`);
  const wire = rows.map((row) => {
    const short: Record<string, JsonCell> = {};
    for (let i = 0; i < names.length; i++) short[keys[i]] = row[names[i]];
    return short;
  });
  const select = names.map((name, i) => `x.${keys[i]} AS ${name}`).join(', ');
  const definition = names.map((name, i) => `${keys[i]} ${columns[name]}`).join(', ');
  return sql`(SELECT ${sql.raw(select)} FROM json_to_recordset(${JSON.stringify(wire)}::json) AS x(${sql.raw(definition)})) AS ${sql.raw(alias)}`;
}

/** A list of ids as one bind parameter, for `= ANY(…)`: a bigint[] read from a JSON row set. */
export function jsonIds(ids: readonly number[]): SQL {
  return sql`ARRAY(SELECT id FROM ${jsonRows(
    'ids',
    { id: 'bigint' },
    ids.map((id) => ({ id })),
  )})`;
}
