import type { Context, TypedResponse } from 'hono';

/**
 * A response body already serialized, by PostgreSQL (issue 14: listing pages are built as JSON
 * in one statement): the route sends it as it is instead of parsing and re-serializing it.
 * `T` is the shape the text has — exactly what the route's zod response schema describes; the
 * tests compare such bodies with the views the other endpoints build.
 */
export class JsonText<T> {
  declare readonly shape?: T;
  constructor(readonly text: string) {}

  /** The value, for callers inside the appliance that need objects (the web pages). */
  parse(): T {
    return JSON.parse(this.text) as T;
  }
}

/**
 * Sends a JsonText with the headers c.json() would have set. Typed as c.json()'s answer, so
 * the OpenAPI route keeps checking the handler against its response schema.
 */
export function sendJsonText<T>(c: Context, body: JsonText<T>): Response & TypedResponse<T, 200, 'json'> {
  return c.body(body.text, 200, { 'content-type': 'application/json' }) as unknown as Response & TypedResponse<T, 200, 'json'>;
}
