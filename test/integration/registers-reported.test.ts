import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../server/db/client.js';
import { RegistersJob } from '../../server/modules/registers/job.js';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';
import { agent, boundaryLink, minute } from './telemetry-fixtures.js';

/** Operator-reported incidents (article 20): reported for a unit of one's subtree, reported upward, escalated when major, closed by hand. */
describe.each(backends)('operator-reported incidents on %s', (backend) => {
  let t: TestApp;
  let registers: RegistersJob;
  let cityOp: string;
  let countyOp: string;
  let liuzhouOp: string;
  const t0 = new Date('2025-05-12T01:00:00Z').getTime();
  const at = (minutes: number) => new Date(t0 + minutes * minute);

  beforeAll(async () => {
    t = await startTestApp(backend);
    t.clock.now = at(0);
    registers = new RegistersJob(t.database.db, t.config, { now: () => new Date(t.clock.now.getTime()) });
    cityOp = await t.userToken('operator', '450100');
    countyOp = await t.userToken('operator', '450102');
    liuzhouOp = await t.userToken('operator', '450200');
    for (const unit of ['450000', '450100']) {
      const hook = await t.call('POST', '/api/v1/webhooks', {
        body: { unit, url: 'https://10.45.0.9/reported', secret: 'reported-webhook-secret-1234', events: ['incident.opened', 'incident.resolved', 'incident.major', 'incident.escalated'] },
      });
      expect(hook.status, hook.text).toBe(201);
    }
  });
  afterAll(async () => t?.close());

  const events = async (unit: string, type: string) =>
    (
      await rows<{ body: unknown }>(t.database.db, sql`SELECT d.body FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE w.unit_code = ${unit} AND d.event_type = ${type} ORDER BY d.id`)
    ).map((r) => (typeof r.body === 'string' ? JSON.parse(r.body) : r.body) as { data: Record<string, unknown> });
  const report = (body: Record<string, unknown>, token?: string) => t.call('POST', '/api/v1/incidents', { body: { kind: 'operator_reported', ...body }, token });
  const unchanged = async () => ({ incidents: await countRows(t, 'incidents'), audits: await countRows(t, 'audit_entries'), timeline: await countRows(t, 'incident_timeline') });

  it('a county operator reports a fault of its county: reported at once to the city, then closes it', async () => {
    t.clock.now = at(10);
    const created = await report({ unit: '450102', title: '兴宁区汇聚机房市电中断', description: '市电中断，UPS 供电约 2 小时', occurredAt: at(3).toISOString() }, countyOp);
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      incident: { kind: 'operator_reported', reportedTo: '450100', payingUnit: '450102', title: '兴宁区汇聚机房市电中断', description: '市电中断，UPS 供电约 2 小时', status: 'open', openedAt: at(3).toISOString(), detectedAt: at(10).toISOString(), resolvedBy: null },
      severity: 'minor',
      escalations: 0,
    });
    const id = created.body.incident.id;
    expect(created.body.incident.reportedBy).toMatch(/\S/);
    expect(created.body.timeline.map((e: { entry: string }) => e.entry)).toEqual(['reported']);
    expect((await events('450100', 'incident.opened')).map((e) => [e.data.id, e.data.kind])).toEqual([[id, 'operator_reported']]);
    expect((await t.call('GET', '/api/v1/incidents?kind=operator_reported&status=open', { token: cityOp })).body.items.map((i: { id: string }) => i.id)).toContain(id);
    const [audit] = await rows<{ n: string | number }>(t.database.db, sql`SELECT count(*) AS n FROM audit_entries WHERE action = 'incident.open' AND object_id = ${id}`);
    expect(Number(audit.n)).toBe(1);

    // Another city's operator may neither close it nor see it; the reporter closes it once.
    expect((await t.call('POST', `/api/v1/incidents/${id}/resolve`, { body: { comment: '已恢复' }, token: liuzhouOp })).status).toBe(403);
    expect((await t.call('GET', `/api/v1/incidents/${id}/handling`, { token: liuzhouOp })).status).toBe(404);
    t.clock.now = at(70);
    const closed = await t.call('POST', `/api/v1/incidents/${id}/resolve`, { body: { comment: '市电已恢复，设备运行正常' }, token: countyOp });
    expect(closed.status, closed.text).toBe(200);
    expect(closed.body.incident).toMatchObject({ status: 'resolved', resolvedAt: at(70).toISOString(), durationSeconds: 67 * 60, resolution: '市电已恢复，设备运行正常' });
    expect(closed.body.incident.resolvedBy).toBe(created.body.incident.reportedBy);
    expect(closed.body.timeline.map((e: { entry: string }) => e.entry)).toEqual(['reported', 'resolved']);
    expect((await events('450100', 'incident.resolved')).map((e) => e.data.id)).toEqual([id]);
    const before = await unchanged();
    const again = await t.call('POST', `/api/v1/incidents/${id}/resolve`, { body: { comment: '再次关闭' }, token: countyOp });
    expect(again.status).toBe(409);
    expect(await unchanged()).toEqual(before);
  });

  it('a major report goes to the region at once and is escalated until acknowledged', async () => {
    t.clock.now = at(100);
    const created = await report({ unit: '450100', title: '南宁市核心机房光缆中断', severity: 'major' }, cityOp);
    expect(created.status, created.text).toBe(201);
    const id = created.body.incident.id;
    expect(created.body).toMatchObject({ incident: { reportedTo: '450000', openedAt: at(100).toISOString() }, severity: 'major', severitySource: 'operator', majorSince: at(100).toISOString() });
    expect(created.body.timeline.map((e: { entry: string }) => e.entry)).toEqual(['reported', 'classified']);
    expect((await events('450000', 'incident.opened')).map((e) => e.data.id)).toContain(id);
    expect((await events('450000', 'incident.major')).map((e) => e.data.id)).toEqual([id]);

    t.clock.now = at(129);
    expect((await registers.pass()).escalated).toBe(0);
    t.clock.now = at(131);
    expect((await registers.pass()).escalated).toBe(1);
    expect((await events('450000', 'incident.escalated')).map((e) => [e.data.id, e.data.escalations])).toEqual([[id, 1]]);
    const ack = await t.call('POST', `/api/v1/incidents/${id}/acknowledge`, { body: { comment: '已收到' }, token: cityOp });
    expect(ack.status, ack.text).toBe(200);
    t.clock.now = at(200);
    expect((await registers.pass()).escalated).toBe(0);
    const major = await t.call('GET', '/api/v1/major-faults?status=open', { token: cityOp });
    expect(major.body.items.map((m: { incident: { id: string } }) => m.incident.id)).toContain(id);
  });

  it('out of scope, an automatic incident, or bad input: refused, nothing changes', async () => {
    t.clock.now = at(300);
    const before = await unchanged();
    // Sideways (a neighbouring county), upward (its own city), another city; the auditor reports nothing.
    for (const unit of ['450103', '450100', '450200']) expect((await report({ unit, title: '越权上报' }, countyOp)).status).toBe(403);
    expect((await report({ unit: '450200', title: '越权上报' }, cityOp)).status).toBe(403);
    expect((await report({ unit: '450102', title: '审计' }, await t.userToken('auditor', '450000'))).status).toBe(403);
    // A link of Liuzhou named by a Nanning operator.
    const liuzhouLink = await boundaryLink(t, { agent: await agent(t), capacityMbps: 100, payingUnit: '450200' });
    const afterFixture = await unchanged();
    expect((await report({ unit: '450102', title: '链路', link: liuzhouLink.id }, countyOp)).status).toBe(403);
    for (const bad of [
      { unit: '450102', title: '' },
      { unit: '450102' },
      { unit: '450102', title: '未来', occurredAt: at(400).toISOString() },
      { unit: '450102', title: '时间', occurredAt: '2025-05-12 09:00' },
      { unit: '450102', title: '设备', device: '999999999' },
      { unit: '450102', title: '等级', severity: 'critical' },
      { unit: '450102', title: '多余', extra: 1 },
      { unit: 'NO-SUCH-UNIT', title: '单位' },
    ]) {
      const reply = await report(bad, countyOp);
      expect([400, 404, 422], `${JSON.stringify(bad)}: ${reply.text}`).toContain(reply.status);
      expect(reply.headers.get('content-type')).toMatch(/problem\+json/);
    }
    expect((await t.call('POST', '/api/v1/incidents', { body: { kind: 'link_down', unit: '450102', title: '自动' }, token: countyOp })).status).toBe(400);
    expect(await unchanged()).toEqual(afterFixture);
    expect(afterFixture.incidents).toBe(before.incidents);

    // An automatic incident resolves by itself.
    const [auto] = await rows<{ id: string | number }>(
      t.database.db,
      sql`INSERT INTO incidents (kind, reported_to, paying_unit_code, detail, status, opened_at, detected_at) VALUES ('link_down', '450100', '450102', 'auto', 'open', now(), now()) RETURNING id`,
    );
    const still = await unchanged();
    const refused = await t.call('POST', `/api/v1/incidents/${auto.id}/resolve`, { body: { comment: '手工关闭' }, token: cityOp });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/resolves by itself/);
    expect((await t.call('POST', `/api/v1/incidents/${auto.id}/resolve`, { body: {}, token: cityOp })).status).toBe(400);
    expect(await unchanged()).toEqual(still);
  });

  it('the database refuses an operator report without its title or reporter', async () => {
    await expect(
      rows(t.database.db, sql`INSERT INTO incidents (kind, reported_to, detail, status, opened_at, detected_at) VALUES ('operator_reported', '450100', 'x', 'open', now(), now())`),
    ).rejects.toThrow();
  });
});
