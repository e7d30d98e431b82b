/**
 * The registers' date arithmetic: pure, over `YYYY-MM-DD` calendar dates in Asia/Shanghai (the
 * regulation's days are Chinese calendar days; see calendar/workdays.ts for working days).
 */
import { epochDay, shanghaiDate } from '../calendar/workdays.js';

export { shanghaiDate };

/** Whole calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  const a = epochDay(from);
  const b = epochDay(to);
  if (a === undefined || b === undefined) throw new Error(`not calendar dates: ${from}, ${to}`);
  return b - a;
}

/**
 * Article 18: a network not migrated by its planned date loses its O&M funds. The planned date
 * itself is still in time; the day after it the network is overdue.
 */
export function migrationOverdue(plan: { status: string; plannedOn: string }, today: string): { overdue: boolean; daysOverdue: number } {
  if (plan.status === 'migrated') return { overdue: false, daysOverdue: 0 };
  const late = daysBetween(plan.plannedOn, today);
  return late > 0 ? { overdue: true, daysOverdue: late } : { overdue: false, daysOverdue: 0 };
}

/** The date `months` calendar months before `date`, clamped to the month's last day (2027-03-31 − 1 → 2027-02-28). */
export function monthsBefore(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const index = y * 12 + (m - 1) - months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}
