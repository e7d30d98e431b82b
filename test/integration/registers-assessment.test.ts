import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelemetryJob } from '../../server/modules/telemetry/job.js';
import { backends, startTestApp, type TestApp } from '../support/harness.js';
import { agent, boundaryLink, minute, post, reading, type Agent } from './telemetry-fixtures.js';

/** 10:00 in Shanghai on a calendar day. */
const day = (date: string) => new Date(`${date}T02:00:00Z`);

/**
 * The assessment report (article 22) against a fixture year (2025) built through the API, with
 * figures worked out by hand on the official calendar (March 2025 has no holiday).
 */
describe.each(backends)('assessment report on %s', (backend) => {
  let t: TestApp;
  let poller: Agent;
  let cityOp: string;
  let applicant: string;
  let incidentMinutes: number;
  const dept = `AS-NN-${backend.toUpperCase()}`;
  const dept2 = `AS-NN2-${backend.toUpperCase()}`;
  const ok = async (method: string, path: string, body?: unknown, token?: string) => {
    const reply = await t.call(method, path, { body, token });
    expect(reply.status, `${method} ${path}: ${reply.text}`).toBeLessThan(300);
    return reply.body;
  };
  const access = (over: Record<string, unknown> = {}) => ({
    type: 'access',
    applicant: dept,
    zones: ['public'],
    bandwidthMbps: 100,
    securityLevel: 3,
    secrecyCheck: { done: true, classified: false },
    systems: [{ name: '业务系统' }],
    contact: { name: '李明', phone: '0771-5551234' },
    boundaryResponsible: { name: '韦工', phone: '0771-5550000' },
    ...over,
  });

  beforeAll(async () => {
    t = await startTestApp(backend);
    t.clock.now = day('2025-01-02');
    poller = await agent(t);
    cityOp = await t.userToken('operator', '450100');
    await ok('POST', '/api/v1/units', { code: dept, name: '南宁市测试局', parent: '450100', kind: 'department' });
    await ok('POST', '/api/v1/units', { code: dept2, name: '南宁市测试二局', parent: '450100', kind: 'department' });
    applicant = await t.userToken('applicant', dept);

    // Applications reviewed by Nanning: one decided in 2 working days, one after its deadline (2025-03-24), one never accepted.
    t.clock.now = day('2025-03-03');
    const quick = await ok('POST', '/api/v1/applications', access(), applicant);
    const slow = await ok('POST', '/api/v1/applications', access({ systems: [{ name: '另一系统' }] }), applicant);
    await ok('POST', '/api/v1/applications', access({ systems: [{ name: '未受理系统' }] }), applicant);
    await ok('POST', `/api/v1/applications/${quick.id}/accept`, undefined, cityOp);
    const accepted = await ok('POST', `/api/v1/applications/${slow.id}/accept`, undefined, cityOp);
    expect(accepted.deadline).toBe('2025-03-24');
    t.clock.now = day('2025-03-05');
    await ok('POST', `/api/v1/applications/${quick.id}/decision`, { decision: 'approve', opinion: '同意' }, cityOp);
    t.clock.now = day('2025-04-01');
    await ok('POST', `/api/v1/applications/${slow.id}/decision`, { decision: 'reject', opinion: '材料不全' }, cityOp);

    // A county link (paid by Xingning, so reported to Nanning) down and back; a link Nanning pays for, at 60 %.
    const countyLink = await boundaryLink(t, { agent: poller, capacityMbps: 100, payingUnit: '450102' });
    const t0 = day('2025-06-02').getTime();
    const poll = (k: number, operStatus: string) =>
      reading({ device: countyLink.z.id, ifName: countyLink.zIf, at: new Date(t0 + k * 5 * minute), sysUpTime: 9_000_000 + k * 30_000, inOctets: String(1_000 * k), outOctets: String(1_000 * k), operStatus });
    t.clock.now = new Date(t0 + 11 * minute);
    await post(t, poller.token, [poll(0, 'up'), poll(1, 'down'), poll(2, 'down')]);
    t.clock.now = new Date(t0 + 51 * minute);
    await post(t, poller.token, [poll(10, 'up')]);
    // A second link of Xingning's carrying 60 % of its 100 Mbps inbound for an hour: 7.5 MB/s, 2.25e9 octets per 5 minutes.
    const busy = await boundaryLink(t, { agent: poller, capacityMbps: 100, payingUnit: '450102' });
    const steady = Array.from({ length: 13 }, (_, k) =>
      reading({ device: busy.z.id, ifName: busy.zIf, at: new Date(t0 + k * 5 * minute), sysUpTime: 5_000_000 + k * 30_000, inOctets: String(2_250_000_000 * k), outOctets: String(1_000 * k) }),
    );
    t.clock.now = new Date(t0 + 61 * minute);
    expect((await post(t, poller.token, steady)).status).toBe(200);
    await new TelemetryJob(t.database.db, t.config, { now: () => t.clock.now }).pass();
    const [incident] = (await t.call('GET', '/api/v1/incidents?status=resolved&kind=link_down')).body.items;
    incidentMinutes = incident.durationSeconds / 60;
    await ok('POST', `/api/v1/incidents/${incident.id}/severity`, { severity: 'major', comment: '影响县级接入' }, cityOp);

    // Drills: two in 2025, one in 2024 (not counted). Migrations of Nanning's departments: one done, one overdue at the year's end.
    t.clock.now = day('2025-07-01');
    for (const heldOn of ['2024-11-01', '2025-03-15', '2025-06-30']) await ok('POST', '/api/v1/drills', { unit: '450100', heldOn, scenario: '链路中断' }, cityOp);
    await ok('POST', '/api/v1/vrfs', { name: `as-vpn-${backend}`, zone: 'dedicated' });
    await ok('POST', '/api/v1/vrfs', { name: `as-vpn2-${backend}`, zone: 'dedicated' });
    const done = await ok('POST', '/api/v1/migrations', { network: '业务专网一', owner: dept, vrf: `as-vpn-${backend}`, plannedOn: '2025-06-30' }, cityOp);
    await ok('PATCH', `/api/v1/migrations/${done.id}`, { status: 'migrated', migratedOn: '2025-06-20' }, cityOp);
    await ok('POST', '/api/v1/migrations', { network: '业务专网二', owner: dept2, vrf: `as-vpn2-${backend}`, plannedOn: '2025-09-30' }, cityOp);
    t.clock.now = day('2026-02-01');
  });
  afterAll(async () => t?.close());

  it('gives each city’s figures for 2025 as worked out by hand', async () => {
    const report = await t.call('GET', '/api/v1/reports/assessment?year=2025&level=city');
    expect(report.status, report.text).toBe(200);
    expect(report.body).toMatchObject({ year: 2025, level: 'city', from: '2025-01-01', to: '2025-12-31' });
    expect(report.body.units).toHaveLength(14);
    const nanning = report.body.units.find((u: { unit: string }) => u.unit === '450100');
    expect(nanning).toEqual({
      unit: '450100',
      unitName: '南宁市',
      applications: { received: 3, accepted: 2, decided: 2, decidedWithinDeadline: 1, withinDeadlinePercent: 50, medianWorkdaysToDecide: 11.5 },
      incidents: { reported: 1, major: 1, resolved: 1, medianMinutesToResolve: incidentMinutes },
      expansion: { raised: 0, handled: 0, fulfilled: 0 },
      linkUtilization: { links: 0, withData: 0, under50: 0, from50to70: 0, from70to90: 0, atLeast90: 0 },
      migration: { planned: 2, migrated: 1, overdue: 1, migratedPercent: 50 },
      drills: 2,
      findingsOpen: 0,
    });
    expect(incidentMinutes).toBeGreaterThan(0);
    const liuzhou = report.body.units.find((u: { unit: string }) => u.unit === '450200');
    expect(liuzhou.applications.received).toBe(0);
    expect(liuzhou.applications.withinDeadlinePercent).toBeNull();

    // The county level: Xingning pays for the link that failed, but the fault was reported to Nanning.
    const counties = await t.call('GET', '/api/v1/reports/assessment?year=2025&level=county&within=450100', { token: cityOp });
    const xingning = counties.body.units.find((u: { unit: string }) => u.unit === '450102');
    expect(xingning.incidents.reported).toBe(0);
    expect(xingning.linkUtilization).toEqual({ links: 2, withData: 2, under50: 1, from50to70: 1, from70to90: 0, atLeast90: 0 });
    expect(counties.body.units.every((u: { unit: string }) => u.unit.startsWith('4501'))).toBe(true);

    // A year not yet begun, an applicant: refused.
    expect((await t.call('GET', '/api/v1/reports/assessment?year=2027&level=city')).status).toBe(400);
    expect((await t.call('GET', '/api/v1/reports/assessment?year=2025&level=city', { token: applicant })).status).toBe(403);
  });

  it('exports the same figures as CSV and XLSX', async () => {
    const csv = await t.call('GET', '/api/v1/reports/assessment?year=2025&level=city&format=csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = csv.text.replace(/^\uFEFF/, '').trim().split('\n');
    expect(lines[0].split(',').slice(0, 8)).toEqual(['单位代码', '单位名称', '收到申请', '受理', '办结', '按期办结', '按期办结率(%)', '办结工作日中位数']);
    expect(lines.find((l) => l.startsWith('450100'))!.split(',').slice(0, 8)).toEqual(['450100', '南宁市', '3', '2', '2', '1', '50', '11.5']);

    const res = await t.app.request('/api/v1/reports/assessment?year=2025&level=city&format=xlsx', { headers: { authorization: `Bearer ${t.adminToken}` } });
    expect(res.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await res.arrayBuffer());
    const sheet = workbook.worksheets[0];
    expect(sheet.rowCount).toBe(15);
    const row = sheet.getRows(2, 14)!.find((r) => r.getCell(1).value === '450100')!;
    expect(row.getCell(7).value).toBe(50);
    expect(row.getCell(26).value).toBe(2);
  });
});
