import { Hono } from 'hono';
import type { AppEnv } from '../server/http/env.js';

/**
 * The web UI's front page. The UI speaks Chinese and calls the same service verbs as the API;
 * its pages arrive with the modules that need them.
 */
export const webRoutes = new Hono<AppEnv>().get('/', (c) =>
  c.html(
    <html lang="zh-CN">
      <head>
        <meta charset="utf-8" />
        <title>外网登记系统 waiwang</title>
      </head>
      <body>
        <h1>广西电子政务外网 地址与域名登记系统</h1>
        <p>waiwang 是外网 IP 地址、域名、节点机房、边界设备与线路的权威登记系统。</p>
        <ul>
          <li>
            <a href="/docs">API 文档</a>（<a href="/openapi.json">OpenAPI</a>）
          </li>
          <li>
            <a href="/healthz">运行状态</a>
          </li>
        </ul>
      </body>
    </html>,
  ),
);
