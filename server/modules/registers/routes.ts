import { createRoute, z } from '@hono/zod-openapi';
import { ctxOf } from '../../http/middleware.js';
import { errorResponses, jsonBody, jsonResponse, listOf, router, security } from '../../http/openapi.js';
import { idParam } from '../../http/params.js';
import { createFilingInput, filingSchema, listFilingsQuery, updateFilingInput } from './inputs.js';
import { createFiling, deleteFiling, getFiling, listFilings, updateFiling } from './service/filings.js';
import { createDrillInput, drillSchema, listDrillsQuery, planDocumentQuery, planSchema, planUnitParam, putPlanInput, readinessListSchema, readinessQuery } from './inputs.js';
import { planDocumentTypes } from './documents.js';
import { createDrill, deleteDrill, getPlan, getPlanDocument, listDrills, listReadiness, putPlan, putPlanDocument } from './service/readiness.js';
import { acknowledgeIncidentInput, classifyIncidentInput, incidentCommentInput, incidentHandlingSchema, listMajorFaultsQuery } from './inputs.js';
import { acknowledgeIncident, addIncidentNote, classifyIncident, getIncidentHandling, listMajorFaults } from './service/faults.js';
import { reportIncidentInput, resolveIncidentInput } from './inputs.js';
import { reportIncident, resolveReportedIncident } from './service/reported.js';
import { assessmentQuery, assessmentSchema } from './inputs.js';
import { assessmentFile, assessmentReport } from './service/assessment.js';
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
  )
  // emergency plans and drills (应急预案, 演练)
  .openapi(
    createRoute({ method: 'get', path: '/emergency-plans/{code}', tags, security, summary: 'an O&M unit’s emergency plan (article 20)', request: { params: planUnitParam }, responses: { 200: jsonResponse(planSchema), ...errorResponses } }),
    async (c) => c.json(await getPlan(ctxOf(c), c.req.valid('param').code), 200),
  )
  .openapi(
    createRoute({ method: 'put', path: '/emergency-plans/{code}', tags, security, summary: 'register or revise an O&M unit’s emergency plan (title, revision date)', request: { params: planUnitParam, ...jsonBody(putPlanInput) }, responses: { 200: jsonResponse(planSchema), ...errorResponses } }),
    async (c) => c.json(await putPlan(ctxOf(c), c.req.valid('param').code, c.req.valid('json')), 200),
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/emergency-plans/{code}/document',
      tags,
      security,
      summary: 'the plan’s document as it is (PDF, DOCX or ODT; checked by its first bytes; at most WAIWANG_PLAN_MAX_BYTES)',
      request: {
        params: planUnitParam,
        query: planDocumentQuery,
        body: { required: true, content: Object.fromEntries(Object.keys(planDocumentTypes).map((type) => [type, { schema: z.string().openapi({ format: 'binary' }) }])) },
      },
      responses: { 200: jsonResponse(planSchema), ...errorResponses },
    }),
    async (c) =>
      c.json(
        await putPlanDocument(ctxOf(c), c.req.valid('param').code, {
          contentType: (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase(),
          body: new Uint8Array(await c.req.arrayBuffer()),
          name: c.req.valid('query').name ?? '',
        }),
        200,
      ),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/emergency-plans/{code}/document',
      tags,
      security,
      summary: 'the plan’s document, to readers in scope only',
      request: { params: planUnitParam },
      responses: { 200: { description: 'the document', content: Object.fromEntries(Object.keys(planDocumentTypes).map((type) => [type, { schema: z.string().openapi({ format: 'binary' }) }])) }, ...errorResponses },
    }),
    async (c) => {
      const file = await getPlanDocument(ctxOf(c), c.req.valid('param').code);
      // An attachment, never rendered in the appliance's origin; the type is one the upload checked.
      return c.body(file.body as never, 200, {
        'Content-Type': file.contentType,
        'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`,
        'X-Content-Type-Options': 'nosniff',
      });
    },
  )
  .openapi(
    createRoute({ method: 'get', path: '/drills', tags, security, request: { query: listDrillsQuery }, responses: { 200: jsonResponse(listOf(drillSchema)), ...errorResponses } }),
    async (c) => c.json(await listDrills(ctxOf(c), c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({ method: 'post', path: '/drills', tags, security, summary: 'record a drill held (date, scenario, findings)', request: jsonBody(createDrillInput), responses: { 201: jsonResponse(drillSchema, 'created'), ...errorResponses } }),
    async (c) => c.json(await createDrill(ctxOf(c), c.req.valid('json')), 201),
  )
  .openapi(
    createRoute({ method: 'delete', path: '/drills/{id}', tags, security, request: { params: idParam }, responses: deleted }),
    async (c) => {
      await deleteDrill(ctxOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({ method: 'get', path: '/emergency-readiness', tags, security, summary: 'per O&M unit: plan, last drill, and flags (no plan, no drill in the configured months)', request: { query: readinessQuery }, responses: { 200: jsonResponse(readinessListSchema), ...errorResponses } }),
    async (c) => c.json(await listReadiness(ctxOf(c), c.req.valid('query')), 200),
  )
  // major faults (重大故障)
  .openapi(
    createRoute({ method: 'get', path: '/major-faults', tags, security, summary: 'major incidents with their handling record, newest first', request: { query: listMajorFaultsQuery }, responses: { 200: jsonResponse(listOf(incidentHandlingSchema)), ...errorResponses } }),
    async (c) => c.json(await listMajorFaults(ctxOf(c), c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({ method: 'get', path: '/incidents/{id}/handling', tags, security, summary: 'an incident’s severity, acknowledgement, escalations and timeline (article 37)', request: { params: idParam }, responses: { 200: jsonResponse(incidentHandlingSchema), ...errorResponses } }),
    async (c) => c.json(await getIncidentHandling(ctxOf(c), c.req.valid('param').id), 200),
  )
  .openapi(
    createRoute({ method: 'post', path: '/incidents/{id}/severity', tags, security, summary: 'an operator classifies an incident major or minor (a major one is reported at once)', request: { params: idParam, ...jsonBody(classifyIncidentInput) }, responses: { 200: jsonResponse(incidentHandlingSchema), ...errorResponses } }),
    async (c) => c.json(await classifyIncident(ctxOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  )
  .openapi(
    createRoute({ method: 'post', path: '/incidents/{id}/acknowledge', tags, security, summary: 'acknowledge an incident: stops its escalation', request: { params: idParam, ...jsonBody(acknowledgeIncidentInput) }, responses: { 200: jsonResponse(incidentHandlingSchema), ...errorResponses } }),
    async (c) => c.json(await acknowledgeIncident(ctxOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  )
  .openapi(
    createRoute({ method: 'post', path: '/incidents/{id}/notes', tags, security, summary: 'add to an incident’s handling record', request: { params: idParam, ...jsonBody(incidentCommentInput) }, responses: { 200: jsonResponse(incidentHandlingSchema), ...errorResponses } }),
    async (c) => c.json(await addIncidentNote(ctxOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  )
  .openapi(
    createRoute({ method: 'post', path: '/incidents', tags, security, summary: 'an operator reports an incident of a unit of its subtree (operator_reported): reported at once to the upper level', request: jsonBody(reportIncidentInput), responses: { 201: jsonResponse(incidentHandlingSchema), ...errorResponses } }),
    async (c) => c.json(await reportIncident(ctxOf(c), c.req.valid('json')), 201),
  )
  .openapi(
    createRoute({ method: 'post', path: '/incidents/{id}/resolve', tags, security, summary: 'close an operator_reported incident (the automatic kinds resolve by themselves: 409)', request: { params: idParam, ...jsonBody(resolveIncidentInput) }, responses: { 200: jsonResponse(incidentHandlingSchema), ...errorResponses } }),
    async (c) => c.json(await resolveReportedIncident(ctxOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  )
  // the assessment report (绩效考核)
  .openapi(
    createRoute({
      method: 'get',
      path: '/reports/assessment',
      tags,
      security,
      summary: 'article 22: per O&M unit of a level, a year’s figures from the registry (JSON, CSV or XLSX)',
      request: { query: assessmentQuery },
      responses: {
        200: { description: 'the report', content: { 'application/json': { schema: assessmentSchema }, 'text/csv': { schema: z.string() }, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: z.string().openapi({ format: 'binary' }) } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      if (query.format === 'json') return c.json(await assessmentReport(ctxOf(c), query), 200);
      const file = await assessmentFile(ctxOf(c), query);
      return c.body(file.body as never, 200, { 'Content-Type': file.contentType, 'Content-Disposition': `attachment; filename="${file.filename}"` });
    },
  );
