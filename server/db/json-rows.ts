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
 * A whole set of rows as ONE bind parameter, read back as a typed table:
 * `json_to_recordset($1::json) AS alias(col type, …)`. A 10,000-row insert is then one
 * parameter instead of 80,000 (over the protocol's 65,535 limit) and plans once; JSON does the
 * quoting (interface names such as "Eth-Trunk 1" or 'a"b\c'), so nothing is escaped by hand.
 * `json`, not `jsonb`: the text is parsed once, as it streams, without building a jsonb value
 * first. A key absent from a row reads as NULL; the column list is typed from the rows' keys,
 * so a misspelt column is a compile error.
 */
export function jsonRows<C extends Record<string, JsonColumnType>>(
  alias: string,
  columns: C,
  rows: readonly { [K in keyof C]: JsonCell }[],
): SQL {
  const definition = Object.entries(columns)
    .map(([name, type]) => `${name} ${type}`)
    .join(', ');
  return sql`json_to_recordset(${JSON.stringify(rows)}::json) AS ${sql.raw(alias)}(${sql.raw(definition)})`;
}

/** A list of ids as one bind parameter, for `= ANY(…)`: a bigint[] read from a JSON row set. */
export function jsonIds(ids: readonly number[]): SQL {
  return sql`ARRAY(SELECT id FROM ${jsonRows(
    'ids',
    { id: 'bigint' },
    ids.map((id) => ({ id })),
  )})`;
}
