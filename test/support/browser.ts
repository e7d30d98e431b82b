import type { TestApp } from './harness.js';

/**
 * A cookie-keeping client over app.request(), for the web UI's integration tests: it behaves
 * like a browser with cookies on (no redirects followed, so tests see each 303).
 */
export class WebClient {
  readonly cookies = new Map<string, string>();
  /** The raw Set-Cookie headers of the last answer. */
  lastSetCookies: string[] = [];

  constructor(private readonly t: TestApp) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: Response): void {
    this.lastSetCookies = res.headers.getSetCookie();
    for (const line of this.lastSetCookies) {
      const [pair, ...attrs] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(path: string): Promise<{ status: number; text: string; headers: Headers }> {
    const res = await this.t.app.request(path, { headers: { cookie: this.cookieHeader() } });
    this.keep(res);
    return { status: res.status, text: await res.text(), headers: res.headers };
  }

  async post(path: string, fields: Record<string, string>): Promise<{ status: number; text: string; headers: Headers }> {
    const body = new URLSearchParams(fields).toString();
    const res = await this.t.app.request(path, {
      method: 'POST',
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) },
      body,
    });
    this.keep(res);
    return { status: res.status, text: await res.text(), headers: res.headers };
  }

  /** The `_csrf` value of the first form on a page. */
  static csrfOf(html: string): string {
    const match = /name="_csrf" value="([^"]*)"/.exec(html);
    if (!match) throw new Error(`no _csrf field in the page:\n${html.slice(0, 500)}`);
    return match[1];
  }

  async csrf(path = '/'): Promise<string> {
    return WebClient.csrfOf((await this.get(path)).text);
  }

  /** Logs in through the form; returns the answer to the POST. */
  async logIn(username: string, password: string) {
    const page = await this.get('/login');
    return this.post('/login', { _csrf: WebClient.csrfOf(page.text), username, password });
  }
}
