import { describe, expect, it } from 'vitest';
import { bandOf, median, percent } from './stats.js';

describe('report arithmetic', () => {
  it('medians of odd and even counts, none for no values', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 10])).toBe(3.5);
    expect(median([])).toBeNull();
  });
  it('percent with one decimal, null over nothing', () => {
    expect(percent(2, 3)).toBe(66.7);
    expect(percent(0, 0)).toBeNull();
  });
  it('utilization bands at their edges', () => {
    expect(bandOf(49.99)).toBe('under50');
    expect(bandOf(50)).toBe('from50to70');
    expect(bandOf(70)).toBe('from70to90');
    expect(bandOf(90)).toBe('atLeast90');
  });
});
