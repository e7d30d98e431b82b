import { createRoute } from '@hono/zod-openapi';
import { ctxOf } from '../../http/middleware.js';
import { errorResponses, jsonBody, jsonResponse, listOf, router, security } from '../../http/openapi.js';
import { idParam } from '../../http/params.js';
import { createFilingInput, filingSchema, listFilingsQuery, updateFilingInput } from './inputs.js';
import { createFiling, deleteFiling, getFiling, listFilings, updateFiling } from './service/filings.js';
import { createMigrationInput, listMigrationsQuery, migrationSchema, migrationSummaryQuery, migrationSummarySchema, updateMigrationInput } from './inputs.js';
import { createMigration, deleteMigration, getMigration, listMigrations, migrationSummary, updateMigration } from './service/migrations.js';

const tags = ['registers'];
const deleted = { 204: { description: 'deleted' }, ...errorResponses };

export const registerRoutes = router()
  // dedicated-network migrations (专网迁移)
  .openapi(
    createRoute({ method: 'get', path: '/migrations', tags, security, summary: 'dedicated-network migration plans; status=overdue lists those past their planned date (article 18)', request: { query: listMigrationsQuery }, responses: { 200: jsonResponse(listOf(migrationSchema)), ...errorResponses } }),
    async (c) => c.json(await listMigrations(ctxOf(c), c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({ method: 'get', path: '/migrations/summary', tags, security, summary: 'migration plans counted per level of their departments', request: { query: migrationSummaryQuery }, responses: { 200: jsonResponse(migrationSummarySchema), ...errorResponses } }),
    async (c) => c.json(await migrationSummary(ctxOf(c), c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({ method: 'post', path: '/migrations', tags, security, summary: 'plan the migration of a department’s dedicated network into a dedicated-zone VRF', request: jsonBody(createMigrationInput), responses: { 201: jsonResponse(migrationSchema, 'created'), ...errorResponses } }),
    async (c) => c.json(await createMigration(ctxOf(c), c.req.valid('json')), 201),
  )
  .openapi(
    createRoute({ method: 'get', path: '/migrations/{id}', tags, security, request: { params: idParam }, responses: { 200: jsonResponse(migrationSchema), ...errorResponses } }),
    async (c) => c.json(await getMigration(ctxOf(c), c.req.valid('param').id), 200),
  )
  .openapi(
    createRoute({ method: 'patch', path: '/migrations/{id}', tags, security, summary: 'report progress (migrating, migrated with its date) or re-plan', request: { params: idParam, ...jsonBody(updateMigrationInput) }, responses: { 200: jsonResponse(migrationSchema), ...errorResponses } }),
    async (c) => c.json(await updateMigration(ctxOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  )
  .openapi(
    createRoute({ method: 'delete', path: '/migrations/{id}', tags, security, request: { params: idParam }, responses: deleted }),
    async (c) => {
      await deleteMigration(ctxOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  )
  // website filings (网站备案)
  .openapi(
    createRoute({ method: 'get', path: '/website-filings', tags, security, summary: 'websites on the extranet with their filing and what the registry says about their domain and addresses', request: { query: listFilingsQuery }, responses: { 200: jsonResponse(listOf(filingSchema)), ...errorResponses } }),
    async (c) => c.json(await listFilings(ctxOf(c), c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({ method: 'post', path: '/website-filings', tags, security, summary: 'record a website filing (article 19); the answer flags what the registry does not hold', request: jsonBody(createFilingInput), responses: { 201: jsonResponse(filingSchema, 'created'), ...errorResponses } }),
    async (c) => c.json(await createFiling(ctxOf(c), c.req.valid('json')), 201),
  )
  .openapi(
    createRoute({ method: 'get', path: '/website-filings/{id}', tags, security, request: { params: idParam }, responses: { 200: jsonResponse(filingSchema), ...errorResponses } }),
    async (c) => c.json(await getFiling(ctxOf(c), c.req.valid('param').id), 200),
  )
  .openapi(
    createRoute({ method: 'patch', path: '/website-filings/{id}', tags, security, request: { params: idParam, ...jsonBody(updateFilingInput) }, responses: { 200: jsonResponse(filingSchema), ...errorResponses } }),
    async (c) => c.json(await updateFiling(ctxOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  )
  .openapi(
    createRoute({ method: 'delete', path: '/website-filings/{id}', tags, security, request: { params: idParam }, responses: deleted }),
    async (c) => {
      await deleteFiling(ctxOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );
