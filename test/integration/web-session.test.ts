// The web UI's sessions, CSRF tokens, login throttling, password change and disabling (issue 10):
// through app.request() with a cookie-keeping client, on PGlite and PostgreSQL.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rows } from '../../server/db/client.js';
import { tokenHash } from '../../server/modules/access/secrets.js';
import { pruneSessions, sessionPolicy, throttlePolicy } from '../../server/modules/access/sessions.js';
import { WebClient } from '../support/browser.js';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';

const password = 'correct horse battery';

describe.each(backends)('web sessions on %s', (backend) => {
  let t: TestApp;
  let n = 0;
  beforeAll(async () => {
    t = await startTestApp(backend);
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    // Each test counts its own failures: the throttle is keyed per address, and app.request() has one.
    await t.database.db.execute(sql`DELETE FROM login_throttles`);
  });

  async function newUser(role: string, unit: string, extra: Record<string, unknown> = {}) {
    const username = `web-${role}-${backend}-${++n}`;
    const reply = await t.call('POST', '/api/v1/users', { body: { username, displayName: `网页用户${n}`, unit, role, password, ...extra } });
    expect(reply.status, reply.text).toBe(201);
    return username;
  }
  async function department(name: string, parent = '450000') {
    const code = `WEB-${backend}-${++n}`.toUpperCase();
    const reply = await t.call('POST', '/api/v1/units', { body: { code, name, parent, kind: 'department' } });
    expect(reply.status, reply.text).toBe(201);
    return code;
  }
  async function loggedIn(role: string, unit: string) {
    const username = await newUser(role, unit);
    const web = new WebClient(t);
    const reply = await web.logIn(username, password);
    expect(reply.status, reply.text).toBe(303);
    return { web, username };
  }
  const sessionsOf = async (username: string) =>
    Number((await rows<{ n: string }>(t.database.db, sql`SELECT count(*) AS n FROM web_sessions s JOIN users u ON u.id = s.user_id WHERE u.username = ${username}`))[0].n);

  it('sends a visitor without a session to the login page, and back after logging in', async () => {
    const web = new WebClient(t);
    const home = await web.get('/prefixes?unit=450100');
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toBe('/login?next=%2Fprefixes%3Funit%3D450100');
    const page = await web.get('/login?next=%2Fprefixes');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html lang="zh-CN">');
    expect(page.text).toMatch(/name="username"/);
    expect(page.text).toMatch(/name="password" type="password"/);
    expect(page.text).toContain('name="next" value="/prefixes"');
    const username = await newUser('operator', '450100');
    const reply = await web.post('/login', { _csrf: WebClient.csrfOf(page.text), username, password, next: '/prefixes' });
    expect(reply.status).toBe(303);
    expect(reply.headers.get('location')).toBe('/prefixes');
    // An absolute or protocol-relative next is ignored: a login never sends the browser elsewhere.
    const other = new WebClient(t);
    const p2 = await other.get('/login');
    const away = await other.post('/login', { _csrf: WebClient.csrfOf(p2.text), username, password, next: '//evil.example/' });
    expect(away.headers.get('location')).toBe('/');
  });

  it('sets an HttpOnly, SameSite=Strict session cookie (Secure only over https), stores only its hash, and audits the login', async () => {
    const username = await newUser('operator', '450100');
    const web = new WebClient(t);
    const audits = await countRows(t, 'audit_entries');
    const reply = await web.logIn(username, password);
    expect(reply.status).toBe(303);
    const cookie = web.lastSetCookies.find((c) => c.startsWith('ww_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toMatch(/Secure/);
    const id = web.cookies.get('ww_session')!;
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await rows<{ hash: string }>(t.database.db, sql`SELECT s.hash FROM web_sessions s JOIN users u ON u.id = s.user_id WHERE u.username = ${username}`);
    expect(stored).toEqual([{ hash: tokenHash(id) }]);
    expect(await countRows(t, 'audit_entries')).toBe(audits + 1);
    const home = await web.get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain(username);
    expect(home.headers.get('content-security-policy')).toContain("script-src 'self'");

    // Over https the cookie is Secure and __Host- prefixed.
    const secure = await t.app.request('https://waiwang.test/login');
    const secureCsrf = WebClient.csrfOf(await secure.text());
    const loginCookie = secure.headers.getSetCookie().find((c) => c.startsWith('__Host-ww_login='))!;
    expect(loginCookie).toMatch(/Secure/);
    const body = new URLSearchParams({ _csrf: secureCsrf, username, password }).toString();
    const res = await t.app.request('https://waiwang.test/login', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: loginCookie.split(';')[0] },
    });
    expect(res.status).toBe(303);
    expect(res.headers.getSetCookie().find((c) => c.startsWith('__Host-ww_session='))).toMatch(/HttpOnly.*Secure|Secure.*HttpOnly/);
  });

  it('keeps agents out of the web UI even with a password', async () => {
    const username = await newUser('agent', '450000');
    expect((await new WebClient(t).logIn(username, password)).status).toBe(401);
  });

  it('refuses a web POST without the CSRF token (403) and does nothing', async () => {
    const { web, username } = await loggedIn('operator', '450100');
    const audits = await countRows(t, 'audit_entries');
    const noToken = await web.post('/logout', {});
    expect(noToken.status).toBe(403);
    expect(noToken.text).toContain('表单已失效');
    const wrong = await web.post('/logout', { _csrf: 'x'.repeat(43) });
    expect(wrong.status).toBe(403);
    expect(await sessionsOf(username)).toBe(1);
    const pw = await web.post('/account/password', { currentPassword: password, newPassword: 'another long password', confirmPassword: 'another long password' });
    expect(pw.status).toBe(403);
    expect(await countRows(t, 'audit_entries')).toBe(audits);
    // The login form too: without its token no session is made, even with the right password.
    const fresh = new WebClient(t);
    await fresh.get('/login');
    const login = await fresh.post('/login', { username, password });
    expect(login.status).toBe(403);
    expect(fresh.cookies.has('ww_session')).toBe(false);
    expect(await sessionsOf(username)).toBe(1);
    // A session's token does not serve another session.
    const other = await loggedIn('operator', '450100');
    expect((await other.web.post('/logout', { _csrf: await web.csrf() })).status).toBe(403);
  });

  it('logs out: the session row goes, and the old cookie is worthless', async () => {
    const { web, username } = await loggedIn('auditor', '450000');
    const id = web.cookies.get('ww_session')!;
    const out = await web.post('/logout', { _csrf: await web.csrf() });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/login');
    expect(await sessionsOf(username)).toBe(0);
    const replay = await t.app.request('/', { headers: { cookie: `ww_session=${id}` } });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toMatch(/^\/login/);
  });

  it('ends a session after the idle timeout and after the absolute lifetime', async () => {
    const { web } = await loggedIn('operator', '450100');
    const start = t.clock.now;
    try {
      t.clock.now = new Date(start.getTime() + sessionPolicy.idleMs - 60_000);
      expect((await web.get('/')).status).toBe(200);
      t.clock.now = new Date(t.clock.now.getTime() + sessionPolicy.idleMs + 1000);
      expect((await web.get('/')).status).toBe(303);

      const active = await loggedIn('operator', '450100');
      // Active all day, every 20 minutes: still ended when the absolute lifetime is over.
      const loginAt = t.clock.now.getTime();
      for (let at = loginAt; at < loginAt + sessionPolicy.absoluteMs - 20 * 60_000; at += 20 * 60_000) {
        t.clock.now = new Date(at);
        expect((await active.web.get('/account')).status).toBe(200);
      }
      t.clock.now = new Date(loginAt + sessionPolicy.absoluteMs + 1000);
      expect((await active.web.get('/account')).status).toBe(303);
    } finally {
      t.clock.now = new Date();
    }
  });

  it('throttles logins per username with a doubling lock, refusing even the right password meanwhile', async () => {
    const username = await newUser('operator', '450100');
    const web = new WebClient(t);
    for (let i = 0; i < throttlePolicy.user.freeFailures; i++) {
      expect((await web.logIn(username, 'wrong password')).status).toBe(401);
    }
    const locked = await web.logIn(username, password);
    expect(locked.status).toBe(429);
    expect(locked.text).toContain('登录失败次数过多');
    expect(Number(locked.headers.get('retry-after'))).toBe(throttlePolicy.baseLockMs / 1000);
    expect(web.cookies.has('ww_session')).toBe(false);
    const start = t.clock.now;
    try {
      // After the lock, one more failure locks for twice as long.
      t.clock.now = new Date(start.getTime() + throttlePolicy.baseLockMs + 1000);
      expect((await web.logIn(username, 'wrong again')).status).toBe(401);
      const again = await web.logIn(username, password);
      expect(again.status).toBe(429);
      expect(Number(again.headers.get('retry-after'))).toBe((2 * throttlePolicy.baseLockMs) / 1000);
      // When it lifts, the right password logs in and the account's count starts again.
      t.clock.now = new Date(t.clock.now.getTime() + 2 * throttlePolicy.baseLockMs + 1000);
      expect((await web.logIn(username, password)).status).toBe(303);
      expect(await rows(t.database.db, sql`SELECT * FROM login_throttles WHERE key = ${`user:${username}`}`)).toEqual([]);
      // Another account is not locked by this one's failures (only the address counts them all).
      const other = await newUser('operator', '450100');
      expect((await new WebClient(t).logIn(other, password)).status).toBe(303);
    } finally {
      t.clock.now = new Date();
    }
  });

  it('forgets failures older than the window, and prunes dead sessions and day-old throttles', async () => {
    const username = await newUser('operator', '450100');
    const web = new WebClient(t);
    const start = t.clock.now;
    try {
      for (let i = 0; i < throttlePolicy.user.freeFailures - 1; i++) expect((await web.logIn(username, 'wrong')).status).toBe(401);
      t.clock.now = new Date(start.getTime() + throttlePolicy.windowMs + 1000);
      // Outside the window the count starts again at 1: four more failures lock nothing.
      for (let i = 0; i < throttlePolicy.user.freeFailures - 1; i++) expect((await web.logIn(username, 'wrong')).status).toBe(401);
      expect((await web.logIn(username, password)).status).toBe(303);
      const idle = await loggedIn('auditor', '450000');
      expect(await sessionsOf(idle.username)).toBe(1);
      await new WebClient(t).logIn('nobody-here', 'x');
      t.clock.now = new Date(t.clock.now.getTime() + 25 * 3600_000);
      await pruneSessions(t.database.db, t.clock.now);
      expect(await sessionsOf(idle.username)).toBe(0);
      expect(await sessionsOf(username)).toBe(0);
      expect(await countRows(t, 'login_throttles')).toBe(0);
    } finally {
      t.clock.now = new Date();
    }
  });

  it('throttles logins per client address: a spray over many usernames locks the address', async () => {
    const victim = await newUser('operator', '450100');
    const web = new WebClient(t);
    for (let i = 0; i < throttlePolicy.address.freeFailures; i++) {
      expect((await web.logIn(`nobody-${i}`, 'guess')).status).toBe(401);
    }
    expect((await web.logIn(victim, password)).status).toBe(429);
  });

  it('changes the own password with the current one: other sessions end, this one stays, the new password logs in', async () => {
    const { web, username } = await loggedIn('applicant', await department('改密部门'));
    const elsewhere = new WebClient(t);
    expect((await elsewhere.logIn(username, password)).status).toBe(303);
    const csrf = await web.csrf('/account');
    const wrong = await web.post('/account/password', { _csrf: csrf, currentPassword: 'not it', newPassword: 'a brand new password', confirmPassword: 'a brand new password' });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('当前密码不正确');
    const short = await web.post('/account/password', { _csrf: csrf, currentPassword: password, newPassword: 'short', confirmPassword: 'short' });
    expect(short.status).toBe(400);
    expect(short.text).toContain('新密码至少 10 个字符');
    const mismatch = await web.post('/account/password', { _csrf: csrf, currentPassword: password, newPassword: 'a brand new password', confirmPassword: 'a brand new passwort' });
    expect(mismatch.text).toContain('两次输入的新密码不一致');
    const ok = await web.post('/account/password', { _csrf: csrf, currentPassword: password, newPassword: 'a brand new password', confirmPassword: 'a brand new password' });
    expect(ok.status).toBe(303);
    expect((await web.get('/account?done=1')).text).toContain('密码已修改');
    expect((await elsewhere.get('/')).status).toBe(303);
    expect(await sessionsOf(username)).toBe(1);
    expect((await new WebClient(t).logIn(username, password)).status).toBe(401);
    expect((await new WebClient(t).logIn(username, 'a brand new password')).status).toBe(303);
    const audit = await t.call('GET', `/api/v1/audit?object=user:${username}`);
    expect(audit.text).toContain('user.password');
    expect(audit.text).not.toContain('a brand new password');
  });

  it('changes a password through the API too: only one’s own, with the current one', async () => {
    const username = await newUser('operator', '450100');
    const token = (await t.call('POST', `/api/v1/users/${username}/tokens`, { body: {} })).body.token;
    const other = await newUser('operator', '450100');
    const theirs = await t.call('POST', `/api/v1/users/${other}/password`, { token, body: { currentPassword: password, newPassword: 'x'.repeat(12) } });
    expect(theirs.status).toBe(403);
    const admin = await t.call('POST', `/api/v1/users/${other}/password`, { body: { currentPassword: password, newPassword: 'x'.repeat(12) } });
    expect(admin.status).toBe(403);
    const bad = await t.call('POST', `/api/v1/users/${username}/password`, { token, body: { currentPassword: 'nope', newPassword: 'y'.repeat(12) } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'validation_failed', field: 'currentPassword' });
    const same = await t.call('POST', `/api/v1/users/${username}/password`, { token, body: { currentPassword: password, newPassword: password } });
    expect(same.status).toBe(400);
    const tooShort = await t.call('POST', `/api/v1/users/${username}/password`, { token, body: { currentPassword: password, newPassword: 'short' } });
    expect(tooShort.status).toBe(400);
    const ok = await t.call('POST', `/api/v1/users/${username}/password`, { token, body: { currentPassword: password, newPassword: 'y'.repeat(12) } });
    expect(ok.status, ok.text).toBe(200);
    expect((await new WebClient(t).logIn(username, 'y'.repeat(12))).status).toBe(303);
  });

  it('a disabled user’s sessions and tokens stop working at once; enabling brings the tokens back, not the sessions', async () => {
    const { web, username } = await loggedIn('operator', '450100');
    const token = (await t.call('POST', `/api/v1/users/${username}/tokens`, { body: {} })).body.token;
    expect((await t.call('GET', '/api/v1/units/450100', { token })).status).toBe(200);
    // Only the admin disables; an operator may not, not even in its subtree.
    const operatorToken = await t.userToken('operator', '450100');
    expect((await t.call('POST', `/api/v1/users/${username}/disable`, { token: operatorToken })).status).toBe(403);
    const disabled = await t.call('POST', `/api/v1/users/${username}/disable`);
    expect(disabled.status, disabled.text).toBe(200);
    expect(disabled.body.disabled).toBe(true);
    expect(await sessionsOf(username)).toBe(0);
    expect((await web.get('/')).status).toBe(303);
    expect((await t.call('GET', '/api/v1/units/450100', { token })).status).toBe(401);
    expect((await new WebClient(t).logIn(username, password)).status).toBe(401);
    const enabled = await t.call('POST', `/api/v1/users/${username}/enable`);
    expect(enabled.body.disabled).toBe(false);
    expect((await t.call('GET', '/api/v1/units/450100', { token })).status).toBe(200);
    expect((await web.get('/')).status).toBe(303);
    expect((await t.call('POST', '/api/v1/users/admin/disable')).status).toBe(422);
    expect((await t.call('POST', '/api/v1/users/nobody-at-all/disable')).status).toBe(404);
  });

  it('the admin disables a user from the users page (a form with the CSRF token)', async () => {
    const adminName = await newUser('admin', '450000');
    const admin = new WebClient(t);
    expect((await admin.logIn(adminName, password)).status).toBe(303);
    const victim = await loggedIn('operator', '450100');
    const page = await admin.get('/users');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`/users/${victim.username}/disable`);
    expect((await admin.post(`/users/${victim.username}/disable`, {})).status).toBe(403);
    expect(await sessionsOf(victim.username)).toBe(1);
    const done = await admin.post(`/users/${victim.username}/disable`, { _csrf: WebClient.csrfOf(page.text) });
    expect(done.status).toBe(303);
    expect((await victim.web.get('/')).status).toBe(303);
    // An operator's session sees no disable buttons and may not post them.
    const op = await loggedIn('operator', '450100');
    const opPage = await op.web.get('/users');
    expect(opPage.text).not.toContain('/disable"');
    expect((await op.web.post(`/users/${adminName}/disable`, { _csrf: await op.web.csrf() })).status).toBe(403);
  });

  it('a session acts as its user through the same verbs: scope, and the API ignores the cookie', async () => {
    const mine = await department('我的部门');
    const theirs = await department('别人的部门');
    const pool = await t.call('POST', '/api/v1/prefixes', { body: { vrf: 'public', cidr: `10.${backend === 'pglite' ? 71 : 72}.0.0/16`, holder: '450000', description: '全区' } });
    expect(pool.status, pool.text).toBe(201);
    for (const [i, holder] of [mine, theirs].entries()) {
      const cidr = `10.${backend === 'pglite' ? 71 : 72}.${i}.0/24`;
      const made = await t.call('POST', '/api/v1/prefixes', { body: { vrf: 'public', cidr, holder, status: 'assigned', description: `部门网段 ${i}` } });
      expect(made.status, made.text).toBe(201);
    }
    const username = await newUser('applicant', mine);
    const web = new WebClient(t);
    await web.logIn(username, password);
    const page = await web.get('/prefixes');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`10.${backend === 'pglite' ? 71 : 72}.0.0/24`);
    expect(page.text).not.toContain(`10.${backend === 'pglite' ? 71 : 72}.1.0/24`);
    // The cookie is no API credential: the API wants a bearer token.
    const api = await t.app.request('/api/v1/units/450100', { headers: { cookie: `ww_session=${web.cookies.get('ww_session')}` } });
    expect(api.status).toBe(401);
  });

  it('answers each read page as the API answers its list for the same user (200 or the same refusal)', async () => {
    const pages: [string, string][] = [
      ['/prefixes', '/api/v1/prefixes'],
      ['/links', '/api/v1/links'],
      ['/findings', '/api/v1/findings'],
      ['/incidents', '/api/v1/incidents'],
      ['/expansion-requests', '/api/v1/expansion-requests'],
      ['/applications', '/api/v1/applications'],
      ['/users', '/api/v1/users'],
    ];
    const applicantUnit = await department('只读部门');
    const statuses = new Set<number>();
    for (const [role, unit] of [['applicant', applicantUnit], ['operator', '450102'], ['auditor', '450000']] as const) {
      const { web, username } = await loggedIn(role, unit);
      const token = (await t.call('POST', `/api/v1/users/${username}/tokens`, { body: {} })).body.token;
      for (const [page, api] of pages) {
        const viaApi = await t.call('GET', api, { token });
        const viaWeb = await web.get(page);
        expect(viaWeb.status, `${role} ${page} (API ${viaApi.status})`).toBe(viaApi.status);
        statuses.add(viaApi.status);
      }
    }
    // Both kinds occurred: pages that list, and pages a role may not read (the applicant's /users).
    expect([...statuses].sort()).toEqual([200, 403]);
  });

  it('renders a unit name containing <script> escaped', async () => {
    const evil = await department('<script>alert("外网")</script>局');
    const octet = backend === 'pglite' ? 73 : 74;
    expect((await t.call('POST', '/api/v1/prefixes', { body: { vrf: 'public', cidr: `10.${octet}.0.0/16`, holder: '450000', description: '<b>池</b>' } })).status).toBe(201);
    expect((await t.call('POST', '/api/v1/prefixes', { body: { vrf: 'public', cidr: `10.${octet}.0.0/24`, holder: evil, status: 'assigned', description: '"><img src=x>' } })).status).toBe(201);
    const { web } = await loggedIn('auditor', '450000');
    const page = await web.get('/prefixes');
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).toContain('&lt;script&gt;alert(&quot;外网&quot;)&lt;/script&gt;局');
    expect(page.text).not.toContain('<img src=x>');
    expect(page.text).not.toContain('<b>池</b>');
  });

  it('serves its own stylesheet and script, and no page names an outside asset', async () => {
    const css = await t.app.request('/static/app.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(await css.text()).toContain('WenQuanYi Micro Hei');
    expect((await t.app.request('/static/print.css')).status).toBe(200);
    expect((await t.app.request('/static/app.js')).headers.get('content-type')).toMatch(/javascript/);
    expect((await t.app.request('/static/..%2Fsession.ts')).status).toBe(404);
    const { web } = await loggedIn('admin', '450000');
    for (const path of ['/', '/prefixes', '/links', '/findings', '/incidents', '/expansion-requests', '/users', '/account']) {
      const page = await web.get(path);
      expect(page.status, `${path}: ${page.text.slice(0, 300)}`).toBe(200);
      expect(page.text, path).not.toMatch(/(src|href)="(https?:)?\/\//);
    }
  });
});
