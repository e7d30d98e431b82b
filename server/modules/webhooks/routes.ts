import { createRoute } from '@hono/zod-openapi';
import { ctxOf } from '../../http/middleware.js';
import { errorResponses, jsonBody, jsonResponse, listOf, router, security } from '../../http/openapi.js';
import { idParam } from '../../http/params.js';
import { createWebhookInput, deliverySchema, listDeliveriesQuery, listWebhooksQuery, updateWebhookInput, webhookSchema } from './inputs.js';
import { createWebhook, deleteWebhook, getWebhook, listDeliveries, listWebhooks, updateWebhook } from './service.js';

const tags = ['webhooks'];

export const webhookRoutes = router()
  .openapi(
    createRoute({ method: 'get', path: '/webhooks', tags, security, request: { query: listWebhooksQuery }, responses: { 200: jsonResponse(listOf(webhookSchema)), ...errorResponses } }),
    async (c) => c.json(await listWebhooks(ctxOf(c), c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/webhooks',
      tags,
      security,
      summary: 'register a URL that receives a unit’s events, signed with X-Waiwang-Signature: sha256=<hex HMAC of the body>',
      request: jsonBody(createWebhookInput),
      responses: { 201: jsonResponse(webhookSchema, 'created'), ...errorResponses },
    }),
    async (c) => c.json(await createWebhook(ctxOf(c), c.req.valid('json')), 201),
  )
  .openapi(
    createRoute({ method: 'get', path: '/webhooks/{id}', tags, security, request: { params: idParam }, responses: { 200: jsonResponse(webhookSchema), ...errorResponses } }),
    async (c) => c.json(await getWebhook(ctxOf(c), c.req.valid('param').id), 200),
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/webhooks/{id}',
      tags,
      security,
      request: { params: idParam, ...jsonBody(updateWebhookInput) },
      responses: { 200: jsonResponse(webhookSchema), ...errorResponses },
    }),
    async (c) => c.json(await updateWebhook(ctxOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  )
  .openapi(
    createRoute({ method: 'delete', path: '/webhooks/{id}', tags, security, request: { params: idParam }, responses: { 204: { description: 'deleted' }, ...errorResponses } }),
    async (c) => {
      await deleteWebhook(ctxOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/webhooks/{id}/deliveries',
      tags,
      security,
      summary: 'the delivery log: each event sent to this webhook, with every attempt',
      request: { params: idParam, query: listDeliveriesQuery },
      responses: { 200: jsonResponse(listOf(deliverySchema)), ...errorResponses },
    }),
    async (c) => c.json(await listDeliveries(ctxOf(c), c.req.valid('param').id, c.req.valid('query')), 200),
  );
