import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstSerialOf, nextSerial, shanghaiDay } from './serial.js';

describe('zone serials', () => {
  it('dates by the Asia/Shanghai calendar', () => {
    expect(shanghaiDay(new Date('2026-11-27T15:59:59Z'))).toBe(20261127);
    expect(shanghaiDay(new Date('2026-11-27T16:00:00Z'))).toBe(20261128);
    expect(firstSerialOf(new Date('2026-12-31T16:00:00Z'))).toBe(2027010100);
  });

  it('starts the day at nn = 00 and keeps counting past 99', () => {
    const day = new Date('2026-11-27T02:00:00Z');
    expect(nextSerial(2026112612, day)).toBe(2026112700);
    expect(nextSerial(2026112700, day)).toBe(2026112701);
    expect(nextSerial(2026112799, day)).toBe(2026112800);
    expect(nextSerial(2026112800, day)).toBe(2026112801);
    // A clock that went back never makes the serial go back.
    expect(nextSerial(2026112905, day)).toBe(2026112906);
  });

  it('always grows, whatever the clock does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4_000_000_000 }), fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }), (current, now) => {
        expect(nextSerial(current, now)).toBeGreaterThan(current);
      }),
    );
  });
});
