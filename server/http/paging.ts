import { z } from '@hono/zod-openapi';
import { isServerId, objectId } from './params.js';
import { invalid } from './problem.js';

/**
 * Keyset cursors. A cursor is the key of the last row of a page, written by the server and sent
 * back by the client untouched; every part is read back strictly, so a cursor the server could not
 * have written is 400 `validation_failed` on `cursor` here rather than a cast error (500) in
 * PostgreSQL — e.g. `2025-02-30T00:00:00Z|1`, which Date would quietly read as 2 March.
 */

/** One part of a cursor: its value, or undefined when the text is not one the server writes. */
export interface CursorPart<T> {
  read(text: string): T | undefined;
}

export const cursorParts = {
  /** A server-made id (the tie-breaker of most keys). */
  id: { read: (text: string) => (isServerId(text) ? Number(text) : undefined) } satisfies CursorPart<number>,
  /** An instant exactly as Date.toISOString() writes it: impossible dates do not survive the round trip. */
  time: {
    read: (text: string) => {
      const at = new Date(text);
      return !Number.isNaN(at.getTime()) && at.toISOString() === text ? at : undefined;
    },
  } satisfies CursorPart<Date>,
};

// None of the parts (ids, ISO instants, CIDR text) contains it.
const separator = '|';

export function encodeCursor(...parts: (string | number | Date)[]): string {
  return parts.map((p) => (p instanceof Date ? p.toISOString() : String(p))).join(separator);
}

type Values<P extends readonly CursorPart<unknown>[]> = { [K in keyof P]: P[K] extends CursorPart<infer T> ? T : never };

function tryDecode<P extends readonly CursorPart<unknown>[]>(text: string, parts: P): Values<P> | undefined {
  const texts = text.split(separator);
  if (texts.length !== parts.length) return undefined;
  const values = texts.map((t, i) => parts[i].read(t));
  return values.some((v) => v === undefined) ? undefined : (values as Values<P>);
}

const refusal = 'not a cursor this server handed out: send nextCursor of the previous page as it came';

/** The parts of a cursor, or 400 naming `cursor`. */
export function decodeCursor<P extends readonly CursorPart<unknown>[]>(text: string, ...parts: P): Values<P> {
  const values = tryDecode(text, parts);
  if (!values) throw invalid(`cursor: ${refusal}`, { field: 'cursor' });
  return values;
}

/** The query parameter of a compound cursor, checked at validation (so before any lookup). */
export function cursorQuery(...parts: readonly CursorPart<unknown>[]) {
  return z
    .string()
    .max(400)
    .refine((text) => tryDecode(text, parts) !== undefined, refusal)
    .openapi({ description: 'nextCursor of the previous page' });
}

/** The query parameter of a cursor that is the last row's id. */
export const idCursor = objectId.openapi({ description: 'nextCursor of the previous page' });

/** A list answer: the API's `{items, nextCursor}` shape. */
export interface Page<Item> {
  items: Item[];
  nextCursor: string | null;
}

/**
 * One keyset page from rows a query fetched with `LIMIT limit + 1`: the extra row only says that
 * a next page exists; the cursor is the key of the page's last row (`cursorOf`, written with
 * encodeCursor or as a plain id). `view` turns the page's rows into items, at once or async.
 */
export function keysetPage<Row, Item>(found: readonly Row[], limit: number, cursorOf: (last: Row) => string, view: (rows: Row[]) => Item[]): Page<Item>;
export function keysetPage<Row, Item>(found: readonly Row[], limit: number, cursorOf: (last: Row) => string, view: (rows: Row[]) => Promise<Item[]>): Promise<Page<Item>>;
export function keysetPage<Row, Item>(
  found: readonly Row[],
  limit: number,
  cursorOf: (last: Row) => string,
  view: (rows: Row[]) => Item[] | Promise<Item[]>,
): Page<Item> | Promise<Page<Item>> {
  const rows = found.slice(0, limit);
  const nextCursor = found.length > limit ? cursorOf(rows[rows.length - 1]) : null;
  const items = view(rows);
  return items instanceof Promise ? items.then((resolved) => ({ items: resolved, nextCursor })) : { items, nextCursor };
}
