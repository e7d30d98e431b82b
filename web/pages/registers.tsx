import { ctxOf } from '../../server/http/middleware.js';
import { invalid } from '../../server/http/problem.js';
import type { AssessmentQuery } from '../../server/modules/registers/inputs.js';
import { assessmentFile, assessmentReport } from '../../server/modules/registers/service/assessment.js';
import { listMajorFaults } from '../../server/modules/registers/service/faults.js';
import { listFilings } from '../../server/modules/registers/service/filings.js';
import { listMigrations, migrationSummary } from '../../server/modules/registers/service/migrations.js';
import { listReadiness } from '../../server/modules/registers/service/readiness.js';
import { shanghaiDate } from '../../server/modules/calendar/workdays.js';
import { Empty, when } from '../components.js';
import { Csrf } from '../layout.js';
import { render, type PageModule } from '../render.js';
import { formOf } from '../session.js';
import { createDrillInput } from '../../server/modules/registers/inputs.js';
import { acknowledgeIncident } from '../../server/modules/registers/service/faults.js';
import { createDrill } from '../../server/modules/registers/service/readiness.js';
import { reportIncidentInput, resolveIncidentInput } from '../../server/modules/registers/inputs.js';
import { reportIncident, resolveReportedIncident } from '../../server/modules/registers/service/reported.js';

// The registers of chapter 3 (server/modules/registers), read-only pages for supervisors: the
// same verbs as the API, so each reader sees the same entries the API would give it.

const levelNames: Record<string, string> = { region: '自治区级', city: '市级', county: '县级', township: '乡级' };
const migrationStatusNames: Record<string, string> = { planned: '计划中', migrating: '迁移中', migrated: '已迁移', overdue: '逾期' };
const filingFlagNames: Record<string, string> = {
  not_filed: '未备案',
  domain_not_registered: '域名未登记',
  domain_not_in_dns: '域名无解析',
  address_not_registered: '地址未登记',
  address_not_in_dns: '地址未解析',
};
const readinessFlagNames: Record<string, string> = { no_plan: '无应急预案', no_plan_document: '预案文件缺失', no_recent_drill: '逾期未演练' };
const fmt = (v: number | null) => (v === null ? '—' : String(v));

export const registerPages: PageModule = (web, { loadSession, requireLogin, guardPost }) => {
  web.get('/registers/migrations', loadSession, requireLogin, async (c) => {
    const ctx = ctxOf(c);
    const overdueOnly = c.req.query('status') === 'overdue';
    const [summary, page] = await Promise.all([migrationSummary(ctx, {}), listMigrations(ctx, { status: overdueOnly ? 'overdue' : undefined, limit: 500 })]);
    return render(
      c,
      { title: '专网迁移', current: '/registers/migrations' },
      <>
        <h1>专网迁移</h1>
        <p class="muted">非涉密业务专网按计划迁入电子政务外网专用网络区（管理办法第十五条第一项、第十八条）；逾期未迁移的不再安排运维经费。统计日期 {summary.asOf}。</p>
        <table>
          <thead>
            <tr>
              <th>层级</th>
              <th>合计</th>
              <th>计划中</th>
              <th>迁移中</th>
              <th>已迁移</th>
              <th>逾期</th>
            </tr>
          </thead>
          <tbody>
            {summary.levels.map((l) => (
              <tr>
                <td>{levelNames[l.level]}</td>
                <td class="num">{l.total}</td>
                <td class="num">{l.planned}</td>
                <td class="num">{l.migrating}</td>
                <td class="num">{l.migrated}</td>
                <td class="num">{l.overdue}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p>
          <a href="/registers/migrations">全部</a> · <a href="/registers/migrations?status=overdue">仅逾期</a>
        </p>
        {page.items.length === 0 ? (
          <Empty>没有迁移计划。</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th>业务专网</th>
                <th>单位</th>
                <th>层级</th>
                <th>迁入 VRF</th>
                <th>计划日期</th>
                <th>完成日期</th>
                <th>状态</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((m) => (
                <tr>
                  <td>{m.network}</td>
                  <td>{m.ownerName}</td>
                  <td>{levelNames[m.level]}</td>
                  <td>{m.vrf}</td>
                  <td>{m.plannedOn}</td>
                  <td>{m.migratedOn ?? '—'}</td>
                  <td>{m.overdue ? `逾期 ${m.daysOverdue} 天` : migrationStatusNames[m.status]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </>,
    );
  });

  web.get('/registers/website-filings', loadSession, requireLogin, async (c) => {
    const flaggedOnly = c.req.query('flagged') === 'true';
    const page = await listFilings(ctxOf(c), { flagged: flaggedOnly ? 'true' : undefined, limit: 500 });
    return render(
      c,
      { title: '网站备案', current: '/registers/website-filings' },
      <>
        <h1>网站备案</h1>
        <p class="muted">部署在电子政务外网上的网站及其备案（管理办法第十九条）；域名和地址与登记不符的予以标注。</p>
        <p>
          <a href="/registers/website-filings">全部</a> · <a href="/registers/website-filings?flagged=true">仅有问题</a>
        </p>
        {page.items.length === 0 ? (
          <Empty>没有网站备案。</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th>网站</th>
                <th>域名</th>
                <th>地址</th>
                <th>责任单位</th>
                <th>备案号</th>
                <th>协助单位</th>
                <th>问题</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((f) => (
                <tr>
                  <td>{f.siteName}</td>
                  <td>{f.domainUnicode}</td>
                  <td>{f.addresses.join(', ')}</td>
                  <td>{f.responsibleUnitName}</td>
                  <td>{f.filingNumber || '—'}</td>
                  <td>{f.assistingUnit ?? '—'}</td>
                  <td>{f.flags.length === 0 ? '无' : f.flags.map((x) => filingFlagNames[x.code]).join('、')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </>,
    );
  });

  web.get('/registers/emergency', loadSession, requireLogin, async (c) => {
    const flaggedOnly = c.req.query('flagged') === 'true';
    const page = await listReadiness(ctxOf(c), { flagged: flaggedOnly ? 'true' : undefined, limit: 1000 });
    const actor = c.var.session!.actor;
    const canRecord = actor.role === 'admin' || actor.role === 'operator';
    return render(
      c,
      { title: '应急预案与演练', current: '/registers/emergency' },
      <>
        <h1>应急预案与演练</h1>
        <p class="muted">各级运维管理单位的应急预案及演练（管理办法第二十条、第三十三条）；{page.since} 以来未演练的予以标注。</p>
        <p>
          <a href="/registers/emergency">全部</a> · <a href="/registers/emergency?flagged=true">仅有问题</a>
        </p>
        {c.req.query('done') === 'drill' ? <p class="ok">演练已记录。</p> : null}
        {canRecord ? (
          <form method="post" action="/registers/drills" class="card no-print">
            <Csrf token={c.var.session!.csrfToken} />
            <h2>记录演练</h2>
            <label>
              单位代码 <input name="unit" value={actor.unitCode} size={9} required />
            </label>{' '}
            <label>
              演练日期 <input name="heldOn" type="date" required />
            </label>{' '}
            <label>
              演练场景 <input name="scenario" required size={30} />
            </label>
            <label>
              发现的问题 <textarea name="findings" rows={2} cols={60}></textarea>
            </label>
            <button type="submit">记录</button>
          </form>
        ) : null}
        {page.items.length === 0 ? (
          <Empty>没有需要显示的单位。</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th>单位</th>
                <th>层级</th>
                <th>预案修订日期</th>
                <th>预案文件</th>
                <th>最近演练</th>
                <th>期内演练</th>
                <th>问题</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((u) => (
                <tr>
                  <td>{u.unitName}</td>
                  <td>{levelNames[u.level]}</td>
                  <td>{u.planRevisedOn ?? '—'}</td>
                  <td>{u.hasDocument ? '有' : '无'}</td>
                  <td>{u.lastDrillOn ?? '—'}</td>
                  <td class="num">{u.drillsInWindow}</td>
                  <td>{u.flags.length === 0 ? '无' : u.flags.map((x) => readinessFlagNames[x.code]).join('、')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </>,
    );
  });

  web.get('/registers/major-faults', loadSession, requireLogin, async (c) => {
    const page = await listMajorFaults(ctxOf(c), { limit: 200 });
    const actor = c.var.session!.actor;
    const canReport = actor.role === 'admin' || actor.role === 'operator';
    const reported = c.req.query('reported');
    const closed = c.req.query('closed');
    return render(
      c,
      { title: '重大故障', current: '/registers/major-faults' },
      <>
        <h1>重大故障</h1>
        <p class="muted">市级以上节点中断、边界线路长时间中断或经运维人员认定的重大故障，即时上报；未确认的逐级升级（管理办法第二十条、第三十七条）。</p>
        {reported && /^\d+$/.test(reported) ? <p class="ok">故障已上报（编号 {reported}），已即时报告上一级运维管理单位。</p> : null}
        {closed && /^\d+$/.test(closed) ? <p class="ok">故障 {closed} 已关闭。</p> : null}
        {canReport ? (
          <form method="post" action="/registers/incidents" class="card no-print">
            <Csrf token={c.var.session!.csrfToken} />
            <h2>上报故障</h2>
            <label>
              受影响单位代码 <input name="unit" value={actor.unitCode} size={9} required />
            </label>{' '}
            <label>
              标题 <input name="title" required size={30} />
            </label>{' '}
            <label>
              等级{' '}
              <select name="severity">
                <option value="minor">一般</option>
                <option value="major">重大</option>
              </select>
            </label>
            <label>
              情况说明 <textarea name="description" rows={2} cols={60}></textarea>
            </label>
            <button type="submit">上报</button>
          </form>
        ) : null}
        {page.items.length === 0 ? (
          <Empty>没有重大故障。</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th>说明</th>
                <th>认定依据</th>
                <th>发生时间</th>
                <th>报告至</th>
                <th>确认</th>
                <th>升级次数</th>
                <th>恢复时间</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((m) => (
                <tr>
                  <td>{m.incident.title ?? m.incident.detail}</td>
                  <td>{m.severitySource === 'rule' ? '规则' : '人工'}：{m.severityReason}</td>
                  <td>{when(m.incident.openedAt)}</td>
                  <td>{m.incident.reportedTo}</td>
                  <td>
                    {m.acknowledgedAt ? (
                      `${m.acknowledgedBy}，${when(m.acknowledgedAt)}`
                    ) : (
                      <form method="post" action={`/registers/major-faults/${m.incident.id}/acknowledge`} class="no-print">
                        <Csrf token={c.var.session!.csrfToken} />
                        未确认 <button type="submit">确认</button>
                      </form>
                    )}
                  </td>
                  <td class="num">{m.escalations}</td>
                  <td>
                    {m.incident.kind === 'operator_reported' && m.incident.status === 'open' && canReport ? (
                      <form method="post" action={`/registers/incidents/${m.incident.id}/resolve`} class="no-print">
                        <Csrf token={c.var.session!.csrfToken} />
                        <input name="comment" placeholder="处置结果" required size={16} /> <button type="submit">关闭</button>
                      </form>
                    ) : (
                      when(m.incident.resolvedAt)
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </>,
    );
  });

  web.post('/registers/drills', loadSession, requireLogin, guardPost, async (c) => {
    const form = await formOf(c);
    const parsed = createDrillInput.safeParse({ unit: (form.unit ?? '').trim(), heldOn: form.heldOn ?? '', scenario: form.scenario ?? '', findings: form.findings ?? '' });
    if (!parsed.success) throw invalid('请填写单位代码、演练日期（YYYY-MM-DD）和演练场景。');
    await createDrill(ctxOf(c), parsed.data);
    return c.redirect('/registers/emergency?done=drill', 303);
  });

  web.post('/registers/major-faults/:id/acknowledge', loadSession, requireLogin, guardPost, async (c) => {
    await acknowledgeIncident(ctxOf(c), c.req.param('id'), { comment: '' });
    return c.redirect('/registers/major-faults', 303);
  });

  web.post('/registers/incidents', loadSession, requireLogin, guardPost, async (c) => {
    const form = await formOf(c);
    const parsed = reportIncidentInput.safeParse({ kind: 'operator_reported', unit: (form.unit ?? '').trim(), title: form.title ?? '', description: form.description ?? '', severity: form.severity || 'minor' });
    if (!parsed.success) throw invalid('请填写受影响单位代码和故障标题，等级为一般或重大。');
    const created = await reportIncident(ctxOf(c), parsed.data);
    return c.redirect(`/registers/major-faults?reported=${created.incident.id}`, 303);
  });

  web.post('/registers/incidents/:id/resolve', loadSession, requireLogin, guardPost, async (c) => {
    const form = await formOf(c);
    const parsed = resolveIncidentInput.safeParse({ comment: form.comment ?? '' });
    if (!parsed.success) throw invalid('请填写处置结果。');
    const closed = await resolveReportedIncident(ctxOf(c), c.req.param('id'), parsed.data);
    return c.redirect(`/registers/major-faults?closed=${closed.incident.id}`, 303);
  });

  const reportQuery = (q: (name: string) => string | undefined, format: AssessmentQuery['format']): AssessmentQuery => {
    const year = q('year') ?? String(Number(shanghaiDate(new Date()).slice(0, 4)) - 1);
    const level = q('level') ?? 'city';
    if (!/^20\d\d$/.test(year)) throw invalid('年份应为四位数字，例如 2025。', { field: 'year' });
    if (level !== 'region' && level !== 'city' && level !== 'county') throw invalid('层级应为自治区级、市级或县级。', { field: 'level' });
    return { year, level, format };
  };

  web.get('/registers/assessment', loadSession, requireLogin, async (c) => {
    const query = reportQuery((n) => c.req.query(n), 'json');
    const report = await assessmentReport(ctxOf(c), query);
    const files = `year=${query.year}&level=${query.level}`;
    return render(
      c,
      { title: '绩效考核', current: '/registers/assessment' },
      <>
        <h1>
          {report.year} 年{levelNames[report.level]}运维管理单位绩效考核
        </h1>
        <p class="muted">
          按管理办法第二十二条，由本系统的登记和运行数据计算（{report.from} 至 {report.to}）。
        </p>
        <form method="get" action="/registers/assessment">
          <label>
            年份 <input name="year" value={query.year} size={4} />
          </label>{' '}
          <label>
            层级{' '}
            <select name="level">
              {(['region', 'city', 'county'] as const).map((l) => (
                <option value={l} selected={l === query.level}>
                  {levelNames[l]}
                </option>
              ))}
            </select>
          </label>{' '}
          <button type="submit">查看</button> · <a href={`/registers/assessment.csv?${files}`}>下载 CSV</a> · <a href={`/registers/assessment.xlsx?${files}`}>下载 XLSX</a>
        </form>
        {report.units.length === 0 ? (
          <Empty>没有可考核的单位。</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th>单位</th>
                <th>收到/办结申请</th>
                <th>按期办结率</th>
                <th>办结工作日中位数</th>
                <th>故障（重大）</th>
                <th>恢复时长中位数（分钟）</th>
                <th>扩容申请/已处理</th>
                <th>链路 P95 ≥70%</th>
                <th>专网迁移 已迁/计划（逾期）</th>
                <th>演练</th>
                <th>未关闭发现</th>
              </tr>
            </thead>
            <tbody>
              {report.units.map((u) => (
                <tr>
                  <td>{u.unitName}</td>
                  <td class="num">
                    {u.applications.received}/{u.applications.decided}
                  </td>
                  <td class="num">{u.applications.withinDeadlinePercent === null ? '—' : `${u.applications.withinDeadlinePercent}%`}</td>
                  <td class="num">{fmt(u.applications.medianWorkdaysToDecide)}</td>
                  <td class="num">
                    {u.incidents.reported}（{u.incidents.major}）
                  </td>
                  <td class="num">{fmt(u.incidents.medianMinutesToResolve)}</td>
                  <td class="num">
                    {u.expansion.raised}/{u.expansion.handled}
                  </td>
                  <td class="num">
                    {u.linkUtilization.from70to90 + u.linkUtilization.atLeast90}/{u.linkUtilization.links}
                  </td>
                  <td class="num">
                    {u.migration.migrated}/{u.migration.planned}（{u.migration.overdue}）
                  </td>
                  <td class="num">{u.drills}</td>
                  <td class="num">{u.findingsOpen}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </>,
    );
  });

  for (const format of ['csv', 'xlsx'] as const) {
    web.get(`/registers/assessment.${format}`, loadSession, requireLogin, async (c) => {
      const file = await assessmentFile(ctxOf(c), reportQuery((n) => c.req.query(n), format));
      return c.body(file.body as never, 200, { 'Content-Type': file.contentType, 'Content-Disposition': `attachment; filename="${file.filename}"` });
    });
  }
};
