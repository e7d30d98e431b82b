import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import { translateDbError } from '../db/errors.js';
import { AddressError } from '../net/cidr.js';
import type { AppEnv } from './env.js';
import { Problem } from './problem.js';

export function problemResponse(c: Context, problem: Problem): Response {
  return c.body(JSON.stringify(problem.toJSON()), problem.status as 400, { 'Content-Type': 'application/problem+json' });
}

function describeIssue(issue: ZodError['issues'][number]): { path: string; message: string } {
  const base = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys: string[] }).keys;
    const path = keys.map((k) => (base ? `${base}.${k}` : k)).join(', ');
    return { path, message: `unknown field ${path}` };
  }
  return { path: base || '(body)', message: `${base || 'the body'}: ${issue.message}` };
}

/** zod failures → 400 validation_failed, naming the field path of each issue. */
export function validationProblem(error: ZodError, where: string): Problem {
  const issues = error.issues.map(describeIssue);
  const first = issues[0];
  return new Problem(400, 'validation_failed', `invalid ${where}: ${first.message}`, {
    field: first.path,
    errors: issues.map((i) => ({ field: i.path, message: i.message })),
  });
}

// The hook @hono/zod-openapi calls after validating each request part.
export const validationHook = (result: { success: boolean; error?: unknown; target?: string }, c: Context<AppEnv>) => {
  if (!result.success) {
    const target = result.target === 'json' ? 'body' : result.target === 'query' ? 'query' : (result.target ?? 'request');
    return problemResponse(c, validationProblem(result.error as ZodError, target));
  }
};

/** Any refusal a verb can raise, as the Problem the client sees; undefined for real faults. */
export function toProblem(err: unknown): Problem | undefined {
  if (err instanceof Problem) return err;
  if (err instanceof AddressError) {
    return new Problem(400, err.code, err.message, err.suggestion ? { suggestion: err.suggestion } : {});
  }
  const translated = translateDbError(err);
  return translated instanceof Problem ? translated : undefined;
}

export function onError(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof HTTPException) {
    if (err.status === 400 && /JSON/i.test(err.message)) {
      return problemResponse(c, new Problem(400, 'invalid_json', 'the body is not valid JSON; send a JSON object with Content-Type: application/json'));
    }
    return problemResponse(c, new Problem(err.status, err.status === 413 ? 'payload_too_large' : 'error', err.message || 'request refused'));
  }
  const problem = toProblem(err);
  if (problem) return problemResponse(c, problem);
  c.var.deps?.log.error({ err, requestId: c.var.requestId, path: c.req.path }, 'unhandled error');
  return problemResponse(c, new Problem(500, 'internal', `an unexpected error occurred; quote request id ${c.var.requestId ?? '?'} to the operators`));
}
