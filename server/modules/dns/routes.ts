import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../../http/env.js';
import { ctxOf } from '../../http/middleware.js';
import { errorResponses, jsonBody, jsonResponse, listOf, router, security } from '../../http/openapi.js';
import { idParam } from '../../http/params.js';
import {
  createDomainInput,
  createdRecordSchema,
  delegateInput,
  domainSchema,
  listDomainsQuery,
  listRecordsQuery,
  recordInput,
  recordSchema,
  reverseZoneListSchema,
  reverseZoneQuery,
  updateDomainInput,
} from './inputs.js';
import { createDomain, delegateDomain, getDomain, listDomains, reclaimDomain, updateDomain } from './service/domains.js';
import { createRecord, deleteRecord, listRecords } from './service/records.js';
import { reverseZoneFile, reverseZonesOfPrefix } from './service/reverse.js';
import { currentZoneEtag, zoneFile } from './service/zone.js';

const tags = ['domains'];

/** RFC 4027's media type for master files; UTF-8 because comments carry Chinese names. */
const zoneType = 'text/dns; charset=utf-8';

const zoneResponses = {
  200: {
    description: 'the zone as a master file that named-checkzone accepts',
    content: { 'text/dns': { schema: z.string() } },
    headers: { ETag: { description: 'send it back as If-None-Match to fetch only changes', schema: { type: 'string' as const } } },
  },
  304: { description: 'unchanged since the ETag given in If-None-Match' },
  ...errorResponses,
};

/** RFC 9110 13.1.2: If-None-Match is a list of entity tags, or `*`. */
function matches(c: Context<AppEnv>, etag: string): boolean {
  const header = c.req.header('if-none-match');
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

function zoneResponse(c: Context<AppEnv>, zone: { text: string; etag: string }): Response {
  if (matches(c, zone.etag)) return c.body(null, 304, { ETag: zone.etag });
  return c.body(zone.text, 200, { 'Content-Type': zoneType, ETag: zone.etag, 'Cache-Control': 'no-cache' });
}

const nameParam = z.object({
  name: z
    .string()
    .min(1)
    .max(300)
    .openapi({ param: { name: 'name', in: 'path' }, example: '2.0.192.in-addr.arpa' }),
});

export const dnsRoutes = router()
  .openapi(
    createRoute({
      method: 'post',
      path: '/domains',
      tags,
      security,
      summary: 'register a root zone (admin); its name is the deployment’s extranet suffix',
      request: jsonBody(createDomainInput),
      responses: { 201: jsonResponse(domainSchema, 'created'), ...errorResponses },
    }),
    async (c) => c.json(await createDomain(ctxOf(c), c.req.valid('json')), 201),
  )
  .openapi(
    createRoute({ method: 'get', path: '/domains', tags, security, request: { query: listDomainsQuery }, responses: { 200: jsonResponse(listOf(domainSchema)), ...errorResponses } }),
    async (c) => c.json(await listDomains(ctxOf(c), c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({ method: 'get', path: '/domains/{id}', tags, security, request: { params: idParam }, responses: { 200: jsonResponse(domainSchema), ...errorResponses } }),
    async (c) => c.json(await getDomain(ctxOf(c), c.req.valid('param').id), 200),
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/domains/{id}',
      tags,
      security,
      summary: 'change a zone’s name servers, SOA values or TTL (its holder’s operators); bumps the serials of the zone and of the zone that delegates it',
      request: { params: idParam, ...jsonBody(updateDomainInput) },
      responses: { 200: jsonResponse(domainSchema), ...errorResponses },
    }),
    async (c) => c.json(await updateDomain(ctxOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/domains/{id}',
      tags,
      security,
      summary: 'reclaim a delegated zone (operators of the parent zone’s holder); 409 in_use while it has records or children',
      request: { params: idParam },
      responses: { 204: { description: 'reclaimed' }, ...errorResponses },
    }),
    async (c) => {
      await reclaimDomain(ctxOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/domains/{id}/delegate',
      tags,
      security,
      summary: 'delegate label.parent to the level below: cities under the region, counties under their city, townships under their county, departments under their own division',
      request: { params: idParam, ...jsonBody(delegateInput) },
      responses: { 201: jsonResponse(domainSchema, 'delegated'), ...errorResponses },
    }),
    async (c) => c.json(await delegateDomain(ctxOf(c), c.req.valid('param').id, c.req.valid('json')), 201),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/domains/{id}/records',
      tags,
      security,
      request: { params: idParam, query: listRecordsQuery },
      responses: { 200: jsonResponse(listOf(recordSchema)), ...errorResponses },
    }),
    async (c) => c.json(await listRecords(ctxOf(c), c.req.valid('param').id, c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/domains/{id}/records',
      tags,
      security,
      summary: 'add a record; A/AAAA values the registry does not hold for the zone’s holder are accepted with a warning',
      request: { params: idParam, ...jsonBody(recordInput) },
      responses: { 201: jsonResponse(createdRecordSchema, 'created'), ...errorResponses },
    }),
    async (c) => c.json(await createRecord(ctxOf(c), c.req.valid('param').id, c.req.valid('json')), 201),
  )
  .openapi(
    createRoute({ method: 'delete', path: '/records/{id}', tags, security, request: { params: idParam }, responses: { 204: { description: 'deleted' }, ...errorResponses } }),
    async (c) => {
      await deleteRecord(ctxOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/domains/{id}/zone',
      tags,
      security,
      summary: 'the zone file: SOA, apex NS, records, delegations with glue',
      request: { params: idParam },
      responses: zoneResponses,
    }),
    async (c) => {
      const ctx = ctxOf(c);
      const { id } = c.req.valid('param');
      if (c.req.header('if-none-match')) {
        const etag = await currentZoneEtag(ctx, id);
        if (matches(c, etag)) return c.body(null, 304, { ETag: etag });
      }
      return zoneResponse(c, await zoneFile(ctx, id));
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/prefixes/{id}/reverse-zones',
      tags,
      security,
      summary: 'the reverse zone names a prefix spans (octet or nibble boundaries; RFC 2317 names below /24)',
      request: { params: idParam },
      responses: { 200: jsonResponse(reverseZoneListSchema), ...errorResponses },
    }),
    async (c) => c.json(await reverseZonesOfPrefix(ctxOf(c), c.req.valid('param').id), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/reverse-zones/{name}',
      tags,
      security,
      summary: 'one reverse zone built from the registry: PTRs from address hostnames, NS delegations for delegated child prefixes, RFC 2317 CNAMEs below /24',
      request: { params: nameParam, query: reverseZoneQuery },
      responses: zoneResponses,
    }),
    async (c) => zoneResponse(c, await reverseZoneFile(ctxOf(c), c.req.valid('param').name, c.req.valid('query').vrf)),
  );
