import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';

describe.each(backends)('divisions and departments on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend);
  });
  afterAll(async () => t?.close());

  it('serves the region with its 14 cities, 111 counties and 1,284 township-level units', async () => {
    const region = await t.call('GET', '/api/v1/units/450000');
    expect(region.status).toBe(200);
    expect(region.body).toMatchObject({ code: '450000', name: '广西壮族自治区', level: 'region', kind: 'division', parent: null });
    const cities = await t.call('GET', '/api/v1/units?parent=450000&limit=1000');
    expect(cities.body.items).toHaveLength(14);
    expect(cities.body.items.map((u: { code: string }) => u.code)).toContain('450100');
    const counties = await t.call('GET', '/api/v1/units?level=county&kind=division&limit=1000');
    expect(counties.body.items).toHaveLength(111);
    let townships = 0;
    let cursor: string | null = null;
    do {
      const page: { body: { items: { type: string }[]; nextCursor: string | null } } = await t.call(
        'GET',
        `/api/v1/units?level=township&limit=500${cursor ? `&cursor=${cursor}` : ''}`,
      );
      townships += page.body.items.length;
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(townships).toBe(1284);
    const xingning = await t.call('GET', '/api/v1/units/450102001');
    expect(xingning.body).toMatchObject({ level: 'township', parent: '450102' });
  });

  it('lets an operator add, rename and delete a department in its subtree, audited', async () => {
    const op = await t.userToken('operator', '450100');
    const created = await t.call('POST', '/api/v1/units', {
      token: op,
      body: { code: '11450100MB1234567X', name: '南宁市大数据发展局', parent: '450100', kind: 'department' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ level: 'city', kind: 'department', type: 'department', parent: '450100' });
    const renamed = await t.call('PATCH', '/api/v1/units/11450100MB1234567X', { token: op, body: { name: '南宁市大数据局' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('南宁市大数据局');
    const audit = await t.call('GET', '/api/v1/audit?object=unit:11450100MB1234567X');
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['department.update', 'department.create']);
    expect(audit.body.items[0].before.name).toBe('南宁市大数据发展局');
    const deleted = await t.call('DELETE', '/api/v1/units/11450100MB1234567X', { token: op });
    expect(deleted.status).toBe(204);
    expect((await t.call('GET', '/api/v1/units/11450100MB1234567X')).status).toBe(404);
  });

  it('refuses an operator reaching into another city, and a department whose code looks like a division', async () => {
    const op = await t.userToken('operator', '450100');
    const before = await countRows(t, 'units');
    const outside = await t.call('POST', '/api/v1/units', { token: op, body: { code: 'DEPT-LZ-1', name: '柳州某局', parent: '450200', kind: 'department' } });
    expect(outside.status).toBe(403);
    expect(outside.body.code).toBe('forbidden');
    const divisionLike = await t.call('POST', '/api/v1/units', { token: op, body: { code: '450199', name: 'x', parent: '450100', kind: 'department' } });
    expect(divisionLike.status).toBe(400);
    const division = await t.call('POST', '/api/v1/units', { token: op, body: { code: '450199', name: '新区', parent: '450100', kind: 'division' } });
    expect(division.status).toBe(403);
    expect(await countRows(t, 'units')).toBe(before);
  });

  it('lets the admin add, rename and retire a division; a retired one holds nothing new', async () => {
    const added = await t.call('POST', '/api/v1/units', { body: { code: '450199', name: '五象新区', parent: '450100', kind: 'division' } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ level: 'county', type: 'district' });
    const badCode = await t.call('POST', '/api/v1/units', { body: { code: '450299', name: '错区', parent: '450100', kind: 'division' } });
    expect(badCode.status).toBe(400);
    const town = await t.call('POST', '/api/v1/units', { body: { code: '450199001', name: '五象镇', parent: '450199', kind: 'division' } });
    expect(town.body).toMatchObject({ level: 'township', type: 'town' });
    const retired = await t.call('PATCH', '/api/v1/units/450199', { body: { retired: true, name: '五象新区（已撤销）' } });
    expect(retired.status).toBe(200);
    expect(retired.body.retired).toBe(true);
    const dept = await t.call('POST', '/api/v1/units', { body: { code: 'WX-DEPT', name: '某局', parent: '450199', kind: 'department' } });
    expect(dept.status).toBe(422);
    const del = await t.call('DELETE', '/api/v1/units/450199');
    expect(del.status).toBe(422);
    expect((await t.call('GET', '/api/v1/units/450199')).body.name).toBe('五象新区（已撤销）');
  });
});
