import type { Context } from 'hono';
import type { AppEnv } from '../../server/http/env.js';
import { ctxOf } from '../../server/http/middleware.js';
import { Problem } from '../../server/http/problem.js';
import { changePasswordInput, type UserView } from '../../server/modules/access/inputs.js';
import { changePassword, disableUser, enableUser, getUser, listUsers } from '../../server/modules/access/service.js';
import { when } from '../components.js';
import { Csrf, roleNames } from '../layout.js';
import { render, type PageModule } from '../render.js';
import { formOf } from '../session.js';

type Errors = Partial<Record<'currentPassword' | 'newPassword' | 'confirmPassword', string>>;

function AccountPage({ user, csrf, errors, done }: { user: UserView; csrf: string; errors: Errors; done?: boolean }) {
  const Field = ({ name, label, hint, autocomplete }: { name: keyof Errors; label: string; hint?: string; autocomplete: string }) => (
    <div class={errors[name] ? 'field invalid' : 'field'}>
      <label for={name}>{label}</label>
      <input id={name} name={name} type="password" autocomplete={autocomplete} required aria-invalid={errors[name] ? 'true' : undefined} />
      {hint && <span class="hint">{hint}</span>}
      {errors[name] && <span class="error">{errors[name]}</span>}
    </div>
  );
  return (
    <>
      <h1>我的账户</h1>
      <section class="card">
        <dl class="facts">
          <dt>用户名</dt>
          <dd>{user.username}</dd>
          <dt>姓名</dt>
          <dd>{user.displayName}</dd>
          <dt>角色</dt>
          <dd>{roleNames[user.role]}</dd>
          <dt>单位</dt>
          <dd>{user.unit}</dd>
          <dt>创建时间</dt>
          <dd>{when(user.createdAt)}</dd>
        </dl>
      </section>
      <section class="card">
        <h2>修改密码</h2>
        {done && <p class="notice ok">密码已修改；您在其他地方的登录已退出。</p>}
        <form class="stack" method="post" action="/account/password">
          <Csrf token={csrf} />
          <Field name="currentPassword" label="当前密码" autocomplete="current-password" />
          <Field name="newPassword" label="新密码" hint="至少 10 个字符" autocomplete="new-password" />
          <Field name="confirmPassword" label="再次输入新密码" autocomplete="new-password" />
          <div class="actions">
            <button type="submit">修改密码</button>
          </div>
        </form>
      </section>
    </>
  );
}

async function showAccount(c: Context<AppEnv>, errors: Errors = {}, done = false, status: 200 | 400 = 200) {
  const ctx = ctxOf(c);
  const user = await getUser(ctx, ctx.actor.username);
  return render(c, { title: '我的账户', current: '/account' }, <AccountPage user={user} csrf={c.var.session!.csrfToken} errors={errors} done={done} />, status);
}

export const accountPages: PageModule = (web, { loadSession, requireLogin, guardPost }) => {
  web.get('/account', loadSession, requireLogin, (c) => showAccount(c, {}, c.req.query('done') === '1'));

  web.post('/account/password', loadSession, requireLogin, guardPost, async (c) => {
    const form = await formOf(c);
    const errors: Errors = {};
    if (!form.currentPassword) errors.currentPassword = '请输入当前密码。';
    if ((form.newPassword ?? '').length < 10) errors.newPassword = '新密码至少 10 个字符。';
    else if ((form.newPassword ?? '').length > 200) errors.newPassword = '新密码不能超过 200 个字符。';
    if (form.newPassword !== form.confirmPassword) errors.confirmPassword = '两次输入的新密码不一致。';
    if (Object.keys(errors).length) return showAccount(c, errors, false, 400);
    const input = changePasswordInput.parse({ currentPassword: form.currentPassword, newPassword: form.newPassword });
    try {
      await changePassword(ctxOf(c), c.var.session!.actor.username, input, c.var.session!.id);
    } catch (err) {
      if (err instanceof Problem && err.status === 400) {
        const field = (err.extra?.field as keyof Errors | undefined) ?? 'currentPassword';
        return showAccount(c, { [field]: field === 'currentPassword' ? '当前密码不正确。' : '新密码不能与当前密码相同。' }, false, 400);
      }
      throw err;
    }
    return c.redirect('/account?done=1', 303);
  });

  web.get('/users', loadSession, requireLogin, async (c) => {
    const ctx = ctxOf(c);
    const page = await listUsers(ctx, { limit: 1000 });
    const csrf = c.var.session!.csrfToken;
    const admin = ctx.actor.role === 'admin';
    return render(
      c,
      { title: '用户', current: '/users' },
      <>
        <h1>用户</h1>
        <p class="muted">停用的账户立即失去全部登录会话，其 API 令牌也不再被接受。</p>
        <table>
          <thead>
            <tr>
              <th>用户名</th>
              <th>姓名</th>
              <th>角色</th>
              <th>单位</th>
              <th>状态</th>
              {admin && <th class="no-print">操作</th>}
            </tr>
          </thead>
          <tbody>
            {page.items.map((u) => (
              <tr>
                <td>{u.username}</td>
                <td>{u.displayName}</td>
                <td>{roleNames[u.role]}</td>
                <td>{u.unit}</td>
                <td>{u.disabled ? <span class="badge bad">已停用</span> : <span class="badge ok">正常</span>}</td>
                {admin && (
                  <td class="no-print">
                    {u.username !== ctx.actor.username && (
                      <form method="post" action={`/users/${encodeURIComponent(u.username)}/${u.disabled ? 'enable' : 'disable'}`}>
                        <Csrf token={csrf} />
                        {u.disabled ? (
                          <button type="submit" class="secondary">
                            启用
                          </button>
                        ) : (
                          <button type="submit" class="danger" data-confirm={`停用 ${u.username}？其登录会话和令牌将立即失效。`}>
                            停用
                          </button>
                        )}
                      </form>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </>,
    );
  });

  web.post('/users/:username/disable', loadSession, requireLogin, guardPost, async (c) => {
    await disableUser(ctxOf(c), c.req.param('username'));
    return c.redirect('/users', 303);
  });
  web.post('/users/:username/enable', loadSession, requireLogin, guardPost, async (c) => {
    await enableUser(ctxOf(c), c.req.param('username'));
    return c.redirect('/users', 303);
  });
};
