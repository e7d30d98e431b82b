import { z } from '@hono/zod-openapi';
import { invalid, notFound } from './problem.js';

/**
 * The ids the server makes (bigserial) travel as decimal strings: no sign, no leading zero, at
 * most 18 digits, so every one the pattern lets through is below bigint's 2^63-1 and PostgreSQL
 * never sees a value it cannot cast. Anything else is malformed (400), a well-formed id that names
 * nothing is unknown (404): the rule of ../shared/API.md.
 */
const serverIdPattern = /^[1-9][0-9]{0,17}$/;

export function isServerId(text: string): boolean {
  return serverIdPattern.test(text);
}

/** A server-made id in a query, a body or a path. */
export const objectId = z.string().regex(serverIdPattern, 'an id: the decimal string the server gave').openapi({ example: '12' });

/** The `{id}` of every path that names a server-made object; every module's routes use this one. */
export const idParam = z.object({ id: objectId.openapi({ param: { name: 'id', in: 'path' } }) });

/**
 * A validated id as the number the tables hold (bigserial, mode 'number'). Malformed text is
 * refused as idParam would (a caller that skipped validation); an id past 2^53 is one the server
 * has not made, since the ids are read back as JavaScript numbers: unknown, 404.
 */
export function idOf(text: string, what: string, field = 'id'): number {
  if (!isServerId(text)) throw invalid(`${field}: ${JSON.stringify(text)} is not an id the server gave (a decimal string such as "12")`, { field });
  const id = Number(text);
  if (!Number.isSafeInteger(id)) throw notFound(`${what} ${text}`);
  return id;
}
