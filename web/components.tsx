/** Small pieces the pages share: utilization bars, the sparkline, dates, badges. */

/** A horizontal bar for a percentage: amber from 70 % (the expansion policy's default threshold), red from 90 %. */
export function UtilBar({ percent }: { percent: number }) {
  const clamped = Math.max(0, Math.min(100, percent));
  const level = percent >= 90 ? 'bar bad' : percent >= 70 ? 'bar warn' : 'bar';
  return (
    <span class="util">
      <span class={level} role="img" aria-label={`利用率 ${percent.toFixed(1)}%`}>
        <span style={`width:${clamped.toFixed(1)}%`} />
      </span>{' '}
      <span class="muted">{percent.toFixed(1)}%</span>
    </span>
  );
}

/**
 * A sparkline as inline SVG (no script, no external asset): the higher direction's percentage of
 * each bucket, on a 0–100 % scale so that lines of different links compare at a glance.
 */
export function Sparkline({ values, width = 160, height = 32 }: { values: (number | null)[]; width?: number; height?: number }) {
  const known = values.map((v, i) => [i, v] as const).filter((p): p is readonly [number, number] => p[1] !== null);
  if (known.length < 2) return <span class="muted">无数据</span>;
  const step = width / Math.max(1, values.length - 1);
  const y = (v: number) => (height - 2 - (Math.min(100, Math.max(0, v)) / 100) * (height - 4)).toFixed(1);
  const points = known.map(([i, v]) => `${(i * step).toFixed(1)},${y(v)}`).join(' ');
  const last = known[known.length - 1][1];
  const color = last >= 90 ? '#c53030' : last >= 70 ? '#b7791f' : '#0b5394';
  return (
    <svg class="spark" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`最近利用率 ${last.toFixed(1)}%`}>
      <line x1="0" x2={width} y1={y(70)} y2={y(70)} stroke="#e2a03f" stroke-dasharray="3 3" stroke-width="1" />
      <polyline fill="none" stroke={color} stroke-width="1.5" points={points} />
    </svg>
  );
}

const shanghai = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });

/** A time as Beijing time, the way a clerk reads it. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  return shanghai.format(new Date(iso));
}

export function Empty({ children }: { children: string }) {
  return <p class="empty">{children}</p>;
}

export const statusNames: Record<string, string> = {
  open: '未处理',
  resolved: '已处理',
  approved: '已批准',
  rejected: '已驳回',
  fulfilled: '已完成',
  pool: '地址池',
  allocated: '已分配',
  assigned: '已指派',
  reserved: '保留',
};
