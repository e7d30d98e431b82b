import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebClient } from '../support/browser.js';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';

const password = 'reported-web-password';

/** The major-faults page's report and close forms (CSRF-guarded), for the session's actor. */
describe.each(backends)('reporting an incident from the major-faults page on %s', (backend) => {
  let t: TestApp;
  const as = async (username: string, unit: string) => {
    const created = await t.call('POST', '/api/v1/users', { body: { username, displayName: username, unit, role: 'operator', password } });
    expect(created.status, created.text).toBe(201);
    const web = new WebClient(t);
    expect((await web.logIn(username, password)).status).toBe(303);
    return web;
  };

  beforeAll(async () => {
    t = await startTestApp(backend);
    t.clock.now = new Date('2026-12-01T02:00:00Z');
  });
  afterAll(async () => t?.close());

  it('a city operator reports a major fault and closes it; without the CSRF token or out of scope nothing happens', async () => {
    const city = await as(`rep-nn-${backend}`, '450100');
    const page = await city.get('/registers/major-faults');
    expect(page.text).toContain('上报故障');
    const csrf = WebClient.csrfOf(page.text);
    const before = await countRows(t, 'incidents');
    expect((await city.post('/registers/incidents', { unit: '450100', title: '无令牌', severity: 'major' })).status).toBe(403);
    const blank = await city.post('/registers/incidents', { _csrf: csrf, unit: '450100', title: '', severity: 'major' });
    expect(blank.status).toBe(400);
    expect(blank.text).toContain('请填写受影响单位代码');
    const sideways = await city.post('/registers/incidents', { _csrf: csrf, unit: '450200', title: '越权', severity: 'major' });
    expect(sideways.status).toBe(403);
    expect(await countRows(t, 'incidents')).toBe(before);

    const reported = await city.post('/registers/incidents', { _csrf: csrf, unit: '450102', title: '兴宁区汇聚机房市电中断', description: 'UPS 供电', severity: 'major' });
    expect(reported.status, reported.text).toBe(303);
    const id = /reported=(\d+)/.exec(reported.headers.get('location') ?? '')?.[1];
    expect(id).toBeTruthy();
    const listed = await city.get('/registers/major-faults');
    expect(listed.text).toContain('兴宁区汇聚机房市电中断');
    const closed = await city.post(`/registers/incidents/${id}/resolve`, { _csrf: WebClient.csrfOf(listed.text), comment: '市电已恢复' });
    expect(closed.status, closed.text).toBe(303);
    const handling = (await t.call('GET', `/api/v1/incidents/${id}/handling`)).body;
    expect(handling).toMatchObject({ severity: 'major', incident: { kind: 'operator_reported', reportedTo: '450100', status: 'resolved', resolution: '市电已恢复', reportedBy: `rep-nn-${backend}`, resolvedBy: `rep-nn-${backend}` } });
  });
});
