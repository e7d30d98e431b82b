import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';

/** Dedicated-network migrations (专网迁移, articles 15(一), 18) on the test's fake clock. */
describe.each(backends)('dedicated-network migration register on %s', (backend) => {
  let t: TestApp;
  let cityOp: string;
  let countyOp: string;
  let applicant: string;
  const cityDept = `NN-EDU-M-${backend.toUpperCase()}`;
  const countyDept = `XN-GOV-M-${backend.toUpperCase()}`;
  const lzDept = `LZ-TAX-M-${backend.toUpperCase()}`;

  beforeAll(async () => {
    t = await startTestApp(backend);
    // 2026-12-01 10:00 in Shanghai.
    t.clock.now = new Date('2026-12-01T02:00:00Z');
    cityOp = await t.userToken('operator', '450100');
    countyOp = await t.userToken('operator', '450102');
    for (const [code, parent] of [
      [cityDept, '450100'],
      [countyDept, '450102'],
      [lzDept, '450200'],
    ]) {
      const created = await t.call('POST', '/api/v1/units', { body: { code, name: `单位 ${code}`, parent, kind: 'department' } });
      expect(created.status, created.text).toBe(201);
    }
    applicant = await t.userToken('applicant', countyDept);
    for (const [name, zone] of [
      ['edu-vpn', 'dedicated'],
      ['gov-vpn', 'dedicated'],
      ['tax-vpn', 'dedicated'],
    ]) {
      const vrf = await t.call('POST', '/api/v1/vrfs', { body: { name, zone } });
      expect(vrf.status, vrf.text).toBe(201);
    }
  });
  afterAll(async () => t?.close());

  const plan = (body: Record<string, unknown>, token?: string) => t.call('POST', '/api/v1/migrations', { body, token });

  it('plans a migration into a dedicated-zone VRF and refuses other zones, divisions and bad dates without writing', async () => {
    const before = await countRows(t, 'audit_entries');
    const publicVrf = await plan({ network: '教育专网', owner: cityDept, vrf: 'public', plannedOn: '2027-03-31' }, cityOp);
    expect(publicVrf.status, publicVrf.text).toBe(422);
    expect(publicVrf.body.detail).toMatch(/dedicated zone/);
    const division = await plan({ network: '教育专网', owner: '450102', vrf: 'edu-vpn', plannedOn: '2027-03-31' }, cityOp);
    expect(division.status, division.text).toBe(422);
    const noVrf = await plan({ network: '教育专网', owner: cityDept, vrf: 'nope-vpn', plannedOn: '2027-03-31' }, cityOp);
    expect(noVrf.status).toBe(400);
    expect(noVrf.body.field).toBe('vrf');
    const badDate = await plan({ network: '教育专网', owner: cityDept, vrf: 'edu-vpn', plannedOn: '2027-02-30' }, cityOp);
    expect(badDate.status).toBe(400);
    expect(badDate.headers.get('content-type')).toMatch(/problem\+json/);
    const sideways = await plan({ network: '税务专网', owner: lzDept, vrf: 'tax-vpn', plannedOn: '2027-03-31' }, cityOp);
    expect(sideways.status).toBe(403);
    expect(await countRows(t, 'audit_entries')).toBe(before);
    expect(await countRows(t, 'migration_plans')).toBe(0);

    const created = await plan({ network: '教育专网', owner: cityDept, vrf: 'edu-vpn', plannedOn: '2026-12-31', note: '分两批' }, cityOp);
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ network: '教育专网', owner: cityDept, level: 'city', vrf: 'edu-vpn', status: 'planned', overdue: false, startedOn: null, migratedOn: null });
    const twice = await plan({ network: '教育专网', owner: cityDept, vrf: 'edu-vpn', plannedOn: '2026-12-31' }, cityOp);
    expect(twice.status).toBe(409);
  });

  it('flags a network overdue the day after its planned date, lists overdue ones per level, and clears the flag once migrated', async () => {
    const county = await plan({ network: '政务专网', owner: countyDept, vrf: 'gov-vpn', plannedOn: '2026-12-10' }, countyOp);
    expect(county.status, county.text).toBe(201);
    const lz = await plan({ network: '税务专网', owner: lzDept, vrf: 'tax-vpn', plannedOn: '2026-12-05' });
    expect(lz.status, lz.text).toBe(201);
    const overdueNow = await t.call('GET', '/api/v1/migrations?status=overdue');
    expect(overdueNow.body.items).toEqual([]);

    // 2026-12-10 23:30 Shanghai: the county's planned day itself is still in time; Liuzhou's is past.
    t.clock.now = new Date('2026-12-10T15:30:00Z');
    let overdue = await t.call('GET', '/api/v1/migrations?status=overdue');
    expect(overdue.body.items.map((m: { network: string }) => m.network)).toEqual(['税务专网']);
    expect(overdue.body.items[0]).toMatchObject({ status: 'overdue', overdue: true, daysOverdue: 5, level: 'city' });

    // 2026-12-11 00:30 Shanghai: the county network is overdue too.
    t.clock.now = new Date('2026-12-10T16:30:00Z');
    overdue = await t.call('GET', '/api/v1/migrations?status=overdue&level=county');
    expect(overdue.body.items.map((m: { network: string }) => m.network)).toEqual(['政务专网']);
    const cityLevel = await t.call('GET', '/api/v1/migrations?status=overdue&level=city');
    expect(cityLevel.body.items.map((m: { network: string }) => m.network)).toEqual(['税务专网']);
    const cityLevelOfNanning = await t.call('GET', '/api/v1/migrations?status=overdue&level=city', { token: cityOp });
    expect(cityLevelOfNanning.body.items).toEqual([]);
    const stillPlanned = await t.call('GET', '/api/v1/migrations?status=planned');
    expect(stillPlanned.body.items.map((m: { network: string }) => m.network)).toEqual(['教育专网']);

    // The city operator sees its own subtree only; the county's applicant its own department.
    const cityView = await t.call('GET', '/api/v1/migrations?status=overdue', { token: cityOp });
    expect(cityView.body.items.map((m: { owner: string }) => m.owner)).toEqual([countyDept]);
    const mine = await t.call('GET', '/api/v1/migrations', { token: applicant });
    expect(mine.body.items.map((m: { owner: string }) => m.owner)).toEqual([countyDept]);
    const hidden = await t.call('GET', `/api/v1/migrations/${lz.body.id}`, { token: cityOp });
    expect(hidden.status).toBe(404);

    let summary = await t.call('GET', '/api/v1/migrations/summary');
    expect(summary.body.asOf).toBe('2026-12-11');
    expect(summary.body.levels).toEqual([
      { level: 'region', total: 0, planned: 0, migrating: 0, migrated: 0, overdue: 0 },
      { level: 'city', total: 2, planned: 1, migrating: 0, migrated: 0, overdue: 1 },
      { level: 'county', total: 1, planned: 0, migrating: 0, migrated: 0, overdue: 1 },
      { level: 'township', total: 0, planned: 0, migrating: 0, migrated: 0, overdue: 0 },
    ]);

    const migrating = await t.call('PATCH', `/api/v1/migrations/${county.body.id}`, { body: { status: 'migrating' }, token: countyOp });
    expect(migrating.status, migrating.text).toBe(200);
    expect(migrating.body).toMatchObject({ status: 'overdue', startedOn: '2026-12-11', migratedOn: null });
    const future = await t.call('PATCH', `/api/v1/migrations/${county.body.id}`, { body: { status: 'migrated', migratedOn: '2026-12-12' }, token: countyOp });
    expect(future.status).toBe(400);
    expect(future.body.field).toBe('migratedOn');
    const done = await t.call('PATCH', `/api/v1/migrations/${county.body.id}`, { body: { status: 'migrated', migratedOn: '2026-12-11' }, token: countyOp });
    expect(done.status, done.text).toBe(200);
    expect(done.body).toMatchObject({ status: 'migrated', overdue: false, startedOn: '2026-12-11', migratedOn: '2026-12-11' });
    summary = await t.call('GET', '/api/v1/migrations/summary?within=450100');
    expect(summary.body.levels[2]).toEqual({ level: 'county', total: 1, planned: 0, migrating: 0, migrated: 1, overdue: 0 });

    // The county operator cannot touch the city's plan (article 21: its own subtree only).
    const cityPlan = (await t.call('GET', `/api/v1/migrations?owner=${cityDept}`)).body.items[0];
    const refused = await t.call('PATCH', `/api/v1/migrations/${cityPlan.id}`, { body: { status: 'migrating' }, token: countyOp });
    expect(refused.status).toBe(403);
    const { rows } = await import('../../server/db/client.js');
    const { sql } = await import('drizzle-orm');
    const audited = await rows<{ action: string }>(t.database.db, sql`SELECT action FROM audit_entries WHERE object_type = 'migration_plan' AND object_id = ${county.body.id} ORDER BY id`);
    expect(audited.map((a) => a.action)).toEqual(['migration.create', 'migration.update', 'migration.update']);
  });

  it('the database refuses a migrated plan without its date', async () => {
    const { rows } = await import('../../server/db/client.js');
    const { sql } = await import('drizzle-orm');
    await expect(rows(t.database.db, sql`UPDATE migration_plans SET status = 'migrated', migrated_on = NULL`)).rejects.toThrow();
  });
});
