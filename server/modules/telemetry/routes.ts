import { createRoute } from '@hono/zod-openapi';
import { ctxOf } from '../../http/middleware.js';
import { errorResponses, jsonBody, jsonResponse, listOf, router, security } from '../../http/openapi.js';
import { idParam } from '../../http/params.js';
import { listExpansionRequests, decideExpansion } from './service/expansion.js';
import { listIncidents } from './service/incidents.js';
import { listReadings, postReadings } from './service/ingest.js';
import {
  decisionInput,
  evaluationSchema,
  expansionPolicyInput,
  expansionPolicySchema,
  expansionRequestSchema,
  incidentSchema,
  listExpansionQuery,
  listIncidentsQuery,
  listReadingsQuery,
  readingBatchInput,
  readingBatchResultSchema,
  readingSchema,
  utilizationQuery,
  utilizationSchema,
} from './inputs.js';
import { evaluateExpansion, getExpansionPolicy, putExpansionPolicy } from './service/policy.js';
import { getUtilization } from './service/utilization.js';

export const telemetryRoutes = router()
  .openapi(
    createRoute({
      method: 'post',
      path: '/readings',
      tags: ['readings'],
      security,
      summary: 'a batch of raw interface counters from an agent (≤ 10,000; idempotent per device, ifName, at)',
      description: 'Incidents the readings cause exist when this answers. An agent may post only for the devices assigned to it for SNMP.',
      request: jsonBody(readingBatchInput),
      responses: { 200: jsonResponse(readingBatchResultSchema), ...errorResponses },
    }),
    async (c) => c.json(await postReadings(ctxOf(c), c.req.valid('json')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/readings',
      tags: ['readings'],
      security,
      summary: 'the raw readings of a device as stored, oldest first',
      request: { query: listReadingsQuery },
      responses: { 200: jsonResponse(listOf(readingSchema)), ...errorResponses },
    }),
    async (c) => c.json(await listReadings(ctxOf(c), c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/links/{id}/utilization',
      tags: ['links'],
      security,
      summary: '5-minute utilization of a link at its A end (in = into A), with p95 and peak',
      request: { params: idParam, query: utilizationQuery },
      responses: { 200: jsonResponse(utilizationSchema), ...errorResponses },
    }),
    async (c) => c.json(await getUtilization(ctxOf(c), c.req.valid('param').id, c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/policies/expansion',
      tags: ['expansion'],
      security,
      summary: 'the bandwidth expansion policy',
      responses: { 200: jsonResponse(expansionPolicySchema), ...errorResponses },
    }),
    async (c) => c.json(await getExpansionPolicy(ctxOf(c)), 200),
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/policies/expansion',
      tags: ['expansion'],
      security,
      summary: 'replace the expansion policy (admin)',
      request: jsonBody(expansionPolicyInput),
      responses: { 200: jsonResponse(expansionPolicySchema), ...errorResponses },
    }),
    async (c) => c.json(await putExpansionPolicy(ctxOf(c), c.req.valid('json')), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/policies/expansion/evaluate',
      tags: ['expansion'],
      security,
      summary: 'roll up every accepted reading, then evaluate the policy now (it also runs every 5 minutes)',
      responses: { 200: jsonResponse(evaluationSchema), ...errorResponses },
    }),
    async (c) => c.json((await evaluateExpansion(ctxOf(c), { wait: true, summaryAudit: true }))!, 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/expansion-requests',
      tags: ['expansion'],
      security,
      summary: 'expansion requests (扩容申请) raised by the policy, newest first',
      request: { query: listExpansionQuery },
      responses: { 200: jsonResponse(listOf(expansionRequestSchema)), ...errorResponses },
    }),
    async (c) => c.json(await listExpansionRequests(ctxOf(c), c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/expansion-requests/{id}/decision',
      tags: ['expansion'],
      security,
      summary: 'the paying unit approves or rejects, with its opinion',
      request: { params: idParam, ...jsonBody(decisionInput) },
      responses: { 200: jsonResponse(expansionRequestSchema), ...errorResponses },
    }),
    async (c) => c.json(await decideExpansion(ctxOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/incidents',
      tags: ['incidents'],
      security,
      summary: 'links and devices down, reported to the upper-level O&M unit (article 20), newest first',
      request: { query: listIncidentsQuery },
      responses: { 200: jsonResponse(listOf(incidentSchema)), ...errorResponses },
    }),
    async (c) => c.json(await listIncidents(ctxOf(c), c.req.valid('query')), 200),
  );
