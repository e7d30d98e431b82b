import { OpenAPIHono, z, type RouteConfig } from '@hono/zod-openapi';
import type { AppEnv } from './env.js';
import { validationHook } from './errors.js';

/** Every module's router: the same validation hook, so every 400 reads the same. */
export function router(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
  })
  .passthrough()
  .openapi('Problem');

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: problemSchema } } });

/** The refusals every authenticated endpoint can give. */
export const errorResponses = {
  400: problem('invalid input (validation_failed, invalid_json, …)'),
  401: problem('no or bad token'),
  403: problem('outside the role or subtree'),
  404: problem('not found'),
  409: problem('conflicts with the current state'),
  413: problem('body too large'),
  415: problem('wrong content type'),
  422: problem('a rule of the regulation refuses it'),
  503: problem('the database does not answer'),
} as const;

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { body: { required: true, content: { 'application/json': { schema } } } };
}

/**
 * A body schema that @hono/zod-validator parses synchronously. The validator calls
 * safeParseAsync, and zod 4 runs an object's checks as one compiled function (its JIT) only in a
 * synchronous parse: for a batch of 10,000 readings ~30 ms async, ~18 ms sync (issue 14). For a
 * schema without async refinements both give the same result; should a refinement return a
 * promise, zod throws $ZodAsyncError and the async parse runs instead.
 * `accepts`, when given, is a quicker check that says yes only to values the schema accepts and
 * returns unchanged (no transform, no default, no key stripped): those are the result as they
 * are; anything else, including everything refused, goes through zod, so refusals read the same.
 */
export function parsedSynchronously<T extends z.ZodType>(schema: T, accepts?: (data: unknown) => boolean): T {
  const parseAsync = schema.safeParseAsync.bind(schema);
  (schema as z.ZodType).safeParseAsync = async (data: unknown, params?: z.core.ParseContext<z.core.$ZodIssue>) => {
    if (accepts?.(data)) return { success: true, data } as z.ZodSafeParseSuccess<unknown>;
    try {
      return schema.safeParse(data, params);
    } catch (err) {
      if (err instanceof z.core.$ZodAsyncError) return parseAsync(data, params);
      throw err;
    }
  };
  return schema;
}

export function jsonResponse<T extends z.ZodType>(schema: T, description = 'OK') {
  return { description, content: { 'application/json': { schema } } };
}

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const security = [{ bearer: [] }];

export type { RouteConfig };
