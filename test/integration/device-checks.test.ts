// POST /api/v1/device-checks: stored whole, idempotent per (device, method, at), compared with the
// registry (identity, reachability), and a device that never answered goes down like one that stopped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelemetryJob } from '../../server/modules/telemetry/job.js';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';
import { agent, boundaryLink, minute, type Agent } from './telemetry-fixtures.js';

describe.each(backends)('device checks on %s', (backend) => {
  let t: TestApp;
  let poller: Agent;
  let job: TelemetryJob;
  const t0 = new Date('2025-04-07T02:00:00Z').getTime();
  const at = (k: number) => new Date(t0 + k * 5 * minute).toISOString();

  beforeAll(async () => {
    t = await startTestApp(backend);
    t.clock.now = new Date(t0 + 24 * 60 * minute);
    poller = await agent(t);
    job = new TelemetryJob(t.database.db, t.config, { now: () => t.clock.now });
  });
  afterAll(async () => t?.close());

  const check = (body: Record<string, unknown>, token: string | undefined = poller.token) => t.call('POST', '/api/v1/device-checks', { token, body });
  const findingsOf = async (device: string, status = 'open') =>
    ((await t.call('GET', `/api/v1/findings?device=${device}&status=${status}&limit=1000`)).body.items as any[]).map((f) => ({ kind: f.kind, subject: f.subject, detail: f.detail }));

  it('stores a good check once: a replay answers duplicate and writes nothing, not even to the audit trail', async () => {
    const link = await boundaryLink(t, { agent: poller, capacityMbps: 100, payingUnit: '450102' });
    const body = { device: link.z.id, at: at(1), method: 'snmp', status: 'ok', identity: { sysName: link.z.hostname, serial: null, sysObjectID: '1.3.6.1.4.1.2011.2.23.96' } };
    const first = await check(body);
    expect(first.status, first.text).toBe(200);
    expect(first.body).toMatchObject({ device: link.z.id, method: 'snmp', status: 'ok', duplicate: false, judged: true, opened: [], resolved: [] });
    const audits = await countRows(t, 'audit_entries');
    const again = await check(body);
    expect(again.body).toMatchObject({ id: first.body.id, duplicate: true, judged: false });
    expect(await countRows(t, 'audit_entries')).toBe(audits);
    expect(await countRows(t, 'device_checks')).toBeGreaterThanOrEqual(1);
    expect(await findingsOf(link.z.id)).toEqual([]);
  });

  it('a sysName or serial other than the registry’s opens identity_mismatch; an empty registry serial is never flagged; the next good check resolves it', async () => {
    const link = await boundaryLink(t, { agent: poller, capacityMbps: 100, payingUnit: '450102' });
    const device = link.z.id;
    // No serial registered: any serial is fine; a FQDN sysName matches its first label.
    const unregistered = await check({ device, at: at(1), method: 'snmp', status: 'ok', identity: { sysName: `${link.z.hostname}.gx.gov.cn`, serial: 'ANY-SERIAL' } });
    expect(unregistered.body.opened, unregistered.text).toEqual([]);

    expect((await t.call('PATCH', `/api/v1/devices/${device}`, { body: { serial: '2102351931P0K8000123' } })).status).toBe(200);
    const swapped = await check({ device, at: at(2), method: 'snmp', status: 'ok', identity: { sysName: 'somebody-else', serial: '2102351931P0K8000999' } });
    expect(swapped.status, swapped.text).toBe(200);
    expect(swapped.body.opened.map((f: any) => `${f.kind}/${f.subject}`).sort()).toEqual(['identity_mismatch/serial', 'identity_mismatch/sysName']);
    const open = await findingsOf(device);
    expect(open.find((f) => f.subject === 'serial')!.detail).toContain('2102351931P0K8000999');

    // A check that read only the sysName leaves the serial finding as it is.
    const onlyName = await check({ device, at: at(3), method: 'snmp', status: 'ok', identity: { sysName: link.z.hostname.toUpperCase() } });
    expect(onlyName.body.resolved.map((f: any) => f.subject)).toEqual(['sysName']);
    expect((await findingsOf(device)).map((f) => f.subject)).toEqual(['serial']);

    const back = await check({ device, at: at(4), method: 'snmp', status: 'ok', identity: { sysName: link.z.hostname, serial: '2102351931p0k8000123' } });
    expect(back.body.resolved.map((f: any) => f.subject)).toEqual(['serial']);
    expect(await findingsOf(device)).toEqual([]);
    const resolved = await findingsOf(device, 'resolved');
    expect(resolved.length).toBe(2);
  });

  it('unreachable and auth_failed open one unreachable finding per method naming the cause; an answer cures it; a late older check judges nothing', async () => {
    const link = await boundaryLink(t, { agent: poller, capacityMbps: 100, payingUnit: '450102' });
    const device = link.z.id;
    const down = await check({ device, at: at(1), method: 'snmp', status: 'unreachable', detail: 'no answer after 2 retries (timeout 2000 ms)' });
    expect(down.body.opened).toMatchObject([{ kind: 'unreachable', subject: 'snmp' }]);
    expect(down.body.opened[0].detail).toContain('did not answer: no answer after 2 retries');
    const auth = await check({ device, at: at(2), method: 'snmp', status: 'auth_failed', detail: 'USM wrong digest' });
    expect(auth.body.opened).toEqual([]); // the same finding stays open
    const ok = await check({ device, at: at(4), method: 'snmp', status: 'ok' });
    expect(ok.body.resolved).toMatchObject([{ kind: 'unreachable', subject: 'snmp', status: 'resolved' }]);
    // The spool delivers an older failure late: stored, judged by nobody.
    const late = await check({ device, at: at(3), method: 'snmp', status: 'unreachable' });
    expect(late.body).toMatchObject({ duplicate: false, judged: false, opened: [] });
    expect(await findingsOf(device)).toEqual([]);

    const refused = await check({ device, at: at(5), method: 'snmp', status: 'auth_failed', detail: 'USM authentication failure' });
    expect(refused.body.opened[0].detail).toContain('refused the agent');
  });

  it('refuses a device not assigned to the agent (403), an unknown device and a time in the future (400), changing nothing', async () => {
    const other = await agent(t);
    const link = await boundaryLink(t, { agent: other, capacityMbps: 100, payingUnit: '450102' });
    const before = await countRows(t, 'device_checks');
    const audits = await countRows(t, 'audit_entries');
    const notMine = await check({ device: link.z.id, at: at(1), method: 'snmp', status: 'ok' });
    expect(notMine.status).toBe(403);
    expect(notMine.headers.get('content-type')).toContain('application/problem+json');
    // Assigned for SNMP, not for SSH.
    expect((await check({ device: link.z.id, at: at(1), method: 'ssh', status: 'ok' }, other.token)).status).toBe(403);
    const unknown = await check({ device: '999999999', at: at(1), method: 'snmp', status: 'ok' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.field).toBe('device');
    const future = await check({ device: link.z.id, at: new Date(t.clock.now.getTime() + 10 * minute).toISOString(), method: 'snmp', status: 'ok' }, other.token);
    expect(future.status).toBe(400);
    expect(future.body.field).toBe('at');
    const bad = await check({ device: link.z.id, at: at(1), method: 'snmp', status: 'fine' }, other.token);
    expect(bad.status).toBe(400);
    expect(await countRows(t, 'device_checks')).toBe(before);
    expect(await countRows(t, 'audit_entries')).toBe(audits);
  });

  it('a device that never answered is down after 3 intervals of unreachable checks, reported to the upper level; its first answer ends it', async () => {
    const link = await boundaryLink(t, { agent: poller, capacityMbps: 100, payingUnit: '450102' });
    const device = link.z.id;
    const base = t.clock.now.getTime();
    const tick = (k: number) => new Date(base + k * 5 * minute);
    const downIncidents = async () =>
      ((await t.call('GET', '/api/v1/incidents?status=open&kind=device_down&limit=1000')).body.items as any[]).filter((i) => i.device === device);
    for (let k = 0; k <= 2; k++) {
      t.clock.now = tick(k);
      expect((await check({ device, at: tick(k).toISOString(), method: 'snmp', status: 'unreachable' })).status).toBe(200);
      await job.pass();
      expect(await downIncidents(), `after ${k + 1} checks`).toEqual([]);
    }
    t.clock.now = tick(3.1);
    expect((await check({ device, at: tick(3).toISOString(), method: 'snmp', status: 'unreachable' })).status).toBe(200);
    await job.pass();
    const [incident] = await downIncidents();
    expect(incident).toMatchObject({ kind: 'device_down', reportedTo: '450100', payingUnit: '450102', openedAt: tick(0).toISOString() });
    expect(incident.detail).toContain('never answered');
    // The other end (the PE) has never been checked at all: not judged down by the checks.
    expect(((await t.call('GET', '/api/v1/incidents?status=open&kind=device_down&limit=1000')).body.items as any[]).some((i) => i.device === link.a.id)).toBe(false);

    t.clock.now = tick(4);
    await check({ device, at: tick(4).toISOString(), method: 'snmp', status: 'ok' });
    expect(await downIncidents()).toEqual([]);
    const resolved = (await t.call('GET', '/api/v1/incidents?status=resolved&kind=device_down&limit=1000')).body.items.find((i: any) => i.device === device);
    expect(resolved.resolvedAt).toBe(tick(4).toISOString());
  });

  it('the agent’s targets carry the server’s polling interval', async () => {
    const targets = await t.call('GET', '/api/v1/agent/targets?method=snmp', { token: poller.token });
    expect(targets.status, targets.text).toBe(200);
    expect(targets.body.pollIntervalSeconds).toBe(t.config.telemetry.pollIntervalSeconds);
  });
  it('checks past the raw-readings retention are pruned, except the newest of each device and method', async () => {
    const link = await boundaryLink(t, { agent: poller, capacityMbps: 100, payingUnit: '450102' });
    const day = 86_400_000;
    const old = (days: number) => new Date(t.clock.now.getTime() - days * day).toISOString();
    for (const [days, method] of [[41, 'snmp'], [40, 'snmp'], [39, 'snmp'], [38, 'ssh']] as const) {
      const posted = await t.call('POST', '/api/v1/device-checks', { body: { device: link.z.id, at: old(days), method, status: 'ok' } });
      expect(posted.status, posted.text).toBe(200);
    }
    await check({ device: link.z.id, at: new Date(t.clock.now.getTime() - 60_000).toISOString(), method: 'snmp', status: 'ok' });
    const { rows } = await import('../../server/db/client.js');
    const { sql } = await import('drizzle-orm');
    const left = async () =>
      (await rows<{ method: string; at: Date | string }>(t.database.db, sql`SELECT method, at FROM device_checks WHERE device_id = ${Number(link.z.id)} ORDER BY at`)).map(
        (r) => `${r.method}@${Math.round((t.clock.now.getTime() - new Date(r.at).getTime()) / day)}`,
      );
    expect(await left()).toEqual(['snmp@41', 'snmp@40', 'snmp@39', 'ssh@38', 'snmp@0']);
    const pass = await job.pass();
    expect(pass.pruned.deviceChecks).toBeGreaterThanOrEqual(3);
    // The SSH check is the newest of its method: kept, however old.
    expect(await left()).toEqual(['ssh@38', 'snmp@0']);
  });
  it('a batch stores and judges each check as a single post would, with one audit entry; a replay changes nothing; one bad check refuses the batch', async () => {
    const a = await boundaryLink(t, { agent: poller, capacityMbps: 100, payingUnit: '450102' });
    const b = await boundaryLink(t, { agent: poller, capacityMbps: 100, payingUnit: '450102' });
    const batch = {
      checks: [
        { device: a.z.id, at: at(1), method: 'snmp', status: 'ok', identity: { sysName: a.z.hostname } },
        { device: b.z.id, at: at(1), method: 'snmp', status: 'unreachable', detail: 'no answer' },
        { device: b.a.id, at: at(1), method: 'snmp', status: 'ok', identity: { sysName: 'not-its-name' } },
      ],
    };
    const audits = await countRows(t, 'audit_entries');
    const posted = await t.call('POST', '/api/v1/device-checks/batch', { token: poller.token, body: batch });
    expect(posted.status, posted.text).toBe(200);
    expect(posted.body).toMatchObject({ received: 3, accepted: 3, duplicates: 0 });
    expect(posted.body.results.map((r: any) => r.opened.map((f: any) => `${f.kind}/${f.subject}`))).toEqual([[], ['unreachable/snmp'], ['identity_mismatch/sysName']]);
    // One entry for the batch, one per finding opened, one per incident each finding opens (findings/incidents.ts).
    expect(await countRows(t, 'audit_entries')).toBe(audits + 5);

    const replay = await t.call('POST', '/api/v1/device-checks/batch', { token: poller.token, body: batch });
    expect(replay.body).toMatchObject({ received: 3, accepted: 0, duplicates: 3 });
    expect(await countRows(t, 'audit_entries')).toBe(audits + 5);

    const other = await agent(t);
    const foreign = await boundaryLink(t, { agent: other, capacityMbps: 100, payingUnit: '450102' });
    const stored = await countRows(t, 'device_checks');
    const mixed = await t.call('POST', '/api/v1/device-checks/batch', {
      token: poller.token,
      body: { checks: [{ device: a.z.id, at: at(2), method: 'snmp', status: 'ok' }, { device: foreign.z.id, at: at(2), method: 'snmp', status: 'ok' }] },
    });
    expect(mixed.status).toBe(403);
    const future = await t.call('POST', '/api/v1/device-checks/batch', {
      token: poller.token,
      body: { checks: [{ device: a.z.id, at: at(2), method: 'snmp', status: 'ok' }, { device: a.z.id, at: new Date(t.clock.now.getTime() + 3_600_000).toISOString(), method: 'snmp', status: 'ok' }] },
    });
    expect(future.status).toBe(400);
    expect(future.body.field).toBe('checks.1.at');
    expect(await countRows(t, 'device_checks')).toBe(stored);
  });
});
