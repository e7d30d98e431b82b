// Authorization beyond the matrix (issue 12, item 5), against the real server process with its
// logs at debug level:
//  - an expired, a revoked, a malformed and no token are refused (401) at every write endpoint
//    of the OpenAPI document, an auditor (read-only) is refused (403), and none of it writes;
//  - the secrets the registry keeps (user passwords, API tokens, SNMP communities and v3 keys,
//    SSH passwords, private keys and passphrases, webhook signing secrets) never appear in any
//    answer nor in any line the server logged — except where handing them over is the point: a
//    token in the answer that issues it, and the credentials of its own devices in
//    GET /api/v1/agent/targets for the agent that polls them (which also shows the search works).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { operations } from '../support/openapi.js';
import { examples, urlOf, type OpenApiDocument } from '../support/request-examples.js';
import { healthy, killAllServers, startServer, stopServer, type ServerProcess } from '../support/server-process.js';

const mark = (what: string) => `${what}-${randomBytes(6).toString('hex')}`;

interface Exchange {
  what: string;
  status: number;
  text: string;
}

describe('tokens refused and secrets kept, on the server process', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'waiwang-secrets-'));
  afterAll(() => {
    killAllServers();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses expired, revoked, malformed and missing tokens at every write, and never shows or logs a secret', { timeout: 240_000 }, async () => {
    const admin = `ww_${mark('secrets')}`;
    const server: ServerProcess = await startServer({ WAIWANG_DATA_DIR: dataDir, WAIWANG_BOOTSTRAP_TOKEN: admin, LOG_LEVEL: 'debug' });
    await healthy(server);
    const seen: Exchange[] = [];
    const call = async (what: string, method: string, url: string, token: string | null, body?: unknown) => {
      const res = await fetch(`${server.base}${url}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = `${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${await res.text()}`;
      seen.push({ what, status: res.status, text });
      const json = text.slice(text.indexOf('\n\n') + 2);
      return { status: res.status, body: json ? (JSON.parse(json) as any) : null, text };
    };
    const ok = async (what: string, method: string, url: string, body?: unknown, token: string = admin) => {
      const r = await call(what, method, url, token, body);
      expect(r.status, `${what}: ${r.text.slice(-300)}`).toBeLessThan(300);
      return r.body;
    };

    // The secrets, each unique so that a hit is certain.
    const secrets = {
      password: mark('password'),
      community: mark('community'),
      community2: mark('community-two'),
      authKey: mark('auth-key'),
      privKey: mark('priv-key'),
      sshPassword: mark('ssh-password'),
      passphrase: mark('passphrase'),
      privateKey: ['-----BEGIN OPENSSH PRIVATE KEY-----', mark('b3BlbnNzaC1rZXktdjE'), '-----END OPENSSH PRIVATE KEY-----'].join('\n'),
      webhookSecret: mark('webhook-signing-secret'),
      webhookSecret2: mark('webhook-signing-secret-two'),
    };
    const tokens: Record<string, string> = {};
    // Where a secret may be shown: [the exchange, the secret's name].
    const allowed: [string, string][] = [];

    // Users, a password, tokens: one used, one revoked, one expired.
    await ok('create department', 'POST', '/api/v1/units', { code: 'SECRETS-DEPT', name: '密钥测试局', parent: '450100', kind: 'department' });
    await ok('create operator with a password', 'POST', '/api/v1/users', { username: 'secrets-operator', displayName: '运维', unit: '450100', role: 'operator', password: secrets.password });
    await ok('create poller', 'POST', '/api/v1/users', { username: 'secrets-agent', displayName: '采集', unit: '450100', role: 'agent' });
    await ok('create auditor', 'POST', '/api/v1/users', { username: 'secrets-auditor', displayName: '审计', unit: '450000', role: 'auditor' });
    const issue = async (name: string, username: string, body: object = {}) => {
      const issued = await ok(`issue ${name}`, 'POST', `/api/v1/users/${username}/tokens`, body);
      tokens[name] = issued.token;
      allowed.push([`issue ${name}`, name]);
      return issued as { id: string; token: string };
    };
    await issue('operatorToken', 'secrets-operator');
    await issue('agentToken', 'secrets-agent');
    await issue('auditorToken', 'secrets-auditor');
    await ok('create applicant', 'POST', '/api/v1/users', { username: 'secrets-applicant', displayName: '申请人', unit: 'SECRETS-DEPT', role: 'applicant' });
    await issue('applicantToken', 'secrets-applicant');
    const revoked = await issue('revokedToken', 'secrets-operator');
    await ok('revoke', 'DELETE', `/api/v1/users/secrets-operator/tokens/${revoked.id}`);
    const expiry = new Date(Date.now() + 2000);
    await issue('expiredToken', 'secrets-operator', { expiresAt: expiry.toISOString() });
    await ok('list tokens', 'GET', '/api/v1/users/secrets-operator/tokens');

    // Devices with every kind of credential, changed once, and refused once with them inside.
    const pool = await ok('pool', 'POST', '/api/v1/prefixes', { cidr: '10.45.0.0/16', holder: '450000' });
    await ok('city', 'POST', `/api/v1/prefixes/${pool.id}/allocate`, { prefixLength: 20, holder: '450100', status: 'allocated' });
    const leaf = await ok('leaf', 'POST', '/api/v1/prefixes', { cidr: '10.45.1.0/24', holder: 'SECRETS-DEPT', status: 'assigned' });
    await ok('mgmt 1', 'POST', `/api/v1/prefixes/${leaf.id}/addresses`, { address: '10.45.1.10' });
    await ok('mgmt 2', 'POST', `/api/v1/prefixes/${leaf.id}/addresses`, { address: '10.45.1.11' });
    const room = await ok('room', 'POST', '/api/v1/rooms', { name: '密钥机房', unit: '450100' }, tokens.operatorToken);
    const device = (n: number, credentials: object) => ({
      hostname: `secrets-pe-0${n}`,
      room: room.id,
      role: 'pe',
      vendor: 'huawei',
      dialect: 'huawei-vrp',
      model: 'NE40E-X8',
      mgmtAddress: `10.45.1.1${n - 1}`,
      ownerUnit: '450100',
      interfaces: [{ name: 'GigabitEthernet0/0/1' }],
      ...credentials,
    });
    const v2 = await ok('device v2c', 'POST', '/api/v1/devices', device(1, { snmp: { agent: 'secrets-agent', version: '2c', community: secrets.community }, ssh: { username: 'netops', password: secrets.sshPassword } }), tokens.operatorToken);
    await ok('device v3', 'POST', '/api/v1/devices', device(2, { snmp: { agent: 'secrets-agent', version: '3', user: 'poller', authProtocol: 'SHA', authKey: secrets.authKey, privProtocol: 'AES', privKey: secrets.privKey }, ssh: { agent: 'secrets-agent', username: 'netops', privateKey: secrets.privateKey, passphrase: secrets.passphrase } }), tokens.operatorToken);
    await ok('change community', 'PATCH', `/api/v1/devices/${v2.id}`, { snmp: { version: '2c', community: secrets.community2 } }, tokens.operatorToken);
    const refusedDevice = await call('device refused', 'POST', '/api/v1/devices', tokens.operatorToken, { ...device(3, { snmp: { version: '2c', community: secrets.community } }), hostname: 'not a host name!' });
    expect(refusedDevice.status).toBe(400);
    const refusedUser = await call('user refused', 'POST', '/api/v1/users', admin, { username: 'secrets-bad', displayName: 'x', unit: '450100', role: 'emperor', password: secrets.password });
    expect(refusedUser.status).toBe(400);
    await ok('list devices', 'GET', '/api/v1/devices');
    await ok('get device', 'GET', `/api/v1/devices/${v2.id}`);
    const targets = await call('agent targets', 'GET', '/api/v1/agent/targets', tokens.agentToken);
    expect(targets.status, targets.text.slice(-300)).toBe(200);
    for (const name of ['community2', 'authKey', 'privKey', 'sshPassword', 'privateKey', 'passphrase']) allowed.push(['agent targets', name]);

    // Webhooks: a secret set, changed, and refused with a bad URL.
    const hook = await ok('webhook', 'POST', '/api/v1/webhooks', { unit: '450100', url: 'https://ops.nanning.gx.invalid/events', secret: secrets.webhookSecret, events: ['incident.opened'] }, tokens.operatorToken);
    await ok('change webhook secret', 'PATCH', `/api/v1/webhooks/${hook.id}`, { secret: secrets.webhookSecret2 }, tokens.operatorToken);
    const refusedHook = await call('webhook refused', 'POST', '/api/v1/webhooks', tokens.operatorToken, { unit: '450100', url: 'ftp://nowhere', secret: secrets.webhookSecret, events: ['incident.opened'] });
    expect(refusedHook.status).toBe(400);
    await ok('list webhooks', 'GET', '/api/v1/webhooks');
    await ok('get webhook', 'GET', `/api/v1/webhooks/${hook.id}`);
    await ok('users', 'GET', '/api/v1/users?limit=1000');
    await ok('audit trail', 'GET', '/api/v1/audit?limit=1000');
    await ok('audit as auditor', 'GET', '/api/v1/audit?limit=1000', undefined, tokens.auditorToken);

    // Every write endpoint: refused without a valid token, refused to the auditor, nothing written.
    while (Date.now() <= expiry.getTime() + 200) await new Promise((r) => setTimeout(r, 100));
    const doc = (await (await fetch(`${server.base}/openapi.json`)).json()) as OpenApiDocument;
    const writes = operations(doc).filter(({ method, path: p }) => p.startsWith('/api/v1/') && ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method));
    expect(writes.length).toBeGreaterThan(30);
    const entries = async () => (await ok('verify', 'GET', '/api/v1/audit/verify')).entries as number;
    const before = await entries();
    const wrong: string[] = [];
    const callers: [string, string | null, number, string][] = [
      ['no token', null, 401, 'unauthorized'],
      ['a malformed token', 'not-a-token', 401, 'unauthorized'],
      ['an unknown token', `ww_${randomBytes(20).toString('hex')}`, 401, 'unauthorized'],
      ['a revoked token', tokens.revokedToken, 401, 'unauthorized'],
      ['an expired token', tokens.expiredToken, 401, 'unauthorized'],
      ['an auditor', tokens.auditorToken, 403, 'forbidden'],
      ['an applicant', tokens.applicantToken, 403, 'forbidden'],
      ['an agent', tokens.agentToken, 403, 'forbidden'],
    ];
    // What these roles may write at all (their own tokens; an agent its readings and checks).
    const ownTokens = ['POST /api/v1/users/{username}/tokens', 'DELETE /api/v1/users/{username}/tokens/{id}'];
    const may: Record<string, Set<string>> = {
      'an auditor': new Set(ownTokens),
      // An applicant registers and releases addresses in its own department's prefixes, and
      // applies, confirms as a co-applicant, withdraws and signs its agreements (article 19).
      'an applicant': new Set([
        ...ownTokens,
        'POST /api/v1/prefixes/{id}/addresses',
        'DELETE /api/v1/addresses/{id}',
        'POST /api/v1/applications',
        'POST /api/v1/applications/{id}/confirm',
        'POST /api/v1/applications/{id}/withdraw',
        'POST /api/v1/agreements/{id}/signatures',
      ]),
      'an agent': new Set([...ownTokens, 'POST /api/v1/readings', 'POST /api/v1/device-checks']),
    };
    for (const { method, path: template, op } of writes) {
      const key = `${method} ${template}`;
      const body = op.requestBody?.content['application/json'] ? (examples[key]?.[0] ?? {}) : undefined;
      for (const [who, token, status, code] of callers) {
        if (may[who]?.has(key)) continue;
        const r = await call(`${key} by ${who}`, method, urlOf(template), token, body);
        if (r.status !== status || r.body?.code !== code) wrong.push(`${key} by ${who}: ${r.status} ${r.text.slice(-200)}`);
      }
    }
    expect(wrong, wrong.join('\n')).toEqual([]);
    expect(await entries(), 'a refused write reached the audit trail').toBe(before);

    // A last use of every live token, then a clean stop so that every log line is out.
    await ok('operator reads', 'GET', '/api/v1/units/450100', undefined, tokens.operatorToken);
    expect(await stopServer(server)).toEqual({ code: 0, signal: null });
    const log = server.output();
    expect(log.length).toBeGreaterThan(1000);

    const leaks: string[] = [];
    const all = { ...secrets, ...tokens };
    for (const [name, secret] of Object.entries(all)) {
      // Any line of a multi-line secret would do harm alone (the body of a private key).
      const needles = secret.split('\n').filter((line) => !line.startsWith('-----'));
      for (const needle of needles) {
        if (log.includes(needle)) leaks.push(`${name} in the server log`);
        for (const x of seen) {
          if (x.text.includes(needle) && !allowed.some(([what, n]) => what === x.what && n === name)) leaks.push(`${name} in the answer to ${x.what}`);
        }
      }
    }
    expect(leaks, leaks.join('\n')).toEqual([]);
    // The search sees what it looks for: the agent's own credentials are in its targets.
    const targetText = seen.find((x) => x.what === 'agent targets')!.text;
    expect(targetText).toContain(secrets.community2);
    expect(targetText).toContain(secrets.privKey);
    console.log(`secrets: ${Object.keys(all).length} secrets and tokens searched in ${seen.length} answers and ${log.split('\n').length} log lines: ${leaks.length} leaks; ${writes.length} write endpoints × ${callers.length} callers refused`);
  });
});
