import type { Context } from 'hono';
import type { Ctx } from '../../server/context.js';
import type { AppEnv } from '../../server/http/env.js';
import { ctxOf } from '../../server/http/middleware.js';
import { Problem } from '../../server/http/problem.js';
import { decisionInput, listApplicationsQuery, signAgreementInput, submitApplicationInput, type AgreementView, type ApplicationView } from '../../server/modules/applications/inputs.js';
import { getAgreement, listAgreements, signAgreement } from '../../server/modules/applications/service/agreements.js';
import { acceptApplication, confirmApplication, getApplication, listApplications, submitApplication, withdrawApplication } from '../../server/modules/applications/service/applications.js';
import { decideApplication } from '../../server/modules/applications/service/decisions.js';
import { listPrefixes } from '../../server/modules/ipam/service/prefixes.js';
import { inSubtree } from '../../server/modules/access/authorize.js';
import { findUnit } from '../../server/modules/divisions/service.js';
import { Empty, when } from '../components.js';
import { applicationBody, problemErrors, zodErrors, type FieldErrors, type Form } from '../forms.js';
import { Csrf } from '../layout.js';
import { render, type PageModule } from '../render.js';
import { formOf } from '../session.js';

export const typeNames: Record<string, string> = { access: '网络接入', deployment: '业务部署', ip: 'IP 地址', domain: '域名', plan: '建设扩容方案' };
export const statusNames: Record<string, string> = { submitted: '待受理', accepted: '审核中', approved: '已批准', rejected: '已驳回', withdrawn: '已撤回', pending: '待签署', effective: '已生效' };
const zoneNames: Record<string, string> = { public: '公用网络区', dedicated: '专用网络区', internet: '互联网接入区' };

function StatusBadge({ status }: { status: string }) {
  const tone = status === 'approved' || status === 'effective' ? 'ok' : status === 'rejected' ? 'bad' : 'warn';
  return <span class={`badge ${tone}`}>{statusNames[status] ?? status}</span>;
}

/** The running date of an open application: acceptance by, or the review deadline, with working days left; overdue in red. */
function Due({ a }: { a: ApplicationView }) {
  if (a.status !== 'submitted' && a.status !== 'accepted') return <span class="muted">—</span>;
  const date = a.status === 'submitted' ? a.acceptBy : a.deadline;
  const label = a.status === 'submitted' ? '受理期限' : '审核期限';
  const left = a.workdaysLeft;
  return (
    <span class={a.overdue ? 'overdue' : undefined}>
      {label} {date}
      {(a.status === 'submitted' ? a.acceptByProvisional : a.provisional) && <span class="provisional">（暂定）</span>}
      <br />
      {left === null ? '' : a.overdue ? `已逾期 ${-left} 个工作日` : `剩余 ${left} 个工作日`}
    </span>
  );
}

function ApplicationTable({ items, showApplicant = true }: { items: ApplicationView[]; showApplicant?: boolean }) {
  if (items.length === 0) return <Empty>没有申请。</Empty>;
  return (
    <table class="applications">
      <thead>
        <tr>
          <th>编号</th>
          <th>类型</th>
          {showApplicant && <th>申请单位</th>}
          <th>审核单位</th>
          <th>提交时间</th>
          <th>期限</th>
          <th>状态</th>
        </tr>
      </thead>
      <tbody>
        {items.map((a) => (
          <tr class={a.overdue ? 'overdue' : undefined} data-application={a.id}>
            <td>
              <a href={`/applications/${a.id}`}>#{a.id}</a>
            </td>
            <td>{typeNames[a.type]}</td>
            {showApplicant && <td>{a.applicantName}</td>}
            <td>{a.reviewerName}</td>
            <td>{when(a.submittedAt)}</td>
            <td class="deadline">
              <Due a={a} />
            </td>
            <td>
              <StatusBadge status={a.status} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The reviewer's queue: open applications, the nearest running date first (overdue on top). */
export function reviewQueue(items: ApplicationView[]): ApplicationView[] {
  const due = (a: ApplicationView) => (a.status === 'submitted' ? a.acceptBy : (a.deadline ?? '9999-12-31'));
  return items.filter((a) => a.status === 'submitted' || a.status === 'accepted').sort((a, b) => due(a).localeCompare(due(b)) || Number(a.id) - Number(b.id));
}

async function allApplications(ctx: Ctx, query: Record<string, string | undefined>) {
  return listApplications(ctx, listApplicationsQuery.parse({ limit: 500, ...query }));
}

/** The home page's workflow part, per role. */
export async function WorkflowHome({ ctx }: { ctx: Ctx; csrf: string }) {
  const { actor } = ctx;
  if (actor.role === 'applicant') {
    const apps = await allApplications(ctx, { applicant: actor.unitCode });
    const agreements = await listAgreements(ctx, { limit: 100 });
    return (
      <>
        <h2>我的申请</h2>
        <p>
          <a class="button" href="/applications/new">
            提交新申请
          </a>
        </p>
        <ApplicationTable items={apps.items} showApplicant={false} />
        <h2>我的接入协议</h2>
        <AgreementTable items={agreements.items} />
      </>
    );
  }
  if (actor.role === 'operator' || actor.role === 'admin') {
    // The open ones only, by running date (the API's sort=due), so the queue is never cut short by decided ones.
    const open = async (status: 'submitted' | 'accepted') =>
      (await allApplications(ctx, { status, sort: 'due', ...(actor.role === 'operator' ? { reviewer: actor.unitCode } : {}) })).items;
    const queue = reviewQueue([...(await open('submitted')), ...(await open('accepted'))]);
    const agreements = await listAgreements(ctx, { status: 'pending', limit: 100 });
    return (
      <>
        <h2>审核队列</h2>
        <p class="muted">按期限排列：受理期限自提交起计，审核期限自受理起 15 个工作日（管理办法第十五、十九条），按国家法定节假日与调休计算；逾期以红色显示。</p>
        <ApplicationTable items={queue} />
        <h2>待签署的接入协议</h2>
        <AgreementTable items={agreements.items} />
      </>
    );
  }
  const apps = await allApplications(ctx, {});
  const overdue = apps.items.filter((a) => a.overdue);
  return (
    <>
      <h2>逾期未办的申请</h2>
      <ApplicationTable items={overdue} />
      <h2>全部申请</h2>
      <ApplicationTable items={apps.items} />
    </>
  );
}

function AgreementTable({ items }: { items: AgreementView[] }) {
  if (items.length === 0) return <Empty>没有接入协议。</Empty>;
  return (
    <table>
      <thead>
        <tr>
          <th>协议</th>
          <th>申请单位</th>
          <th>运维管理单位</th>
          <th>签署</th>
          <th>状态</th>
        </tr>
      </thead>
      <tbody>
        {items.map((g) => (
          <tr>
            <td>
              <a href={`/agreements/${g.id}`}>接入协议 #{g.id}</a>
            </td>
            <td>{g.applicantName}</td>
            <td>{g.operatorName}</td>
            <td>{g.signatures.length} / 2</td>
            <td>
              <StatusBadge status={g.status} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// ---- the application form ---------------------------------------------------------------

function Field(props: { name: string; label: string; errors: FieldErrors; hint?: string; children: unknown }) {
  const error = props.errors[props.name];
  return (
    <div class={error ? 'field invalid' : 'field'} data-field={props.name}>
      <label for={props.name}>{props.label}</label>
      {props.children}
      {props.hint && <span class="hint">{props.hint}</span>}
      {error && (
        <span class="error" id={`${props.name}-error`}>
          {error}
        </span>
      )}
    </div>
  );
}

function ApplicationForm({ type, form, errors, csrf, applicant }: { type: string; form: Form; errors: FieldErrors; csrf: string; applicant: string }) {
  const v = (name: string) => form[name] ?? '';
  const input = (name: string, attrs: Record<string, string> = {}) => <input id={name} name={name} value={v(name)} aria-invalid={errors[name] ? 'true' : undefined} {...attrs} />;
  const box = (name: string) => <input type="checkbox" id={name} name={name} value="on" checked={form[name] === 'on'} />;
  return (
    <>
      <p class="no-print">
        申请类型：
        {Object.entries(typeNames).map(([key, label]) => (
          <>
            {key === type ? <strong>{label}</strong> : <a href={`/applications/new?type=${key}`}>{label}</a>}{' '}
          </>
        ))}
      </p>
      {errors._form && (
        <p class="notice bad" role="alert">
          {errors._form}
        </p>
      )}
      {Object.keys(errors).length > 0 && !errors._form && (
        <p class="notice bad" role="alert">
          申请未提交：请按各项旁的提示修改后重新提交。
        </p>
      )}
      <form class="stack" method="post" action="/applications" novalidate>
        <Csrf token={csrf} />
        <input type="hidden" name="type" value={type} />
        <input type="hidden" name="applicant" value={applicant} />
        {(type === 'access' || type === 'deployment') && (
          <>
            <fieldset>
              <legend>网络需求（管理办法第十九条）</legend>
              <Field name="zones" label="接入的功能域" errors={errors}>
                <span class="row">
                  {Object.entries(zoneNames).map(([z, label]) => (
                    <label>
                      {box(`zone_${z}`)} {label}
                    </label>
                  ))}
                </span>
              </Field>
              <div class="row">
                <Field name="bandwidthMbps" label="带宽 (Mbps)" errors={errors}>
                  {input('bandwidthMbps', { inputmode: 'numeric' })}
                </Field>
                <Field name="securityLevel" label="等级保护级别" errors={errors}>
                  <select id="securityLevel" name="securityLevel">
                    <option value="">请选择</option>
                    {[1, 2, 3, 4, 5].map((l) => (
                      <option value={String(l)} selected={v('securityLevel') === String(l)}>
                        第 {l} 级
                      </option>
                    ))}
                  </select>
                </Field>
              </div>
              {type === 'deployment' && (
                <div class="row">
                  <Field name="vcpu" label="计算 (vCPU)" errors={errors}>
                    {input('vcpu', { inputmode: 'numeric' })}
                  </Field>
                  <Field name="memoryGiB" label="内存 (GiB)" errors={errors}>
                    {input('memoryGiB', { inputmode: 'decimal' })}
                  </Field>
                  <Field name="storageGiB" label="存储 (GiB)" errors={errors}>
                    {input('storageGiB', { inputmode: 'decimal' })}
                  </Field>
                </div>
              )}
              <Field name="systems" label="接入的系统" hint="每行一个系统名称" errors={errors}>
                <textarea id="systems" name="systems">
                  {v('systems')}
                </textarea>
              </Field>
            </fieldset>
            <fieldset>
              <legend>安全保密</legend>
              <Field name="secrecyDone" label="涉密性质安全保密检查" errors={errors}>
                <label>{box('secrecyDone')} 本单位已对上述系统进行涉密性质安全保密检查</label>
              </Field>
              <Field name="secrecyClassified" label="涉密声明" errors={errors}>
                <label>{box('secrecyClassified')} 上述系统中有涉密系统</label>
              </Field>
            </fieldset>
            <fieldset>
              <legend>边界设备指定责任人</legend>
              <div class="row">
                <Field name="boundaryName" label="姓名" errors={errors}>
                  {input('boundaryName')}
                </Field>
                <Field name="boundaryPhone" label="电话" errors={errors}>
                  {input('boundaryPhone', { inputmode: 'tel' })}
                </Field>
              </div>
            </fieldset>
          </>
        )}
        {type === 'ip' && (
          <fieldset>
            <legend>IP 地址（管理办法第二十一条）</legend>
            <div class="row">
              <Field name="vrf" label="VRF" errors={errors}>
                {input('vrf', { placeholder: 'public' })}
              </Field>
              <Field name="prefixLength" label="前缀长度" hint="如 IPv4 的 24（256 个地址）" errors={errors}>
                {input('prefixLength', { inputmode: 'numeric' })}
              </Field>
            </div>
          </fieldset>
        )}
        {type === 'domain' && (
          <fieldset>
            <legend>域名（管理办法第二十一条）</legend>
            <div class="row">
              <Field name="parentId" label="上级域名编号" errors={errors}>
                {input('parentId', { inputmode: 'numeric' })}
              </Field>
              <Field name="label" label="标签" errors={errors}>
                {input('label')}
              </Field>
            </div>
            <Field name="nameservers" label="域名服务器" hint="每行：名称 地址（如 ns1.example.gx 10.0.0.53）" errors={errors}>
              <textarea id="nameservers" name="nameservers">
                {v('nameservers')}
              </textarea>
            </Field>
          </fieldset>
        )}
        {type === 'plan' && (
          <fieldset>
            <legend>建设、扩容方案（管理办法第十五条）</legend>
            <Field name="planTitle" label="标题" errors={errors}>
              {input('planTitle')}
            </Field>
            <Field name="planScope" label="范围" errors={errors}>
              {input('planScope')}
            </Field>
            <Field name="planDocument" label="方案正文" errors={errors}>
              <textarea id="planDocument" name="planDocument">
                {v('planDocument')}
              </textarea>
            </Field>
          </fieldset>
        )}
        <fieldset>
          <legend>联系人</legend>
          <div class="row">
            <Field name="contactName" label="姓名" errors={errors}>
              {input('contactName')}
            </Field>
            <Field name="contactPhone" label="电话" errors={errors}>
              {input('contactPhone', { inputmode: 'tel' })}
            </Field>
          </div>
          <Field name="coApplicants" label="联合申请单位（跨地区、跨部门业务）" hint="单位代码，以逗号分隔；每个联合申请单位须确认" errors={errors}>
            {input('coApplicants')}
          </Field>
        </fieldset>
        <div class="actions">
          <button type="submit">提交申请</button>
        </div>
      </form>
    </>
  );
}

function showForm(c: Context<AppEnv>, type: string, form: Form, errors: FieldErrors, status: 200 | 400 | 422 = 200) {
  const actor = c.var.session!.actor;
  return render(
    c,
    { title: '提交申请', current: '/applications/new' },
    <>
      <h1>提交{typeNames[type]}申请</h1>
      <p class="muted">申请单位：{actor.unitCode}。审核单位由管理办法确定（本级运维管理单位或上一级），无需选择。</p>
      <ApplicationForm type={type} form={form} errors={errors} csrf={c.var.session!.csrfToken} applicant={actor.unitCode} />
    </>,
    status,
  );
}

// ---- one application, and its review ---------------------------------------------------

function Facts({ a }: { a: ApplicationView }) {
  const rows: [string, unknown][] = [
    ['类型', typeNames[a.type]],
    ['状态', <StatusBadge status={a.status} />],
    ['申请单位', `${a.applicantName}（${a.applicant}）`],
    ['审核单位', `${a.reviewerName}（${a.reviewer}）`],
    ['提交时间', when(a.submittedAt)],
    ['受理期限', `${a.acceptBy}${a.acceptByProvisional ? '（暂定）' : ''}`],
    ['受理时间', when(a.acceptedAt)],
    ...(a.decidedAt ? ([['审核时间', `${when(a.decidedAt)}（${a.decidedBy ?? ''}）`]] as [string, unknown][]) : []),
    ['审核期限', !a.deadline ? '受理后起算' : a.status === 'accepted' ? <Due a={a} /> : `${a.deadline}${a.provisional ? '（暂定）' : ''}`],
  ];
  if (a.zones?.length) rows.push(['功能域', a.zones.map((z) => zoneNames[z] ?? z).join('、')]);
  if (a.bandwidthMbps !== null) rows.push(['带宽', `${a.bandwidthMbps} Mbps`]);
  if (a.compute) rows.push(['计算', `${a.compute.vcpu} vCPU，${a.compute.memoryGiB} GiB 内存`]);
  if (a.storageGiB !== null) rows.push(['存储', `${a.storageGiB} GiB`]);
  if (a.securityLevel !== null) rows.push(['等级保护', `第 ${a.securityLevel} 级`]);
  if (a.secrecyCheck) rows.push(['保密检查', a.secrecyCheck.done ? '已完成，无涉密系统' : '未完成']);
  if (a.systems.length) rows.push(['接入系统', a.systems.map((s) => s.name).join('、')]);
  if (a.contact) rows.push(['联系人', `${a.contact.name} ${a.contact.phone}`]);
  if (a.boundaryResponsible) rows.push(['边界设备责任人', `${a.boundaryResponsible.name} ${a.boundaryResponsible.phone}`]);
  if (a.ip) rows.push(['申请地址', `VRF ${a.ip.vrf}，/${a.ip.prefixLength}`]);
  if (a.domain) rows.push(['申请域名', `${a.domain.label}（上级 #${a.domain.parentId}）`]);
  if (a.plan) rows.push(['方案', `${a.plan.title}：${a.plan.scope}`]);
  if (a.confirmations.length) rows.push(['联合申请单位', a.confirmations.map((c) => `${c.unitName}${c.confirmedAt ? '（已确认）' : '（待确认）'}`).join('、')]);
  if (a.opinion) rows.push(['审核意见', a.opinion]);
  if (a.result) {
    const r = a.result as { prefix?: { cidr?: string; vrf?: string }; domain?: { name?: string } };
    rows.push(['分配结果', r.prefix ? `${r.prefix.cidr}（VRF ${r.prefix.vrf}）` : r.domain ? String(r.domain.name) : JSON.stringify(a.result)]);
  }
  if (a.filedWith) rows.push(['备案', `${a.filedWith} ${when(a.filedAt)}`]);
  return (
    <dl class="facts">
      {rows.map(([k, v]) => (
        <>
          <dt>{k}</dt>
          <dd>{v as string}</dd>
        </>
      ))}
    </dl>
  );
}

async function showApplication(c: Context<AppEnv>, id: string, message?: { ok?: string; bad?: string }, status: 200 | 400 | 403 | 409 | 422 = 200) {
  const ctx = ctxOf(c);
  const a = await getApplication(ctx, id);
  const csrf = c.var.session!.csrfToken;
  const { actor } = ctx;
  // The reviewer's forms for whoever may act for the reviewing unit (its operators, those above it, the admin); the verbs decide anyway.
  const reviewerUnit = await findUnit(ctx.db, a.reviewer);
  const reviewerSide = actor.role === 'admin' || (actor.role === 'operator' && reviewerUnit !== undefined && inSubtree(actor.unitPath, reviewerUnit.path) && actor.unitCode !== a.applicant);
  const applicantSide = actor.unitCode === a.applicant && actor.role !== 'auditor';
  const coApplicant = a.confirmations.some((cf) => cf.unit === actor.unitCode && !cf.confirmedAt) && actor.role !== 'auditor';
  let pools: { id: string; cidr: string; utilization: number }[] = [];
  if (reviewerSide && a.status === 'accepted' && a.type === 'ip' && a.ip) {
    const found = (await listPrefixes(ctx, { holder: a.reviewer, vrf: a.ip.vrf, limit: 200 })).parse();
    pools = found.items.filter((p) => p.status === 'pool' || p.status === 'allocated').map((p) => ({ id: p.id, cidr: p.cidr, utilization: p.utilization.percent }));
  }
  return render(
    c,
    { title: `申请 #${a.id}`, current: '/applications' },
    <>
      <h1>
        {typeNames[a.type]}申请 #{a.id}
      </h1>
      {message?.ok && <p class="notice ok">{message.ok}</p>}
      {message?.bad && (
        <p class="notice bad" role="alert">
          {message.bad}
        </p>
      )}
      <section class="card">
        <Facts a={a} />
        {a.agreementId && (
          <p>
            <a href={`/agreements/${a.agreementId}`}>查看接入协议 #{a.agreementId}</a>
          </p>
        )}
      </section>
      {reviewerSide && a.status === 'submitted' && (
        <section class="card">
          <h2>受理</h2>
          <p class="muted">受理后，须在 15 个工作日内提出审核意见（管理办法第十九条）。</p>
          <form method="post" action={`/applications/${a.id}/accept`}>
            <Csrf token={csrf} />
            <button type="submit">受理</button>
          </form>
        </section>
      )}
      {reviewerSide && a.status === 'accepted' && (
        <section class="card">
          <h2>审核意见</h2>
          <form class="stack" method="post" action={`/applications/${a.id}/decision`}>
            <Csrf token={csrf} />
            <div class="field">
              <label for="opinion">审核意见</label>
              <textarea id="opinion" name="opinion"></textarea>
              <span class="hint">驳回时必须填写。</span>
            </div>
            {a.type === 'ip' && (
              <div class="field">
                <label for="pool">分配自</label>
                <select id="pool" name="pool">
                  <option value="">自动选择最合适的前缀</option>
                  {pools.map((p) => (
                    <option value={p.id}>
                      {p.cidr}（已用 {p.utilization.toFixed(1)}%）
                    </option>
                  ))}
                </select>
              </div>
            )}
            <div class="actions">
              <button type="submit" name="decision" value="approve">
                批准
              </button>
              <button type="submit" name="decision" value="reject" class="danger" data-confirm="驳回此申请？">
                驳回
              </button>
            </div>
          </form>
        </section>
      )}
      {coApplicant && (
        <section class="card">
          <h2>联合申请确认</h2>
          <form method="post" action={`/applications/${a.id}/confirm`}>
            <Csrf token={csrf} />
            <button type="submit">确认本单位参与此申请</button>
          </form>
        </section>
      )}
      {applicantSide && (a.status === 'submitted' || a.status === 'accepted') && (
        <section class="card">
          <form method="post" action={`/applications/${a.id}/withdraw`}>
            <Csrf token={csrf} />
            <button type="submit" class="secondary" data-confirm="撤回此申请？">
              撤回申请
            </button>
          </form>
        </section>
      )}
    </>,
    status,
  );
}

/** A verb's refusal on the application page: shown above it, with the verb's status. */
async function orRefusal(c: Context<AppEnv>, id: string, work: () => Promise<unknown>, done: string) {
  try {
    await work();
  } catch (err) {
    if (err instanceof Problem && [400, 403, 409, 422].includes(err.status)) {
      return showApplication(c, id, { bad: refusalText(err) }, err.status as 400 | 403 | 409 | 422);
    }
    throw err;
  }
  return c.redirect(`/applications/${id}?done=${done}`, 303);
}

function refusalText(p: Problem): string {
  const head: Record<number, string> = { 400: '输入有误', 403: '无权执行此操作', 409: '与当前状态冲突', 422: '不符合管理办法的规定' };
  return `${head[p.status] ?? '未能完成'}：${p.detail}`;
}

const doneText: Record<string, string> = { submitted: '申请已提交。', accepted: '已受理，审核期限已开始计算。', decided: '审核意见已提交。', withdrawn: '申请已撤回。', confirmed: '已确认。' };

// ---- the agreement ----------------------------------------------------------------------

async function showAgreement(c: Context<AppEnv>, id: string, message?: { ok?: string; bad?: string }, status: 200 | 400 | 403 | 409 = 200) {
  const ctx = ctxOf(c);
  const g = await getAgreement(ctx, id);
  const { actor } = ctx;
  const signed = new Set(g.signatures.map((s) => s.party));
  const party = actor.unitCode === g.applicant ? 'applicant' : actor.role === 'operator' || actor.role === 'admin' ? 'operator' : null;
  const canSign = party && !signed.has(party) && actor.role !== 'auditor';
  // The agreement text (wf's agreement-text.ts) names the O&M unit 甲方 and the applicant 乙方.
  const partyNames = { applicant: '接入单位（乙方）', operator: '建设运维单位（甲方）' };
  return render(
    c,
    { title: `接入协议 #${g.id}` },
    <>
      {message?.ok && <p class="notice ok">{message.ok}</p>}
      {message?.bad && (
        <p class="notice bad" role="alert">
          {message.bad}
        </p>
      )}
      <p class="no-print">
        <StatusBadge status={g.status} /> <a href={`/applications/${g.applicationId}`}>申请 #{g.applicationId}</a> ·{' '}
        <a href="#print" data-print="1">
          打印
        </a>{' '}
        <span class="muted">（或按 Ctrl+P；打印样式为 A4 纸）</span>
      </p>
      <article class="agreement">
        <h1>电子政务外网接入协议</h1>
        <p class="muted">协议编号 {g.id} · 生成于 {when(g.createdAt)}</p>
        <div class="text">{g.text}</div>
        <h2>签署</h2>
        <table class="signatures">
          <thead>
            <tr>
              <th>一方</th>
              <th>单位</th>
              <th>签署人</th>
              <th>签署时间</th>
            </tr>
          </thead>
          <tbody>
            {(['operator', 'applicant'] as const).map((p) => {
              const s = g.signatures.find((x) => x.party === p);
              return (
                <tr>
                  <td>{partyNames[p]}</td>
                  <td>{p === 'applicant' ? g.applicantName : g.operatorName}</td>
                  <td>{s ? `${s.signerName}（${s.username}）` : '（未签署）'}</td>
                  <td>{s ? when(s.signedAt) : ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {g.status === 'effective' && <p>本协议自双方签署之日（{when(g.effectiveAt)}）起生效。</p>}
      </article>
      {canSign && (
        <section class="card no-print">
          <h2>以{partyNames[party]}签署</h2>
          <form class="stack" method="post" action={`/agreements/${g.id}/signatures`}>
            <Csrf token={c.var.session!.csrfToken} />
            <input type="hidden" name="party" value={party} />
            <div class="field">
              <label for="signerName">签署人姓名</label>
              <input id="signerName" name="signerName" required />
            </div>
            <div class="actions">
              <button type="submit">签署</button>
            </div>
          </form>
        </section>
      )}
    </>,
    status,
  );
}

export const workflowPages: PageModule = (web, { loadSession, requireLogin, guardPost }) => {
  web.get('/applications', loadSession, requireLogin, async (c) => {
    const ctx = ctxOf(c);
    const s = c.req.query('status');
    const status = s && ['submitted', 'accepted', 'approved', 'rejected', 'withdrawn'].includes(s) ? s : undefined;
    const page = await allApplications(ctx, { status, overdue: c.req.query('overdue') === 'true' ? 'true' : undefined });
    return render(
      c,
      { title: '业务申请', current: '/applications' },
      <>
        <h1>业务申请</h1>
        <p class="no-print">
          <a href="/applications">全部</a> · <a href="/applications?status=submitted">待受理</a> · <a href="/applications?status=accepted">审核中</a> ·{' '}
          <a href="/applications?overdue=true">逾期</a> · <a href="/applications?status=approved">已批准</a>
        </p>
        <ApplicationTable items={page.items} />
      </>,
    );
  });

  web.get('/applications/new', loadSession, requireLogin, (c) => {
    const t = c.req.query('type') ?? 'access';
    return showForm(c, typeNames[t] ? t : 'access', {}, {});
  });

  web.post('/applications', loadSession, requireLogin, guardPost, async (c) => {
    const form = await formOf(c);
    const type = typeNames[form.type] ? form.type : 'access';
    const body = applicationBody(form, (name) => form[name] === 'on');
    const parsed = submitApplicationInput.safeParse(body);
    if (!parsed.success) return showForm(c, type, form, zodErrors(parsed.error), 400);
    let created;
    try {
      created = await submitApplication(ctxOf(c), parsed.data);
    } catch (err) {
      if (err instanceof Problem && (err.status === 400 || err.status === 422 || err.status === 403)) return showForm(c, type, form, problemErrors(err), err.status === 403 ? 400 : err.status);
      throw err;
    }
    return c.redirect(`/applications/${created.id}?done=submitted`, 303);
  });

  web.get('/applications/:id', loadSession, requireLogin, (c) => showApplication(c, c.req.param('id'), { ok: doneText[c.req.query('done') ?? ''] }));

  web.post('/applications/:id/accept', loadSession, requireLogin, guardPost, (c) => {
    const id = c.req.param('id');
    return orRefusal(c, id, () => acceptApplication(ctxOf(c), id), 'accepted');
  });
  web.post('/applications/:id/decision', loadSession, requireLogin, guardPost, async (c) => {
    const id = c.req.param('id');
    const form = await formOf(c);
    const parsed = decisionInput.safeParse({ decision: form.decision, opinion: form.opinion ?? '', ...(form.pool ? { pool: form.pool } : {}) });
    if (!parsed.success) return showApplication(c, id, { bad: '请选择批准或驳回。' }, 400);
    return orRefusal(c, id, () => decideApplication(ctxOf(c), id, parsed.data), 'decided');
  });
  web.post('/applications/:id/withdraw', loadSession, requireLogin, guardPost, (c) => {
    const id = c.req.param('id');
    return orRefusal(c, id, () => withdrawApplication(ctxOf(c), id), 'withdrawn');
  });
  web.post('/applications/:id/confirm', loadSession, requireLogin, guardPost, (c) => {
    const id = c.req.param('id');
    return orRefusal(c, id, () => confirmApplication(ctxOf(c), id), 'confirmed');
  });

  web.get('/agreements/:id', loadSession, requireLogin, (c) => showAgreement(c, c.req.param('id'), c.req.query('signed') ? { ok: '已签署。' } : undefined));
  web.post('/agreements/:id/signatures', loadSession, requireLogin, guardPost, async (c) => {
    const id = c.req.param('id');
    const form = await formOf(c);
    const parsed = signAgreementInput.safeParse({ party: form.party, signerName: form.signerName ?? '' });
    if (!parsed.success) return showAgreement(c, id, { bad: '请填写签署人姓名。' }, 400);
    try {
      await signAgreement(ctxOf(c), id, parsed.data);
    } catch (err) {
      if (err instanceof Problem && [400, 403, 409].includes(err.status)) return showAgreement(c, id, { bad: refusalText(err) }, err.status as 400 | 403 | 409);
      throw err;
    }
    return c.redirect(`/agreements/${id}?signed=1`, 303);
  });
};
