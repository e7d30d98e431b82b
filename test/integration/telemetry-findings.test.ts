import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelemetryJob } from '../../server/modules/telemetry/job.js';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';
import { agent, boundaryLink, minute, post, reading, type Agent } from './telemetry-fixtures.js';

describe.each(backends)('findings from readings on %s', (backend) => {
  let t: TestApp;
  let poller: Agent;
  let job: TelemetryJob;
  const t0 = Date.parse('2025-06-02T00:00:00Z');

  beforeAll(async () => {
    t = await startTestApp(backend);
    t.clock.now = new Date(t0 + 6 * 60 * minute);
    poller = await agent(t);
    job = new TelemetryJob(t.database.db, t.config, { now: () => t.clock.now });
  });
  afterAll(async () => t?.close());

  const findings = async (query: string) => (await t.call('GET', `/api/v1/findings?${query}`)).body.items as any[];

  it('32-bit counters on a 1 Gbps link: intervals invalid and a finding asking for 64-bit counters, closed once they come', async () => {
    const link = await boundaryLink(t, { agent: poller, capacityMbps: 1000, payingUnit: '450102' });
    const at = (k: number) => new Date(t0 + k * 5 * minute);
    // 10 Mbps on the wire: 375,000,000 octets per 300 s, well within 2^32; still untrustworthy on a link that
    // could carry 1000 Mbps × 300 s / 8 = 37,500,000,000 octets per poll (8.7 wraps of 2^32).
    const r32 = (k: number) => reading({ device: link.a.id, ifName: link.aIf, at: at(k), sysUpTime: 5_000_000 + k * 30_000, inOctets: String((375_000_000 * k) % 2 ** 32), counterBits: 32 });
    expect((await post(t, poller.token, [r32(0), r32(1), r32(2)])).status).toBe(200);
    await job.pass();
    const open = await findings(`status=open&device=${link.a.id}`);
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ device: link.a.id, hostname: link.a.hostname, kind: 'counter32_on_fast_link', subject: link.aIf, status: 'open' });
    expect(open[0].detail).toMatch(/64-bit/);
    const u = await t.call('GET', `/api/v1/links/${link.id}/utilization?from=${at(0).toISOString()}&to=${at(2).toISOString()}`);
    expect(u.body.series.map((b: { inBps: number | null }) => b.inBps)).toEqual([null, null]);

    // Found again on the next readings: still one finding.
    await post(t, poller.token, [r32(3)]);
    await job.pass();
    expect(await findings(`status=open&device=${link.a.id}`)).toHaveLength(1);

    // The agent switches to ifHCInOctets: 64-bit from reading 4 on.
    const r64 = (k: number) => reading({ device: link.a.id, ifName: link.aIf, at: at(k), sysUpTime: 5_000_000 + k * 30_000, inOctets: String(375_000_000 * k), counterBits: 64 });
    await post(t, poller.token, [r64(4), r64(5)]);
    await job.pass();
    expect(await findings(`status=open&device=${link.a.id}`)).toEqual([]);
    const [closed] = await findings(`status=resolved&device=${link.a.id}`);
    expect(closed).toMatchObject({ kind: 'counter32_on_fast_link', resolvedBy: 'system' });
    // 375,000,000 × 8 / 300 = 10 Mbps = 1 % of 1000, once the counters are 64-bit (the 32 → 64 interval is dropped).
    const later = await t.call('GET', `/api/v1/links/${link.id}/utilization?from=${at(4).toISOString()}&to=${at(5).toISOString()}`);
    expect(later.body.series.map((b: { inPercent: number }) => b.inPercent)).toEqual([1]);
  });

  it('32-bit counters on a 100 Mbps link are fine: they wrap at most once per poll', async () => {
    const link = await boundaryLink(t, { agent: poller, capacityMbps: 100, payingUnit: '450102' });
    const at = (k: number) => new Date(t0 + k * 5 * minute);
    // 50 Mbps: 1,875,000,000 octets per poll; the counter wraps between reading 2 and 3.
    const values = [0, 1, 2, 3].map((k) => (1_875_000_000 * k) % 2 ** 32);
    expect(values[3]).toBeLessThan(values[2]);
    await post(
      t,
      poller.token,
      values.map((v, k) => reading({ device: link.a.id, ifName: link.aIf, at: at(k), sysUpTime: 5_000_000 + k * 30_000, inOctets: String(v), counterBits: 32 })),
    );
    await job.pass();
    expect(await findings(`device=${link.a.id}`)).toEqual([]);
    const u = await t.call('GET', `/api/v1/links/${link.id}/utilization?from=${at(0).toISOString()}&to=${at(3).toISOString()}`);
    expect(u.body.series.map((b: { inPercent: number }) => b.inPercent)).toEqual([50, 50, 50]);
  });

  it('speed_mismatch only when the port is slower than the circuit, not when it is faster', async () => {
    const slow = await boundaryLink(t, { agent: poller, capacityMbps: 1000, payingUnit: '450102' });
    const fast = await boundaryLink(t, { agent: poller, capacityMbps: 100, payingUnit: '450102' });
    const at = new Date(t0 + 60 * minute);
    await post(t, poller.token, [
      reading({ device: slow.z.id, ifName: slow.zIf, at, highSpeedMbps: 100 }),
      // A 100 Mbps circuit on a GE port is normal.
      reading({ device: fast.z.id, ifName: fast.zIf, at, highSpeedMbps: 1000 }),
    ]);
    await job.pass();
    const [mismatch] = await findings(`status=open&device=${slow.z.id}`);
    expect(mismatch).toMatchObject({ kind: 'speed_mismatch', subject: slow.zIf, diff: { ifHighSpeedMbps: 100, capacityMbps: 1000 } });
    expect(await findings(`device=${fast.z.id}`)).toEqual([]);

    // Resolved by a person, with what was done; the resolution is audited; twice is a conflict.
    const outside = await t.userToken('operator', '450200');
    const body = { comment: '端口已更换为千兆光模块' };
    expect((await t.call('POST', `/api/v1/findings/${mismatch.id}/resolve`, { token: outside, body })).status).toBe(403);
    const auditor = await t.userToken('auditor', '450000');
    expect((await t.call('POST', `/api/v1/findings/${mismatch.id}/resolve`, { token: auditor, body })).status).toBe(403);
    expect((await t.call('POST', `/api/v1/findings/${mismatch.id}/resolve`, { body: {} })).status).toBe(400);
    const county = await t.userToken('operator', '450102');
    const resolved = await t.call('POST', `/api/v1/findings/${mismatch.id}/resolve`, { token: county, body });
    expect(resolved.status, resolved.text).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'resolved', resolution: '端口已更换为千兆光模块' });
    const audit = await t.call('GET', `/api/v1/audit?object=finding:${mismatch.id}`);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['finding.resolve', 'finding.open']);
    const before = await countRows(t, 'audit_entries');
    expect((await t.call('POST', `/api/v1/findings/${mismatch.id}/resolve`, { token: county, body })).status).toBe(409);
    expect(await countRows(t, 'audit_entries')).toBe(before);
    expect((await t.call('POST', '/api/v1/findings/999999/resolve', { body })).status).toBe(404);
  });

  it('lists findings for readers only', async () => {
    expect((await t.call('GET', '/api/v1/findings', { token: poller.token })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/findings?status=open&kind=speed_mismatch')).status).toBe(200);
    expect((await t.call('GET', '/api/v1/findings?kind=nonsense')).status).toBe(400);
  });
});
