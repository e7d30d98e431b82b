// The SSH verification agent end to end: the agent (npm run agent:ssh --once, in process)
// against real OpenSSH servers running the device simulator, posting to the server over HTTP;
// the server's findings and incidents are read back through the API.
import { serve } from '@hono/node-server';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from '../../agents/lib/agent.js';
import { sshCycle } from '../../agents/ssh/cycle.js';
import { rows } from '../../server/db/client.js';
import { backends, startTestApp, type TestApp } from '../support/harness.js';
import { canRunSshd, ensureUser, fixtureState, startSshd, type DeviceState, type Sshd } from '../support/sshd.js';
import { agent, department, type Agent } from './telemetry-fixtures.js';

const skip = canRunSshd();
if (skip) console.log(`ssh-agent.test.ts skipped: ${skip}`);

/** Secrets in the fixture configurations that must never reach the server (masked on the agent). */
const SECRETS = ['%^%#Kd1"C;)Ls2b~e8N', '$1a$P9xW#e]3n', 'Jm0tP8wX4bUnyKfHfA5GHeEeH1zKzZ2r', 'community read simple public', 'gxRO-2026', '0822455D0A16544541', '$9$nhEmQVczB7dqsO'];
const PASSWORD = 'Huawei@2026';

describe.skipIf(skip)('SSH agent against sshd (%s)', () => {
  // PostgreSQL when the run has one (as in production), PGlite otherwise: the agent's side is the same.
  const backend = backends[backends.length - 1];
  let t: TestApp;
  let server: ReturnType<typeof serve>;
  let url: string;
  let sshd: Sshd;
  let otherKey: Sshd;
  let legacy: Sshd;
  let operator: string;
  let spoolRoot: string;
  let county: string;

  beforeAll(async () => {
    t = await startTestApp(backend);
    // The agent stamps its checks with the real time: the app's clock follows it.
    Object.defineProperty(t.clock, 'now', { get: () => new Date(), set: () => {} });
    server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const u of ['wwsshe1', 'wwsshe2', 'wwsshe3', 'wwsshe4']) ensureUser(u, PASSWORD);
    [sshd, otherKey, legacy] = await Promise.all([startSshd(), startSshd(), startSshd({ legacyOnly: true })]);
    operator = await t.userToken('operator', '450102');
    spoolRoot = mkdtempSync(join(tmpdir(), 'ww-ssh-spool-'));
    county = await department(t, '450102');
  }, 60_000);
  afterAll(async () => {
    await Promise.all([sshd?.stop(), otherKey?.stop(), legacy?.stop()]);
    server?.close();
    await t?.close();
    if (spoolRoot) rmSync(spoolRoot, { recursive: true, force: true });
  });

  async function ok<T = any>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    const reply = await t.call<T>(method, path, { body, token });
    if (reply.status >= 300) throw new Error(`${method} ${path}: ${reply.status} ${reply.text}`);
    return reply.body;
  }

  /** A boundary device of a department of county 450102 as the registry has it, on the PE of its city by a link the county pays. */
  async function boundary(options: { hostname: string; serial: string; dialect: string; vendor: string; user: string; port: number; poller: Agent; iface: string; address: string; peer?: { hostname: string; iface: string } }) {
    const made = await ok<{ id: string }>('POST', '/api/v1/devices', {
      hostname: options.hostname,
      role: 'boundary',
      vendor: options.vendor,
      dialect: options.dialect,
      serial: options.serial,
      mgmtAddress: '127.0.0.1',
      ownerUnit: county,
      responsible: { name: '韦工', phone: '0771-5550000' },
      interfaces: [{ name: options.iface, address: options.address }],
      ssh: { agent: options.poller.username, port: options.port, username: options.user, password: PASSWORD },
    });
    if (options.peer) {
      const pe = await ok<{ id: string }>('POST', '/api/v1/devices', { hostname: options.peer.hostname, role: 'pe', vendor: 'huawei', ownerUnit: '450100', interfaces: [{ name: options.peer.iface }] });
      await ok('POST', '/api/v1/links', { name: `${options.hostname}-uplink`, aDevice: pe.id, aInterface: options.peer.iface, zDevice: made.id, zInterface: options.iface, capacityMbps: 100, payingUnit: '450102' });
    }
    return made.id;
  }

  /** One `--once` cycle of the agent: exit code and the table it printed. */
  async function once(poller: Agent, name: string): Promise<{ code: number; table: string }> {
    let table = '';
    const out = new Writable({ write: (chunk, _enc, cb) => ((table += chunk.toString()), cb()) });
    const running = await startAgent(
      { method: 'ssh', cycle: sshCycle },
      {
        argv: ['--once'],
        env: { WAIWANG_SERVER: url, WAIWANG_AGENT_TOKEN: poller.token, WAIWANG_SPOOL_DIR: join(spoolRoot, name), WAIWANG_AGENT_CONCURRENCY: '4', WAIWANG_SSH_CONNECT_TIMEOUT_MS: '5000', WAIWANG_SSH_COMMAND_TIMEOUT_MS: '5000' },
        out,
        log: pino({ level: 'silent' }),
      },
    );
    return { code: await running.done, table };
  }

  const openFindings = async (device: string) =>
    ((await ok<{ items: any[] }>('GET', `/api/v1/findings?device=${device}&status=open&limit=100`)).items as any[]).map((f) => ({ kind: f.kind, subject: f.subject, detail: f.detail, diff: f.diff }));
  const kinds = async (device: string) => (await openFindings(device)).map((f) => (f.subject ? `${f.kind}/${f.subject}` : f.kind)).sort();

  const vrpNeighbors = [{ localIf: 'GigabitEthernet0/0/0', remoteSysName: 'PE-NN-01', remoteIf: 'GE1/0/0' }];
  const vrpState = (over: Partial<DeviceState> = {}) => fixtureState('huawei-vrp', { pageLines: 20, lldp: { enabled: true, neighbors: vrpNeighbors }, ...over });
  const baseConfig = fixtureState('huawei-vrp').config;

  it('a Huawei boundary device through a paging, exec-refusing shell: clean, then drift, re-addressing, move, swap, refused login, changed host key', async () => {
    const poller = await agent(t);
    sshd.setState('wwsshe1', vrpState());
    const id = await boundary({ hostname: 'GX-NN-BR-01', serial: '2102351931P0C3000154', dialect: 'huawei-vrp', vendor: 'huawei', user: 'wwsshe1', port: sshd.port, poller, iface: 'GigabitEthernet0/0/0', address: '10.1.2.1/30', peer: { hostname: 'PE-NN-01', iface: 'GigabitEthernet1/0/0' } });

    // Clean: no finding; the host key is pinned on first use, in the audit trail.
    const clean = await once(poller, 'e1');
    expect(clean.table).toContain('GX-NN-BR-01');
    expect(await kinds(id)).toEqual([]);
    expect(clean.code, clean.table).toBe(0);
    const device = await ok<any>('GET', `/api/v1/devices/${id}`);
    expect(device.ssh.hostKeySha256).toBe(sshd.hostKeySha256);
    const pins = await rows<{ after: any }>(t.database.db, sql`SELECT after FROM audit_entries WHERE action = 'device.ssh.pin' AND object_id = ${id}`);
    expect(pins.map((p) => (typeof p.after === 'string' ? JSON.parse(p.after) : p.after).ssh.hostKeySha256)).toEqual([sshd.hostKeySha256]);

    // An operator of the county approves the configuration the check read.
    const approved = await ok<any>('POST', `/api/v1/devices/${id}/baseline`, { comment: '初始基线' }, operator);
    expect(approved).toMatchObject({ device: id, approvedBy: expect.any(String), comment: '初始基线' });
    expect(approved.config).toContain('sysname GX-NN-BR-01');

    // Configuration changed: config_drift with the change in its diff, and an incident reported to the city.
    sshd.setState('wwsshe1', vrpState({ config: baseConfig.replace(' info-center loghost 10.255.1.20\n', ' info-center loghost 10.255.1.20\n info-center loghost 203.0.113.9\n') }));
    const drift = await once(poller, 'e1');
    expect(drift.code).toBe(1);
    expect(drift.table).toContain('config_drift');
    const [finding] = await openFindings(id);
    expect(finding.kind).toBe('config_drift');
    expect(finding.diff).toContain('+ info-center loghost 203.0.113.9');
    expect(finding.diff).not.toMatch(/^[-+] sysname/m);
    const incidents = await ok<{ items: any[] }>('GET', '/api/v1/incidents?status=open&kind=config_drift');
    expect(incidents.items.filter((i) => i.device === id)).toMatchObject([{ kind: 'config_drift', reportedTo: '450100', payingUnit: '450102' }]);

    // Put back: the next check cures it, and its incident ends.
    sshd.setState('wwsshe1', vrpState());
    expect((await once(poller, 'e1')).code).toBe(0);
    expect(await kinds(id)).toEqual([]);
    expect((await ok<{ items: any[] }>('GET', '/api/v1/incidents?status=open&kind=config_drift')).items.filter((i) => i.device === id)).toEqual([]);

    // Re-addressed inside the same /30.
    sshd.setState('wwsshe1', vrpState({ config: baseConfig.replace('ip address 10.1.2.1 255.255.255.252', 'ip address 10.1.2.2 255.255.255.252') }));
    expect((await once(poller, 'e1')).code).toBe(1);
    expect(await kinds(id)).toEqual(['config_drift', 'readdressed/GigabitEthernet0/0/0']);
    expect((await openFindings(id)).find((f) => f.kind === 'readdressed')!.detail).toContain('10.1.2.2/30');

    // Moved: another neighbour on the registered port; the address is back.
    sshd.setState('wwsshe1', vrpState({ lldp: { enabled: true, neighbors: [{ localIf: 'GigabitEthernet0/0/0', remoteSysName: 'PE-BH-07', remoteIf: 'GE2/0/1' }] } }));
    expect((await once(poller, 'e1')).code).toBe(1);
    expect(await kinds(id)).toEqual(['moved/GigabitEthernet0/0/0']);

    // LLDP off: neighbours not checked, never moved (the open finding is neither cured nor renewed).
    sshd.setState('wwsshe1', vrpState({ lldp: { enabled: false, neighbors: [] } }));
    const off = await once(poller, 'e1');
    expect(off.table).toContain('not checked');
    expect(await kinds(id)).toEqual(['moved/GigabitEthernet0/0/0']);
    sshd.setState('wwsshe1', vrpState());
    expect((await once(poller, 'e1')).code).toBe(0);

    // Swapped: another serial.
    sshd.setState('wwsshe1', vrpState({ serial: '2102351931P0C3999999' }));
    expect((await once(poller, 'e1')).code).toBe(1);
    expect(await kinds(id)).toEqual(['identity_mismatch/serial']);
    sshd.setState('wwsshe1', vrpState());
    expect((await once(poller, 'e1')).code).toBe(0);

    // Wrong password: unreachable naming the refused login, never drift.
    await ok('PATCH', `/api/v1/devices/${id}`, { ssh: { username: 'wwsshe1', password: 'not-the-password' } });
    const refused = await once(poller, 'e1');
    expect(refused.table).toContain('auth_failed');
    const [unreachable] = await openFindings(id);
    expect(unreachable).toMatchObject({ kind: 'unreachable', subject: 'ssh' });
    expect(unreachable.detail).toMatch(/refused the agent's credentials/);
    await ok('PATCH', `/api/v1/devices/${id}`, { ssh: { username: 'wwsshe1', password: PASSWORD } });
    expect((await once(poller, 'e1')).code).toBe(0);

    // Another host key at the device's address: no login, host_key_changed naming the presented key.
    otherKey.setState('wwsshe1', vrpState());
    await ok('PATCH', `/api/v1/devices/${id}`, { ssh: { port: otherKey.port } });
    const logBefore = otherKey.log().length;
    const changed = await once(poller, 'e1');
    expect(changed.table).toContain('host_key_changed');
    const [keyFinding] = await openFindings(id);
    expect(keyFinding.kind).toBe('host_key_changed');
    expect(keyFinding.detail).toContain(otherKey.hostKeySha256);
    await new Promise((r) => setTimeout(r, 200));
    expect(otherKey.log().slice(logBefore)).not.toMatch(/Accepted|Failed password|Failed none|authentication/i);
    // Only an operator re-pins; the pin stays the first key until then.
    expect((await ok<any>('GET', `/api/v1/devices/${id}`)).ssh.hostKeySha256).toBe(sshd.hostKeySha256);
    await ok('PATCH', `/api/v1/devices/${id}`, { ssh: { hostKeySha256: otherKey.hostKeySha256 } }, operator);
    expect((await once(poller, 'e1')).code).toBe(0);
    expect(await kinds(id)).toEqual([]);
  });

  it('a legacy-only device is verified when legacy algorithms are allowed for it, refused otherwise', async () => {
    const poller = await agent(t);
    legacy.setState('wwsshe2', vrpState({ config: baseConfig.replace('sysname GX-NN-BR-01', 'sysname GX-NN-OLD-02') }));
    const id = await boundary({ hostname: 'GX-NN-OLD-02', serial: '2102351931P0C3000154', dialect: 'huawei-vrp', vendor: 'huawei', user: 'wwsshe2', port: legacy.port, poller, iface: 'GigabitEthernet0/0/0', address: '10.1.2.1/30' });
    const refused = await once(poller, 'e2');
    expect(refused.code).toBe(1);
    expect((await openFindings(id))[0].detail).toMatch(/no matching/i);
    await ok('PATCH', `/api/v1/devices/${id}`, { ssh: { legacyAlgorithms: true } });
    const allowed = await once(poller, 'e2');
    expect(allowed.code, allowed.table).toBe(0);
    expect((await ok<any>('GET', `/api/v1/devices/${id}`)).ssh).toMatchObject({ legacyAlgorithms: true, hostKeySha256: legacy.hostKeySha256 });
  });

  it('Cisco IOS and H3C Comware devices verify clean; no secret of any configuration reaches the server', async () => {
    const poller = await agent(t);
    sshd.setState('wwsshe3', fixtureState('cisco-ios', { pageLines: 15, lldp: { enabled: true, neighbors: [{ localIf: 'GigabitEthernet0/0', remoteSysName: 'PE-BH-01', remoteIf: 'GE1/0/2' }] } }));
    sshd.setState('wwsshe4', fixtureState('h3c-comware', { pageLines: 15, lldp: { enabled: true, neighbors: [{ localIf: 'GigabitEthernet1/0/1', remoteSysName: 'PE-LZ-01', remoteIf: 'GigabitEthernet2/0/3' }] } }));
    const cisco = await boundary({ hostname: 'GX-BH-BR-03', serial: 'FGL2150A1RM', dialect: 'cisco-ios', vendor: 'cisco', user: 'wwsshe3', port: sshd.port, poller, iface: 'GigabitEthernet0/0', address: '10.1.5.2/30', peer: { hostname: 'PE-BH-01', iface: 'GigabitEthernet1/0/2' } });
    const h3c = await boundary({ hostname: 'GX-LZ-BR-02', serial: '219801A28N8189Q00045', dialect: 'h3c-comware', vendor: 'h3c', user: 'wwsshe4', port: sshd.port, poller, iface: 'GigabitEthernet1/0/1', address: '10.1.4.5/30', peer: { hostname: 'PE-LZ-01', iface: 'GigabitEthernet2/0/3' } });
    const run = await once(poller, 'e3');
    expect(run.code, run.table).toBe(0);
    expect(await kinds(cisco)).toEqual([]);
    expect(await kinds(h3c)).toEqual([]);

    // Everything the server holds: the checks' configurations, the baselines, the audit trail, the findings.
    await ok('POST', `/api/v1/devices/${cisco}/baseline`, {}, operator);
    const dump = JSON.stringify(
      await Promise.all(
        ['device_checks', 'device_baselines', 'audit_entries', 'findings'].map((table) => rows(t.database.db, sql.raw(`SELECT * FROM ${table}`))),
      ),
    );
    expect(dump).toContain('<secret>');
    for (const secret of SECRETS) expect(dump).not.toContain(secret);
    // Nor the agent's spool (nothing was spooled, but a spooled check holds the same masked text).
    for (const dir of readdirSync(spoolRoot, { recursive: true, withFileTypes: true })) {
      if (dir.isFile()) for (const secret of SECRETS) expect(readFileSync(join(dir.parentPath, dir.name), 'utf8')).not.toContain(secret);
    }
  });
});
