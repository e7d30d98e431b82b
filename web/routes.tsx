import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../server/http/env.js';
import { ctxOf } from '../server/http/middleware.js';
import { Problem } from '../server/http/problem.js';
import { endSession, logIn } from '../server/modules/access/sessions.js';
import { accountPages } from './pages/account.js';
import { errorPage } from './render.js';
import { homePage } from './pages/home.js';
import { networkPages } from './pages/network.js';
import { workflowPages } from './pages/workflow.js';
import { registerPages } from './pages/registers.js';
import { LoginPage } from './pages/login.js';
import { clearSessionCookie, clientAddress, csrfValid, formOf, loadSession, loginCsrfToken, setSessionCookie } from './session.js';
import { staticRoutes } from './static.js';

/** Where a login may send the browser next: a path of this appliance, never another origin. */
function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])[^\s]*$/.test(next) && !next.startsWith('/login') ? next : '/';
}

/** Every POST of the web: a small body limit, then the CSRF token, or 403 and nothing done. */
const guardPost: MiddlewareHandler<AppEnv> = async (c, next) => {
  const limited = await bodyLimit({ maxSize: 256 * 1024, onError: (cc) => errorPage(cc as Context<AppEnv>, new Problem(413, 'payload_too_large', '提交的内容超过 256 KiB。')) })(c, async () => {
    const form = await formOf(c);
    if (!csrfValid(c, form)) {
      c.res = await errorPage(c, new Problem(403, 'csrf', '表单缺少有效的校验码（_csrf）：页面已过期，或请求并非来自本系统的页面。请刷新页面后重新提交。'));
      return;
    }
    await next();
  });
  if (limited instanceof Response) c.res = limited;
};

/** Pages behind the login: a visitor without a session goes to the login page and comes back. */
export const requireLogin: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.var.session) {
    if (c.req.method === 'GET') return c.redirect(`/login?next=${encodeURIComponent(c.req.path + (new URL(c.req.url).search || ''))}`, 303);
    return errorPage(c, new Problem(401, 'unauthorized', '尚未登录或登录已过期，请重新登录后再提交。'));
  }
  return next();
};

/**
 * The web UI: server-rendered pages in Chinese over the same service verbs as the API. A session
 * cookie makes the same `actor` a token makes, so `ctxOf(c)` and every verb's authorization and
 * read scope are the API's own. Middleware is attached per route (not `use('*')`): this router is
 * mounted at `/` and must not touch /api/v1.
 */
export const webRoutes = new Hono<AppEnv>();
webRoutes.onError((err, c) => errorPage(c, err));
webRoutes.route('/', staticRoutes);

webRoutes.get('/login', loadSession, (c) => {
  if (c.var.session) return c.redirect(safeNext(c.req.query('next')), 303);
  return c.html(<LoginPage csrf={loginCsrfToken(c)} next={c.req.query('next')} />);
});

webRoutes.post('/login', loadSession, guardPost, async (c) => {
  const form = await formOf(c);
  const username = (form.username ?? '').trim();
  const password = form.password ?? '';
  const csrf = loginCsrfToken(c);
  if (!username || !password) {
    return c.html(<LoginPage csrf={csrf} next={form.next} username={username} error="请输入用户名和密码。" />, 400);
  }
  const result = await logIn(c.var.deps, { username, password, clientAddress: clientAddress(c) });
  if (!result.ok) {
    if (result.reason === 'throttled') {
      c.header('Retry-After', String(result.retryAfterSeconds));
      const minutes = Math.ceil(result.retryAfterSeconds / 60);
      return c.html(<LoginPage csrf={csrf} next={form.next} username={username} error={`登录失败次数过多，请 ${minutes} 分钟后再试。`} />, 429);
    }
    return c.html(<LoginPage csrf={csrf} next={form.next} username={username} error="用户名或密码不正确，或账户已停用。" />, 401);
  }
  setSessionCookie(c, result.sessionId);
  return c.redirect(safeNext(form.next), 303);
});

webRoutes.post('/logout', loadSession, guardPost, async (c) => {
  if (c.var.session) await endSession(ctxOf(c), c.var.session.id);
  clearSessionCookie(c);
  return c.redirect('/login', 303);
});

const pages = [homePage, networkPages, accountPages, workflowPages, registerPages];
for (const page of pages) page(webRoutes, { requireLogin, guardPost, loadSession });

