/** The report's arithmetic: pure, each rule with its reason. */

/** The median (the mean of the two middle values for an even count); null for no values, so "no data" is never shown as 0. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A share in percent with one decimal, null when there is nothing to divide by. */
export function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 1000) / 10;
}

/**
 * Link utilization bands of the report: the same 70 % the expansion policy uses by default as
 * its threshold (DESIGN.md), 50 % below it for "comfortable", 90 % above it for "saturated".
 */
export const utilizationBands = ['under50', 'from50to70', 'from70to90', 'atLeast90'] as const;
export type UtilizationBand = (typeof utilizationBands)[number];

export function bandOf(p95Percent: number): UtilizationBand {
  if (p95Percent < 50) return 'under50';
  if (p95Percent < 70) return 'from50to70';
  if (p95Percent < 90) return 'from70to90';
  return 'atLeast90';
}
