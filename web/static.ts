import fs from 'node:fs';
import path from 'node:path';
import { Hono } from 'hono';
import type { AppEnv } from '../server/http/env.js';
import { fromRoot } from '../server/paths.js';

/**
 * The web UI's own assets (stylesheets, the progressive script), read once at start: the
 * appliance serves everything a page needs, since it runs on a network with no internet.
 */
const folder = fromRoot('web/static');
const types: Record<string, string> = { css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8' };
const assets = new Map<string, { body: string; type: string }>();
for (const name of fs.readdirSync(folder)) {
  const type = types[name.split('.').pop() ?? ''];
  if (type) assets.set(name, { body: fs.readFileSync(path.join(folder, name), 'utf8'), type });
}

export const staticRoutes = new Hono<AppEnv>().get('/static/:file', (c) => {
  const asset = assets.get(c.req.param('file'));
  if (!asset) return c.text('not found', 404);
  return c.body(asset.body, 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=300' });
});
