// The server's side of SSH verification, with checks posted as the agent posts them: trust on
// first use, baselines (approve, refuse bad input, change nothing), findings opening incidents
// routed to the upper level and ending with them, finding.resolved, scoped findings reads.
import { sql } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../server/db/client.js';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';
import { agent, department, type Agent } from './telemetry-fixtures.js';

const KEY = `SHA256:${'k'.repeat(43)}`;
const OTHER = `SHA256:${'o'.repeat(43)}`;
const CONFIG = '#\n sysname GX-BR-T\n#\ninterface GigabitEthernet0/0/0\n ip address 10.1.2.1 255.255.255.252\n#\nreturn\n';
const sha = (c: string) => createHash('sha256').update(c).digest('hex');

describe.each(backends)('SSH verification on %s', (backend) => {
  let t: TestApp;
  let poller: Agent;
  let operator: string;
  let outsider: string;
  let minute = 0;
  const at = () => new Date(Date.now() - 3_600_000 + ++minute * 60_000).toISOString();

  beforeAll(async () => {
    t = await startTestApp(backend);
    Object.defineProperty(t.clock, 'now', { get: () => new Date(), set: () => {} });
    poller = await agent(t);
    operator = await t.userToken('operator', '450102');
    outsider = await t.userToken('operator', '450200');
  });
  afterAll(async () => t?.close());

  async function ok<T = any>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    const reply = await t.call<T>(method, path, { body, token });
    if (reply.status >= 300) throw new Error(`${method} ${path}: ${reply.status} ${reply.text}`);
    return reply.body;
  }

  /** A boundary device of a department of county 450102 on a PE of 450100, the link paid by the county. */
  async function boundary() {
    const dept = await department(t, '450102');
    const hostname = `GX-BR-${backend}-${++minute}`;
    const device = await ok<{ id: string }>('POST', '/api/v1/devices', {
      hostname,
      role: 'boundary',
      vendor: 'huawei',
      dialect: 'huawei-vrp',
      mgmtAddress: '127.0.0.1',
      ownerUnit: dept,
      responsible: { name: '韦工', phone: '0771-5550000' },
      interfaces: [{ name: 'GigabitEthernet0/0/0', address: '10.1.2.1/30' }],
      ssh: { agent: poller.username, username: 'admin', password: 'secret-pass' },
    });
    const pe = await ok<{ id: string }>('POST', '/api/v1/devices', { hostname: `PE-${hostname}`, role: 'pe', vendor: 'huawei', ownerUnit: '450100', interfaces: [{ name: 'GigabitEthernet1/0/0' }] });
    await ok('POST', '/api/v1/links', { name: `${hostname}-up`, aDevice: pe.id, aInterface: 'GigabitEthernet1/0/0', zDevice: device.id, zInterface: 'GigabitEthernet0/0/0', capacityMbps: 100, payingUnit: '450102' });
    return { id: device.id, hostname, peer: `PE-${hostname}` };
  }

  const check = (body: Record<string, unknown>) => ok<any>('POST', '/api/v1/device-checks', { method: 'ssh', at: at(), ...body }, poller.token);
  const good = (d: { id: string; hostname: string; peer: string }, over: Record<string, unknown> = {}) =>
    check({
      device: d.id,
      status: 'ok',
      hostKeySha256: KEY,
      identity: { sysName: d.hostname, serial: null },
      interfaces: [{ name: 'GigabitEthernet0/0/0', address: '10.1.2.1/30' }],
      neighbors: [{ localIf: 'GigabitEthernet0/0/0', remoteSysName: d.peer, remoteIf: 'GE1/0/0' }],
      configSha256: sha(CONFIG),
      config: CONFIG,
      ...over,
    });

  it('pins the first key (audited), approves a baseline, opens config_drift with an incident to 450100, and the approval of the new text resolves both', async () => {
    const d = await boundary();
    const first = await good(d);
    expect(first.opened).toEqual([]);
    expect((await ok<any>('GET', `/api/v1/devices/${d.id}`)).ssh.hostKeySha256).toBe(KEY);
    const [pin] = await rows<{ actor: string }>(t.database.db, sql`SELECT actor FROM audit_entries WHERE action = 'device.ssh.pin' AND object_id = ${d.id}`);
    expect(pin).toBeDefined();

    const baseline = await ok<any>('POST', `/api/v1/devices/${d.id}/baseline`, { comment: '初始' }, operator);
    expect(baseline).toMatchObject({ device: d.id, configSha256: sha(CONFIG), comment: '初始', resolved: [] });

    const changed = CONFIG.replace('return', ' snmp-agent sys-info location Nanning\nreturn');
    const drift = await good(d, { configSha256: sha(changed), config: changed });
    expect(drift.opened.map((f: any) => f.kind)).toEqual(['config_drift']);
    expect(drift.opened[0].diff).toContain('+ snmp-agent sys-info location Nanning');
    // It drifts further: the open finding's diff follows the configuration last read (what an approval would approve).
    const further = changed.replace('return', ' info-center loghost 10.9.9.9\nreturn');
    expect((await good(d, { configSha256: sha(further), config: further })).opened).toEqual([]);
    const [shown] = (await ok<{ items: any[] }>('GET', `/api/v1/findings?device=${d.id}&status=open&kind=config_drift`)).items;
    expect(shown.id).toBe(drift.opened[0].id);
    expect(shown.diff).toContain('+ info-center loghost 10.9.9.9');
    await good(d, { configSha256: sha(changed), config: changed });
    const incidents = (await ok<{ items: any[] }>('GET', '/api/v1/incidents?status=open&kind=config_drift')).items.filter((i) => i.device === d.id);
    expect(incidents).toMatchObject([{ kind: 'config_drift', reportedTo: '450100', payingUnit: '450102', finding: drift.opened[0].id }]);

    // Approving the drifted text makes it the baseline: the finding and its incident end; finding.resolved is queued.
    const approved = await ok<any>('POST', `/api/v1/devices/${d.id}/baseline`, {}, operator);
    expect(approved.resolved).toMatchObject([{ kind: 'config_drift', status: 'resolved' }]);
    expect((await ok<{ items: any[] }>('GET', '/api/v1/incidents?status=open&kind=config_drift')).items.filter((i) => i.device === d.id)).toEqual([]);
    const events = await rows<{ n: string | number }>(t.database.db, sql`SELECT count(*) AS n FROM audit_entries WHERE action = 'incident.resolve'`);
    expect(Number(events[0].n)).toBeGreaterThan(0);
    expect((await good(d, { configSha256: sha(changed), config: changed })).opened).toEqual([]);
  });

  it('an operator resolving a finding by hand ends its incident; host_key_changed, moved and readdressed open their incident kinds', async () => {
    const d = await boundary();
    await good(d);
    const refused = await check({ device: d.id, status: 'host_key_changed', hostKeySha256: OTHER, detail: 'not logged in' });
    expect(refused.opened.map((f: any) => f.kind)).toEqual(['host_key_changed']);
    expect(refused.opened[0].detail).toContain(OTHER);
    const moved = await good(d, {
      interfaces: [{ name: 'GE0/0/0', address: '10.1.2.2/30' }],
      neighbors: [{ localIf: 'GE0/0/0', remoteSysName: 'somewhere-else', remoteIf: 'GE9/0/9' }],
    });
    expect(moved.opened.map((f: any) => `${f.kind}/${f.subject}`).sort()).toEqual(['moved/GigabitEthernet0/0/0', 'readdressed/GigabitEthernet0/0/0']);
    expect(moved.resolved.map((f: any) => f.kind)).toEqual(['host_key_changed']);
    const open = (await ok<{ items: any[] }>('GET', '/api/v1/incidents?status=open')).items.filter((i) => i.device === d.id);
    expect(open.map((i) => i.kind).sort()).toEqual(['device_moved', 'device_readdressed']);

    const readdressed = moved.opened.find((f: any) => f.kind === 'readdressed');
    expect((await t.call('POST', `/api/v1/findings/${readdressed.id}/resolve`, { token: outsider, body: { comment: '不是我的' } })).status).toBe(403);
    await ok('POST', `/api/v1/findings/${readdressed.id}/resolve`, { comment: '已核实: 按变更单改址' }, operator);
    const still = (await ok<{ items: any[] }>('GET', '/api/v1/incidents?status=open')).items.filter((i) => i.device === d.id);
    expect(still.map((i) => i.kind)).toEqual(['device_moved']);
    // LLDP not checked: the moved finding is neither cured nor renewed.
    const notChecked = await good(d, { neighbors: undefined });
    expect(notChecked.resolved.map((f: any) => f.kind)).toEqual([]);
    // Findings are read within the reader's subtree: the outsider does not see this device's.
    const seen = (await t.call('GET', `/api/v1/findings?device=${d.id}&status=open`, { token: outsider })).body;
    expect(seen.items ?? []).toEqual([]);
    expect((await ok<{ items: any[] }>('GET', `/api/v1/findings?device=${d.id}&status=open`, undefined, operator)).items.map((f) => f.kind)).toEqual(['moved']);
  });

  it('baseline: unknown device 404, no SSH configuration yet 409, bad body 400 — none of them changes anything', async () => {
    const d = await boundary();
    const before = await countRows(t, 'device_baselines');
    const audits = await countRows(t, 'audit_entries');
    const none = await t.call('POST', `/api/v1/devices/${d.id}/baseline`, { token: operator, body: {} });
    expect(none.status).toBe(409);
    expect(none.headers.get('content-type')).toContain('problem+json');
    expect(none.body.detail).toMatch(/no SSH check/);
    expect((await t.call('POST', '/api/v1/devices/999999/baseline', { body: {} })).status).toBe(404);
    const bad = await t.call('POST', `/api/v1/devices/${d.id}/baseline`, { token: operator, body: { comment: 5, extra: true } });
    expect(bad.status).toBe(400);
    expect((await t.call('POST', `/api/v1/devices/${d.id}/baseline`, { token: outsider, body: {} })).status).toBe(403);
    expect(await countRows(t, 'device_baselines')).toBe(before);
    expect(await countRows(t, 'audit_entries')).toBe(audits);
  });

  it('ssh.legacyAlgorithms is per device: in the view and in the agent’s targets, false unless set', async () => {
    const d = await boundary();
    expect((await ok<any>('GET', `/api/v1/devices/${d.id}`)).ssh.legacyAlgorithms).toBe(false);
    await ok('PATCH', `/api/v1/devices/${d.id}`, { ssh: { legacyAlgorithms: true } });
    const targets = await ok<any>('GET', '/api/v1/agent/targets?method=ssh', undefined, poller.token);
    const mine = targets.items.find((i: any) => i.id === d.id);
    expect(mine.ssh).toMatchObject({ legacyAlgorithms: true, username: 'admin', password: 'secret-pass' });
    expect(targets.items.filter((i: any) => i.id !== d.id).every((i: any) => i.ssh.legacyAlgorithms === false)).toBe(true);
    expect((await t.call('PATCH', `/api/v1/devices/${d.id}`, { body: { ssh: { legacyAlgorithms: 'yes' } } })).status).toBe(400);
  });
});
