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

export function jsonResponse<T extends z.ZodType>(schema: T, description = 'OK') {
  return { description, content: { 'application/json': { schema } } };
}

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const security = [{ bearer: [] }];

export type { RouteConfig };
