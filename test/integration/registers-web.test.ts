import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../server/db/client.js';
import { WebClient } from '../support/browser.js';
import { backends, startTestApp, type TestApp } from '../support/harness.js';

const password = 'registers-password';

/** The registers' pages in Chinese, for the session's actor: each reader sees what the API gives it. */
describe.each(backends)('register pages on %s', (backend) => {
  let t: TestApp;
  const dept = `WEB-NN-${backend.toUpperCase()}`;
  const as = async (username: string, unit: string, role = 'operator') => {
    const created = await t.call('POST', '/api/v1/users', { body: { username, displayName: username, unit, role, password } });
    expect(created.status, created.text).toBe(201);
    const web = new WebClient(t);
    expect((await web.logIn(username, password)).status).toBe(303);
    return web;
  };

  beforeAll(async () => {
    t = await startTestApp(backend);
    t.clock.now = new Date('2026-12-01T02:00:00Z');
    expect((await t.call('POST', '/api/v1/units', { body: { code: dept, name: '南宁市网页测试局', parent: '450100', kind: 'department' } })).status).toBe(201);
    expect((await t.call('POST', '/api/v1/vrfs', { body: { name: `web-vpn-${backend}`, zone: 'dedicated' } })).status).toBe(201);
    const plan = await t.call('POST', '/api/v1/migrations', { body: { network: '网页测试专网', owner: dept, vrf: `web-vpn-${backend}`, plannedOn: '2026-11-01' } });
    expect(plan.status, plan.text).toBe(201);
    const filing = await t.call('POST', '/api/v1/website-filings', { body: { siteName: '网页测试门户', domain: 'www.web.gx.example', addresses: ['10.45.7.7'], responsible: dept } });
    expect(filing.status, filing.text).toBe(201);
  });
  afterAll(async () => t?.close());

  it('shows each register and the report to the city operator, and nothing of Nanning to Liuzhou', async () => {
    const city = await as(`web-nn-${backend}`, '450100');
    const migrations = await city.get('/registers/migrations?status=overdue');
    expect(migrations.status).toBe(200);
    expect(migrations.text).toContain('网页测试专网');
    expect(migrations.text).toContain('逾期 30 天');
    const filings = await city.get('/registers/website-filings?flagged=true');
    expect(filings.text).toContain('网页测试门户');
    expect(filings.text).toContain('未备案');
    expect(filings.text).toContain('地址未登记');
    const emergency = await city.get('/registers/emergency?flagged=true');
    expect(emergency.status).toBe(200);
    expect(emergency.text).toContain('无应急预案');
    expect((await city.get('/registers/major-faults')).text).toContain('没有重大故障');
    const report = await city.get('/registers/assessment?year=2026&level=county');
    expect(report.status).toBe(200);
    expect(report.text).toContain('2026 年县级运维管理单位绩效考核');
    expect(report.text).toContain('兴宁区');
    expect(report.text).not.toContain('柳南区');
    const csv = await city.get('/registers/assessment.csv?year=2026&level=county');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const bad = await city.get('/registers/assessment?year=20x6');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('年份应为四位数字');

    // A drill recorded through the page's form clears Nanning's drill flag; a bad date is refused in Chinese.
    const csrf = await city.csrf('/registers/emergency');
    const refused = await city.post('/registers/drills', { _csrf: csrf, unit: '450100', heldOn: '2026-13-01', scenario: '演练' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('请填写单位代码');
    const recorded = await city.post('/registers/drills', { _csrf: csrf, unit: '450100', heldOn: '2026-11-30', scenario: '核心链路中断', findings: '切换正常' });
    expect(recorded.status).toBe(303);
    const drills = await t.call('GET', '/api/v1/drills?unit=450100');
    expect(drills.body.items).toMatchObject([{ heldOn: '2026-11-30', scenario: '核心链路中断', findings: '切换正常' }]);

    // A major fault reported to Nanning is acknowledged from the page.
    const [incident] = await rows<{ id: string | number }>(
      t.database.db,
      sql`INSERT INTO incidents (kind, reported_to, paying_unit_code, detail, status, opened_at, detected_at) VALUES ('link_down', '450100', '450102', '南宁—兴宁 线路中断', 'open', now(), now()) RETURNING id`,
    );
    expect((await t.call('POST', `/api/v1/incidents/${incident.id}/severity`, { body: { severity: 'major', comment: '影响全县' } })).status).toBe(200);
    const faults = await city.get('/registers/major-faults');
    expect(faults.text).toContain('南宁—兴宁 线路中断');
    expect(faults.text).toContain('未确认');
    const acknowledged = await city.post(`/registers/major-faults/${incident.id}/acknowledge`, { _csrf: WebClient.csrfOf(faults.text) });
    expect(acknowledged.status).toBe(303);
    expect((await t.call('GET', `/api/v1/incidents/${incident.id}/handling`)).body.acknowledgedBy).toBe(`web-nn-${backend}`);

    const liuzhou = await as(`web-lz-${backend}`, '450200');
    const sideways = await liuzhou.post('/registers/drills', { _csrf: await liuzhou.csrf('/registers/emergency'), unit: '450100', heldOn: '2026-11-30', scenario: '演练' });
    expect(sideways.status).toBe(403);
    expect(await t.call('GET', '/api/v1/drills?unit=450100').then((r) => r.body.items.length)).toBe(1);
    const noToken = await liuzhou.post('/registers/drills', { unit: '450200', heldOn: '2026-11-30', scenario: '演练' });
    expect(noToken.status).toBe(403);
    expect((await liuzhou.get('/registers/migrations')).text).not.toContain('网页测试专网');
    expect((await liuzhou.get('/registers/website-filings')).text).not.toContain('网页测试门户');
  });
});
