import { createRoute } from '@hono/zod-openapi';
import { ctxOf } from '../../http/middleware.js';
import { errorResponses, jsonBody, jsonResponse, listOf, router, security } from '../../http/openapi.js';
import { idParam } from '../../http/params.js';
import {
  agreementSchema,
  applicationSchema,
  confirmQuery,
  decisionInput,
  listAgreementsQuery,
  listApplicationsQuery,
  signAgreementInput,
  submitApplicationInput,
} from './inputs.js';
import { getAgreement, listAgreements, signAgreement } from './service/agreements.js';
import { acceptApplication, confirmApplication, getApplication, listApplications, submitApplication, withdrawApplication } from './service/applications.js';
import { decideApplication } from './service/decisions.js';

const tags = ['applications'];
const action = (path: string, summary: string) =>
  createRoute({ method: 'post', path, tags, security, summary, request: { params: idParam }, responses: { 200: jsonResponse(applicationSchema), ...errorResponses } });

export const applicationRoutes = router()
  .openapi(
    createRoute({
      method: 'post',
      path: '/applications',
      tags,
      security,
      summary: 'apply for access, deployment, address space, a domain or a plan; the reviewer is derived by the rules',
      request: jsonBody(submitApplicationInput),
      responses: { 201: jsonResponse(applicationSchema, 'submitted'), ...errorResponses },
    }),
    async (c) => c.json(await submitApplication(ctxOf(c), c.req.valid('json')), 201),
  )
  .openapi(
    createRoute({ method: 'get', path: '/applications', tags, security, request: { query: listApplicationsQuery }, responses: { 200: jsonResponse(listOf(applicationSchema)), ...errorResponses } }),
    async (c) => c.json(await listApplications(ctxOf(c), c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({ method: 'get', path: '/applications/{id}', tags, security, request: { params: idParam }, responses: { 200: jsonResponse(applicationSchema), ...errorResponses } }),
    async (c) => c.json(await getApplication(ctxOf(c), c.req.valid('param').id), 200),
  )
  .openapi(action('/applications/{id}/accept', 'the reviewer accepts (受理): the 15-working-day review period runs from today'), async (c) =>
    c.json(await acceptApplication(ctxOf(c), c.req.valid('param').id), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/applications/{id}/confirm',
      tags,
      security,
      summary: 'a co-applicant confirms joint business (article 19: 联合发文)',
      request: { params: idParam, query: confirmQuery },
      responses: { 200: jsonResponse(applicationSchema), ...errorResponses },
    }),
    async (c) => c.json(await confirmApplication(ctxOf(c), c.req.valid('param').id, c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/applications/{id}/decision',
      tags,
      security,
      summary: 'approve (performing the allocation, delegation or agreement in the same transaction) or reject with the opinion',
      request: { params: idParam, ...jsonBody(decisionInput) },
      responses: { 200: jsonResponse(applicationSchema), ...errorResponses },
    }),
    async (c) => c.json(await decideApplication(ctxOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  )
  .openapi(action('/applications/{id}/withdraw', 'the applicant withdraws before the decision'), async (c) => c.json(await withdrawApplication(ctxOf(c), c.req.valid('param').id), 200))
  // agreements
  .openapi(
    createRoute({ method: 'get', path: '/agreements', tags, security, request: { query: listAgreementsQuery }, responses: { 200: jsonResponse(listOf(agreementSchema)), ...errorResponses } }),
    async (c) => c.json(await listAgreements(ctxOf(c), c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({ method: 'get', path: '/agreements/{id}', tags, security, request: { params: idParam }, responses: { 200: jsonResponse(agreementSchema), ...errorResponses } }),
    async (c) => c.json(await getAgreement(ctxOf(c), c.req.valid('param').id), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/agreements/{id}/signatures',
      tags,
      security,
      summary: 'a party signs the access agreement, once; effective when both have',
      request: { params: idParam, ...jsonBody(signAgreementInput) },
      responses: { 200: jsonResponse(agreementSchema), ...errorResponses },
    }),
    async (c) => c.json(await signAgreement(ctxOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );
