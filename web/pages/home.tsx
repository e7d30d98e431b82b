import { ctxOf } from '../../server/http/middleware.js';
import type { Ctx } from '../../server/context.js';
import { listFindings } from '../../server/modules/findings/service.js';
import { listExpansionRequests } from '../../server/modules/telemetry/service/expansion.js';
import { listIncidents } from '../../server/modules/telemetry/service/incidents.js';
import { roleNames } from '../layout.js';
import { render, type PageModule } from '../render.js';
import { WorkflowHome } from './workflow.js';

/** Counts of open things the reader may see, through the same list verbs (and scopes) as the API. */
async function openCounts(ctx: Ctx) {
  const count = async (list: () => Promise<{ items: unknown[]; nextCursor: string | null }>) => {
    const page = await list();
    return page.nextCursor ? `${page.items.length}+` : String(page.items.length);
  };
  return {
    findings: await count(() => listFindings(ctx, { status: 'open', limit: 1000 })),
    incidents: await count(() => listIncidents(ctx, { status: 'open', limit: 1000 })),
    expansion: await count(() => listExpansionRequests(ctx, { status: 'open', limit: 1000 })),
  };
}

export const homePage: PageModule = (web, { loadSession, requireLogin }) => {
  web.get('/', loadSession, requireLogin, async (c) => {
    const ctx = ctxOf(c);
    const { actor } = ctx;
    const staff = actor.role !== 'applicant';
    const counts = staff ? await openCounts(ctx) : undefined;
    return render(
      c,
      { title: '首页', current: '/' },
      <>
        <h1>
          {roleNames[actor.role]}首页 <span class="muted">· {actor.unitCode}</span>
        </h1>
        {actor.role === 'auditor' && <p class="notice ok">审计监督账户：所有页面只读。</p>}
        {counts && (
          <div class="stats">
            <a class="card" href="/findings">
              <div class="n">{counts.findings}</div>
              <div>未处理的核查发现</div>
            </a>
            <a class="card" href="/incidents">
              <div class="n">{counts.incidents}</div>
              <div>未恢复的事件</div>
            </a>
            <a class="card" href="/expansion-requests">
              <div class="n">{counts.expansion}</div>
              <div>待决定的扩容申请</div>
            </a>
          </div>
        )}
        {await WorkflowHome({ ctx, csrf: c.var.session!.csrfToken })}
      </>,
    );
  });
};
