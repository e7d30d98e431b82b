// The web UI end to end, in Debian's Chromium driven by playwright-core (issue 10): a department
// clerk applies for network access, the city operator accepts, reviews and approves, both sign,
// the agreement prints on A4; a county asks the city for addresses and gets a block of the city's
// pool. Every page is photographed (.test-tmp/e2e/<run>/; docs/screenshots/ with
// WAIWANG_UPDATE_SCREENSHOTS=1).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchChromium, screenshotter, serveOnLoopback } from '../support/chromium.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { agent, boundaryLink, day, minute, post, reading } from '../integration/telemetry-fixtures.js';

const password = 'e2e-password-long';
const missing = chromiumMissing();
if (missing) console.warn(`skipping the web end-to-end test: ${missing}`);

describe.skipIf(Boolean(missing))('the web UI in Chromium', () => {
  let t: TestApp;
  let server: { base: string; close(): Promise<void> };
  let browser: Browser;
  const shots = screenshotter(`run-${process.pid}`);
  const dept = 'E2E-NN-LAND';
  const evilDept = 'E2E-NN-EVIL';

  async function admin<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const reply = await t.call<T>(method, path, { body });
    if (reply.status >= 300) throw new Error(`${method} ${path}: ${reply.status} ${reply.text}`);
    return reply.body;
  }

  beforeAll(async () => {
    t = await startTestApp('pglite');
    await admin('POST', '/api/v1/units', { code: dept, name: '南宁市不动产登记中心', parent: '450100', kind: 'department' });
    await admin('POST', '/api/v1/units', { code: evilDept, name: '<script>alert("外网")</script>测试局', parent: '450100', kind: 'department' });
    const users: [string, string, string, string][] = [
      ['clerk', '李明', dept, 'applicant'],
      ['nanning-ops', '韦工', '450100', 'operator'],
      ['xingning-ops', '黄工', '450102', 'operator'],
      ['auditor', '审计员', '450000', 'auditor'],
    ];
    for (const [username, displayName, unit, role] of users) await admin('POST', '/api/v1/users', { username, displayName, unit, role, password });
    // Address space: the region's pool, Nanning's /16 out of it, a department /24 and the city's own pool.
    const pool = await admin('POST', '/api/v1/prefixes', { vrf: 'public', cidr: '10.45.0.0/16', holder: '450000', description: '全区公用网络区' });
    const nanning = await admin('POST', `/api/v1/prefixes/${pool.id}/allocate`, { prefixLength: 18, holder: '450100', status: 'allocated', description: '南宁市' });
    await admin('POST', `/api/v1/prefixes/${nanning.id}/allocate`, { prefixLength: 24, holder: dept, status: 'assigned', description: '不动产登记' });
    await admin('POST', `/api/v1/prefixes/${nanning.id}/allocate`, { prefixLength: 26, holder: evilDept, status: 'assigned', description: '转义测试' });
    // A link with a week of readings, for the sparkline.
    const poller = await agent(t);
    const link = await boundaryLink(t, { agent: poller, capacityMbps: 100, payingUnit: '450102' });
    const start = t.clock.now.getTime() - 2 * day;
    const batch = [];
    let octets = 0n;
    for (let at = start, i = 0; at <= t.clock.now.getTime(); at += 5 * minute, i++) {
      // A daily rhythm between ~20 % and ~80 % of 100 Mbps.
      const mbps = 50 + 30 * Math.sin((i / 288) * 2 * Math.PI);
      octets += BigInt(Math.round(((mbps * 1e6) / 8) * 300));
      batch.push(reading({ device: link.a.id, ifName: link.aIf, at: new Date(at), sysUpTime: 100_000 + i * 30_000, inOctets: String(octets), outOctets: String(octets / 2n) }));
    }
    const posted = await post(t, poller.token, batch);
    if (posted.status !== 200) throw new Error(posted.text);
    await admin('POST', '/api/v1/policies/expansion/evaluate');
    server = await serveOnLoopback(t);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  async function session(username: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ baseURL: server.base, viewport: { width: 1280, height: 800 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const page = await context.newPage();
    await page.goto('/');
    expect(page.url()).toContain('/login');
    await page.fill('#username', username);
    await page.fill('#password', password);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
    return { context, page };
  }

  it('runs an access application from the clerk’s form to an effective, printable agreement', { timeout: 60_000 }, async () => {
    // The clerk logs in and sees the login page in Chinese first.
    const login = await browser.newContext({ baseURL: server.base, viewport: { width: 1280, height: 800 } });
    const loginPage = await login.newPage();
    await loginPage.goto('/login');
    await shots.shot(loginPage, '01-login');
    await login.close();

    const clerk = await session('clerk');
    await shots.shot(clerk.page, '02-applicant-home');

    // The form refuses, in Chinese next to each field, what the regulation needs and is missing.
    await clerk.page.goto('/applications/new?type=access');
    await clerk.page.fill('#bandwidthMbps', '-5');
    await clerk.page.click('button:has-text("提交申请")');
    await expect.poll(() => clerk.page.locator('[data-field=bandwidthMbps] .error').textContent()).toContain('带宽');
    expect(await clerk.page.locator('[data-field=securityLevel] .error').textContent()).toContain('等级保护');
    expect(await clerk.page.locator('[data-field=systems] .error').textContent()).toContain('系统');
    expect(await clerk.page.locator('[data-field=contactName] .error').textContent()).toContain('联系人');
    await shots.shot(clerk.page, '03-application-form-errors');
    // Secrecy check not confirmed: the verb's 422, next to its checkbox.
    await clerk.page.fill('#bandwidthMbps', '100');
    await clerk.page.selectOption('#securityLevel', '3');
    await clerk.page.check('#zone_public');
    await clerk.page.fill('#systems', '不动产登记系统\n网上办事大厅');
    await clerk.page.fill('#contactName', '李明');
    await clerk.page.fill('#contactPhone', '0771-5551234');
    await clerk.page.fill('#boundaryName', '韦小宝');
    await clerk.page.fill('#boundaryPhone', '0771-5550000');
    await clerk.page.click('button:has-text("提交申请")');
    await expect.poll(() => clerk.page.locator('[data-field=secrecyDone] .error').textContent()).toContain('涉密性质安全保密检查');
    await clerk.page.check('#secrecyDone');
    await Promise.all([clerk.page.waitForNavigation(), clerk.page.click('button:has-text("提交申请")')]);
    expect(clerk.page.url(), (await clerk.page.textContent('main')) ?? '').toMatch(/\/applications\/\d+/);
    const applicationUrl = new URL(clerk.page.url()).pathname;
    const applicationId = applicationUrl.split('/').pop()!;
    expect(await clerk.page.textContent('main')).toContain('申请已提交');
    await shots.shot(clerk.page, '04-application-submitted');

    // The city operator accepts it and sees its review deadline in the queue.
    const operator = await session('nanning-ops');
    const row = operator.page.locator(`tr[data-application="${applicationId}"]`);
    expect(await row.textContent()).toContain('受理期限');
    await operator.page.goto(applicationUrl);
    await Promise.all([operator.page.waitForURL(/done=accepted/), operator.page.click('button:has-text("受理")')]);
    await operator.page.goto('/');
    const queued = await row.textContent();
    expect(queued).toContain('审核期限');
    expect(queued).toMatch(/剩余 1[45] 个工作日/);
    await shots.shot(operator.page, '05-operator-queue');

    // Approve with an opinion: the agreement is made.
    await operator.page.goto(applicationUrl);
    await shots.shot(operator.page, '06-review');
    await operator.page.fill('#opinion', '同意接入，请按协议落实边界设备专人管理。');
    await Promise.all([operator.page.waitForURL(/done=decided/), operator.page.click('button[value=approve]')]);
    const agreementLink = operator.page.locator('a[href^="/agreements/"]');
    const agreementUrl = (await agreementLink.getAttribute('href'))!;

    // Both sign; signing again for the same side is refused.
    await clerk.page.goto(agreementUrl);
    expect(await clerk.page.textContent('article.agreement')).toContain('边界设备');
    await clerk.page.fill('#signerName', '李明');
    await Promise.all([clerk.page.waitForURL(/signed=1/), clerk.page.click('button:has-text("签署")')]);
    expect(await clerk.page.locator('form[action$="/signatures"]').count()).toBe(0);
    const again = await clerk.page.request.post(`${agreementUrl}/signatures`, { form: { _csrf: await csrfOf(clerk.page), party: 'applicant', signerName: '李明' } });
    expect(again.status()).toBe(409);
    await operator.page.goto(agreementUrl);
    await operator.page.fill('#signerName', '韦工');
    await Promise.all([operator.page.waitForURL(/signed=1/), operator.page.click('button:has-text("签署")')]);
    expect(await operator.page.textContent('main')).toContain('已生效');
    await shots.shot(operator.page, '07-agreement');

    // It prints as a clean A4 document: no navigation, no forms, A4 page size.
    await operator.page.emulateMedia({ media: 'print' });
    expect(await operator.page.locator('header.top').isVisible()).toBe(false);
    expect(await operator.page.locator('form').first().isVisible()).toBe(false);
    expect(await operator.page.locator('article.agreement').isVisible()).toBe(true);
    // Evaluated in the page (a string: this file is compiled without the DOM's types).
    const pageRule = await operator.page.evaluate<string | undefined>(
      "[...document.styleSheets].flatMap((s) => [...s.cssRules]).find((r) => r.constructor.name === 'CSSPageRule')?.cssText",
    );
    expect(pageRule).toMatch(/size: A4/i);
    const pdf = await operator.page.pdf({ format: 'A4', preferCSSPageSize: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await shots.shot(operator.page, '08-agreement-print');
    await operator.page.emulateMedia({ media: 'screen' });

    await clerk.page.goto('/');
    expect(await clerk.page.textContent('main')).toContain('已生效');
    await clerk.context.close();
    await operator.context.close();
  });

  it('approves a county’s ip application with a block of the reviewer’s pool', { timeout: 30_000 }, async () => {
    const county = await session('xingning-ops');
    await county.page.goto('/applications/new?type=ip');
    await county.page.fill('#vrf', 'public');
    await county.page.fill('#prefixLength', '24');
    await county.page.fill('#contactName', '黄工');
    await county.page.fill('#contactPhone', '0771-5552222');
    await Promise.all([county.page.waitForURL(/\/applications\/\d+/), county.page.click('button:has-text("提交申请")')]);
    const url = new URL(county.page.url()).pathname;
    expect(await county.page.textContent('main')).toContain('南宁');

    const city = await session('nanning-ops');
    await city.page.goto(url);
    await Promise.all([city.page.waitForURL(/done=accepted/), city.page.click('button:has-text("受理")')]);
    const options = await city.page.locator('#pool option').allTextContents();
    expect(options.some((o) => o.startsWith('10.45.0.0/18'))).toBe(true);
    const poolId = await city.page.locator('#pool option', { hasText: '10.45.0.0/18' }).getAttribute('value');
    await city.page.selectOption('#pool', poolId!);
    await city.page.fill('#opinion', '同意分配。');
    await Promise.all([city.page.waitForURL(/done=decided/), city.page.click('button[value=approve]')]);
    const result = await city.page.locator('dt:has-text("分配结果") + dd').textContent();
    expect(result).toMatch(/^10\.45\.\d+\.0\/24/);
    await shots.shot(city.page, '09-ip-approved');
    const cidr = result!.split('（')[0];
    const prefixes = await t.call('GET', `/api/v1/prefixes?cidr=${encodeURIComponent(cidr)}`);
    expect(prefixes.body.items).toEqual([expect.objectContaining({ holder: expect.objectContaining({ code: '450102' }), status: 'allocated', parentId: poolId })]);
    await county.context.close();
    await city.context.close();
  });

  it('shows read-only network pages; escapes a <script> unit name; refuses a POST without CSRF; throttles logins', { timeout: 30_000 }, async () => {
    const auditor = await session('auditor');
    const dialogs: string[] = [];
    auditor.page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await auditor.page.goto('/prefixes');
    const tree = await auditor.page.textContent('table.tree');
    expect(tree).toContain('<script>alert("外网")</script>测试局');
    expect(await auditor.page.locator('table.tree script').count()).toBe(0);
    expect(await auditor.page.locator('.bar').count()).toBeGreaterThan(3);
    await shots.shot(auditor.page, '10-prefix-tree');
    await auditor.page.goto('/links');
    expect(await auditor.page.locator('svg.spark polyline').count()).toBe(1);
    await shots.shot(auditor.page, '11-links');
    for (const [path, name] of [
      ['/expansion-requests', '12-expansion'],
      ['/findings', '13-findings'],
      ['/incidents', '14-incidents'],
      ['/', '15-auditor-home'],
    ] as const) {
      await auditor.page.goto(path);
      await shots.shot(auditor.page, name);
    }
    expect(dialogs).toEqual([]);
    // No write buttons for the auditor on an application.
    await auditor.page.goto('/applications');
    const first = auditor.page.locator('table.applications a').first();
    await first.click();
    expect(await auditor.page.locator('main form').count()).toBe(0);

    // A POST without the CSRF token: 403, with the session cookie sent.
    const forged = await auditor.page.request.post('/logout', { form: {} });
    expect(forged.status()).toBe(403);
    await auditor.page.goto('/account');
    expect(auditor.page.url()).toContain('/account');
    await auditor.context.close();

    // Five wrong passwords lock the account; even the right one is refused meanwhile.
    const context = await browser.newContext({ baseURL: server.base });
    const page = await context.newPage();
    for (let i = 0; i < 5; i++) {
      await page.goto('/login');
      await page.fill('#username', 'clerk');
      await page.fill('#password', 'wrong-password');
      await page.click('button[type=submit]');
      await expect.poll(() => page.locator('.notice.bad').textContent()).toContain('用户名或密码不正确');
    }
    await page.goto('/login');
    await page.fill('#username', 'clerk');
    await page.fill('#password', password);
    await page.click('button[type=submit]');
    await expect.poll(() => page.locator('.notice.bad').textContent()).toContain('登录失败次数过多');
    await shots.shot(page, '16-login-throttled');
    await context.close();
  });
});

async function csrfOf(page: Page): Promise<string> {
  return (await page.locator('input[name=_csrf]').first().getAttribute('value'))!;
}
