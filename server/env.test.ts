import { describe, expect, it } from 'vitest';
import { loadWorkflowSettings } from './modules/applications/settings.js';
import { dnsDefaults } from './modules/dns/settings.js';
import { loadRegisterSettings } from './modules/registers/settings.js';
import { wholeSetting } from './env.js';

describe('whole-number settings from the environment', () => {
  it('takes the default when unset or empty, the value when whole and in range', () => {
    expect(wholeSetting({}, 'X', 7, 1, 10)).toBe(7);
    expect(wholeSetting({ X: '' }, 'X', 7, 1, 10)).toBe(7);
    expect(wholeSetting({ X: '10' }, 'X', 7, 1, 10)).toBe(10);
  });

  it('stops the start with the variable, its range and what was given', () => {
    expect(() => wholeSetting({ X: '11' }, 'X', 7, 1, 10)).toThrow('X must be a whole number from 1 to 10, not "11"');
    expect(() => wholeSetting({ X: '2.5' }, 'X', 7, 1, 10, 'seconds')).toThrow('X must be a whole number of seconds from 1 to 10, not "2.5"');
    expect(() => wholeSetting({ X: 'abc' }, 'X', 7, 1, 10)).toThrow('not "abc"');
  });

  it('is the rule of the workflow, registers and DNS settings', () => {
    expect(loadWorkflowSettings({ WAIWANG_REVIEW_WORKDAYS: '20' }).reviewWorkdays).toBe(20);
    expect(() => loadWorkflowSettings({ WAIWANG_REVIEW_WORKDAYS: '0' })).toThrow('WAIWANG_REVIEW_WORKDAYS must be a whole number from 1 to 60');
    expect(() => loadRegisterSettings({ WAIWANG_DRILL_MONTHS: 'twelve' })).toThrow('WAIWANG_DRILL_MONTHS must be a whole number');
    expect(() => dnsDefaults({ WAIWANG_DNS_SOA_REFRESH: '-1' })).toThrow(/WAIWANG_DNS_SOA_REFRESH must be a whole number of seconds/);
  });
});
