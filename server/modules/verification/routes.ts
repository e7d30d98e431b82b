import { createRoute } from '@hono/zod-openapi';
import { ctxOf } from '../../http/middleware.js';
import { errorResponses, jsonBody, jsonResponse, router, security } from '../../http/openapi.js';
import { idParam } from '../../http/params.js';
import { approveBaselineInput, baselineSchema, deviceCheckBatchInput, deviceCheckBatchResultSchema, deviceCheckInput, deviceCheckResultSchema } from './inputs.js';
import { approveBaseline } from './service/baselines.js';
import { postDeviceCheck, postDeviceChecks } from './service/checks.js';

const tags = ['device checks'];

export const verificationRoutes = router()
  .openapi(
    createRoute({
      method: 'post',
      path: '/device-checks',
      tags,
      security,
      summary: 'an agent’s check of a device: reachability, identity (and, by SSH, addresses, neighbours, configuration); idempotent per device, method, at',
      description:
        'Compared with the registry at once: findings it opens or cures are in the answer. An agent may post only for the devices assigned to it for that method. An absent list means "not checked".',
      request: jsonBody(deviceCheckInput),
      responses: { 200: jsonResponse(deviceCheckResultSchema), ...errorResponses },
    }),
    async (c) => c.json(await postDeviceCheck(ctxOf(c), c.req.valid('json')), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/device-checks/batch',
      tags,
      security,
      summary: 'a cycle’s checks at once (≤ 2,000): each as POST /device-checks takes it, in one transaction with one audit entry',
      description: 'One check refused (unknown device, not the agent’s, in the future) refuses the batch; nothing is stored.',
      request: jsonBody(deviceCheckBatchInput),
      responses: { 200: jsonResponse(deviceCheckBatchResultSchema), ...errorResponses },
    }),
    async (c) => c.json(await postDeviceChecks(ctxOf(c), c.req.valid('json')), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/devices/{id}/baseline',
      tags,
      security,
      summary: 'approve the configuration the last SSH check read as the device’s baseline (operators of the owner’s subtree; audited)',
      description: 'Later SSH checks whose configuration hash differs open config_drift with a unified diff against it. 409 when no SSH check has read the configuration yet.',
      request: { params: idParam, ...jsonBody(approveBaselineInput) },
      responses: { 200: jsonResponse(baselineSchema), ...errorResponses },
    }),
    async (c) => c.json(await approveBaseline(ctxOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );
