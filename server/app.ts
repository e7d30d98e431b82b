import { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { webRoutes } from '../web/routes.js';
import type { Deps } from './context.js';
import { listenForChanges } from './db/cache.js';
import type { AppEnv } from './http/env.js';
import { onError, problemResponse, validationHook } from './http/errors.js';
import { createMetrics } from './http/metrics.js';
import { authenticate, limitBody, requireJson } from './http/middleware.js';
import { Problem } from './http/problem.js';
import { systemRoutes } from './http/system.js';
import { accessRoutes } from './modules/access/routes.js';
import { auditRoutes } from './modules/audit/routes.js';
import { unitRoutes } from './modules/divisions/routes.js';
import { dnsRoutes } from './modules/dns/routes.js';
import { rdapRoutes } from './modules/rdap/routes.js';
import { ipamRoutes } from './modules/ipam/routes.js';
import { siteRoutes } from './modules/sites/routes.js';
import { registerRoutes } from './modules/registers/routes.js';
import { webhookRoutes } from './modules/webhooks/routes.js';
import { telemetryRoutes } from './modules/telemetry/routes.js';
import { verificationRoutes } from './modules/verification/routes.js';
import { findingRoutes } from './modules/findings/routes.js';
import { applicationRoutes } from './modules/applications/routes.js';
import { calendarRoutes } from './modules/calendar/routes.js';

/** The whole appliance as a Hono app: tests call app.request(), main.ts serves it. */
export function createApp(deps: Deps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const metrics = createMetrics(deps.database);
  // Other servers' writes to the cached unit tree and VRFs (server/db/cache.ts), on PostgreSQL.
  listenForChanges(deps.database, deps.log).catch((err) => deps.log.warn({ err }, 'cache invalidation: cannot LISTEN; caches serve this process only'));

  app.use('*', requestId({ headerName: 'X-Request-Id' }));
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    const started = performance.now();
    await next();
    deps.log.info(
      { requestId: c.var.requestId, method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started), actor: c.var.actor?.username },
      'request',
    );
  });
  app.use('*', metrics.middleware);
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: { defaultSrc: ["'self'"], imgSrc: ["'self'", 'data:'], styleSrc: ["'self'", "'unsafe-inline'"], scriptSrc: ["'self'"] },
    }),
  );
  app.use('/api/v1/*', limitBody, requireJson, authenticate);

  app.route('/', systemRoutes(metrics));
  app.route('/', webRoutes);
  app.route('/api/v1', unitRoutes);
  app.route('/api/v1', dnsRoutes);
  app.route('/', rdapRoutes);
  app.route('/api/v1', accessRoutes);
  app.route('/api/v1', auditRoutes);
  app.route('/api/v1', ipamRoutes);
  app.route('/api/v1', siteRoutes);
  app.route('/api/v1', webhookRoutes);
  app.route('/api/v1', telemetryRoutes);
  app.route('/api/v1', findingRoutes);
  app.route('/api/v1', verificationRoutes);
  app.route('/api/v1', applicationRoutes);
  app.route('/api/v1', calendarRoutes);
  app.route('/api/v1', registerRoutes);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'waiwang 外网 registry API',
      version: '1',
      description: 'The authoritative registry of the Guangxi e-government extranet: units, addresses, domains, sites and links.',
    },
  });

  app.notFound((c) => problemResponse(c, new Problem(404, 'not_found', `no endpoint ${c.req.method} ${c.req.path}`)));
  app.onError(onError);
  return app;
}

export type App = ReturnType<typeof createApp>;
