import { createRoute } from '@hono/zod-openapi';
import { ctxOf } from '../../http/middleware.js';
import { errorResponses, jsonBody, jsonResponse, listOf, router, security } from '../../http/openapi.js';
import { idParam } from '../../http/params.js';
import { findingSchema, listFindingsQuery, resolveFindingInput } from './inputs.js';
import { listFindings, resolveFinding } from './service.js';

const tags = ['findings'];

export const findingRoutes = router()
  .openapi(
    createRoute({
      method: 'get',
      path: '/findings',
      tags,
      security,
      summary: 'what agents and the server found wrong with devices, newest first',
      request: { query: listFindingsQuery },
      responses: { 200: jsonResponse(listOf(findingSchema)), ...errorResponses },
    }),
    async (c) => c.json(await listFindings(ctxOf(c), c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/findings/{id}/resolve',
      tags,
      security,
      summary: 'close a finding with what was done (operators of the device owner’s subtree)',
      request: { params: idParam, ...jsonBody(resolveFindingInput) },
      responses: { 200: jsonResponse(findingSchema), ...errorResponses },
    }),
    async (c) => c.json(await resolveFinding(ctxOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );
