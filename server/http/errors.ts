import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import { toProblem } from '../db/errors.js';
import type { AppEnv } from './env.js';
import { Problem } from './problem.js';
import { findTextFault } from '../text.js';

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

/**
 * The hook @hono/zod-openapi calls after validating each request part (query, path, JSON body) of
 * every route, also on success: so the text rule (../text.ts) is checked here, once for all modules.
 * It reads the strings as the client sent them, not as validation left them, so that no schema
 * step (trim, URL normalisation, a transform) can launder a control character into a 2xx.
 */
export const validationHook = async (result: { success: boolean; error?: unknown; data?: unknown; target?: string }, c: Context<AppEnv>) => {
  const where = result.target === 'json' ? 'body' : result.target === 'query' ? 'query' : (result.target ?? 'request');
  if (!result.success) return problemResponse(c, validationProblem(result.error as ZodError, where));
  const fault = result.target === 'json' && !mayHoldTextFault(await c.req.text()) ? undefined : findTextFault(await sentValue(c, result.target, result.data));
  if (fault) {
    return problemResponse(
      c,
      new Problem(400, 'validation_failed', `invalid ${where}: ${fault.field}: ${fault.message}`, { field: fault.field, errors: [{ field: fault.field, message: fault.message }] }),
    );
  }
};

/**
 * Whether a JSON text can hold a string textFault refuses. JSON carries a control character
 * U+0000–U+001F inside a string only as an escape (raw, JSON.parse refuses it), and a lone
 * surrogate only as a \uD800-style escape (valid UTF-8 cannot encode one; requireJson refuses
 * invalid bytes); DEL may stand raw. So a text with neither a backslash nor a DEL holds no
 * refused string, keys included, and walking its parsed value would find nothing: for a
 * 10,000-reading batch that walk cost ~20 ms, the indexOf scans ~1 ms (issue 14).
 */
function mayHoldTextFault(text: string): boolean {
  return text.includes('\\') || text.includes('\u007f');
}

/** A request part as sent (Hono caches the body's text; a JSON body is parsed again, only when it may hold a refused string). */
async function sentValue(c: Context<AppEnv>, target: string | undefined, validated: unknown): Promise<unknown> {
  if (target === 'json') return c.req.json();
  // As Hono's validator shapes it: a parameter given once is a string, repeated an array.
  if (target === 'query') return Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
  if (target === 'param') return c.req.param();
  return validated;
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
