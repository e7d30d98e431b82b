// The web UI's workflow pages through app.request(): the application form's Chinese messages, the
// review queue's order and its overdue marking, refusals shown on the page, each role's buttons.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reviewQueue } from '../../web/pages/workflow.js';
import { prefixTree, sparkValues } from '../../web/pages/network.js';
import { WebClient } from '../support/browser.js';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';

const password = 'workflow-password';

const accessForm = {
  type: 'access',
  bandwidthMbps: '100',
  securityLevel: '3',
  zone_public: 'on',
  systems: '不动产登记系统',
  secrecyDone: 'on',
  contactName: '李明',
  contactPhone: '0771-5551234',
  boundaryName: '韦小宝',
  boundaryPhone: '0771-5550000',
};

describe('pure parts of the pages', () => {
  it('orders the review queue by the running date, overdue first, and leaves decided ones out', () => {
    const a = (id: string, status: string, acceptBy: string, deadline: string | null) => ({ id, status, acceptBy, deadline }) as never;
    const queue = reviewQueue([a('1', 'accepted', '2026-11-01', '2026-12-20'), a('2', 'submitted', '2026-12-03', null), a('3', 'approved', '2026-11-01', '2026-11-20'), a('4', 'accepted', '2026-11-01', '2026-11-28')]);
    expect(queue.map((x: { id: string }) => x.id)).toEqual(['4', '2', '1']);
  });

  it('builds the prefix tree from parent ids, a parent the reader cannot see starting its own tree', () => {
    const p = (id: string, parentId: string | null) => ({ id, parentId }) as never;
    const tree = prefixTree([p('1', null), p('2', '1'), p('3', '2'), p('4', '1'), p('5', '99')]);
    expect(tree.map((n) => [(n.prefix as { id: string }).id, n.depth])).toEqual([
      ['1', 0],
      ['2', 1],
      ['3', 2],
      ['4', 1],
      ['5', 0],
    ]);
  });

  it('thins a sparkline by maxima, keeping gaps as gaps', () => {
    const series = Array.from({ length: 10 }, (_, i) => ({ inPercent: i === 3 ? 90 : 10, outPercent: i >= 8 ? null : 5 }));
    series[9] = { inPercent: null, outPercent: null } as never;
    expect(sparkValues(series, 5)).toEqual([10, 90, 10, 10, 10]);
    expect(sparkValues([{ inPercent: null, outPercent: null }, { inPercent: 1, outPercent: 2 }])).toEqual([null, 2]);
  });
});

describe.each(backends)('web workflow pages on %s', (backend) => {
  let t: TestApp;
  const dept = `WF-WEB-${backend}`.toUpperCase();
  const who: Record<string, WebClient> = {};
  const names: Record<string, string> = {};
  /** Logs in again: moving the clock by days outlives every session (idle and absolute timeouts). */
  async function relogin(key: string) {
    const web = new WebClient(t);
    const reply = await web.logIn(names[key], password);
    if (reply.status !== 303) throw new Error(`login ${names[key]}: ${reply.status}`);
    who[key] = web;
    return web;
  }

  beforeAll(async () => {
    t = await startTestApp(backend);
    const ok = async (path: string, body: unknown) => {
      const reply = await t.call('POST', path, { body });
      if (reply.status !== 201) throw new Error(`${path}: ${reply.text}`);
    };
    await ok('/api/v1/units', { code: dept, name: '工作流网页测试局', parent: '450100', kind: 'department' });
    const users: [string, string, string][] = [
      [`clerk-${backend}`, dept, 'applicant'],
      [`city-${backend}`, '450100', 'operator'],
      [`county-${backend}`, '450102', 'operator'],
      [`liuzhou-${backend}`, '450200', 'operator'],
      [`audit-${backend}`, '450000', 'auditor'],
    ];
    for (const [username, unit, role] of users) {
      await ok('/api/v1/users', { username, displayName: username, unit, role, password });
      const key = role === 'operator' ? username.split('-')[0] : role;
      names[key] = username;
      await relogin(key);
    }
  });
  afterAll(async () => t?.close());

  async function submit(fields: Record<string, string>) {
    const clerk = who.applicant;
    return clerk.post('/applications', { _csrf: await clerk.csrf('/applications/new'), applicant: dept, ...fields });
  }

  it('shows Chinese messages next to the fields and submits nothing while they stand', async () => {
    const before = await countRows(t, 'applications');
    const reply = await submit({ type: 'access', bandwidthMbps: '-1', securityLevel: '6', contactPhone: 'abc' });
    expect(reply.status).toBe(400);
    const field = (name: string) => new RegExp(`data-field="${name}"[^]*?<span class="error"[^>]*>([^<]*)<`).exec(reply.text)?.[1];
    expect(field('bandwidthMbps')).toBe('请填写所需带宽（Mbps），为 0 或正整数。');
    expect(field('securityLevel')).toContain('1 至 5 级');
    expect(field('systems')).toContain('系统名称');
    expect(field('contactPhone')).toContain('电话');
    expect(field('boundaryName')).toContain('责任人');
    // What was typed stays in the form.
    expect(reply.text).toContain('value="-1"');
    expect(await countRows(t, 'applications')).toBe(before);
  });

  it('shows the regulation’s refusals of secrecy next to their checkboxes (the verb’s 422)', async () => {
    const before = await countRows(t, 'applications');
    const notDone = await submit({ ...accessForm, secrecyDone: '' });
    expect(notDone.status).toBe(422);
    expect(notDone.text).toContain('必须确认已对接入系统完成涉密性质安全保密检查');
    const classified = await submit({ ...accessForm, secrecyClassified: 'on' });
    expect(classified.status).toBe(422);
    expect(classified.text).toContain('不得承载涉密系统');
    expect(await countRows(t, 'applications')).toBe(before);
  });

  it('runs submit → accept → approve → sign through the forms, each refusal shown on the page', async () => {
    const submitted = await submit(accessForm);
    expect(submitted.status, submitted.text.slice(0, 500)).toBe(303);
    const url = submitted.headers.get('location')!.split('?')[0];
    const id = url.split('/').pop()!;
    const city = who.city;
    const page = await city.get(url);
    expect(page.text).toContain(`action="/applications/${id}/accept"`);
    // A decision before acceptance: refused by the verb, said on the page, nothing decided.
    const early = await city.post(`/applications/${id}/decision`, { _csrf: WebClient.csrfOf(page.text), decision: 'approve', opinion: '同意' });
    expect(early.status).toBeGreaterThanOrEqual(400);
    expect(early.text).toContain('notice bad');
    // Another city's operator may not accept it (403 on the page), and sees no button.
    const liuzhou = who.liuzhou;
    const theirs = await liuzhou.get(url);
    expect(theirs.status).toBe(404);
    expect((await liuzhou.post(`/applications/${id}/accept`, { _csrf: await liuzhou.csrf('/account') })).status).toBeGreaterThanOrEqual(403);
    // The auditor reads it and has no form to send.
    const audited = await who.auditor.get(url);
    expect(audited.status).toBe(200);
    expect(audited.text).not.toMatch(/<form method="post" action="\/applications/);
    // Accept without the CSRF token: 403, still submitted.
    expect((await city.post(`/applications/${id}/accept`, {})).status).toBe(403);
    expect((await t.call('GET', `/api/v1/applications/${id}`)).body.status).toBe('submitted');
    const accepted = await city.post(`/applications/${id}/accept`, { _csrf: WebClient.csrfOf(page.text) });
    expect(accepted.status).toBe(303);
    // Rejecting needs an opinion.
    const bare = await city.post(`/applications/${id}/decision`, { _csrf: WebClient.csrfOf(page.text), decision: 'reject', opinion: '' });
    expect(bare.status).toBeGreaterThanOrEqual(400);
    expect((await t.call('GET', `/api/v1/applications/${id}`)).body.status).toBe('accepted');
    const approved = await city.post(`/applications/${id}/decision`, { _csrf: WebClient.csrfOf(page.text), decision: 'approve', opinion: '同意接入' });
    expect(approved.status).toBe(303);
    const view = (await t.call('GET', `/api/v1/applications/${id}`)).body;
    expect(view).toMatchObject({ status: 'approved', opinion: '同意接入' });
    const agreement = `/agreements/${view.agreementId}`;
    // The clerk signs for the applicant; signing again is refused with 409 on the page.
    const clerkPage = await who.applicant.get(agreement);
    expect(clerkPage.text).toContain('name="party" value="applicant"');
    const csrf = WebClient.csrfOf(clerkPage.text);
    expect((await who.applicant.post(`${agreement}/signatures`, { _csrf: csrf, party: 'applicant', signerName: '李明' })).status).toBe(303);
    const twice = await who.applicant.post(`${agreement}/signatures`, { _csrf: csrf, party: 'applicant', signerName: '李明' });
    expect(twice.status).toBe(409);
    // Nor for the other party.
    expect((await who.applicant.post(`${agreement}/signatures`, { _csrf: csrf, party: 'operator', signerName: '李明' })).status).toBe(403);
    const cityPage = await city.get(agreement);
    expect((await city.post(`${agreement}/signatures`, { _csrf: WebClient.csrfOf(cityPage.text), party: 'operator', signerName: '韦工' })).status).toBe(303);
    const done = await who.auditor.get(agreement);
    expect(done.text).toContain('已生效');
    expect(done.text).toContain('<link rel="stylesheet" href="/static/print.css"/>');
  });

  it('lists the operator’s queue by deadline with working days left, overdue marked red', async () => {
    const first = await submit(accessForm);
    const second = await submit({ ...accessForm, systems: '第二个系统' });
    const [a, b] = [first, second].map((r) => r.headers.get('location')!.split('?')[0].split('/').pop()!);
    const city = who.city;
    const csrf = await city.csrf('/account');
    // Accept the second first: its deadline comes earlier only if accepted earlier; move the clock between.
    expect((await city.post(`/applications/${b}/accept`, { _csrf: csrf })).status).toBe(303);
    const later = t.clock.now;
    try {
      t.clock.now = new Date(later.getTime() + 3 * 86_400_000);
      const city2 = await relogin('city');
      expect((await city2.post(`/applications/${a}/accept`, { _csrf: await city2.csrf('/account') })).status).toBe(303);
      const home = await city2.get('/');
      const rowOf = (id: string) => new RegExp(`<tr[^>]*data-application="${id}"[^]*?</tr>`).exec(home.text)?.[0] ?? '';
      expect(home.text.indexOf(`data-application="${b}"`)).toBeLessThan(home.text.indexOf(`data-application="${a}"`));
      expect(rowOf(a)).toMatch(/剩余 \d+ 个工作日/);
      expect(rowOf(a)).not.toContain('class="overdue"');
      // Five weeks on, both are overdue: red, and the count of days past.
      t.clock.now = new Date(later.getTime() + 35 * 86_400_000);
      const late = await (await relogin('city')).get('/');
      const lateRow = new RegExp(`<tr[^>]*data-application="${b}"[^]*?</tr>`).exec(late.text)?.[0] ?? '';
      expect(lateRow).toContain('class="overdue"');
      expect(lateRow).toMatch(/已逾期 \d+ 个工作日/);
      const overdueList = await (await relogin('auditor')).get('/applications?overdue=true');
      expect(overdueList.text).toContain(`data-application="${b}"`);
    } finally {
      t.clock.now = new Date();
      for (const key of Object.keys(names)) await relogin(key);
    }
  });

  it('a co-applicant confirms a joint application from its page; approval waits for it; the applicant withdraws another', async () => {
    const partner = `WF-PARTNER-${backend}`.toUpperCase();
    expect((await t.call('POST', '/api/v1/units', { body: { code: partner, name: '合作单位', parent: '450100', kind: 'department' } })).status).toBe(201);
    const partnerUser = `partner-${backend}`;
    expect((await t.call('POST', '/api/v1/users', { body: { username: partnerUser, displayName: partnerUser, unit: partner, role: 'applicant', password } })).status).toBe(201);
    names.partner = partnerUser;
    const partnerWeb = await relogin('partner');
    const joint = await submit({ ...accessForm, coApplicants: partner });
    expect(joint.status, joint.text.slice(0, 300)).toBe(303);
    const url = joint.headers.get('location')!.split('?')[0];
    const id = url.split('/').pop()!;
    const csrf = await who.city.csrf('/account');
    expect((await who.city.post(`/applications/${id}/accept`, { _csrf: csrf })).status).toBe(303);
    // Not yet confirmed: the approval is refused on the page.
    const early = await who.city.post(`/applications/${id}/decision`, { _csrf: csrf, decision: 'approve', opinion: '同意' });
    expect(early.status).toBe(422);
    expect(early.text).toContain('不符合管理办法的规定');
    const page = await partnerWeb.get(url);
    expect(page.text).toContain(`action="/applications/${id}/confirm"`);
    expect((await partnerWeb.post(`/applications/${id}/confirm`, { _csrf: WebClient.csrfOf(page.text) })).status).toBe(303);
    expect((await partnerWeb.get(url)).text).toContain('合作单位（已确认）');
    expect((await who.city.post(`/applications/${id}/decision`, { _csrf: csrf, decision: 'approve', opinion: '同意' })).status).toBe(303);

    const other = await submit(accessForm);
    const otherUrl = other.headers.get('location')!.split('?')[0];
    const clerkPage = await who.applicant.get(otherUrl);
    expect(clerkPage.text).toContain('/withdraw"');
    expect((await who.applicant.post(`${otherUrl}/withdraw`, { _csrf: WebClient.csrfOf(clerkPage.text) })).status).toBe(303);
    expect((await t.call('GET', `/api/v1/applications/${otherUrl.split('/').pop()}`)).body.status).toBe('withdrawn');
    expect((await who.applicant.get(otherUrl)).text).toContain('已撤回');
  });

  it('approves an ip application from the reviewer’s chosen pool', async () => {
    const pool = await t.call('POST', '/api/v1/prefixes', { body: { vrf: 'public', cidr: backend === 'pglite' ? '10.90.0.0/16' : '10.91.0.0/16', holder: '450000', description: '池' } });
    const city = await t.call('POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { body: { prefixLength: 20, holder: '450100', status: 'allocated', description: '南宁' } });
    expect(city.status, city.text).toBe(201);
    const county = who.county;
    const submitted = await county.post('/applications', { _csrf: await county.csrf('/applications/new?type=ip'), type: 'ip', applicant: '450102', vrf: 'public', prefixLength: '24', contactName: '黄工', contactPhone: '0771-5552222' });
    expect(submitted.status, submitted.text.slice(0, 300)).toBe(303);
    const url = submitted.headers.get('location')!.split('?')[0];
    const id = url.split('/').pop()!;
    // The county applies; the city reviews: only the city sees the acceptance form.
    expect((await county.get(url)).text).not.toContain(`action="/applications/${id}/accept"`);
    expect((await who.city.get(url)).text).toContain(`action="/applications/${id}/accept"`);
    const csrf = await who.city.csrf('/account');
    expect((await who.city.post(`/applications/${id}/accept`, { _csrf: csrf })).status).toBe(303);
    const review = await who.city.get(url);
    expect(review.text).toContain(`<option value="${city.body.id}">`);
    expect((await who.city.post(`/applications/${id}/decision`, { _csrf: csrf, decision: 'approve', opinion: '同意', pool: city.body.id })).status).toBe(303);
    const view = (await t.call('GET', `/api/v1/applications/${id}`)).body;
    expect(view.result.prefix).toMatchObject({ parentId: city.body.id, status: 'allocated', holder: expect.objectContaining({ code: '450102' }) });
    expect((await county.get(url)).text).toContain(view.result.prefix.cidr);
  });
});
