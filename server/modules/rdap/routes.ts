import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { cors } from 'hono/cors';
import { read } from '../../context.js';
import type { AppEnv } from '../../http/env.js';
import { validationHook } from '../../http/errors.js';
import { asRdapError, domainLookup, entityLookup, help, ipLookup, RdapError, rdapType } from './service.js';

const tags = ['rdap'];

// Parameters are plain strings here: RDAP answers malformed queries with its own error object, not problem+json.
const pathParam = (name: string, example: string) => z.string().min(1).max(300).openapi({ param: { name, in: 'path' }, example });
const vrfQuery = z.object({ vrf: z.string().max(64).optional().openapi({ description: 'a dedicated VRF; default the shared address spaces public and internet' }) });

const rdapResponses = {
  200: { description: 'an RDAP object (RFC 9083)', content: { [rdapType]: { schema: z.record(z.string(), z.unknown()) } } },
  400: { description: 'malformed query: an RDAP error object', content: { [rdapType]: { schema: z.record(z.string(), z.unknown()) } } },
  404: { description: 'nothing registered: an RDAP error object', content: { [rdapType]: { schema: z.record(z.string(), z.unknown()) } } },
  503: { description: 'the database does not answer: an RDAP error object', content: { [rdapType]: { schema: z.record(z.string(), z.unknown()) } } },
};

function base(c: Context<AppEnv>): string {
  return new URL(c.req.url).origin;
}

/** Runs a lookup on the database; RDAP answers its errors as RDAP error objects too. */
async function lookup(work: () => Promise<object>): Promise<{ body: Record<string, unknown>; status: 200 | 400 | 404 | 503 }> {
  try {
    return { body: (await read(work)) as Record<string, unknown>, status: 200 };
  } catch (err) {
    const rdap = asRdapError(err);
    if (rdap instanceof RdapError) return { body: rdap.toJSON(), status: rdap.status };
    throw err;
  }
}

const headers = { 'Content-Type': rdapType };

/**
 * The shared validation hook (zod, then the text rule) answers problem+json; RDAP clients expect
 * an RDAP error object (RFC 9083 §6) for a malformed query too: a NUL or a 3,000-character
 * address in the path answered problem+json until the bad-input corpus noticed
 * (test/resilience/bad-input-corpus.test.ts).
 */
export const rdapRoutes = new OpenAPIHono<AppEnv>({
  defaultHook: async (result, c) => {
    const refused = await validationHook(result as Parameters<typeof validationHook>[0], c);
    if (!refused) return;
    // `field` as in problem+json, so one client-side check reads both shapes.
    const problem = (await refused.json()) as { detail: string; field?: string };
    return c.json({ ...new RdapError(400, 'Bad Request', [problem.detail]).toJSON(), field: problem.field }, 400, headers);
  },
});

// RFC 7480 section 5.6: RDAP is meant to be read by web clients from any origin.
rdapRoutes.use('/rdap/*', cors({ origin: '*', allowMethods: ['GET', 'HEAD', 'OPTIONS'] }));

rdapRoutes
  .openapi(
    createRoute({ method: 'get', path: '/rdap/ip/{address}', tags, summary: 'the most specific registered network containing an address', request: { params: z.object({ address: pathParam('address', '10.45.1.10') }), query: vrfQuery }, responses: rdapResponses }),
    async (c) => {
      const r = await lookup(() => ipLookup(c.var.deps.database.db, base(c), c.req.valid('param').address, undefined, c.req.valid('query').vrf));
      return c.json(r.body, r.status, headers);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/rdap/ip/{address}/{length}',
      tags,
      summary: 'the most specific registered network containing a CIDR block',
      request: { params: z.object({ address: pathParam('address', '10.45.0.0'), length: pathParam('length', '16') }), query: vrfQuery },
      responses: rdapResponses,
    }),
    async (c) => {
      const r = await lookup(() => ipLookup(c.var.deps.database.db, base(c), c.req.valid('param').address, c.req.valid('param').length, c.req.valid('query').vrf));
      return c.json(r.body, r.status, headers);
    },
  )
  .openapi(
    createRoute({ method: 'get', path: '/rdap/domain/{name}', tags, summary: 'a registered forward zone, or the reverse zone of a registered prefix', request: { params: z.object({ name: pathParam('name', 'nanning.gx.example') }), query: vrfQuery }, responses: rdapResponses }),
    async (c) => {
      const r = await lookup(() => domainLookup(c.var.deps.database.db, base(c), c.req.valid('param').name, c.req.valid('query').vrf));
      return c.json(r.body, r.status, headers);
    },
  )
  .openapi(
    createRoute({ method: 'get', path: '/rdap/entity/{code}', tags, summary: 'a unit: division or department', request: { params: z.object({ code: pathParam('code', '450100') }) }, responses: rdapResponses }),
    async (c) => {
      const r = await lookup(() => entityLookup(c.var.deps.database.db, base(c), c.req.valid('param').code));
      return c.json(r.body, r.status, headers);
    },
  )
  .openapi(createRoute({ method: 'get', path: '/rdap/help', tags, summary: 'what this RDAP service answers', responses: { 200: rdapResponses[200] } }), (c) => c.json(help(base(c)) as Record<string, unknown>, 200, headers));

// Other RDAP query types (autnum, nameserver, searches) are not served: say so in RDAP's shape.
rdapRoutes.get('/rdap/*', (c) =>
  c.body(JSON.stringify(new RdapError(404, 'Not Found', [`${c.req.path} is not a query this server answers; see /rdap/help`]).toJSON()), 404, { 'Content-Type': rdapType }),
);
