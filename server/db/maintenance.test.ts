import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { maintainsItself, workFor, type TableCounters } from './maintenance.js';

const table = (over: Partial<TableCounters>): TableCounters => ({
  table: 't',
  live: 1000,
  dead: 0,
  insertedSinceVacuum: 0,
  modifiedSinceAnalyze: 0,
  xidAge: 1000,
  freezeMaxAge: 200_000_000,
  ...over,
});

/** The pass decides per table as PostgreSQL's autovacuum would with its default thresholds. */
describe('table maintenance decisions', () => {
  it('vacuums past 50 + 20 % of the live rows dead, not before', () => {
    expect(workFor(table({ dead: 250 }))).toEqual({ vacuum: false, analyze: false, because: [] });
    expect(workFor(table({ dead: 251 }))).toEqual({ vacuum: true, analyze: false, because: ['dead'] });
    // A small table churned by allocations: 51 dead rows beside 2 live ones.
    expect(workFor(table({ live: 2, dead: 51 })).vacuum).toBe(true);
  });

  it('vacuums past 1000 + 20 % inserted (visibility map, freezing), and past the freeze age whatever else says', () => {
    expect(workFor(table({ insertedSinceVacuum: 1200 })).vacuum).toBe(false);
    expect(workFor(table({ insertedSinceVacuum: 1201 }))).toMatchObject({ vacuum: true, because: ['inserted'] });
    expect(workFor(table({ xidAge: 200_000_001 }))).toMatchObject({ vacuum: true, analyze: false, because: ['wraparound'] });
  });

  it('analyzes past 50 + 10 % of the live rows modified, alone or with the vacuum', () => {
    expect(workFor(table({ modifiedSinceAnalyze: 150 })).analyze).toBe(false);
    expect(workFor(table({ modifiedSinceAnalyze: 151 }))).toEqual({ vacuum: false, analyze: true, because: ['modified'] });
    expect(workFor(table({ dead: 300, modifiedSinceAnalyze: 300 }))).toEqual({ vacuum: true, analyze: true, because: ['dead', 'modified'] });
  });

  it('is the appliance\'s work on PGlite always (single-user: autovacuum never runs), on PostgreSQL only with autovacuum off', () => {
    expect(maintainsItself('pglite', 'on')).toBe(true);
    expect(maintainsItself('postgres', 'on')).toBe(false);
    expect(maintainsItself('postgres', 'off')).toBe(true);
  });

  it('runs every WAIWANG_MAINTENANCE_INTERVAL_S (60 s unless set; 0: never), a whole number of seconds', () => {
    expect(loadConfig({}).maintenanceIntervalMs).toBe(60_000);
    expect(loadConfig({ WAIWANG_MAINTENANCE_INTERVAL_S: '0' }).maintenanceIntervalMs).toBe(0);
    expect(loadConfig({ WAIWANG_MAINTENANCE_INTERVAL_S: '300' }).maintenanceIntervalMs).toBe(300_000);
    expect(() => loadConfig({ WAIWANG_MAINTENANCE_INTERVAL_S: 'hourly' })).toThrow('WAIWANG_MAINTENANCE_INTERVAL_S must be a whole number of seconds from 0 to 86400');
  });
});
