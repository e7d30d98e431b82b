import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTelemetrySettings } from '../../server/modules/telemetry/settings.js';
import { backends, startTestApp, type TestApp } from '../support/harness.js';
import { agent, boundaryLink, minute, post, reading, type Agent } from './telemetry-fixtures.js';

// The app's config carries the telemetry settings, and the verbs behind the endpoints use those,
// not the process environment: here a 60-second polling interval, where the default is 300.
describe.each(backends)('telemetry settings from the config on %s', (backend) => {
  let t: TestApp;
  let poller: Agent;
  const t0 = new Date('2025-05-05T00:00:00Z').getTime();

  beforeAll(async () => {
    t = await startTestApp(backend, { telemetry: { ...loadTelemetrySettings({}), pollIntervalSeconds: 60 } });
    t.clock.now = new Date(t0 + 60 * minute);
    poller = await agent(t);
  });
  afterAll(async () => t?.close());

  it('the evaluate endpoint rolls up with the configured heartbeat (3.3 polls: 198 s)', async () => {
    const link = await boundaryLink(t, { agent: poller, capacityMbps: 100, payingUnit: '450102' });
    // Readings at 0, 10, 11 and 12 minutes: the 600 s interval is a gap at a 60 s poll (it would
    // count at 300 s, whose heartbeat is 990 s); each 60 s interval carries 150,000,000 octets in
    // = 1,200,000,000 bits / 60 s = 20,000,000 bps = 20 % of 100 Mbps.
    const at = [0, 10, 11, 12];
    const octets = [0, 150_000_000, 300_000_000, 450_000_000];
    const batch = at.map((m, i) =>
      reading({ device: link.a.id, ifName: link.aIf, at: new Date(t0 + m * minute), sysUpTime: 1_000_000 + m * 6_000, inOctets: String(octets[i]), outOctets: '0' }),
    );
    expect((await post(t, poller.token, batch)).status).toBe(200);
    const evaluated = await t.call('POST', '/api/v1/policies/expansion/evaluate');
    expect(evaluated.status, evaluated.text).toBe(200);
    const u = await t.call('GET', `/api/v1/links/${link.id}/utilization?from=${new Date(t0).toISOString()}&to=${new Date(t0 + 15 * minute).toISOString()}`);
    expect(u.status, u.text).toBe(200);
    // Only the bucket from 10 minutes holds samples: 120 s of 20 %.
    const measured = u.body.series.filter((s: { sampleSeconds: number }) => s.sampleSeconds > 0);
    expect(measured).toEqual([expect.objectContaining({ at: new Date(t0 + 10 * minute).toISOString(), inPercent: 20, sampleSeconds: 120 })]);
  });

  it('the ingest judges link ends with the configured staleness (3 polls: 180 s)', async () => {
    const link = await boundaryLink(t, { agent: poller, capacityMbps: 100, payingUnit: '450102' });
    // Z read down twice, 9 and 8 minutes before A read up: at a 60 s poll Z's readings are stale
    // (older than 180 s before the freshest) and open nothing; at 300 s (900 s) they would.
    const base = t0 + 30 * minute;
    const batch = [
      reading({ device: link.z.id, ifName: link.zIf, at: new Date(base - 9 * minute), operStatus: 'down' }),
      reading({ device: link.z.id, ifName: link.zIf, at: new Date(base - 8 * minute), operStatus: 'down' }),
      reading({ device: link.a.id, ifName: link.aIf, at: new Date(base), operStatus: 'up' }),
    ];
    expect((await post(t, poller.token, batch)).status).toBe(200);
    const open = await t.call('GET', '/api/v1/incidents?status=open&limit=1000');
    expect(open.body.items.filter((i: { link: string }) => i.link === link.id)).toEqual([]);
  });
});
