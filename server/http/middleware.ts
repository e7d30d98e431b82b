import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Ctx } from '../context.js';
import { authenticateToken } from '../modules/access/service.js';
import type { AppEnv } from './env.js';
import { problemResponse } from './errors.js';
import { Problem } from './problem.js';

const MiB = 1024 * 1024;

/** Batch endpoints (readings, device checks, imports) take up to 16 MiB; everything else 1 MiB. */
const batchPaths: RegExp[] = [/^\/api\/v1\/readings$/, /^\/api\/v1\/device-checks$/, /\/import$/];

export function isBatchPath(path: string): boolean {
  return batchPaths.some((re) => re.test(path));
}

/** Content types other than JSON that a path accepts (imports: CSV and XLSX). */
const otherBodies: { path: RegExp; types: string[] }[] = [
  { path: /\/import$/, types: ['text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'] },
  { path: /^\/api\/v1\/calendar\//, types: [] },
];

export const limitBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const maxSize = isBatchPath(c.req.path) ? 16 * MiB : MiB;
  return bodyLimit({
    maxSize,
    onError: (cc) => problemResponse(cc, new Problem(413, 'payload_too_large', `the body exceeds ${maxSize / MiB} MiB`)),
  })(c, next);
};

export const requireJson: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!['POST', 'PUT', 'PATCH'].includes(c.req.method)) return next();
  const length = c.req.header('content-length');
  const hasBody = (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
  const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (!hasBody && !type) return next();
  const allowed = ['application/json', ...(otherBodies.find((o) => o.path.test(c.req.path))?.types ?? [])];
  if (!allowed.includes(type) && !type.endsWith('+json')) {
    return problemResponse(
      c,
      new Problem(415, 'unsupported_media_type', `send the body as ${allowed.join(' or ')}, not ${type || 'an untyped body'}`),
    );
  }
  return next();
};

export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) {
    return problemResponse(c, new Problem(401, 'unauthorized', 'send an API token as "Authorization: Bearer <token>"'));
  }
  const { deps } = c.var;
  const actor = await authenticateToken(deps.database.db, match[1], deps.now());
  if (!actor) return problemResponse(c, new Problem(401, 'unauthorized', 'the token is unknown, revoked or expired'));
  c.set('actor', actor);
  return next();
};

/** The service verbs' context for this request. */
export function ctxOf(c: Context<AppEnv>): Ctx {
  const { deps } = c.var;
  return { db: deps.database.db, actor: c.var.actor, requestId: c.var.requestId, now: deps.now, config: deps.config };
}
