import { createRoute } from '@hono/zod-openapi';
import { ctxOf } from '../../http/middleware.js';
import { errorResponses, jsonBody, jsonResponse, router, security } from '../../http/openapi.js';
import { deviceCheckInput, deviceCheckResultSchema } from './inputs.js';
import { postDeviceCheck } from './service/checks.js';

export const verificationRoutes = router().openapi(
  createRoute({
    method: 'post',
    path: '/device-checks',
    tags: ['device checks'],
    security,
    summary: 'an agent’s check of a device: reachability, identity (and, by SSH, addresses, neighbours, configuration); idempotent per device, method, at',
    description:
      'Compared with the registry at once: findings it opens or cures are in the answer. An agent may post only for the devices assigned to it for that method. An absent list means "not checked".',
    request: jsonBody(deviceCheckInput),
    responses: { 200: jsonResponse(deviceCheckResultSchema), ...errorResponses },
  }),
  async (c) => c.json(await postDeviceCheck(ctxOf(c), c.req.valid('json')), 200),
);
