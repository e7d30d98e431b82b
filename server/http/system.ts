import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import type { AppEnv } from './env.js';
import { problemResponse } from './errors.js';
import { Problem } from './problem.js';
import { requireFromRoot } from '../paths.js';

// The reference page is rendered by swagger-ui from files inside the appliance: no CDN.
const swaggerDir = path.dirname(requireFromRoot.resolve('swagger-ui-dist/package.json'));
const docsAssets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const docsPage = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>waiwang 外网 API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"><link rel="icon" href="/docs/assets/favicon-32x32.png"></head>
<body><div id="ui"></div><script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script></body></html>`;
// A separate file, so the page works under a Content-Security-Policy without inline scripts.
const docsInit = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', deepLinking: true });`;

export function systemRoutes(metrics: { registry: { metrics(): Promise<string>; contentType: string } }) {
  return new Hono<AppEnv>()
    .get('/healthz', async (c) => {
      try {
        await c.var.deps.database.db.execute(sql`SELECT 1`);
        return c.json({ status: 'ok', database: c.var.deps.database.driver });
      } catch {
        return problemResponse(c, new Problem(503, 'unavailable', 'the database does not answer'));
      }
    })
    .get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }))
    .get('/docs', (c) => c.html(docsPage))
    .get('/docs/assets/:file', (c) => {
      const file = c.req.param('file');
      if (file === 'init.js') return c.body(docsInit, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
      const type = docsAssets[file];
      if (!type) return problemResponse(c, new Problem(404, 'not_found', `no asset ${file}`));
      return c.body(fs.readFileSync(path.join(swaggerDir, file)), 200, { 'Content-Type': type, 'Cache-Control': 'public, max-age=86400' });
    });
}
