import type { Context } from 'hono';
import type { AppEnv } from '../../server/http/env.js';
import { ctxOf } from '../../server/http/middleware.js';
import type { Ctx } from '../../server/context.js';
import type { PrefixView } from '../../server/modules/ipam/inputs.js';
import { listPrefixes } from '../../server/modules/ipam/service/prefixes.js';
import { listLinks } from '../../server/modules/sites/service/links.js';
import type { LinkView } from '../../server/modules/sites/inputs.js';
import { listExpansionRequests } from '../../server/modules/telemetry/service/expansion.js';
import { listIncidents } from '../../server/modules/telemetry/service/incidents.js';
import { getUtilization } from '../../server/modules/telemetry/service/utilization.js';
import { listFindings } from '../../server/modules/findings/service.js';
import { Empty, Sparkline, statusNames, UtilBar, when } from '../components.js';
import { render, type PageModule } from '../render.js';

/** At most this many prefixes on one tree page (3 API pages); a note says when there are more. */
const treeLimit = 3000;

export interface TreeNode {
  prefix: PrefixView;
  depth: number;
}

/**
 * Orders prefixes as a tree: each prefix under its parent, depth by depth. The list comes in
 * (vrf, cidr) order, which already puts a parent before its children; a prefix whose parent the
 * reader cannot see (outside its scope) starts a tree of its own.
 */
export function prefixTree(items: PrefixView[]): TreeNode[] {
  const byParent = new Map<string | null, PrefixView[]>();
  const ids = new Set(items.map((p) => p.id));
  for (const p of items) {
    const key = p.parentId && ids.has(p.parentId) ? p.parentId : null;
    if (!byParent.has(key)) byParent.set(key, []);
    byParent.get(key)!.push(p);
  }
  const out: TreeNode[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const p of byParent.get(parent) ?? []) {
      out.push({ prefix: p, depth });
      walk(p.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

async function readablePrefixes(ctx: Ctx, unit: string | undefined): Promise<{ items: PrefixView[]; more: boolean }> {
  const items: PrefixView[] = [];
  let cursor: string | undefined;
  do {
    const page = (await listPrefixes(ctx, { holderWithin: unit, limit: 1000, cursor })).parse();
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && items.length < treeLimit);
  return { items, more: Boolean(cursor) };
}

/** The peak of the two directions per bucket, thinned to at most `points` by taking maxima. */
export function sparkValues(series: { inPercent: number | null; outPercent: number | null }[], points = 84): (number | null)[] {
  const values = series.map((s) => (s.inPercent === null && s.outPercent === null ? null : Math.max(s.inPercent ?? 0, s.outPercent ?? 0)));
  if (values.length <= points) return values;
  const size = Math.ceil(values.length / points);
  const out: (number | null)[] = [];
  for (let i = 0; i < values.length; i += size) {
    const chunk = values.slice(i, i + size).filter((v): v is number => v !== null);
    out.push(chunk.length ? Math.max(...chunk) : null);
  }
  return out;
}

const incidentKinds: Record<string, string> = { link_down: '线路中断', device_down: '设备失联' };
const findingKinds: Record<string, string> = {
  identity_mismatch: '设备身份不符',
  moved: '设备被移动',
  readdressed: '地址被改动',
  config_drift: '配置变更未经批准',
  unreachable: '无法连接',
  host_key_changed: 'SSH 主机密钥变化',
  speed_mismatch: '端口速率与登记不符',
  counter32_on_fast_link: '高速线路使用 32 位计数器',
};

function Badge({ status }: { status: string }) {
  const tone = status === 'open' ? 'bad' : status === 'resolved' || status === 'approved' || status === 'fulfilled' ? 'ok' : 'warn';
  return <span class={`badge ${tone}`}>{statusNames[status] ?? status}</span>;
}

function statusFilter(c: Context<AppEnv>): 'open' | 'resolved' | undefined {
  const s = c.req.query('status');
  return s === 'resolved' ? 'resolved' : s === 'all' ? undefined : 'open';
}

function StatusTabs({ base, status }: { base: string; status: string | undefined }) {
  const tabs: [string, string][] = [
    ['open', '未处理'],
    ['resolved', '已处理'],
    ['all', '全部'],
  ];
  return (
    <p class="no-print">
      {tabs.map(([key, label]) => (
        <>
          {(status ?? 'all') === key ? <strong>{label}</strong> : <a href={`${base}?status=${key}`}>{label}</a>}{' '}
        </>
      ))}
    </p>
  );
}

export const networkPages: PageModule = (web, { loadSession, requireLogin }) => {
  web.get('/prefixes', loadSession, requireLogin, async (c) => {
    const ctx = ctxOf(c);
    const wide = ctx.actor.role === 'admin' || ctx.actor.role === 'auditor';
    // Operators and applicants see their own unit's tree; admin and auditor the whole registry.
    const unit = wide ? c.req.query('unit') || undefined : ctx.actor.unitCode;
    const { items, more } = await readablePrefixes(ctx, unit && /^[0-9A-Za-z-]{2,40}$/.test(unit) ? unit : undefined);
    const tree = prefixTree(items);
    return render(
      c,
      { title: '地址', current: '/prefixes' },
      <>
        <h1>{unit ? `${unit} 的地址` : '全部地址'}</h1>
        <p class="muted">按 VRF 与前缀排列；子网缩进显示在其上级之下。利用率为直接下级（或已指派网段内已登记地址）覆盖的地址比例。</p>
        {tree.length === 0 ? (
          <Empty>没有可查看的地址。</Empty>
        ) : (
          <table class="tree">
            <thead>
              <tr>
                <th>前缀</th>
                <th>VRF</th>
                <th>状态</th>
                <th>持有单位</th>
                <th>说明</th>
                <th>利用率</th>
              </tr>
            </thead>
            <tbody>
              {tree.map(({ prefix: p, depth }) => (
                <tr>
                  <td class="cidr" style={`padding-left:${0.6 + depth * 1.4}rem`}>
                    {depth > 0 ? '└ ' : ''}
                    {p.cidr}
                  </td>
                  <td>{p.vrf}</td>
                  <td>{statusNames[p.status] ?? p.status}</td>
                  <td>
                    {p.holder.name} <span class="muted">{p.holder.code}</span>
                  </td>
                  <td>{p.description}</td>
                  <td>
                    <UtilBar percent={p.utilization.percent} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {more && <p class="muted">只显示前 {treeLimit} 条；请用 API 导出全部。</p>}
      </>,
    );
  });

  web.get('/links', loadSession, requireLogin, async (c) => {
    const ctx = ctxOf(c);
    const page = await listLinks(ctx, { limit: 200 });
    const to = ctx.now();
    const from = new Date(to.getTime() - 7 * 86_400_000);
    const rows: { link: LinkView; values: (number | null)[]; p95: number | null }[] = [];
    for (const link of page.items) {
      const u = await getUtilization(ctx, link.id, { from: from.toISOString(), to: to.toISOString() });
      const p95 = u.p95InPercent === null && u.p95OutPercent === null ? null : Math.max(u.p95InPercent ?? 0, u.p95OutPercent ?? 0);
      rows.push({ link, values: sparkValues(u.series), p95 });
    }
    return render(
      c,
      { title: '线路', current: '/links' },
      <>
        <h1>线路与利用率</h1>
        <p class="muted">最近 7 天，两个方向中较高者；虚线为 70% 扩容阈值。</p>
        {rows.length === 0 ? (
          <Empty>没有可查看的线路。</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th>线路</th>
                <th>A 端</th>
                <th>Z 端</th>
                <th>带宽 (Mbps)</th>
                <th>付费单位</th>
                <th>7 天利用率</th>
                <th>P95</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ link, values, p95 }) => (
                <tr>
                  <td>{link.name}</td>
                  <td>
                    {link.aHostname} <span class="muted">{link.aInterface}</span>
                  </td>
                  <td>
                    {link.zHostname} <span class="muted">{link.zInterface}</span>
                  </td>
                  <td class="num">{link.capacityMbps}</td>
                  <td>{link.payingUnit}</td>
                  <td>
                    <Sparkline values={values} />
                  </td>
                  <td class="num">{p95 === null ? '—' : `${p95.toFixed(1)}%`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </>,
    );
  });

  web.get('/expansion-requests', loadSession, requireLogin, async (c) => {
    const ctx = ctxOf(c);
    const s = c.req.query('status');
    const status = s === 'all' ? undefined : s === 'approved' || s === 'rejected' || s === 'fulfilled' ? s : 'open';
    const page = await listExpansionRequests(ctx, { status, limit: 200 });
    return render(
      c,
      { title: '扩容申请', current: '/expansion-requests' },
      <>
        <h1>扩容申请</h1>
        <p class="muted">线路利用率超过策略阈值时自动提出，由付费单位决定（管理办法第二十条）。</p>
        {page.items.length === 0 ? (
          <Empty>没有扩容申请。</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th>线路</th>
                <th>当前 (Mbps)</th>
                <th>建议 (Mbps)</th>
                <th>P95 入/出</th>
                <th>付费单位</th>
                <th>提出时间</th>
                <th>状态</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((r) => (
                <tr>
                  <td>{r.linkName ?? r.link}</td>
                  <td class="num">{r.currentMbps}</td>
                  <td class="num">{r.recommendedMbps}</td>
                  <td class="num">
                    {r.evidence.p95In.toFixed(1)}% / {r.evidence.p95Out.toFixed(1)}%
                  </td>
                  <td>{r.unit}</td>
                  <td>{when(r.raisedAt)}</td>
                  <td>
                    <Badge status={r.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </>,
    );
  });

  web.get('/findings', loadSession, requireLogin, async (c) => {
    const ctx = ctxOf(c);
    const status = statusFilter(c);
    const page = await listFindings(ctx, { status, limit: 200 });
    return render(
      c,
      { title: '核查发现', current: '/findings' },
      <>
        <h1>核查发现</h1>
        <p class="muted">采集代理发现的与登记不符之处（管理办法第十九条：不得擅自移动、挪用、改造）。</p>
        <StatusTabs base="/findings" status={status} />
        {page.items.length === 0 ? (
          <Empty>没有核查发现。</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th>设备</th>
                <th>类型</th>
                <th>对象</th>
                <th>说明</th>
                <th>发现时间</th>
                <th>状态</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((f) => (
                <tr>
                  <td>{f.hostname ?? f.device}</td>
                  <td>{findingKinds[f.kind] ?? f.kind}</td>
                  <td>{f.subject}</td>
                  <td>{f.detail}</td>
                  <td>{when(f.openedAt)}</td>
                  <td>
                    <Badge status={f.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </>,
    );
  });

  web.get('/incidents', loadSession, requireLogin, async (c) => {
    const ctx = ctxOf(c);
    const status = statusFilter(c);
    const page = await listIncidents(ctx, { status, limit: 200 });
    return render(
      c,
      { title: '事件', current: '/incidents' },
      <>
        <h1>事件</h1>
        <p class="muted">边界线路或设备中断，即时报告上级运维管理单位（管理办法第二十条）。</p>
        <StatusTabs base="/incidents" status={status} />
        {page.items.length === 0 ? (
          <Empty>没有事件。</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th>类型</th>
                <th>说明</th>
                <th>发生时间</th>
                <th>恢复时间</th>
                <th>报告至</th>
                <th>状态</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((i) => (
                <tr>
                  <td>{incidentKinds[i.kind] ?? i.kind}</td>
                  <td>{i.detail}</td>
                  <td>{when(i.openedAt)}</td>
                  <td>{when(i.resolvedAt)}</td>
                  <td>{i.reportedTo}</td>
                  <td>
                    <Badge status={i.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </>,
    );
  });
};
