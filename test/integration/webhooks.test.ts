import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerOf, seal, secretKey } from '../../server/crypto/secret-box.js';
import { nextSerialId, rows } from '../../server/db/client.js';
import { emitEvent, type WaiwangEvent } from '../../server/modules/webhooks/events.js';
import { WebhookDeliveryWorker } from '../../server/modules/webhooks/worker.js';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';

interface Received {
  path: string;
  body: string;
  signatureValid: boolean;
  headers: Record<string, string | string[] | undefined>;
}

/** A receiver on 127.0.0.1 (or another loopback address) that checks the signature as a unit's system would and answers from a script. */
async function receiver(secret: string, answers: number[], host = '127.0.0.1', port = 0): Promise<{ server: Server; url: string; port: number; received: Received[] }> {
  const received: Received[] = [];
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
      const given = Buffer.from(String(req.headers['x-waiwang-signature'] ?? ''));
      received.push({ path: req.url ?? '', body, headers: req.headers, signatureValid: given.length === expected.length && timingSafeEqual(given, expected) });
      res.statusCode = answers[Math.min(n++, answers.length - 1)];
      res.end('ok');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  return { server, url: `http://${host}:${bound}/waiwang-events`, port: bound, received };
}

/**
 * A webhook row written straight into the table, as a registration of an earlier version (or a
 * name that resolved elsewhere when it was registered) would have left it.
 */
async function storedWebhook(t: TestApp, url: string, secret: string, events: string[]): Promise<number> {
  const id = await nextSerialId(t.database.db, 'webhooks');
  const sealed = seal(secretKey(t.config), 'webhook', ownerOf('webhook', id), secret);
  await t.database.db.execute(sql`INSERT INTO webhooks (id, unit_code, url, secret, events) VALUES (${id}, '450100', ${url}, ${sealed}, ${`{${events.join(',')}}`}::text[])`);
  return id;
}

/** Emits at the app's clock, as a verb passing ctx.now() does. */
async function emit(t: TestApp, event: WaiwangEvent): Promise<void> {
  await t.database.db.transaction(async (tx) => emitEvent(tx, { at: t.clock.now, ...event }));
}

describe.each(backends)('webhooks on %s', (backend) => {
  let t: TestApp;
  let cityOp: string;
  let otherCityOp: string;
  let auditor: string;
  const servers: Server[] = [];

  beforeAll(async () => {
    // The receivers of these tests listen on 127.0.0.1: allowed here, as an administrator may.
    t = await startTestApp(backend, { webhookAllowPrivateTargets: ['127.0.0.1/32'] });
    cityOp = await t.userToken('operator', '450100');
    otherCityOp = await t.userToken('operator', '450200');
    auditor = await t.userToken('auditor', '450000');
  });
  afterAll(async () => {
    for (const s of servers) s.close();
    await t?.close();
  });

  it('refuses URLs that are not http or https, and bad secrets or events, changing nothing', async () => {
    const before = { hooks: await countRows(t, 'webhooks'), audit: await countRows(t, 'audit_entries') };
    const base = { unit: '450100', url: 'https://noc.example.cn/hook', secret: 'a-long-enough-secret', events: ['incident.opened'] };
    for (const [what, change] of [
      ['ftp URL', { url: 'ftp://noc.example.cn/hook' }],
      ['javascript URL', { url: 'javascript:alert(1)' }],
      ['file URL', { url: 'file:///etc/passwd' }],
      ['relative URL', { url: '/hook' }],
      ['not a URL', { url: 'noc dot example' }],
      ['credentials in URL', { url: 'https://user:pw@noc.example.cn/hook' }],
      ['short secret', { secret: 'short' }],
      ['unknown event', { events: ['incident.exploded'] }],
      ['no events', { events: [] }],
    ] as const) {
      const reply = await t.call('POST', '/api/v1/webhooks', { token: cityOp, body: { ...base, ...change } });
      expect(reply.status, what).toBe(400);
      expect(reply.body.code).toBe('validation_failed');
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
    }
    const outside = await t.call('POST', '/api/v1/webhooks', { token: otherCityOp, body: base });
    expect(outside.status).toBe(403);
    const byAuditor = await t.call('POST', '/api/v1/webhooks', { token: auditor, body: base });
    expect(byAuditor.status).toBe(403);
    expect({ hooks: await countRows(t, 'webhooks'), audit: await countRows(t, 'audit_entries') }).toEqual(before);
  });

  it('queues an event only when its cause commits, for the webhooks of the units it names', async () => {
    const hook = await t.call('POST', '/api/v1/webhooks', {
      token: cityOp,
      body: { unit: '450100', url: 'https://10.45.0.80/queued', secret: 'queue-secret-0123456789', events: ['expansion.raised'] },
    });
    expect(hook.status, hook.text).toBe(201);
    const deliveries = async () => Number((await rows<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = ${Number(hook.body.id)}`))[0].n);
    await emit(t, { type: 'expansion.raised', unitCodes: ['450200'], payload: { link: '1' } });
    await emit(t, { type: 'incident.opened', unitCodes: ['450100'], payload: { link: '1' } });
    expect(await deliveries()).toBe(0);
    await expect(
      t.database.db.transaction(async (tx) => {
        await emitEvent(tx, { type: 'expansion.raised', unitCodes: ['450100'], payload: { link: '1' } });
        throw new Error('the cause rolls back');
      }),
    ).rejects.toThrow('the cause rolls back');
    expect(await deliveries()).toBe(0);
    await emit(t, { type: 'expansion.raised', unitCodes: ['450100', '450000'], payload: { link: '1' } });
    expect(await deliveries()).toBe(1);
    const disabled = await t.call('PATCH', `/api/v1/webhooks/${hook.body.id}`, { token: cityOp, body: { active: false } });
    expect(disabled.status).toBe(200);
    await emit(t, { type: 'expansion.raised', unitCodes: ['450100'], payload: { link: '2' } });
    expect(await deliveries()).toBe(1);
    // Deleting the webhook takes its queue with it.
    expect((await t.call('DELETE', `/api/v1/webhooks/${hook.body.id}`, { token: cityOp })).status).toBe(204);
    expect(await deliveries()).toBe(0);
  });

  it('delivers a signed event to a local receiver, retrying a failed first attempt with backoff; the log shows both', async () => {
    const secret = 'nanning-noc-webhook-secret-42';
    const rx = await receiver(secret, [500, 200]);
    servers.push(rx.server);
    const created = await t.call('POST', '/api/v1/webhooks', { token: cityOp, body: { unit: '450100', url: rx.url, secret, events: ['incident.opened', 'incident.resolved'] } });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ unit: '450100', url: rx.url, events: ['incident.opened', 'incident.resolved'], active: true, secret: { configured: true } });
    expect(created.text).not.toContain(secret);
    const audit = await t.call('GET', `/api/v1/audit?object=webhook:${created.body.id}`);
    expect(JSON.stringify(audit.body)).not.toContain(secret);
    const [stored] = await rows<{ secret: string }>(t.database.db, sql`SELECT secret FROM webhooks WHERE id = ${Number(created.body.id)}`);
    expect(stored.secret).not.toContain(secret);

    await emit(t, { type: 'incident.opened', unitCodes: ['450100'], payload: { incident: '7', kind: 'link_down' }, at: t.clock.now });
    const options = { now: () => new Date(t.clock.now.getTime()), baseDelayMs: 10_000, maxAttempts: 5 };
    const first = await new WebhookDeliveryWorker(t.database.db, t.config, undefined, options).pass();
    expect(first).toEqual({ attempted: 1, delivered: 0, failed: 0 });
    let log = await t.call('GET', `/api/v1/webhooks/${created.body.id}/deliveries`, { token: cityOp });
    expect(log.status).toBe(200);
    expect(log.body.items).toHaveLength(1);
    const pending = log.body.items[0];
    expect(pending).toMatchObject({ eventType: 'incident.opened', status: 'pending', attempts: 1, lastStatusCode: 500 });
    expect(new Date(pending.nextAttemptAt).getTime() - t.clock.now.getTime()).toBe(10_000);

    // Not due yet: a second pass (another server, or this one after a restart) sends nothing.
    expect(await new WebhookDeliveryWorker(t.database.db, t.config, undefined, options).pass()).toEqual({ attempted: 0, delivered: 0, failed: 0 });
    t.clock.now = new Date(t.clock.now.getTime() + 11_000);
    const second = await new WebhookDeliveryWorker(t.database.db, t.config, undefined, options).pass();
    expect(second).toEqual({ attempted: 1, delivered: 1, failed: 0 });

    expect(rx.received).toHaveLength(2);
    expect(rx.received.every((r) => r.signatureValid)).toBe(true);
    expect(rx.received[0].body).toBe(rx.received[1].body);
    expect(rx.received[0].headers['x-waiwang-event']).toBe('incident.opened');
    const event = JSON.parse(rx.received[0].body);
    expect(event).toMatchObject({ type: 'incident.opened', unitCodes: ['450100'], data: { incident: '7', kind: 'link_down' } });

    log = await t.call('GET', `/api/v1/webhooks/${created.body.id}/deliveries`, { token: auditor });
    const delivered = log.body.items[0];
    expect(delivered).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 200, nextAttemptAt: null, eventId: event.id });
    expect(delivered.log.map((a: { attempt: number; statusCode: number }) => [a.attempt, a.statusCode])).toEqual([
      [1, 500],
      [2, 200],
    ]);
    expect(delivered.log.map((a: { error: string | null }) => a.error)).toEqual(['http_status', null]);
    const elsewhere = await t.call('GET', `/api/v1/webhooks/${created.body.id}/deliveries`, { token: otherCityOp });
    // Outside one's subtree a webhook is not found (issue 13: ids reveal nothing).
    expect(elsewhere.status).toBe(404);
    const listedElsewhere = await t.call('GET', '/api/v1/webhooks', { token: otherCityOp });
    expect(listedElsewhere.body.items).toEqual([]);
  });

  it('gives up after the last attempt, logging why each one failed', async () => {
    const secret = 'always-failing-receiver-secret';
    const rx = await receiver(secret, [503]);
    servers.push(rx.server);
    const refused = await receiver(secret, [200]);
    await new Promise((r) => refused.server.close(r));
    const hooks = [];
    for (const url of [rx.url, refused.url]) {
      const hook = await t.call('POST', '/api/v1/webhooks', { token: cityOp, body: { unit: '450100', url, secret, events: ['finding.opened'] } });
      expect(hook.status).toBe(201);
      hooks.push(hook.body.id as string);
    }
    await emit(t, { type: 'finding.opened', unitCodes: ['450100'], payload: { finding: '3' } });
    const worker = new WebhookDeliveryWorker(t.database.db, t.config, undefined, { now: () => new Date(t.clock.now.getTime()), baseDelayMs: 1000, maxAttempts: 3 });
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect((await worker.pass()).attempted).toBe(2);
      const [{ next }] = await rows<{ next: Date | string }>(t.database.db, sql`SELECT max(next_attempt_at) AS next FROM webhook_deliveries WHERE webhook_id = ${Number(hooks[0])}`);
      waits.push(new Date(next).getTime() - t.clock.now.getTime());
      t.clock.now = new Date(t.clock.now.getTime() + 60_000);
    }
    expect(waits.slice(0, 2)).toEqual([1000, 2000]);
    expect((await worker.pass()).attempted).toBe(0);
    const failing = (await t.call('GET', `/api/v1/webhooks/${hooks[0]}/deliveries?status=failed`, { token: cityOp })).body.items[0];
    expect(failing).toMatchObject({ status: 'failed', attempts: 3, lastStatusCode: 503, lastError: 'http_status' });
    expect(failing.log).toHaveLength(3);
    const unreachable = (await t.call('GET', `/api/v1/webhooks/${hooks[1]}/deliveries`, { token: cityOp })).body.items[0];
    // A category, not the socket's own words (which would tell a prober what listens where).
    expect(unreachable).toMatchObject({ status: 'failed', attempts: 3, lastStatusCode: null, lastError: 'refused' });
    expect(unreachable.log.map((a: { error: string }) => a.error)).toEqual(['refused', 'refused', 'refused']);
  });

  it('refuses URLs that lead to the appliance itself, literal or by name, at registration; private extranet receivers are fine', async () => {
    const strict = await startTestApp(backend);
    try {
      const op = await strict.userToken('operator', '450100');
      const own = Object.values(os.networkInterfaces())
        .flatMap((list) => list ?? [])
        .filter((a) => !a.internal && !a.address.startsWith('fe80'))
        .map((a) => (a.family === 'IPv6' ? `[${a.address}]` : a.address));
      const before = { hooks: await countRows(strict, 'webhooks'), audit: await countRows(strict, 'audit_entries') };
      const base = { unit: '450100', secret: 'a-long-enough-secret', events: ['incident.opened'] };
      for (const url of [
        'http://127.0.0.1:8080/api/v1/units',
        'http://127.9.9.9/hook',
        'http://2130706433/hook',
        'http://[::1]/hook',
        'http://[::ffff:127.0.0.1]/hook',
        'http://0.0.0.0:5432/',
        'http://[::]/hook',
        'http://169.254.169.254/latest/meta-data/',
        'http://[fe80::1]/hook',
        'http://224.0.0.1/hook',
        'http://[ff02::1]/hook',
        'http://255.255.255.255/hook',
        'http://localhost:9/hook',
        ...own.map((address) => `https://${address}/hook`),
      ]) {
        const reply = await strict.call('POST', '/api/v1/webhooks', { token: op, body: { ...base, url } });
        expect(reply.status, url).toBe(400);
        expect(reply.body).toMatchObject({ code: 'validation_failed', field: 'url' });
      }
      expect({ hooks: await countRows(strict, 'webhooks'), audit: await countRows(strict, 'audit_entries') }).toEqual(before);
      const localhost = await strict.call('POST', '/api/v1/webhooks', { token: op, body: { ...base, url: 'http://localhost:9/hook' } });
      expect(localhost.body.detail).toContain('localhost resolves to 127.0.0.1');

      // The extranet's own receivers live in private space: allowed.
      for (const url of ['http://10.45.0.80/hook', 'https://172.16.3.4/hook', 'https://192.168.10.20:8443/hook']) {
        const reply = await strict.call('POST', '/api/v1/webhooks', { token: op, body: { ...base, url } });
        expect(reply.status, `${url}: ${reply.text}`).toBe(201);
      }
      // Nor can an existing webhook be turned towards the appliance.
      const [hook] = (await strict.call('GET', '/api/v1/webhooks', { token: op })).body.items;
      const turned = await strict.call('PATCH', `/api/v1/webhooks/${hook.id}`, { token: op, body: { url: 'http://[::1]:8080/' } });
      expect(turned.status).toBe(400);
      expect(turned.body.field).toBe('url');
      expect((await strict.call('GET', `/api/v1/webhooks/${hook.id}`, { token: op })).body.url).toBe(hook.url);
    } finally {
      await strict.close();
    }
    // The allow-list lets exactly what it names through.
    const allowed = await t.call('POST', '/api/v1/webhooks', { token: cityOp, body: { unit: '450100', url: 'http://127.0.0.1:9/allowed', secret: 'a-long-enough-secret', events: ['incident.opened'], active: false } });
    expect(allowed.status, allowed.text).toBe(201);
    const beyond = await t.call('POST', '/api/v1/webhooks', { token: cityOp, body: { unit: '450100', url: 'http://127.0.0.2:9/beyond', secret: 'a-long-enough-secret', events: ['incident.opened'] } });
    expect(beyond.status).toBe(400);
  });

  it('checks the target again at delivery and connects to the address it checked, so a rebinding name cannot switch it', async () => {
    const secret = 'rebinding-receiver-secret';
    const first = await receiver(secret, [500]);
    servers.push(first.server);
    // The same port on another loopback address, which the allow-list does not name.
    let second: Awaited<ReturnType<typeof receiver>> | undefined;
    try {
      second = await receiver(secret, [200], '127.0.0.2', first.port);
    } catch {
      /* the port is taken there: the test still shows that nothing reaches a refused address */
    }
    if (second) servers.push(second.server);
    const hook = await storedWebhook(t, `http://receiver.waiwang.test:${first.port}/hook`, secret, ['incident.resolved']);
    const blockedHook = await storedWebhook(t, 'http://127.0.0.2:9/stored-before-the-check', secret, ['incident.resolved']);
    const gone = await storedWebhook(t, 'http://gone.waiwang.test/hook', secret, ['incident.resolved']);
    await emit(t, { type: 'incident.resolved', unitCodes: ['450100'], payload: { incident: 'rebind' } });

    const asked: string[] = [];
    // A resolver under an attacker's control: a good answer first, the appliance ever after.
    const lookup = async (hostname: string) => {
      asked.push(hostname);
      if (hostname === 'gone.waiwang.test') throw Object.assign(new Error('getaddrinfo ENOTFOUND gone.waiwang.test'), { code: 'ENOTFOUND' });
      return [{ address: asked.filter((h) => h === hostname).length === 1 ? '127.0.0.1' : '127.0.0.2', family: 4 as const }];
    };
    const worker = new WebhookDeliveryWorker(t.database.db, t.config, undefined, { now: () => new Date(t.clock.now.getTime()), baseDelayMs: 1000, lookup });
    expect((await worker.pass()).attempted).toBeGreaterThanOrEqual(3);
    t.clock.now = new Date(t.clock.now.getTime() + 60_000);
    await worker.pass();

    // Resolved once per attempt, and the request went where the checked answer pointed.
    expect(asked.filter((h) => h === 'receiver.waiwang.test')).toHaveLength(2);
    expect(first.received).toHaveLength(1);
    expect(first.received[0].headers.host).toBe(`receiver.waiwang.test:${first.port}`);
    expect(second?.received ?? []).toHaveLength(0);
    const log = async (id: number) => (await t.call('GET', `/api/v1/webhooks/${id}/deliveries`, { token: cityOp })).body.items[0];
    expect((await log(hook)).log.map((a: { error: string }) => a.error)).toEqual(['http_status', 'blocked']);
    expect(await log(blockedHook)).toMatchObject({ lastError: 'blocked', lastStatusCode: null });
    expect(await log(gone)).toMatchObject({ lastError: 'dns' });
  });

  it('names timeouts, TLS failures and unopenable secrets by category', async () => {
    const secret = 'categories-receiver-secret';
    // Accepts the connection and never answers.
    const silent = createServer(() => {});
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const plain = await receiver(secret, [200]);
    servers.push(plain.server);
    const hooks = {
      timeout: await storedWebhook(t, `http://127.0.0.1:${(silent.address() as AddressInfo).port}/slow`, secret, ['finding.opened']),
      // TLS spoken to a plain HTTP port: the handshake fails.
      tls: await storedWebhook(t, `https://127.0.0.1:${plain.port}/not-tls`, secret, ['finding.opened']),
      secret: await storedWebhook(t, plain.url, secret, ['finding.opened']),
    };
    // The secret of another webhook row, copied over: it does not open for this one.
    await t.database.db.execute(sql`UPDATE webhooks SET secret = (SELECT secret FROM webhooks WHERE id = ${hooks.tls}) WHERE id = ${hooks.secret}`);
    await emit(t, { type: 'finding.opened', unitCodes: ['450100'], payload: { finding: 'categories' } });
    const worker = new WebhookDeliveryWorker(t.database.db, t.config, undefined, { now: () => new Date(t.clock.now.getTime()), timeoutMs: 300 });
    await worker.pass();
    for (const [category, id] of Object.entries(hooks)) {
      const [delivery] = (await t.call('GET', `/api/v1/webhooks/${id}/deliveries`, { token: cityOp })).body.items;
      expect(delivery, category).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null, lastError: category });
    }
    expect(plain.received).toHaveLength(0);
  });

  it('never sends one delivery twice when several workers run at once', async () => {
    const secret = 'concurrent-workers-secret-0001';
    const rx = await receiver(secret, [200]);
    servers.push(rx.server);
    const hook = await t.call('POST', '/api/v1/webhooks', { body: { unit: '450300', url: rx.url, secret, events: ['incident.resolved'] } });
    expect(hook.status).toBe(201);
    for (let i = 0; i < 20; i++) await emit(t, { type: 'incident.resolved', unitCodes: ['450300'], payload: { incident: String(i) } });
    const options = { now: () => new Date(t.clock.now.getTime()), batchSize: 7 };
    const workers = [0, 1, 2].map(() => new WebhookDeliveryWorker(t.database.db, t.config, undefined, options));
    let total = 0;
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all(workers.map((w) => w.pass()));
      total += results.reduce((sum, r) => sum + r.delivered, 0);
    }
    expect(total).toBe(20);
    expect(rx.received).toHaveLength(20);
    expect(new Set(rx.received.map((r) => JSON.parse(r.body).data.incident)).size).toBe(20);
    const log = await t.call('GET', `/api/v1/webhooks/${hook.body.id}/deliveries?limit=1000`, { token: auditor });
    expect(log.body.items).toHaveLength(20);
    expect(log.body.items.every((d: { attempts: number; status: string }) => d.status === 'delivered' && d.attempts === 1)).toBe(true);
  });
});
