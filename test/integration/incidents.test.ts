import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelemetryJob } from '../../server/modules/telemetry/job.js';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';
import { agent, boundaryLink, device, minute, post, reading, type Agent, type Link } from './telemetry-fixtures.js';

describe.each(backends)('incidents on %s', (backend) => {
  let t: TestApp;
  let poller: Agent;
  let job: TelemetryJob;
  const t0 = new Date('2025-04-07T02:00:00Z').getTime();

  beforeAll(async () => {
    t = await startTestApp(backend);
    t.clock.now = new Date(t0 + 24 * 60 * minute);
    poller = await agent(t);
    job = new TelemetryJob(t.database.db, t.config, { now: () => t.clock.now });
  });
  afterAll(async () => t?.close());

  const poll = (link: Link, k: number, operStatus: string, end: 'a' | 'z' = 'a') =>
    reading({
      device: end === 'a' ? link.a.id : link.z.id,
      ifName: end === 'a' ? link.aIf : link.zIf,
      at: new Date(t0 + k * 5 * minute),
      sysUpTime: 9_000_000 + k * 30_000,
      inOctets: String(1_000_000 * k),
      outOctets: String(2_000_000 * k),
      operStatus,
    });
  const openIncidents = async () => (await t.call('GET', '/api/v1/incidents?status=open&limit=1000')).body.items as any[];

  it('a county link down in 2 consecutive readings is reported at once to its city, and resolved with its duration', async () => {
    const link = await boundaryLink(t, { agent: poller, capacityMbps: 100, payingUnit: '450102' });
    const hook = await t.call('POST', '/api/v1/webhooks', {
      body: { unit: '450100', url: 'http://10.45.0.9:9/hook', secret: 'a-secret-of-enough-length-123', events: ['incident.opened', 'incident.resolved'] },
    });
    expect(hook.status, hook.text).toBe(201);

    expect((await post(t, poller.token, [poll(link, 0, 'up', 'z'), poll(link, 1, 'down', 'z')])).status).toBe(200);
    // One down reading is a blip, not yet an incident.
    expect((await openIncidents()).filter((i) => i.link === link.id)).toEqual([]);

    const second = await post(t, poller.token, [poll(link, 2, 'down', 'z')]);
    expect(second.status).toBe(200);
    // It exists when the POST answers: no job pass in between.
    const [incident] = (await openIncidents()).filter((i) => i.link === link.id);
    expect(incident).toMatchObject({
      kind: 'link_down',
      link: link.id,
      status: 'open',
      reportedTo: '450100', // 兴宁区 450102 pays; its upper level is 南宁市 450100
      payingUnit: '450102',
      openedAt: new Date(t0 + 5 * minute).toISOString(),
      resolvedAt: null,
      durationSeconds: null,
    });
    const deliveries = await t.call('GET', `/api/v1/webhooks/${hook.body.id}/deliveries`);
    expect(deliveries.body.items.map((d: { eventType: string }) => d.eventType)).toContain('incident.opened');

    // Still down: no second incident.
    await post(t, poller.token, [poll(link, 3, 'down', 'z')]);
    expect((await openIncidents()).filter((i) => i.link === link.id)).toHaveLength(1);

    await post(t, poller.token, [poll(link, 4, 'up', 'z')]);
    expect((await openIncidents()).filter((i) => i.link === link.id)).toEqual([]);
    const resolved = (await t.call('GET', '/api/v1/incidents?status=resolved&limit=1000')).body.items.find((i: { id: string }) => i.id === incident.id);
    // Down from the reading at +5 min to the up reading at +20 min: 15 minutes.
    expect(resolved).toMatchObject({ status: 'resolved', resolvedAt: new Date(t0 + 20 * minute).toISOString(), durationSeconds: 900 });
    const audit = await t.call('GET', `/api/v1/audit?object=incident:${incident.id}`);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['incident.resolve', 'incident.open']);
  });

  it('routes a city-paid link to the region, and the region’s own link to itself', async () => {
    const city = await boundaryLink(t, { agent: poller, capacityMbps: 1000, payingUnit: '450200', nodeOwner: '450200', departmentParent: '450200' });
    const region = await boundaryLink(t, { agent: poller, capacityMbps: 10000, payingUnit: '450000', nodeOwner: '450000', departmentParent: '450000' });
    await post(t, poller.token, [poll(city, 0, 'lowerLayerDown'), poll(city, 1, 'down'), poll(region, 0, 'down'), poll(region, 1, 'down')]);
    const open = await openIncidents();
    expect(open.find((i) => i.link === city.id)).toMatchObject({ reportedTo: '450000', payingUnit: '450200' });
    expect(open.find((i) => i.link === region.id)).toMatchObject({ reportedTo: '450000', payingUnit: '450000' });
  });

  it('a link between node devices is no boundary link: no incident', async () => {
    const a = await device(t, { role: 'pe', owner: '450300', interfaces: ['xe-0/0/0'], agent: poller });
    const z = await device(t, { role: 'core', owner: '450300', interfaces: ['xe-0/0/1'], agent: poller });
    const created = await t.call('POST', '/api/v1/links', {
      body: { name: 'core-uplink', aDevice: a.id, aInterface: 'xe-0/0/0', zDevice: z.id, zInterface: 'xe-0/0/1', capacityMbps: 10000, payingUnit: '450300' },
    });
    expect(created.status, created.text).toBe(201);
    const before = await countRows(t, 'incidents');
    await post(t, poller.token, [0, 1, 2].map((k) => reading({ device: a.id, ifName: 'xe-0/0/0', at: new Date(t0 + k * 5 * minute), sysUpTime: 9_000_000 + k * 30_000, operStatus: 'down' })));
    expect(await countRows(t, 'incidents')).toBe(before);
  });

  it('a device with no reading for 3 polling intervals is down until it is heard from again', async () => {
    const own = await agent(t);
    const link = await boundaryLink(t, { agent: own, capacityMbps: 100, payingUnit: '450103' });
    const last = t0 + 60 * minute;
    await post(t, own.token, [
      reading({ device: link.z.id, ifName: link.zIf, at: new Date(last - 5 * minute), sysUpTime: 1_000_000 }),
      reading({ device: link.z.id, ifName: link.zIf, at: new Date(last), sysUpTime: 1_030_000 }),
      reading({ device: link.a.id, ifName: link.aIf, at: new Date(last), sysUpTime: 1_030_000 }),
    ]);
    const forDevice = async () => (await openIncidents()).filter((i) => i.kind === 'device_down' && (i.device === link.z.id || i.device === link.a.id));

    // 14 minutes of silence: under 3 intervals of 5 minutes.
    t.clock.now = new Date(last + 14 * minute);
    await job.pass();
    expect(await forDevice()).toEqual([]);

    t.clock.now = new Date(last + 16 * minute);
    const pass = await job.pass();
    expect(pass.devicesDown.map((i) => i.device).sort()).toEqual([link.a.id, link.z.id].sort());
    const down = await forDevice();
    expect(down).toHaveLength(2);
    for (const incident of down) expect(incident).toMatchObject({ reportedTo: '450100', payingUnit: '450103', openedAt: new Date(last).toISOString() });
    // The next pass does not open it twice.
    await job.pass();
    expect(await forDevice()).toHaveLength(2);

    const back = last + 30 * minute;
    t.clock.now = new Date(back + minute);
    expect((await post(t, own.token, [reading({ device: link.z.id, ifName: link.zIf, at: new Date(back), sysUpTime: 1_210_000 })])).status).toBe(200);
    const still = await forDevice();
    expect(still.map((i) => i.device)).toEqual([link.a.id]);
    const resolved = (await t.call('GET', '/api/v1/incidents?status=resolved&kind=device_down&limit=1000')).body.items.find((i: { device: string }) => i.device === link.z.id);
    expect(resolved).toMatchObject({ durationSeconds: 30 * 60, resolvedAt: new Date(back).toISOString() });
    t.clock.now = new Date(t0 + 24 * 60 * minute);
  });

  it('lists incidents for readers only', async () => {
    expect((await t.call('GET', '/api/v1/incidents', { token: poller.token })).status).toBe(403);
    const auditor = await t.userToken('auditor', '450000');
    expect((await t.call('GET', '/api/v1/incidents?status=open', { token: auditor })).status).toBe(200);
    expect((await t.call('GET', '/api/v1/incidents?status=closed')).status).toBe(400);
  });
});
