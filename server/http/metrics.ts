import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/client.js';
import type { AppEnv } from './env.js';

/** One registry per app, so tests that build several apps do not collide. */
export function createMetrics(database: Database) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'waiwang_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'waiwang_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'waiwang_db_pool_size',
    help: 'connections the database driver may open (PGlite: 1)',
    labelNames: ['driver'],
    registers: [registry],
    collect() {
      this.set({ driver: database.driver }, database.poolSize);
    },
  });
  const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    const started = process.hrtime.bigint();
    await next();
    // The matched pattern, not the raw path: ids in paths would explode the label set.
    const route = routePath(c, -1) || 'unmatched';
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    requests.inc({ method: c.req.method, route, status: String(c.res.status) });
    latency.observe({ method: c.req.method, route }, seconds);
  };
  return { registry, middleware };
}
