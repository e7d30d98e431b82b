import type { Context, MiddlewareHandler } from 'hono';
import type { Child } from 'hono/jsx';
import type { Hono } from 'hono';
import type { AppEnv } from '../server/http/env.js';
import { toProblem } from '../server/db/errors.js';
import { Problem } from '../server/http/problem.js';
import { Layout } from './layout.js';

export interface WebMiddleware {
  requireLogin: MiddlewareHandler<AppEnv>;
  guardPost: MiddlewareHandler<AppEnv>;
  loadSession: MiddlewareHandler<AppEnv>;
}
export type PageModule = (web: Hono<AppEnv>, mw: WebMiddleware) => void;

type Status = 200 | 201 | 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 500 | 503;

/** A page inside the layout, for the request's actor. */
export function render(c: Context<AppEnv>, page: { title: string; current?: string }, body: Child, status: Status = 200) {
  return c.html(
    <Layout title={page.title} actor={c.var.session?.actor} csrf={c.var.session?.csrfToken} current={page.current}>
      {body}
    </Layout>,
    status,
  );
}

/** What a clerk reads when a verb refuses: a Chinese heading by status, the verb's own sentence below. */
const headings: Record<number, string> = {
  400: '输入有误',
  401: '请先登录',
  403: '无权执行此操作',
  404: '未找到',
  409: '与当前状态冲突',
  413: '提交内容过大',
  422: '不符合管理办法的规定',
  429: '请求过于频繁',
  503: '服务暂不可用',
};

export function errorPage(c: Context<AppEnv>, err: unknown) {
  const problem = toProblem(err) ?? new Problem(500, 'internal', 'an unexpected error; the request id in the log tells the administrator what happened');
  if (problem.status >= 500) c.var.deps?.log.error({ err, requestId: c.var.requestId }, 'web page failed');
  const heading = problem.code === 'csrf' ? '表单已失效，请刷新页面后重新提交' : (headings[problem.status] ?? '出错了');
  return render(
    c,
    { title: heading },
    <section class="card">
      <h1>{heading}</h1>
      <p>{problem.detail}</p>
      <p>
        {problem.status === 401 ? <a href="/login">登录</a> : <a href="/">返回首页</a>}
      </p>
    </section>,
    (headings[problem.status] ? problem.status : 500) as Status,
  );
}
