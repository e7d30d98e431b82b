import { createRoute, z } from '@hono/zod-openapi';
import { ctxOf } from '../../http/middleware.js';
import { errorResponses, jsonBody, jsonResponse, listOf, router, security } from '../../http/openapi.js';
import { createUnitInput, listUnitsQuery, unitCode, unitSchema, updateUnitInput } from './inputs.js';
import { createUnit, deleteDepartment, getUnit, listUnits, updateUnit } from './service.js';

const tags = ['units'];
const codeParam = z.object({ code: unitCode.openapi({ param: { name: 'code', in: 'path' } }) });

export const unitRoutes = router()
  .openapi(
    createRoute({ method: 'get', path: '/units', tags, security, request: { query: listUnitsQuery }, responses: { 200: jsonResponse(listOf(unitSchema)), ...errorResponses } }),
    async (c) => c.json(await listUnits(ctxOf(c), c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({ method: 'get', path: '/units/{code}', tags, security, request: { params: codeParam }, responses: { 200: jsonResponse(unitSchema), ...errorResponses } }),
    async (c) => c.json(await getUnit(ctxOf(c), c.req.valid('param').code), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/units',
      tags,
      security,
      summary: 'add a department under a division (operators in scope), or a division (admin)',
      request: jsonBody(createUnitInput),
      responses: { 201: jsonResponse(unitSchema, 'created'), ...errorResponses },
    }),
    async (c) => c.json(await createUnit(ctxOf(c), c.req.valid('json')), 201),
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/units/{code}',
      tags,
      security,
      summary: 'rename, retire or reinstate a unit; set its service channels',
      request: { params: codeParam, ...jsonBody(updateUnitInput) },
      responses: { 200: jsonResponse(unitSchema), ...errorResponses },
    }),
    async (c) => c.json(await updateUnit(ctxOf(c), c.req.valid('param').code, c.req.valid('json')), 200),
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/units/{code}',
      tags,
      security,
      summary: 'delete a department that nothing refers to (divisions are retired, never deleted)',
      request: { params: codeParam },
      responses: { 204: { description: 'deleted' }, ...errorResponses },
    }),
    async (c) => {
      await deleteDepartment(ctxOf(c), c.req.valid('param').code);
      return c.body(null, 204);
    },
  );
