/**
 * The arrangements packaged with the `chinese-days` library (2004 to the National Day holiday
 * of 2026 in version 1.5.7), read once into a YearSource.
 *
 * Measured quirks that decide how it is read:
 * - under Node's ESM loader only its default export works (the named imports fail);
 * - for a date past its data its functions silently answer by the weekday rule, so they cannot
 *   say what they do not know;
 * - its functions parse 'YYYY-MM-DD' as UTC midnight and format with local getters, and it
 *   builds its own tables the same way at import: under TZ=America/New_York
 *   getDayDetail('2026-10-10') answers for 2026-10-09, and even local-noon Dates lose 2026-10-10
 *   (73 entries fewer than under UTC).
 * So the appliance reads the data file the library ships and its functions are built from
 * (`dist/chinese-days.json`: `{holidays, workdays, inLieuDays}` keyed by date), which is the same
 * in every time zone. A year counts as covered when the file names at least one of its days.
 */
import { requireFromRoot } from '../../paths.js';
import type { YearSource } from './workdays.js';

interface PackagedData {
  /** Days off by date, "English,中文,days" as value. */
  holidays: Record<string, string>;
  /** Adjusted working days (调休上班) by date. */
  workdays: Record<string, string>;
}

let cached: YearSource | undefined;

export function packagedSource(): YearSource {
  if (cached) return cached;
  const data = requireFromRoot('chinese-days/dist/chinese-days.json') as PackagedData;
  const entries = new Map<string, boolean>();
  for (const date of Object.keys(data.holidays)) entries.set(date, true);
  for (const date of Object.keys(data.workdays)) entries.set(date, false);
  const years = new Set([...entries.keys()].map((date) => Number(date.slice(0, 4))));
  cached = { years, entries };
  return cached;
}
