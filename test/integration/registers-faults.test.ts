import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../server/db/client.js';
import { RegistersJob } from '../../server/modules/registers/job.js';
import { TelemetryJob } from '../../server/modules/telemetry/job.js';
import { backends, startTestApp, type TestApp } from '../support/harness.js';
import { agent, boundaryLink, device, minute, post, reading, type Agent, type Link } from './telemetry-fixtures.js';

/** Major faults (article 20) on the fake clock: by rule, by an operator, acknowledged or escalated. */
describe.each(backends)('major faults on %s', (backend) => {
  let t: TestApp;
  let poller: Agent;
  let registers: RegistersJob;
  let telemetry: TelemetryJob;
  let cityOp: string;
  let countyOp: string;
  const t0 = new Date('2025-04-07T02:00:00Z').getTime();
  const at = (minutes: number) => new Date(t0 + minutes * minute);

  beforeAll(async () => {
    t = await startTestApp(backend);
    t.clock.now = at(0);
    poller = await agent(t);
    registers = new RegistersJob(t.database.db, t.config, { now: () => new Date(t.clock.now.getTime()) });
    telemetry = new TelemetryJob(t.database.db, t.config, { now: () => t.clock.now });
    cityOp = await t.userToken('operator', '450100');
    countyOp = await t.userToken('operator', '450102');
    for (const unit of ['450000', '450100']) {
      const hook = await t.call('POST', '/api/v1/webhooks', { body: { unit, url: 'https://10.45.0.9/faults', secret: 'fault-webhook-secret-1234', events: ['incident.major', 'incident.escalated'] } });
      expect(hook.status, hook.text).toBe(201);
    }
  });
  afterAll(async () => t?.close());

  const events = async (unit: string, type: string) =>
    (
      await rows<{ body: unknown }>(t.database.db, sql`SELECT d.body FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE w.unit_code = ${unit} AND d.event_type = ${type} ORDER BY d.id`)
    ).map((r) => (typeof r.body === 'string' ? JSON.parse(r.body) : r.body) as { data: Record<string, unknown> });
  const poll = (link: Link, k: number, operStatus: string) =>
    reading({ device: link.z.id, ifName: link.zIf, at: at(k * 5), sysUpTime: 9_000_000 + k * 30_000, inOctets: String(1_000_000 * k), outOctets: String(2_000_000 * k), operStatus });

  it('a boundary link down longer than 30 minutes becomes major, is reported, escalated each 30 minutes until acknowledged', async () => {
    const link = await boundaryLink(t, { agent: poller, capacityMbps: 100, payingUnit: '450102' });
    t.clock.now = at(11);
    expect((await post(t, poller.token, [poll(link, 0, 'up'), poll(link, 1, 'down'), poll(link, 2, 'down')])).status).toBe(200);
    const [incident] = (await t.call('GET', '/api/v1/incidents?status=open&kind=link_down')).body.items;
    expect(incident).toMatchObject({ link: link.id, reportedTo: '450100', openedAt: at(5).toISOString() });
    const handling = () => t.call('GET', `/api/v1/incidents/${incident.id}/handling`, { token: countyOp });

    // 34 minutes after it went down (at 5): not yet 30 minutes past at 34.
    t.clock.now = at(34);
    expect(await registers.pass()).toMatchObject({ classified: 0, escalated: 0 });
    expect((await handling()).body).toMatchObject({ severity: 'minor', severitySource: null, timeline: [] });

    t.clock.now = at(36);
    expect(await registers.pass()).toMatchObject({ classified: 1, escalated: 0 });
    let now = (await handling()).body;
    expect(now).toMatchObject({ severity: 'major', severitySource: 'rule', majorSince: at(36).toISOString(), acknowledgedAt: null, escalations: 0 });
    expect(now.severityReason).toMatch(/boundary link down longer than 30 minutes/);
    expect((await events('450100', 'incident.major')).map((e) => e.data.id)).toEqual([incident.id]);

    // Unacknowledged for 30 minutes: escalated above Nanning, to the region; again 30 minutes later (still the region, the top).
    t.clock.now = at(65);
    expect((await registers.pass()).escalated).toBe(0);
    t.clock.now = at(66);
    expect((await registers.pass()).escalated).toBe(1);
    t.clock.now = at(97);
    expect((await registers.pass()).escalated).toBe(1);
    const escalations = await events('450000', 'incident.escalated');
    expect(escalations.map((e) => [e.data.id, e.data.escalations, e.data.escalatedTo])).toEqual([
      [incident.id, 1, '450000'],
      [incident.id, 2, '450000'],
    ]);
    const major = await t.call('GET', '/api/v1/major-faults?acknowledged=false', { token: cityOp });
    expect(major.body.items.map((m: { incident: { id: string } }) => m.incident.id)).toEqual([incident.id]);

    // The county that pays for the link acknowledges: escalation stops.
    const ack = await t.call('POST', `/api/v1/incidents/${incident.id}/acknowledge`, { body: { comment: '已收到，正在处置' }, token: countyOp });
    expect(ack.status, ack.text).toBe(200);
    expect(ack.body).toMatchObject({ acknowledgedAt: at(97).toISOString(), escalations: 2 });
    t.clock.now = at(200);
    expect((await registers.pass()).escalated).toBe(0);
    const note = await t.call('POST', `/api/v1/incidents/${incident.id}/notes`, { body: { comment: '运营商光缆中断，已抢修' }, token: cityOp });
    expect(note.status, note.text).toBe(200);
    expect(note.body.timeline.map((e: { entry: string; actor: string }) => e.entry)).toEqual(['classified', 'escalated', 'escalated', 'acknowledged', 'note']);
    expect((await t.call('GET', '/api/v1/major-faults?acknowledged=false')).body.items).toEqual([]);
  });

  it('a city node device down is major by rule; a county node is not until an operator says so', async () => {
    const cityRoom = await t.call('POST', '/api/v1/rooms', { body: { name: '南宁市节点机房', unit: '450100' } });
    const countyRoom = await t.call('POST', '/api/v1/rooms', { body: { name: '兴宁区节点机房', unit: '450102' } });
    const cityPe = await device(t, { role: 'pe', owner: '450100', interfaces: ['GE0/0/1'], agent: poller });
    const countyPe = await device(t, { role: 'pe', owner: '450102', interfaces: ['GE0/0/1'], agent: poller });
    expect((await t.call('PATCH', `/api/v1/devices/${cityPe.id}`, { body: { room: cityRoom.body.id } })).status).toBe(200);
    expect((await t.call('PATCH', `/api/v1/devices/${countyPe.id}`, { body: { room: countyRoom.body.id } })).status).toBe(200);
    const last = 300;
    t.clock.now = at(last);
    await post(t, poller.token, [cityPe, countyPe].map((d) => reading({ device: d.id, ifName: 'GE0/0/1', at: at(last), sysUpTime: 1_000_000 })));
    t.clock.now = at(last + 16);
    await telemetry.pass();
    const down = (await t.call('GET', '/api/v1/incidents?status=open&kind=device_down&limit=1000')).body.items;
    const cityIncident = down.find((i: { device: string }) => i.device === cityPe.id);
    const countyIncident = down.find((i: { device: string }) => i.device === countyPe.id);
    expect(cityIncident && countyIncident).toBeTruthy();

    const pass = await registers.pass();
    expect(pass.classified).toBe(1);
    const city = (await t.call('GET', `/api/v1/incidents/${cityIncident.id}/handling`)).body;
    expect(city).toMatchObject({ severity: 'major', severitySource: 'rule' });
    expect(city.severityReason).toMatch(/city node device down/);
    const county = (await t.call('GET', `/api/v1/incidents/${countyIncident.id}/handling`)).body;
    expect(county.severity).toBe('minor');

    // Xingning's operator may not classify Liuzhou's or another county's incident; Nanning's may classify Xingning's.
    const outsider = await t.userToken('operator', '450200');
    expect((await t.call('POST', `/api/v1/incidents/${countyIncident.id}/severity`, { body: { severity: 'major', comment: '影响全区' }, token: outsider })).status).toBe(403);
    expect((await t.call('GET', `/api/v1/incidents/${countyIncident.id}/handling`, { token: outsider })).status).toBe(404);
    const set = await t.call('POST', `/api/v1/incidents/${countyIncident.id}/severity`, { body: { severity: 'major', comment: '县级核心节点中断，影响全区' }, token: cityOp });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toMatchObject({ severity: 'major', severitySource: 'operator', severityReason: '县级核心节点中断，影响全区', majorSince: at(last + 16).toISOString() });
    const bad = await t.call('POST', `/api/v1/incidents/${countyIncident.id}/severity`, { body: { severity: 'critical', comment: 'x' }, token: cityOp });
    expect(bad.status).toBe(400);
  });
});
