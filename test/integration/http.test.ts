import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken } from '../support/databases.js';
import { backends, countRows, startTestApp, type Reply, type TestApp } from '../support/harness.js';
import { openApiDocument, operations } from '../support/openapi.js';

/** Tables a foundation write can touch: a refused request must leave every one as it was. */
const tables = ['units', 'users', 'api_tokens', 'audit_entries'];

async function snapshot(t: TestApp): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) counts[table] = await countRows(t, table);
  return counts;
}

function expectProblem(reply: Reply, status: number, code: string): void {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  expect(reply.body.detail.length).toBeGreaterThan(10);
}

const department = { code: 'HTTP-DEPT-1', name: '南宁市测试局', parent: '450100', kind: 'department' };

describe.each(backends)('HTTP refusals and system endpoints on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend);
  });
  afterAll(async () => t?.close());

  /** Runs a request that must be refused, and checks that it wrote nothing. */
  async function refused(status: number, code: string, send: () => Promise<Reply>): Promise<Reply> {
    const before = await snapshot(t);
    const reply = await send();
    expectProblem(reply, status, code);
    expect(await snapshot(t)).toEqual(before);
    return reply;
  }

  describe('bad input', () => {
    it('names an unknown field', async () => {
      const reply = await refused(400, 'validation_failed', () => t.call('POST', '/api/v1/units', { body: { ...department, colour: 'red' } }));
      expect(reply.body.field).toBe('colour');
      expect(reply.body.detail).toContain('colour');
    });

    it('names an unknown nested field by its path', async () => {
      const reply = await refused(400, 'validation_failed', () =>
        t.call('POST', '/api/v1/units', { body: { ...department, channels: { hotline: '0771-1234567', bogus: 1 } } }),
      );
      expect(reply.body.field).toBe('channels.bogus');
      expect(reply.body.errors).toEqual([expect.objectContaining({ field: 'channels.bogus' })]);
    });

    it('names a field of the wrong type', async () => {
      const reply = await refused(400, 'validation_failed', () => t.call('POST', '/api/v1/units', { body: { ...department, name: 42 } }));
      expect(reply.body.field).toBe('name');
    });

    it('refuses malformed JSON', async () => {
      await refused(400, 'invalid_json', () =>
        t.call('POST', '/api/v1/units', { raw: '{"code": "HTTP-DEPT-1", "name": ', headers: { 'content-type': 'application/json' } }),
      );
    });

    it('refuses a body that is not JSON by its content type', async () => {
      const reply = await refused(415, 'unsupported_media_type', () =>
        t.call('POST', '/api/v1/units', { raw: JSON.stringify(department), headers: { 'content-type': 'text/plain' } }),
      );
      expect(reply.body.detail).toContain('application/json');
      await refused(415, 'unsupported_media_type', () => t.call('POST', '/api/v1/units', { raw: 'code=X', headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
    });

    it('refuses a body over 1 MiB', async () => {
      const padding = 'x'.repeat(1024 * 1024);
      const reply = await refused(413, 'payload_too_large', () =>
        t.call('POST', '/api/v1/units', { raw: JSON.stringify({ ...department, name: padding }), headers: { 'content-type': 'application/json' } }),
      );
      expect(reply.body.detail).toContain('1 MiB');
    });

    it('answers 404 for an unknown unit, read or written under', async () => {
      const read = await refused(404, 'not_found', () => t.call('GET', '/api/v1/units/459999'));
      expect(read.body.detail).toContain('459999');
      await refused(404, 'not_found', () => t.call('POST', '/api/v1/units', { body: { ...department, parent: '459999' } }));
      await refused(404, 'not_found', () => t.call('PATCH', '/api/v1/units/NO-SUCH-DEPT', { body: { name: '无' } }));
      await refused(404, 'not_found', () => t.call('GET', '/api/v1/no-such-endpoint'));
    });

    it('refuses a token of another role with 403', async () => {
      const auditor = await t.userToken('auditor', '450000');
      const reply = await refused(403, 'forbidden', () => t.call('POST', '/api/v1/units', { token: auditor, body: department }));
      expect(reply.body.detail).toContain('auditor');
      const agent = await t.userToken('agent', '450000');
      await refused(403, 'forbidden', () => t.call('GET', '/api/v1/units/450000', { token: agent }));
    });

    it('refuses no token, a bad token and a malformed header with 401', async () => {
      await refused(401, 'unauthorized', () => t.call('POST', '/api/v1/units', { token: null, body: department }));
      await refused(401, 'unauthorized', () => t.call('GET', '/api/v1/units/450000', { token: null }));
      await refused(401, 'unauthorized', () => t.call('GET', '/api/v1/units/450000', { token: 'ww_not_a_token_that_exists_anywhere_at_all' }));
      await refused(401, 'unauthorized', () => t.call('GET', '/api/v1/units/450000', { token: 'something-else' }));
      await refused(401, 'unauthorized', () => t.call('GET', '/api/v1/units/450000', { token: null, headers: { authorization: `Basic ${t.adminToken}` } }));
    });

    it('creates what a correct request asks for (the refusals above were for their reasons only)', async () => {
      const before = await snapshot(t);
      const reply = await t.call('POST', '/api/v1/units', { body: department });
      expect(reply.status).toBe(201);
      expect(await snapshot(t)).toEqual({ ...before, units: before.units + 1, audit_entries: before.audit_entries + 1 });
    });
  });

  describe('system endpoints', () => {
    it('reports health', async () => {
      const reply = await t.call('GET', '/healthz', { token: null });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ status: 'ok', database: backend });
    });

    it('counts requests by route pattern in /metrics', async () => {
      await t.call('GET', '/api/v1/units/450100');
      await t.call('GET', '/api/v1/units/450200');
      await t.call('GET', '/api/v1/units/459999');
      const reply = await t.call('GET', '/metrics', { token: null });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toContain('text/plain');
      const counted = (status: number) =>
        new RegExp(`^waiwang_http_requests_total\\{method="GET",route="/api/v1/units/:code",status="${status}"\\} (\\d+)$`, 'm').exec(reply.text);
      expect(Number(counted(200)?.[1])).toBeGreaterThanOrEqual(2);
      expect(Number(counted(404)?.[1])).toBeGreaterThanOrEqual(1);
      // Raw paths never become labels.
      expect(reply.text).not.toContain('route="/api/v1/units/450100"');
      expect(reply.text).toContain('waiwang_http_request_duration_seconds_bucket');
      expect(reply.text).toMatch(new RegExp(`^waiwang_db_pool_size\\{driver="${backend}"\\} \\d+$`, 'm'));
    });

    it('describes the API as OpenAPI 3.1', async () => {
      const reply = await t.call('GET', '/openapi.json', { token: null });
      expect(reply.status).toBe(200);
      expect(reply.body.openapi).toMatch(/^3\.1\./);
      expect(Object.keys(reply.body.paths)).toEqual(expect.arrayContaining(['/api/v1/units', '/api/v1/units/{code}', '/api/v1/users', '/api/v1/audit/verify']));
      const create = reply.body.paths['/api/v1/units'].post;
      expect(create.requestBody.content['application/json'].schema).toBeDefined();
      expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '413', '415']));
      expect(reply.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    });

    it('serves /docs from its own assets, with no external URL', async () => {
      const page = await t.call('GET', '/docs', { token: null });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.text).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
      const refs = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
      expect(refs.length).toBeGreaterThanOrEqual(3);
      for (const ref of refs) {
        expect(ref).toMatch(/^\/docs\/assets\/[\w.-]+$/);
        const asset = await t.call('GET', ref, { token: null });
        expect(asset.status, ref).toBe(200);
        expect(asset.text.length, ref).toBeGreaterThan(0);
      }
      expect(refs.some((r) => r.endsWith('.js'))).toBe(true);
      expect(refs.some((r) => r.endsWith('.css'))).toBe(true);
      expect((await t.call('GET', '/docs/assets/..%2Fpackage.json', { token: null })).status).toBe(404);
    });

    it('sends a request id and secure headers on every answer', async () => {
      for (const reply of [await t.call('GET', '/healthz', { token: null }), await t.call('GET', '/api/v1/units/450000'), await t.call('GET', '/api/v1/units/450000', { token: null })]) {
        expect(reply.headers.get('x-request-id')).toMatch(/^[\w-]{8,}$/);
        expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
        expect(reply.headers.get('x-frame-options')).toBe('SAMEORIGIN');
        expect(reply.headers.get('strict-transport-security')).toContain('max-age=');
        expect(reply.headers.get('content-security-policy')).toContain("default-src 'self'");
        expect(reply.headers.get('referrer-policy')).toBe('no-referrer');
      }
      const echoed = await t.call('GET', '/healthz', { token: null, headers: { 'x-request-id': 'client-chosen-id-1' } });
      expect(echoed.headers.get('x-request-id')).toBe('client-chosen-id-1');
    });
  });
});

type OpenApiDocument = { paths: Record<string, Record<string, { parameters?: { name: string; in: string; required?: boolean }[]; requestBody?: unknown }>> };

describe.each(backends)('ids in paths and cursors, on %s', (backend) => {
  let t: TestApp;
  let doc: OpenApiDocument;
  beforeAll(async () => {
    t = await startTestApp(backend);
    doc = await openApiDocument(t);
  });
  afterAll(async () => t?.close());

  // Not a decimal string the server could have made: 400 naming the param (../shared/API.md).
  const malformedIds = ['abc', '0', '01', '-1', '1.5', '1e3', ' 1', '1'.repeat(25), '9223372036854775808', '1'.repeat(19)];
  // Well formed, naming nothing: 404. The last one is past 2^53, where JavaScript numbers stop being exact.
  const unknownIds = ['999999999', '999999999999999999'];

  it('refuses a malformed id in every path with {id}: 400 validation_failed naming id, nothing written', async () => {
    const withId = operations(doc).filter((o) => o.path.includes('{id}'));
    expect(withId.length).toBeGreaterThan(20);
    const before = await countRows(t, 'audit_entries');
    for (const { method, path, op } of withId) {
      for (const id of malformedIds) {
        const url = path.replace('{username}', 'admin').replace('{id}', encodeURIComponent(id));
        const reply = await t.call(method, url, op.requestBody ? { body: {} } : {});
        expect(reply.status, `${method} ${url}: ${reply.text}`).toBe(400);
        expect(reply.body, `${method} ${url}`).toMatchObject({ code: 'validation_failed', field: 'id' });
      }
    }
    expect(await countRows(t, 'audit_entries')).toBe(before);
  });

  it('answers 404 for a well-formed id that names nothing, on every GET and DELETE with {id}', async () => {
    for (const { method, path } of operations(doc).filter((o) => o.path.includes('{id}') && ['GET', 'DELETE'].includes(o.method))) {
      for (const id of unknownIds) {
        const url = path.replace('{username}', 'admin').replace('{id}', id);
        const reply = await t.call(method, url);
        expect(reply.status, `${method} ${url}: ${reply.text}`).toBe(404);
        expect(reply.body.code).toBe('not_found');
      }
    }
  });

  it('refuses a cursor the server could not have handed out on every list: 400 naming cursor', async () => {
    const lists = operations(doc).filter((o) => o.method === 'GET' && o.op.parameters?.some((p) => p.in === 'query' && p.name === 'cursor'));
    expect(lists.length).toBeGreaterThan(10);
    const required: Record<string, string> = { device: '1' };
    for (const { path, op } of lists) {
      const query = Object.fromEntries((op.parameters ?? []).filter((p) => p.in === 'query' && p.required).map((p) => [p.name, required[p.name]]));
      for (const cursor of ['2025-02-30T00:00:00Z|1', '2025-02-30T00:00:00.000Z|1', '-1', ' 1', 'x'.repeat(500)]) {
        const url = `${path.replace('{id}', '1')}?${new URLSearchParams({ ...query, cursor })}`;
        const reply = await t.call('GET', url);
        expect(reply.status, `${url}: ${reply.text.slice(0, 300)}`).toBe(400);
        expect(reply.body, url).toMatchObject({ code: 'validation_failed', field: 'cursor' });
      }
    }
  });

  it('refuses an impossible date and an id past bigint in a readings cursor, and follows a real one', async () => {
    for (const cursor of ['2025-02-30T00:00:00Z|1', '2025-02-30T00:00:00.000Z|1', `2025-01-01T00:00:00.000Z|${'1'.repeat(25)}`, '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z|1|1']) {
      const reply = await t.call('GET', `/api/v1/readings?${new URLSearchParams({ device: '1', cursor })}`);
      expect(reply.status, `${cursor}: ${reply.text}`).toBe(400);
      expect(reply.body).toMatchObject({ code: 'validation_failed', field: 'cursor' });
    }
    for (const cursor of [String(10n ** 24n), '0', '01']) {
      const reply = await t.call('GET', `/api/v1/audit?cursor=${cursor}`);
      expect(reply.status, `${cursor}: ${reply.text}`).toBe(400);
      expect(reply.body).toMatchObject({ code: 'validation_failed', field: 'cursor' });
    }
    // A cursor the server wrote is followed: the units listed in two pages are the units listed in one.
    const first = await t.call('GET', '/api/v1/units?level=city&limit=10');
    expect(first.status).toBe(200);
    const second = await t.call('GET', `/api/v1/units?level=city&limit=10&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    const all = await t.call('GET', '/api/v1/units?level=city&limit=100');
    expect([...first.body.items, ...second.body.items].map((u: { code: string }) => u.code)).toEqual(all.body.items.map((u: { code: string }) => u.code));

    // A compound cursor (vrf, prefix, id) too, with IPv6 text in it.
    for (const cidr of ['10.61.0.0/16', '10.62.0.0/16', 'fd00:61::/32']) {
      expect((await t.call('POST', '/api/v1/prefixes', { body: { vrf: 'dedicated', cidr, holder: '450100', description: 'paging' } })).status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Reply = await t.call('GET', `/api/v1/prefixes?vrf=dedicated&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status, page.text).toBe(200);
      seen.push(...page.body.items.map((p: { cidr: string }) => p.cidr));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['10.61.0.0/16', '10.62.0.0/16', 'fd00:61::/32']);
  });
});

describe.each(backends)('keep-alive connections over a real socket, on %s', (backend) => {
  let t: TestApp;
  let server: http.Server;
  let base: string;
  /** Every TCP connection the server accepted: tells reuse from a fresh connection. */
  let connections = 0;
  beforeAll(async () => {
    t = await startTestApp(backend);
    server = await new Promise<http.Server>((resolve) => {
      const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as http.Server)) as http.Server;
    });
    server.on('connection', () => connections++);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await t?.close();
  });

  const oversized = () => JSON.stringify({ ...department, code: 'HTTP-KA-1', name: 'x'.repeat(2 * 1024 * 1024) });
  const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };

  // fetch keeps one connection per origin alive and reuses it for the next request; a server that
  // leaves the unread body on that connection makes the next request fail ("other side closed").
  it('answers the request after a 413 on the same fetch (undici) connection pool', async () => {
    for (const chunked of [false, true]) {
      const body = oversized();
      const refused = await fetch(`${base}/api/v1/units`, {
        method: 'POST',
        headers,
        // A stream has no length: undici sends it chunked, the limit is found while reading.
        body: chunked ? new Blob([body]).stream() : body,
        ...(chunked ? { duplex: 'half' } : {}),
      } as RequestInit);
      expect(refused.status, `chunked=${chunked}`).toBe(413);
      expect(await refused.json()).toMatchObject({ code: 'payload_too_large' });
      const next = await fetch(`${base}/api/v1/units/450000`, { headers });
      expect(next.status, `chunked=${chunked}`).toBe(200);
      expect(await next.json()).toMatchObject({ code: '450000' });
    }
  });

  it('answers the request after a 413 on one node:http keep-alive socket (like curl reusing a connection)', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string, path: string, body?: string) =>
      new Promise<{ status: number; text: string; connection?: string }>((resolve, reject) => {
        const req = http.request(`${base}${path}`, { method, agent, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, text, connection: res.headers.connection }));
        });
        // The server may answer before the body is sent, and close: that is its right, not a failure.
        req.on('error', reject);
        req.end(body);
      });
    try {
      const before = connections;
      const refused = await send('POST', '/api/v1/units', oversized());
      expect(refused.status).toBe(413);
      expect(refused.connection).toBe('close');
      const next = await send('GET', '/api/v1/units/450000');
      expect(next.status, next.text).toBe(200);
      // The refused connection was not reused: the client opened a fresh one.
      expect(connections - before).toBe(2);
    } finally {
      agent.destroy();
    }
  });

  it('answers the request after a refusal that left a large body unread (415), or read it (401)', async () => {
    const body = JSON.stringify({ ...department, name: 'x'.repeat(900_000) });
    const unsupported = await fetch(`${base}/api/v1/units`, { method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, body });
    expect(unsupported.status).toBe(415);
    expect(unsupported.headers.get('connection')).toBe('close');
    await unsupported.arrayBuffer();
    expect((await fetch(`${base}/api/v1/units/450000`, { headers })).status).toBe(200);
    const unauthorized = await fetch(`${base}/api/v1/units`, { method: 'POST', headers: { ...headers, authorization: 'Bearer nope' }, body });
    expect(unauthorized.status).toBe(401);
    await unauthorized.arrayBuffer();
    expect((await fetch(`${base}/api/v1/units/450000`, { headers })).status).toBe(200);
  });

  // undici may open a second connection when the next request starts before it frees the first
  // (measured), so this counts the server's answers, not the client's connections.
  it('keeps the connection open after answers that read the whole body, refusals included', async () => {
    const answers: [number, string | null][] = [];
    for (const body of [{ ...department, code: 'HTTP-KA-2' }, { ...department, code: 'HTTP-KA-3', colour: 'red' }]) {
      const reply = await fetch(`${base}/api/v1/units`, { method: 'POST', headers, body: JSON.stringify(body) });
      answers.push([reply.status, reply.headers.get('connection')]);
      await reply.arrayBuffer();
    }
    const read = await fetch(`${base}/api/v1/units/459999`, { headers });
    answers.push([read.status, read.headers.get('connection')]);
    await read.arrayBuffer();
    expect(answers).toEqual([
      [201, 'keep-alive'],
      [400, 'keep-alive'],
      [404, 'keep-alive'],
    ]);
  });
});

describe.each(backends)('when the database is gone, on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend);
    await t.database.close();
  });
  afterAll(async () => {
    // The database is already closed: closing again may refuse, the rest of the cleanup must still run.
    const close = t.database.close;
    t.database.close = async () => {
      await close().catch(() => {});
    };
    await t?.close();
  });

  it('answers /healthz with 503 problem+json', async () => {
    const reply = await t.call('GET', '/healthz', { token: null });
    expectProblem(reply, 503, 'unavailable');
  });

  it('answers API calls with 503 unavailable, not 500', async () => {
    expectProblem(await t.call('GET', '/api/v1/units/450000'), 503, 'unavailable');
    expectProblem(await t.call('POST', '/api/v1/units', { body: department }), 503, 'unavailable');
  });
});
