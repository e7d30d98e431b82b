/**
 * SOA serials in the YYYYMMDDnn style BIND operators use, dated in Asia/Shanghai. A serial
 * only ever grows: the next one is the larger of "one more" and "today's first", so past 99
 * changes in a day it keeps counting into numbers that look like tomorrow's, and tomorrow
 * continues from there, exactly as a hand-kept zone would.
 */

const shanghaiDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

/** YYYYMMDD of the calendar day in Asia/Shanghai at `now`. */
export function shanghaiDay(now: Date): number {
  return Number(shanghaiDate.format(now).replaceAll('-', ''));
}

/** The first serial of the day `now` falls on: YYYYMMDD00. */
export function firstSerialOf(now: Date): number {
  return shanghaiDay(now) * 100;
}

/** The largest serial RFC 1982 arithmetic lets us reach without wrapping. */
export const maxSerial = 4_294_967_295;

/** The serial that follows `current` for a change made at `now`. */
export function nextSerial(current: number, now: Date): number {
  const next = Math.max(current + 1, firstSerialOf(now));
  if (next > maxSerial) throw new RangeError(`serial ${current} cannot grow further without wrapping`);
  return next;
}
