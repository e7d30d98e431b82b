import { createRoute, z } from '@hono/zod-openapi';
import { ctxOf } from '../../http/middleware.js';
import { errorResponses, jsonBody, jsonResponse, listOf, router, security } from '../../http/openapi.js';
import { idParam } from '../../http/params.js';
import { unitCode } from '../divisions/inputs.js';
import { listAddresses, registerAddress, releaseAddress } from './service/addresses.js';
import {
  addressSchema,
  allocateInput,
  availableQuery,
  createAddressInput,
  createPrefixInput,
  createVrfInput,
  freeBlockSchema,
  holderUtilizationSchema,
  listAddressesQuery,
  listPrefixesQuery,
  pageQuery,
  prefixSchema,
  updatePrefixInput,
  vrfSchema,
  zoneSchema,
} from './inputs.js';
import { exportPrefixes, exportQuery, importPrefixes, importQuery, importResultSchema } from './service/io.js';
import { sendJsonText } from '../../http/json-text.js';
import { allocate, createPrefix, getPrefix, holderUtilization, listAvailable, listChildren, listPrefixes, reclaimPrefix, updatePrefix } from './service/prefixes.js';
import { createVrf, listVrfs, listZones } from './service/vrfs.js';

const tags = ['ipam'];

export const ipamRoutes = router()
  .openapi(createRoute({ method: 'get', path: '/zones', tags, security, responses: { 200: jsonResponse(listOf(zoneSchema)), ...errorResponses } }), async (c) => c.json(await listZones(ctxOf(c)), 200))
  .openapi(createRoute({ method: 'get', path: '/vrfs', tags, security, responses: { 200: jsonResponse(listOf(vrfSchema)), ...errorResponses } }), async (c) => c.json(await listVrfs(ctxOf(c)), 200))
  .openapi(
    createRoute({ method: 'post', path: '/vrfs', tags, security, summary: 'a VRF in the dedicated zone (one per department VPN)', request: jsonBody(createVrfInput), responses: { 201: jsonResponse(vrfSchema, 'created'), ...errorResponses } }),
    async (c) => c.json(await createVrf(ctxOf(c), c.req.valid('json')), 201),
  )
  // Import and export come before /prefixes/{id} so that their paths are not read as ids.
  .openapi(
    createRoute({
      method: 'post',
      path: '/prefixes/import',
      tags,
      security,
      summary: 'import an address plan (CSV or XLSX; columns vrf, cidr, holder, status, description): all rows or none',
      request: {
        query: importQuery,
        body: {
          required: true,
          content: {
            'text/csv': { schema: z.string() },
            'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: z.string().openapi({ format: 'binary' }) },
          },
        },
      },
      responses: { 200: jsonResponse(importResultSchema, 'dry run verdicts'), 201: jsonResponse(importResultSchema, 'imported'), ...errorResponses },
    }),
    async (c) => {
      const { dryRun } = c.req.valid('query');
      const result = await importPrefixes(ctxOf(c), {
        contentType: (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase(),
        body: new Uint8Array(await c.req.arrayBuffer()),
        dryRun: dryRun === 'true',
      });
      return c.json(result, dryRun === 'true' ? 200 : 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/prefixes/export',
      tags,
      security,
      request: { query: exportQuery },
      responses: { 200: { description: 'CSV or XLSX', content: { 'text/csv': { schema: z.string() } } }, ...errorResponses },
    }),
    async (c) => {
      const file = await exportPrefixes(ctxOf(c), c.req.valid('query'));
      return c.body(file.body, 200, { 'Content-Type': file.contentType, 'Content-Disposition': `attachment; filename="${file.filename}"` });
    },
  )
  .openapi(
    createRoute({ method: 'get', path: '/prefixes', tags, security, request: { query: listPrefixesQuery }, responses: { 200: jsonResponse(listOf(prefixSchema)), ...errorResponses } }),
    async (c) => sendJsonText(c, await listPrefixes(ctxOf(c), c.req.valid('query'))),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/prefixes',
      tags,
      security,
      summary: 'a root pool (admin) or an explicit child under the smallest prefix that contains it',
      request: jsonBody(createPrefixInput),
      responses: { 201: jsonResponse(prefixSchema, 'created'), ...errorResponses },
    }),
    async (c) => c.json(await createPrefix(ctxOf(c), c.req.valid('json')), 201),
  )
  .openapi(
    createRoute({ method: 'get', path: '/prefixes/{id}', tags, security, request: { params: idParam }, responses: { 200: jsonResponse(prefixSchema), ...errorResponses } }),
    async (c) => c.json(await getPrefix(ctxOf(c), c.req.valid('param').id), 200),
  )
  .openapi(
    createRoute({ method: 'patch', path: '/prefixes/{id}', tags, security, request: { params: idParam, ...jsonBody(updatePrefixInput) }, responses: { 200: jsonResponse(prefixSchema), ...errorResponses } }),
    async (c) => c.json(await updatePrefix(ctxOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  )
  .openapi(
    createRoute({ method: 'delete', path: '/prefixes/{id}', tags, security, summary: 'reclaim: the space returns to the parent, merged', request: { params: idParam }, responses: { 204: { description: 'reclaimed' }, ...errorResponses } }),
    async (c) => {
      await reclaimPrefix(ctxOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/prefixes/{id}/allocate',
      tags,
      security,
      summary: 'the next free aligned block(s) of prefixLength, by strategy; count > 1 answers {items}',
      request: { params: idParam, ...jsonBody(allocateInput) },
      responses: { 201: jsonResponse(z.union([prefixSchema, listOf(prefixSchema)]), 'created'), ...errorResponses },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const created = await allocate(ctxOf(c), c.req.valid('param').id, input);
      return c.json(input.count > 1 ? { items: created, nextCursor: null } : created[0], 201);
    },
  )
  .openapi(
    createRoute({ method: 'get', path: '/prefixes/{id}/children', tags, security, request: { params: idParam, query: pageQuery }, responses: { 200: jsonResponse(listOf(prefixSchema)), ...errorResponses } }),
    async (c) => sendJsonText(c, await listChildren(ctxOf(c), c.req.valid('param').id, c.req.valid('query'))),
  )
  .openapi(
    createRoute({ method: 'get', path: '/prefixes/{id}/available', tags, security, request: { params: idParam, query: availableQuery }, responses: { 200: jsonResponse(listOf(freeBlockSchema)), ...errorResponses } }),
    async (c) => c.json(await listAvailable(ctxOf(c), c.req.valid('param').id, c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({ method: 'post', path: '/prefixes/{id}/addresses', tags, security, request: { params: idParam, ...jsonBody(createAddressInput) }, responses: { 201: jsonResponse(addressSchema, 'created'), ...errorResponses } }),
    async (c) => c.json(await registerAddress(ctxOf(c), c.req.valid('param').id, c.req.valid('json')), 201),
  )
  .openapi(
    createRoute({ method: 'get', path: '/addresses', tags, security, request: { query: listAddressesQuery }, responses: { 200: jsonResponse(listOf(addressSchema)), ...errorResponses } }),
    async (c) => c.json(await listAddresses(ctxOf(c), c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({ method: 'delete', path: '/addresses/{id}', tags, security, request: { params: idParam }, responses: { 204: { description: 'released' }, ...errorResponses } }),
    async (c) => {
      await releaseAddress(ctxOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/holders/{code}/utilization',
      tags,
      security,
      summary: 'address space held by a unit and how much of it is used, per family',
      request: { params: z.object({ code: unitCode.openapi({ param: { name: 'code', in: 'path' } }) }) },
      responses: { 200: jsonResponse(holderUtilizationSchema), ...errorResponses },
    }),
    async (c) => c.json(await holderUtilization(ctxOf(c), c.req.valid('param').code), 200),
  );
