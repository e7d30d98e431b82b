import { isUtf8 } from 'node:buffer';
import type { HttpBindings } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Ctx } from '../context.js';
import { authenticateToken } from '../modules/access/service.js';
import type { AppEnv } from './env.js';
import { problemResponse } from './errors.js';
import { Problem } from './problem.js';
import { planDocumentTypes } from '../modules/registers/documents.js';

const MiB = 1024 * 1024;

/** Emergency-plan documents (registers/documents.ts): PDF, DOCX or ODT, up to WAIWANG_PLAN_MAX_BYTES (checked by the verb). */
const planDocumentPath = /^\/api\/v1\/emergency-plans\/[^/]+\/document$/;

/** Batch endpoints (readings, device checks, imports) take up to 16 MiB; everything else 1 MiB. */
const batchPaths: RegExp[] = [/^\/api\/v1\/readings$/, /^\/api\/v1\/device-checks$/, /\/import$/, planDocumentPath];

export function isBatchPath(path: string): boolean {
  return batchPaths.some((re) => re.test(path));
}

/** Content types other than JSON that a path accepts (imports: CSV and XLSX). */
const otherBodies: { path: RegExp; types: string[] }[] = [
  { path: /\/import$/, types: ['text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'] },
  { path: /^\/api\/v1\/calendar\//, types: [] },
  { path: planDocumentPath, types: Object.keys(planDocumentTypes) },
];

export const limitBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  // A GET or HEAD has no body to limit (Fetch's Request refuses one).
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
  const maxSize = isBatchPath(c.req.path) ? 16 * MiB : MiB;
  const tooLarge = () => problemResponse(c, new Problem(413, 'payload_too_large', `the body exceeds ${maxSize / MiB} MiB`));
  const length = c.req.header('content-length');
  if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
    // A sized body, as Hono's bodyLimit checks it, without touching c.req.raw.body: that getter
    // makes @hono/node-server build a whole Fetch Request (undici, a web stream, an
    // AbortSignal) that nothing else needs, since requireJson and the routes read the body
    // through its direct path (issue 14: ~0.1 ms of every request's ~1 ms in the server).
    if (Number.parseInt(length, 10) > maxSize) c.res = tooLarge();
    else await next();
  } else {
    // A chunked body (or none): Hono's bodyLimit counts it as it streams.
    const answer = await bodyLimit({ maxSize, onError: tooLarge })(c, next);
    // bodyLimit returns its refusal, or what next() returned (the context) when it let the request through.
    if (answer instanceof Response) c.res = answer;
  }
  if (bodyLeftUnread(c)) {
    // An answer given before the body was read to its end (413; 415; 401 for a CSV or XLSX
    // body, which only its route reads) leaves the rest of the body on the connection.
    // @hono/node-server then drains it for at most 500 ms and destroys the socket, so a
    // keep-alive client (undici's fetch, curl reusing a connection) whose next request goes
    // there gets "other side closed"; on loopback a 2 MiB body was enough. `Connection: close`
    // tells the client that this connection ends with the answer (RFC 9112 §9.6), so it opens
    // a fresh one. Measured on loopback with fetch (sized and chunked bodies) and node:http,
    // 2 to 100 MiB: every 413 arrived and every next request succeeded. Draining up to 16 MiB
    // before answering instead would spend the bandwidth the limit is there to save.
    c.header('Connection', 'close');
  }
};

/** A request body the app answered without reading to its end (only known under @hono/node-server). */
function bodyLeftUnread(c: Context<AppEnv>): boolean {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  if (!incoming || incoming.readableEnded) return false;
  const length = c.req.header('content-length');
  return (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
}

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
  if (type === 'application/json' || type.endsWith('+json')) {
    // JSON text is UTF-8 (RFC 8259 §8.1). Response.text() would quietly turn invalid bytes (or a
    // surrogate encoded as bytes) into U+FFFD and store that; isUtf8 refuses them (the rules of a
    // fatal TextDecoder, at a hundredth of its cost: 0.1 ms instead of 12–18 ms for a 2 MiB batch).
    const bytes = await c.req.arrayBuffer();
    if (!isUtf8(bytes)) {
      return problemResponse(c, new Problem(400, 'invalid_json', 'the body is not valid UTF-8; JSON is sent as UTF-8 (RFC 8259 §8.1)'));
    }
    // The text decoded once, here, and cached where Hono's c.req.json() and c.req.text() look:
    // without it the validator's json() copied the bytes into a new Response and decoded them
    // again (issue 14: ~15 ms of a 10,000-reading batch). TextDecoder drops a leading BOM as
    // Response.text() did. (Hono types the cache as values; it holds, and json() needs, promises.)
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(utf8.decode(bytes));
  }
  return next();
};

const utf8 = new TextDecoder('utf-8');

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
