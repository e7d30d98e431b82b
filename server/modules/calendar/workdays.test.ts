import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { packagedSource } from './packaged.js';
import { addCalendarDays, addWorkdays, epochDay, loadedSource, publishedYearFaults, shanghaiDate, spanProvisional, workCalendar, workdaysBetween, type PublishedYear } from './workdays.js';

const packaged = packagedSource();
const none = loadedSource([]);
const plain = workCalendar(none, packaged);
// A test fixture in holiday-cn's shape (not the official 2027 arrangement): 2026-12-31 and
// 2027-01-01…03 off, 2027-02-06 and 02-20 adjusted working days.
const fixture2027 = JSON.parse(fs.readFileSync(new URL('../../../test/fixtures/holiday-cn/2027.json', import.meta.url), 'utf8')) as PublishedYear;
const with2027 = workCalendar(loadedSource([fixture2027]), packaged);

describe('the packaged calendar (chinese-days)', () => {
  it('covers 2004 to 2026 and nothing after', () => {
    expect(packaged.years.has(2004)).toBe(true);
    expect(packaged.years.has(2026)).toBe(true);
    expect(packaged.years.has(2027)).toBe(false);
  });
});

describe('working days across Golden Week 2026 (10-01…10-07 off, Saturday 10-10 worked)', () => {
  it('knows the days', () => {
    for (const d of ['2026-10-01', '2026-10-04', '2026-10-07']) expect(plain.day(d)).toEqual({ working: false, known: true });
    expect(plain.day('2026-10-10')).toEqual({ working: true, known: true }); // Saturday, 调休
    expect(plain.day('2026-10-11')).toEqual({ working: false, known: true }); // Sunday
    expect(plain.day('2026-10-08')).toEqual({ working: true, known: true });
  });

  it('counts over the holiday and onto the adjusted Saturday', () => {
    // Wednesday 09-30: the next working day is Thursday 10-08, then Friday 10-09, then Saturday 10-10.
    expect(addWorkdays(plain, '2026-09-30', 1)).toEqual({ date: '2026-10-08', provisional: false });
    expect(addWorkdays(plain, '2026-09-30', 3)).toEqual({ date: '2026-10-10', provisional: false });
    expect(addWorkdays(plain, '2026-09-30', 4)).toEqual({ date: '2026-10-12', provisional: false });
    // 15 working days from Monday 09-28: 09-29, 09-30, 10-08, 10-09, 10-10, 10-12…16 (10), 10-19…23 (15).
    expect(addWorkdays(plain, '2026-09-28', 15)).toEqual({ date: '2026-10-23', provisional: false });
  });

  it('0 days is the day itself; the count never includes the start', () => {
    expect(addWorkdays(plain, '2026-10-03', 0)).toEqual({ date: '2026-10-03', provisional: false });
    expect(addWorkdays(plain, '2026-10-09', 1).date).toBe('2026-10-10');
  });
});

describe('working days across the Spring Festival 2026 (02-15…02-23 off, Saturdays 02-14 and 02-28 worked)', () => {
  it('counts the adjusted Saturdays and skips the holiday', () => {
    expect(addWorkdays(plain, '2026-02-13', 1).date).toBe('2026-02-14');
    expect(addWorkdays(plain, '2026-02-14', 1).date).toBe('2026-02-24');
    expect(addWorkdays(plain, '2026-02-13', 5).date).toBe('2026-02-27');
    expect(addWorkdays(plain, '2026-02-13', 6).date).toBe('2026-02-28');
    expect(addWorkdays(plain, '2026-02-13', 7).date).toBe('2026-03-02');
  });
});

describe('a deadline running into 2027', () => {
  it('is provisional by the weekday rule while 2027 is unknown', () => {
    // Sunday 12-20 + 15: 12-21…25 (5), 12-28…31 (9), Friday 01-01 (10), 01-04…08 (15).
    expect(addWorkdays(plain, '2026-12-20', 15)).toEqual({ date: '2027-01-08', provisional: true });
  });

  it('is fixed once 2027 is loaded, and moves by its holidays', () => {
    // 12-21…25 (5), 12-28…30 (8; 12-31 now off), 01-01…03 off, 01-04…08 (13), 01-11, 01-12 (15).
    expect(addWorkdays(with2027, '2026-12-20', 15)).toEqual({ date: '2027-01-12', provisional: false });
  });

  it('a loaded year rearranges the last days of the previous one over the packaged data', () => {
    // Thursday 12-10 + 15 ends on Thursday 12-31 by 2026's own arrangement …
    expect(addWorkdays(plain, '2026-12-10', 15)).toEqual({ date: '2026-12-31', provisional: false });
    // … but the 2027 file makes 12-31 a day off: 12-31, 01-01 (holiday), 01-02, 01-03 (weekend) → Monday 01-04.
    expect(with2027.day('2026-12-31')).toEqual({ working: false, known: true });
    expect(addWorkdays(with2027, '2026-12-10', 15)).toEqual({ date: '2027-01-04', provisional: false });
  });

  it('a loaded year replaces the packaged arrangement of that year', () => {
    // Load a 2026 that drops Golden Week's adjusted Saturday: 10-10 follows the weekday rule.
    const bare2026 = workCalendar(loadedSource([{ year: 2026, papers: [], days: [{ name: '国庆节', date: '2026-10-01', isOffDay: true }] }]), packaged);
    expect(bare2026.day('2026-10-10').working).toBe(false);
    expect(bare2026.day('2026-10-02').working).toBe(true);
    expect(bare2026.day('2026-10-01').working).toBe(false);
  });

  it('the later file wins for a date two files name', () => {
    const a: PublishedYear = { year: 2027, papers: [], days: [{ name: 'x', date: '2026-12-30', isOffDay: true }] };
    const b: PublishedYear = { year: 2026, papers: [], days: [{ name: 'y', date: '2026-12-30', isOffDay: false }] };
    expect(workCalendar(loadedSource([a, b]), packaged).day('2026-12-30').working).toBe(false);
  });
});

describe('spans and counts', () => {
  it('a span touching an unknown year is provisional, even when the answer lies in a known one', () => {
    expect(spanProvisional(plain, '2026-12-01', '2026-12-31')).toBe(false);
    expect(spanProvisional(plain, '2026-12-01', '2027-01-04')).toBe(true);
    expect(spanProvisional(plain, '2003-12-30', '2004-01-05')).toBe(true); // before the package's first year
    expect(spanProvisional(with2027, '2026-12-01', '2027-01-04')).toBe(false);
  });

  it('working days left: 0 on the deadline, negative past it', () => {
    expect(workdaysBetween(plain, '2026-09-30', '2026-10-10')).toBe(3);
    expect(workdaysBetween(plain, '2026-10-10', '2026-10-10')).toBe(0);
    expect(workdaysBetween(plain, '2026-10-12', '2026-10-08')).toBe(-3); // 10-09, 10-10, 10-12
  });

  it('inverts addWorkdays', () => {
    for (const from of ['2026-01-30', '2026-02-10', '2026-09-24', '2026-12-18']) {
      for (const n of [1, 3, 5, 15]) expect(workdaysBetween(plain, from, addWorkdays(plain, from, n).date)).toBe(n);
    }
  });
});

describe('dates', () => {
  it('the Shanghai date of an instant is UTC+8', () => {
    expect(shanghaiDate(new Date('2026-09-30T15:59:59Z'))).toBe('2026-09-30');
    expect(shanghaiDate(new Date('2026-09-30T16:00:00Z'))).toBe('2026-10-01');
  });

  it('refuses impossible dates', () => {
    expect(epochDay('2026-02-30')).toBeUndefined();
    expect(epochDay('2026-2-3')).toBeUndefined();
    expect(() => addWorkdays(plain, '2026-13-01', 1)).toThrow(RangeError);
    expect(() => addWorkdays(plain, '2026-10-01', -1)).toThrow(RangeError);
    expect(addCalendarDays('2026-12-31', 1)).toBe('2027-01-01');
  });
});

describe('a holiday-cn file', () => {
  it('is sound as published', () => expect(publishedYearFaults(fixture2027)).toEqual([]));

  it('names dates of its year or the last month of the year before only, each once, each real', () => {
    const faults = publishedYearFaults({
      year: 2027,
      papers: [],
      days: [
        { name: 'a', date: '2026-11-30', isOffDay: true },
        { name: 'b', date: '2027-02-30', isOffDay: true },
        { name: 'c', date: '2027-05-01', isOffDay: true },
        { name: 'd', date: '2027-05-01', isOffDay: true },
        { name: 'e', date: '2028-01-01', isOffDay: true },
      ],
    });
    expect(faults).toHaveLength(4);
    expect(faults[0]).toContain('2026-11-30 lies outside 2027');
    expect(faults[1]).toContain('not a calendar date');
    expect(faults[2]).toContain('listed twice');
    expect(faults[3]).toContain('2028-01-01 lies outside 2027');
  });
});
