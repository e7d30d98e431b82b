import { Layout } from '../layout.js';

export function LoginPage({ csrf, next, username, error }: { csrf: string; next?: string; username?: string; error?: string }) {
  return (
    <Layout title="登录">
      <section class="card login">
        <h1>登录</h1>
        {error && (
          <p class="notice bad" role="alert">
            {error}
          </p>
        )}
        <form class="stack" method="post" action="/login">
          <input type="hidden" name="_csrf" value={csrf} />
          {next && <input type="hidden" name="next" value={next} />}
          <div class="field">
            <label for="username">用户名</label>
            <input id="username" name="username" autocomplete="username" required value={username ?? ''} autofocus />
          </div>
          <div class="field">
            <label for="password">密码</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required />
          </div>
          <button type="submit">登录</button>
        </form>
        <p class="muted">API 客户端请使用令牌（<a href="/docs">API 文档</a>）。</p>
      </section>
    </Layout>
  );
}
