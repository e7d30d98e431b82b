import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from './client.js';
import { Outbox } from './outbox.js';
import { Spool } from './spool.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A server whose answer the test sets; it records the bodies it took. */
async function server() {
  const state = { status: 200, taken: [] as unknown[] };
  const s = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (state.status === 200) state.taken.push(JSON.parse(body));
      res.writeHead(state.status, { 'content-type': state.status === 200 ? 'application/json' : 'application/problem+json' });
      res.end(JSON.stringify(state.status === 200 ? { ok: true } : { code: state.status === 400 ? 'validation_failed' : 'unavailable', detail: 'no' }));
    });
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { state, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
}

describe('outbox', () => {
  it('sends while the server answers, spools in order while it does not, sets a 4xx aside, and replays before anything new', async () => {
    const s = await server();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waiwang-outbox-'));
    const spool = await Spool.open(dir);
    const outbox = new Outbox(new ApiClient({ server: s.url, token: 't', retries: 0 }), spool);
    const item = (n: number, kind = 'device-check') => ({ kind, path: kind === 'readings' ? '/api/v1/readings' : '/api/v1/device-checks', body: { n } });

    expect(await outbox.deliver([item(1), item(2, 'readings')])).toMatchObject([{ status: 'sent' }, { status: 'sent' }]);
    s.state.status = 503;
    expect(await outbox.deliver([item(3), item(4, 'readings')])).toEqual([{ status: 'spooled' }, { status: 'spooled' }]);
    expect(spool.depth).toBe(2);

    s.state.status = 400;
    const refused = await outbox.flush();
    expect(refused).toEqual({ sent: 0, rejected: 2, remaining: 0 });
    expect(fs.readdirSync(path.join(dir, 'rejected'))).toHaveLength(2);

    s.state.status = 503;
    await outbox.deliver([item(5)]);
    s.state.status = 200;
    expect(await outbox.deliver([item(6)])).toMatchObject([{ status: 'sent' }]);
    // The spooled 5 went first, then 6.
    expect(s.state.taken).toEqual([{ n: 1 }, { n: 2 }, { n: 5 }, { n: 6 }]);
    expect(spool.depth).toBe(0);
  });
});
