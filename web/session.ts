import { randomBytes } from 'node:crypto';
import type { HttpBindings } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../server/http/env.js';
import { csrfMatches, resolveSession, sessionPolicy } from '../server/modules/access/sessions.js';

/** The session cookie. `__Host-` (RFC 6265bis §4.1.3.2) needs Secure, so it is used over https only. */
export const sessionCookie = (secure: boolean) => (secure ? '__Host-ww_session' : 'ww_session');
/** The login form's own CSRF token (no session exists yet): a double-submit cookie. */
export const loginCsrfCookie = (secure: boolean) => (secure ? '__Host-ww_login' : 'ww_login');

/** Served over TLS: the appliance's own (WAIWANG_TLS_CERT) or as the request URL says. */
export function isSecure(c: Context<AppEnv>): boolean {
  return Boolean(c.var.deps.config.tlsCert) || new URL(c.req.url).protocol === 'https:';
}

/**
 * The client's address as the socket sees it. X-Forwarded-For is not trusted: anybody may send
 * it, and a login throttle keyed on it would be a throttle the guesser chooses. Behind a proxy
 * every client shares the proxy's address, and the per-username throttle still holds.
 */
export function clientAddress(c: Context<AppEnv>): string {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'local';
}

export function setSessionCookie(c: Context<AppEnv>, sessionId: string): void {
  const secure = isSecure(c);
  setCookie(c, sessionCookie(secure), sessionId, {
    httpOnly: true,
    sameSite: 'Strict',
    secure,
    path: '/',
    // The server ends the session on its own clocks; the cookie lives no longer than the absolute one.
    maxAge: Math.floor(sessionPolicy.absoluteMs / 1000),
  });
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  const secure = isSecure(c);
  deleteCookie(c, sessionCookie(secure), { path: '/', secure, httpOnly: true, sameSite: 'Strict' });
}

/** The login page's CSRF token: reuses the cookie's if there is one, or sets a fresh one. */
export function loginCsrfToken(c: Context<AppEnv>): string {
  const secure = isSecure(c);
  const existing = getCookie(c, loginCsrfCookie(secure));
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = randomBytes(32).toString('base64url');
  setCookie(c, loginCsrfCookie(secure), token, { httpOnly: true, sameSite: 'Strict', secure, path: '/', maxAge: 3600 });
  return token;
}

/** Loads the session a cookie names onto the request (actor and csrf token); never refuses. */
export const loadSession: MiddlewareHandler<AppEnv> = async (c, next) => {
  const id = getCookie(c, sessionCookie(isSecure(c)));
  if (id) {
    const session = await resolveSession(c.var.deps.database.db, id, c.var.deps.now());
    if (session) {
      c.set('session', session);
      c.set('actor', session.actor);
    } else {
      clearSessionCookie(c);
    }
  }
  return next();
};

/** The form fields of a POST, parsed once and kept on the request for the handler. */
export async function formOf(c: Context<AppEnv>): Promise<Record<string, string>> {
  const cached = c.var.webForm;
  if (cached) return cached;
  const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  const form: Record<string, string> = {};
  if (type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data') {
    const body = await c.req.parseBody({ all: false });
    for (const [k, v] of Object.entries(body)) if (typeof v === 'string') form[k] = v;
  }
  c.set('webForm', form);
  return form;
}

/**
 * Every POST of the web UI carries `_csrf`: the session's token (synchronizer token), or for
 * /login the login cookie's (double submit). SameSite=Strict already keeps the cookie off
 * cross-site requests; the token is the second lock (OWASP CSRF cheat sheet: defence in depth).
 */
export function csrfValid(c: Context<AppEnv>, form: Record<string, string>): boolean {
  if (c.req.path === '/login') {
    const cookie = getCookie(c, loginCsrfCookie(isSecure(c)));
    return Boolean(cookie) && csrfMatches(cookie!, form._csrf);
  }
  const session = c.var.session;
  return Boolean(session) && csrfMatches(session!.csrfToken, form._csrf);
}
