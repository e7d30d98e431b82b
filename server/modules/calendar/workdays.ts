/**
 * Working days on the official Chinese calendar (articles 15 and 19: "受理业务申请后，在 15 个工作日
 * 内提出审核意见"). Pure functions over calendar dates written `YYYY-MM-DD` in Asia/Shanghai:
 *
 * - a day is a working day by the official arrangement of its year: public holidays are off
 *   (法定节假日), adjusted working days (调休) are on although they fall on a weekend, every
 *   other day follows Monday–Friday;
 * - the arrangement of year Y is published by the State Council in a notice late in Y−1
 *   (国务院办公厅关于 Y 年部分节假日安排的通知), and such a notice may also rearrange the last
 *   days of Y−1 (the 2019 notice made 2018-12-29 a working day and 2018-12-30…31 days off). So
 *   the entries of a loaded year's file may name dates of the previous year, and the file of the
 *   later year wins for those dates;
 * - years come from two sources: the years the database holds (loaded as the holiday-cn project
 *   publishes them) take precedence over the years packaged with the `chinese-days` library;
 * - for a year neither source knows, the arrangement is not published yet: the weekday rule is
 *   the best guess, and every answer whose span touches such a year is `provisional` — the date
 *   will move when the year is loaded, and the applications that carry it are recomputed then.
 */

/** One entry of a holiday-cn year file: `isOffDay` true for a holiday, false for an adjusted working day. */
export interface PublishedDay {
  name: string;
  date: string;
  isOffDay: boolean;
}

/** A year as holiday-cn publishes it (https://github.com/NateScarlet/holiday-cn: `{year, papers, days}`). */
export interface PublishedYear {
  year: number;
  papers: string[];
  days: PublishedDay[];
}

/** A source of arrangements: the explicit entries of the years it covers. */
export interface YearSource {
  /** Years whose arrangement the source holds (a covered year's unlisted days follow the weekday rule). */
  years: ReadonlySet<number>;
  /** Explicit entries by date: true = off (holiday), false = working (adjusted). */
  entries: ReadonlyMap<string, boolean>;
}

export interface WorkCalendar {
  /** Whether `date` is a working day, and whether its year's arrangement is known. */
  day(date: string): { working: boolean; known: boolean };
  /** Whether the arrangement of `year` is known (loaded or packaged). */
  knows(year: number): boolean;
}

export interface WorkdayAnswer {
  date: string;
  /** The span touches a year whose arrangement is not known: the date may still move. */
  provisional: boolean;
}

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const dayMs = 86_400_000;

/** Epoch day of a `YYYY-MM-DD` date, or undefined when the text is no real date (2026-02-30). */
export function epochDay(date: string): number | undefined {
  const m = datePattern.exec(date);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const back = new Date(ms).toISOString().slice(0, 10);
  return back === date ? ms / dayMs : undefined;
}

function mustEpochDay(date: string): number {
  const day = epochDay(date);
  if (day === undefined) throw new RangeError(`${JSON.stringify(date)} is not a calendar date YYYY-MM-DD`);
  return day;
}

const dateOf = (day: number) => new Date(day * dayMs).toISOString().slice(0, 10);
const yearOf = (date: string) => Number(date.slice(0, 4));
/** 0 Sunday … 6 Saturday (1970-01-01, epoch day 0, was a Thursday). */
const weekdayOf = (day: number) => (((day + 4) % 7) + 7) % 7;

/** Moves a date by whole calendar days. */
export function addCalendarDays(date: string, days: number): string {
  return dateOf(mustEpochDay(date) + days);
}

/**
 * The calendar date in Asia/Shanghai at an instant. China has kept UTC+8 without daylight
 * saving since 1991, so the date is the UTC date of the instant moved by eight hours.
 */
export function shanghaiDate(instant: Date): string {
  return new Date(instant.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

/** The source of the years loaded into the database: entries of later files win. */
export function loadedSource(years: readonly PublishedYear[]): YearSource {
  const entries = new Map<string, boolean>();
  for (const file of [...years].sort((a, b) => a.year - b.year)) {
    for (const d of file.days) entries.set(d.date, d.isOffDay);
  }
  return { years: new Set(years.map((y) => y.year)), entries };
}

/**
 * The calendar of loaded years over packaged ones. For a date: an entry of a loaded file (the
 * later file for a date two files name); else, in a loaded year, the weekday rule (the file
 * lists every exception, so a packaged entry the file dropped is not one); else the packaged
 * entry; else the weekday rule, known only when the packaged source covers the year.
 */
export function workCalendar(loaded: YearSource, packaged: YearSource): WorkCalendar {
  const knows = (year: number) => loaded.years.has(year) || packaged.years.has(year);
  return {
    knows,
    day(date) {
      const day = mustEpochDay(date);
      const year = yearOf(date);
      const weekday = weekdayOf(day);
      const byWeek = weekday !== 0 && weekday !== 6;
      const fromLoaded = loaded.entries.get(date);
      if (fromLoaded !== undefined) return { working: !fromLoaded, known: true };
      if (loaded.years.has(year)) return { working: byWeek, known: true };
      const fromPackage = packaged.entries.get(date);
      if (fromPackage !== undefined) return { working: !fromPackage, known: true };
      return { working: byWeek, known: packaged.years.has(year) };
    },
  };
}

/**
 * The `days`-th working day after `from` (`from` itself does not count: the period of article
 * 19 runs from the day after acceptance; 0 answers `from`). Provisional when any year from
 * `from`'s to the answer's has no known arrangement.
 */
export function addWorkdays(calendar: WorkCalendar, from: string, days: number): WorkdayAnswer {
  if (!Number.isInteger(days) || days < 0) throw new RangeError(`days must be a whole number ≥ 0, not ${days}`);
  let day = mustEpochDay(from);
  for (let left = days; left > 0; ) {
    day += 1;
    if (calendar.day(dateOf(day)).working) left -= 1;
  }
  const date = dateOf(day);
  return { date, provisional: spanProvisional(calendar, from, date) };
}

/** Whether a span of dates touches a year with no known arrangement. */
export function spanProvisional(calendar: WorkCalendar, from: string, to: string): boolean {
  const [a, b] = [yearOf(from), yearOf(to)].sort((x, y) => x - y);
  for (let y = a; y <= b; y++) if (!calendar.knows(y)) return true;
  return false;
}

/**
 * Working days from `from` (exclusive) to `to` (inclusive): how many working days a reviewer
 * has left today until a deadline (0 on the deadline itself; negative, counting back the same
 * way, once the deadline has passed).
 */
export function workdaysBetween(calendar: WorkCalendar, from: string, to: string): number {
  const start = mustEpochDay(from);
  const end = mustEpochDay(to);
  const [low, high, sign] = start <= end ? [start, end, 1] : [end, start, -1];
  let count = 0;
  for (let day = low + 1; day <= high; day++) if (calendar.day(dateOf(day)).working) count++;
  return sign * count;
}

/**
 * Checks a holiday-cn file for `year` as published: every date real, no date twice, every
 * date in `year` or in the last month of the year before (a notice may rearrange the end of
 * the previous year, never more). Answers the faults as sentences, empty when the file is sound.
 */
export function publishedYearFaults(file: PublishedYear): string[] {
  const faults: string[] = [];
  const seen = new Set<string>();
  file.days.forEach((d, i) => {
    if (epochDay(d.date) === undefined) {
      faults.push(`days.${i}.date: ${JSON.stringify(d.date)} is not a calendar date YYYY-MM-DD`);
      return;
    }
    if (seen.has(d.date)) faults.push(`days.${i}.date: ${d.date} is listed twice`);
    seen.add(d.date);
    const inYear = yearOf(d.date) === file.year;
    const endOfPrevious = d.date.startsWith(`${file.year - 1}-12-`);
    if (!inYear && !endOfPrevious) faults.push(`days.${i}.date: ${d.date} lies outside ${file.year} (only the last days of ${file.year - 1} may be rearranged by its notice)`);
  });
  return faults;
}
