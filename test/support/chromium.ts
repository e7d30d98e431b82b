import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { TestApp } from './harness.js';
import { testRoot } from './databases.js';

/**
 * Debian's Chromium (scripts/ensure-packages.sh installs it), never a downloaded browser, with
 * every background service off: the test machine has no internet and must not try to reach it.
 */
export const chromiumPath = '/usr/bin/chromium';
const flags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function chromiumMissing(): string | undefined {
  return fs.existsSync(chromiumPath) ? undefined : `${chromiumPath} is missing: run scripts/ensure-packages.sh chromium fonts-wqy-microhei`;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: flags, headless: true });
}

/** Serves a test app on 127.0.0.1 (a free port the kernel picks), as main.ts serves the real one. */
export async function serveOnLoopback(t: TestApp): Promise<{ base: string; close(): Promise<void> }> {
  const server = await new Promise<http.Server>((resolve) => {
    const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as http.Server)) as http.Server;
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Screenshots of each page: always under .test-tmp/e2e/ (the test's artifacts); with
 * WAIWANG_UPDATE_SCREENSHOTS=1 also into docs/screenshots/ for the README.
 */
export function screenshotter(run: string) {
  const artifacts = path.join(testRoot, 'e2e', run);
  fs.mkdirSync(artifacts, { recursive: true });
  const docs = process.env.WAIWANG_UPDATE_SCREENSHOTS === '1' ? path.resolve('docs/screenshots') : undefined;
  if (docs) fs.mkdirSync(docs, { recursive: true });
  const taken: string[] = [];
  return {
    artifacts,
    taken,
    async shot(page: Page, name: string, options: { fullPage?: boolean } = {}) {
      const file = path.join(artifacts, `${name}.png`);
      await page.screenshot({ path: file, fullPage: options.fullPage ?? true });
      if (docs) fs.copyFileSync(file, path.join(docs, `${name}.png`));
      taken.push(file);
      return file;
    },
  };
}
