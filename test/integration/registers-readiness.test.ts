import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../server/db/client.js';
import { RegistersJob } from '../../server/modules/registers/job.js';
import { defaultRegisterSettings } from '../../server/modules/registers/settings.js';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';

const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(3000, 0x41), Buffer.from('\n%%EOF\n')]);

/** Emergency plans and drills (articles 20, 33) on the fake clock, reminders through the webhook path. */
describe.each(backends)('emergency plans and drills on %s', (backend) => {
  let t: TestApp;
  let cityOp: string;
  let countyOp: string;
  let job: RegistersJob;

  beforeAll(async () => {
    t = await startTestApp(backend, { registers: { ...defaultRegisterSettings, drillMonths: 12, planMaxBytes: 4096 } });
    t.clock.now = new Date('2026-12-01T02:00:00Z');
    cityOp = await t.userToken('operator', '450100');
    countyOp = await t.userToken('operator', '450102');
    job = new RegistersJob(t.database.db, t.config, { now: () => new Date(t.clock.now.getTime()) });
    for (const unit of ['450100', '450102']) {
      const hook = await t.call('POST', '/api/v1/webhooks', { body: { unit, url: 'https://10.45.0.9/events', secret: 'drill-webhook-secret-1234', events: ['drill.overdue'] } });
      expect(hook.status, hook.text).toBe(201);
    }
  });
  afterAll(async () => t?.close());

  const upload = (code: string, body: Uint8Array | string, type: string, token?: string) =>
    t.call('PUT', `/api/v1/emergency-plans/${code}/document?name=${encodeURIComponent('南宁预案.pdf')}`, { raw: body, headers: { 'content-type': type }, token });

  it('keeps an O&M unit’s plan with its document in the database and serves it back only in scope', async () => {
    const noPlan = await upload('450100', pdf, 'application/pdf', cityOp);
    expect(noPlan.status).toBe(404);
    const township = await t.call('PUT', '/api/v1/emergency-plans/450102001', { body: { title: '乡镇预案', revisedOn: '2026-06-30' } });
    expect([404, 422]).toContain(township.status);
    const dept = await t.call('PUT', '/api/v1/emergency-plans/450200', { body: { title: '柳州预案', revisedOn: '2026-06-30' }, token: cityOp });
    expect(dept.status).toBe(403);
    const future = await t.call('PUT', '/api/v1/emergency-plans/450100', { body: { title: '南宁市应急预案', revisedOn: '2026-12-02' }, token: cityOp });
    expect(future.status).toBe(400);
    const plan = await t.call('PUT', '/api/v1/emergency-plans/450100', { body: { title: '南宁市应急预案', revisedOn: '2026-06-30' }, token: cityOp });
    expect(plan.status, plan.text).toBe(200);
    expect(plan.body).toMatchObject({ unit: '450100', title: '南宁市应急预案', revisedOn: '2026-06-30', document: null });

    const before = await countRows(t, 'audit_entries');
    const html = await upload('450100', '<html>not a plan</html>', 'text/html', cityOp);
    expect(html.status).toBe(415);
    const lying = await upload('450100', '<html>not a plan</html>', 'application/pdf', cityOp);
    expect(lying.status).toBe(415);
    expect(lying.body.detail).toMatch(/not a PDF/);
    const big = await upload('450100', Buffer.concat([pdf, Buffer.alloc(2000)]), 'application/pdf', cityOp);
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toMatch(/problem\+json/);
    expect(await countRows(t, 'audit_entries')).toBe(before);

    const stored = await upload('450100', pdf, 'application/pdf', cityOp);
    expect(stored.status, stored.text).toBe(200);
    expect(stored.body.document).toMatchObject({ contentType: 'application/pdf', name: '南宁预案.pdf', size: pdf.length });

    const res = await t.app.request('/api/v1/emergency-plans/450100/document', { headers: { authorization: `Bearer ${cityOp}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(Buffer.from(await res.arrayBuffer()).equals(pdf)).toBe(true);
    // The county operator is below Nanning: the city's plan is outside its scope.
    const county = await t.call('GET', '/api/v1/emergency-plans/450100/document', { token: countyOp });
    expect(county.status).toBe(404);
    expect((await t.call('GET', '/api/v1/emergency-plans/450100', { token: countyOp })).status).toBe(404);
  });

  it('flags a unit with no drill in the last 12 months and reminds it and the level above once per lapse', async () => {
    const deliveries = async () => (await rows<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM webhook_deliveries WHERE event_type = 'drill.overdue'`))[0].n;
    const drill = await t.call('POST', '/api/v1/drills', { body: { unit: '450100', heldOn: '2025-11-30', scenario: '核心链路中断', findings: '切换耗时 8 分钟\n需优化' }, token: cityOp });
    expect(drill.status, drill.text).toBe(201);
    const futureDrill = await t.call('POST', '/api/v1/drills', { body: { unit: '450100', heldOn: '2026-12-02', scenario: '演练' }, token: cityOp });
    expect(futureDrill.status).toBe(400);
    const countyDrill = await t.call('POST', '/api/v1/drills', { body: { unit: '450102', heldOn: '2026-03-01', scenario: '机房断电' }, token: countyOp });
    expect(countyDrill.status, countyDrill.text).toBe(201);

    // 2026-12-01: the window starts 2025-12-01, so Nanning's drill of 2025-11-30 no longer counts.
    let readiness = await t.call('GET', '/api/v1/emergency-readiness?within=450100&flagged=true', { token: cityOp });
    expect(readiness.body.since).toBe('2025-12-01');
    const nanning = readiness.body.items.find((u: { unit: string }) => u.unit === '450100');
    expect(nanning).toMatchObject({ lastDrillOn: '2025-11-30', drillsInWindow: 0, planRevisedOn: '2026-06-30', hasDocument: true });
    expect(nanning.flags.map((f: { code: string }) => f.code)).toEqual(['no_recent_drill']);
    const xingning = readiness.body.items.find((u: { unit: string }) => u.unit === '450102');
    expect(xingning.flags.map((f: { code: string }) => f.code)).toEqual(['no_plan']);
    expect(readiness.body.items.every((u: { unit: string }) => u.unit.startsWith('4501'))).toBe(true);

    const first = await job.pass();
    expect(first.drillReminders).toBeGreaterThan(100); // every O&M unit without a recent drill, province-wide
    const sentTo = await rows<{ body: { data: { unit: string }; unitCodes: string[] } }>(
      t.database.db,
      sql`SELECT d.body FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.event_type = 'drill.overdue' AND w.unit_code = '450100'`,
    );
    // Nanning hears of its own lapse and of its counties' (it is the level above); not of Xingning, which drilled.
    const units = sentTo.map((d) => (typeof d.body === 'string' ? JSON.parse(d.body) : d.body).data.unit);
    expect(units).toContain('450100');
    expect(units).not.toContain('450102');
    const once = await deliveries();
    expect((await job.pass()).drillReminders).toBe(0);
    expect(await deliveries()).toBe(once);

    // Nanning drills: no longer flagged; thirteen months on, it has lapsed again and is reminded again.
    await t.call('POST', '/api/v1/drills', { body: { unit: '450100', heldOn: '2026-12-01', scenario: '网络攻击' }, token: cityOp });
    readiness = await t.call('GET', '/api/v1/emergency-readiness?within=450100&level=city');
    expect(readiness.body.items[0]).toMatchObject({ unit: '450100', flagged: false, drillsInWindow: 1, lastDrillOn: '2026-12-01' });
    t.clock.now = new Date('2028-01-02T02:00:00Z');
    const again = await job.pass();
    const reminded = await rows<{ unit_code: string; reminded_for: string }>(t.database.db, sql`SELECT unit_code, reminded_for FROM drill_reminders WHERE unit_code IN ('450100', '450102') ORDER BY unit_code`);
    expect(reminded).toEqual([
      { unit_code: '450100', reminded_for: '2026-12-01' },
      { unit_code: '450102', reminded_for: '2026-03-01' },
    ]);
    expect(again.drillReminders).toBe(2);

    const list = await t.call('GET', '/api/v1/drills?year=2026', { token: countyOp });
    expect(list.body.items.map((d: { unit: string }) => d.unit)).toEqual(['450102']);
  });
});
