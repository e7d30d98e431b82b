import { describe, expect, it } from 'vitest';
import { daysBetween, migrationOverdue, monthsBefore } from './dates.js';

describe('register dates', () => {
  it('counts calendar days across a month and a leap day', () => {
    expect(daysBetween('2028-02-28', '2028-03-01')).toBe(2);
    expect(daysBetween('2027-03-01', '2027-02-28')).toBe(-1);
  });
  it('a plan is overdue from the day after its planned date, never once migrated', () => {
    expect(migrationOverdue({ status: 'planned', plannedOn: '2026-11-30' }, '2026-11-30')).toEqual({ overdue: false, daysOverdue: 0 });
    expect(migrationOverdue({ status: 'migrating', plannedOn: '2026-11-30' }, '2026-12-03')).toEqual({ overdue: true, daysOverdue: 3 });
    expect(migrationOverdue({ status: 'migrated', plannedOn: '2026-01-01' }, '2026-12-03')).toEqual({ overdue: false, daysOverdue: 0 });
  });
  it('goes back whole months, clamping to the month’s end', () => {
    expect(monthsBefore('2026-12-01', 12)).toBe('2025-12-01');
    expect(monthsBefore('2027-03-31', 1)).toBe('2027-02-28');
    expect(monthsBefore('2027-01-15', 1)).toBe('2026-12-15');
  });
});
