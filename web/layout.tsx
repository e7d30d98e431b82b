import type { Child } from 'hono/jsx';
import type { Actor } from '../server/context.js';
import type { Role } from '../server/modules/access/schema.js';

export const roleNames: Record<Role, string> = {
  admin: '系统管理员',
  operator: '运维管理单位',
  applicant: '用户单位',
  auditor: '审计监督',
  agent: '采集代理',
};

interface NavItem {
  href: string;
  label: string;
  roles: Role[];
}

const everyone: Role[] = ['admin', 'operator', 'applicant', 'auditor'];
const staff: Role[] = ['admin', 'operator', 'auditor'];

/** The navigation: each role sees the pages whose data the API lets it read. */
const nav: NavItem[] = [
  { href: '/', label: '首页', roles: everyone },
  { href: '/applications', label: '业务申请', roles: everyone },
  { href: '/applications/new', label: '提交申请', roles: ['applicant', 'operator'] },
  { href: '/prefixes', label: '地址', roles: everyone },
  { href: '/links', label: '线路', roles: staff },
  { href: '/expansion-requests', label: '扩容', roles: staff },
  { href: '/findings', label: '核查发现', roles: staff },
  { href: '/incidents', label: '事件', roles: staff },
  { href: '/registers/migrations', label: '专网迁移', roles: everyone },
  { href: '/registers/website-filings', label: '网站备案', roles: everyone },
  { href: '/registers/emergency', label: '应急演练', roles: staff },
  { href: '/registers/major-faults', label: '重大故障', roles: staff },
  { href: '/registers/assessment', label: '绩效考核', roles: staff },
  { href: '/users', label: '用户', roles: ['admin'] },
  { href: '/account', label: '账户', roles: everyone },
];

export interface PageProps {
  title: string;
  actor?: Actor;
  csrf?: string;
  current?: string;
  children?: Child;
}

export function Layout({ title, actor, csrf, current, children }: PageProps) {
  return (
    <html lang="zh-CN">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title} · 外网登记系统</title>
        <link rel="stylesheet" href="/static/app.css" />
        <link rel="stylesheet" href="/static/print.css" />
        <script src="/static/app.js" defer></script>
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/">
            电子政务外网登记系统
          </a>
          {actor ? (
            <nav aria-label="主导航">
              {nav
                .filter((item) => item.roles.includes(actor.role))
                .map((item) => (
                  <a href={item.href} class={current === item.href ? 'current' : undefined}>
                    {item.label}
                  </a>
                ))}
            </nav>
          ) : (
            <nav />
          )}
          {actor && (
            <div class="who">
              <span>
                {actor.username}（{roleNames[actor.role]} · {actor.unitCode}）
              </span>
              <form method="post" action="/logout">
                <input type="hidden" name="_csrf" value={csrf ?? ''} />
                <button type="submit">退出</button>
              </form>
            </div>
          )}
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}

/** The hidden CSRF field every form carries. */
export function Csrf({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}
