import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, countRows, startTestApp, type TestApp } from '../support/harness.js';

/** Bad input: each a 4xx problem+json, nothing changed. */
describe.each(backends)('IPAM refusals on %s', (backend) => {
  let t: TestApp;
  let rootId: string;
  let cityId: string;
  let cityOp: string;
  const snapshot = async () => ({
    prefixes: await countRows(t, 'prefixes'),
    free: await countRows(t, 'prefix_free_blocks'),
    addresses: await countRows(t, 'addresses'),
    audit: await countRows(t, 'audit_entries'),
  });
  const refused = async (method: string, path: string, body: unknown, status: number, code: string, token?: string) => {
    const before = await snapshot();
    const res = await t.call(method, path, { body, token });
    expect(res.status, res.text).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.code).toBe(code);
    expect(await snapshot()).toEqual(before);
    return res.body;
  };

  beforeAll(async () => {
    t = await startTestApp(backend);
    rootId = (await t.call('POST', '/api/v1/prefixes', { body: { cidr: '10.0.0.0/8', holder: '450000' } })).body.id;
    cityId = (await t.call('POST', `/api/v1/prefixes/${rootId}/allocate`, { body: { prefixLength: 16, holder: '450100', status: 'allocated' } })).body.id;
    cityOp = await t.userToken('operator', '450100');
  });
  afterAll(async () => t?.close());

  it('says "did you mean" for a non-canonical CIDR', async () => {
    const body = await refused('POST', '/api/v1/prefixes', { cidr: '10.1.1.5/24', holder: '450100' }, 400, 'not_canonical');
    expect(body.detail).toContain('did you mean 10.1.1.0/24');
    expect(body.suggestion).toBe('10.1.1.0/24');
  });

  it.each(['10.0.0.0/33', '300.1.1.0/24', '10.0.0.0/08', '010.0.0.0/8', '1.2.3/24', '1.2.3', '', '2001:db8:::/32', 'fe80::/10%eth0', '::ffff:10.0.0.0/104'])(
    'refuses %j as invalid_cidr',
    async (cidr) => {
      await refused('POST', '/api/v1/prefixes', { cidr, holder: '450000' }, 400, 'invalid_cidr');
    },
  );

  it('refuses a prefix length not longer than the parent or of the wrong family', async () => {
    const short = await refused('POST', `/api/v1/prefixes/${cityId}/allocate`, { prefixLength: 16, holder: '450102', status: 'allocated' }, 400, 'validation_failed');
    expect(short.field).toBe('prefixLength');
    await refused('POST', `/api/v1/prefixes/${cityId}/allocate`, { prefixLength: 64, holder: '450102', status: 'allocated' }, 400, 'validation_failed');
  });

  it('refuses an overlapping sibling, naming the existing prefix', async () => {
    const county = await t.call('POST', '/api/v1/prefixes', { body: { cidr: '10.0.16.0/20', holder: '450102', status: 'allocated' } });
    expect(county.status).toBe(201);
    expect(county.body.parentId).toBe(cityId);
    const body = await refused('POST', '/api/v1/prefixes', { cidr: '10.0.16.0/20', holder: '450103', status: 'allocated' }, 409, 'overlap');
    expect(body.detail).toContain('10.0.16.0/20');
    // A wider explicit child would swallow its registered sibling: refused, not re-parented.
    const wide = await refused('POST', '/api/v1/prefixes', { cidr: '10.0.0.0/19', holder: '450103', status: 'allocated' }, 409, 'overlap');
    expect(wide.existing.cidr).toBe('10.0.16.0/20');
    const rootOverlap = await refused('POST', '/api/v1/prefixes', { cidr: '8.0.0.0/6', holder: '450000' }, 409, 'overlap');
    expect(rootOverlap.detail).toContain('10.0.0.0/8');
  });

  it('refuses a child outside any registered parent unless it is a root pool', async () => {
    await refused('POST', '/api/v1/prefixes', { cidr: '192.168.0.0/24', holder: '450100', status: 'allocated' }, 422, 'outside_parent');
  });

  it('refuses an exhausted pool with 409 pool_exhausted', async () => {
    const tiny = (await t.call('POST', '/api/v1/prefixes', { body: { cidr: '172.16.0.0/30', holder: '450000' } })).body.id;
    expect((await t.call('POST', `/api/v1/prefixes/${tiny}/allocate`, { body: { prefixLength: 31, holder: '450100', status: 'allocated', count: 2 } })).status).toBe(201);
    await refused('POST', `/api/v1/prefixes/${tiny}/allocate`, { prefixLength: 32, holder: '450100', status: 'allocated' }, 409, 'pool_exhausted');
  });

  it('allocates several blocks all or none', async () => {
    const small = (await t.call('POST', '/api/v1/prefixes', { body: { cidr: '172.17.0.0/24', holder: '450000' } })).body.id;
    await refused('POST', `/api/v1/prefixes/${small}/allocate`, { prefixLength: 26, holder: '450100', status: 'allocated', count: 5 }, 409, 'pool_exhausted');
    const four = await t.call('POST', `/api/v1/prefixes/${small}/allocate`, { body: { prefixLength: 26, holder: '450100', status: 'allocated', count: 4 } });
    expect(four.status).toBe(201);
    expect(four.body.items.map((p: { cidr: string }) => p.cidr)).toEqual(['172.17.0.0/26', '172.17.0.64/26', '172.17.0.128/26', '172.17.0.192/26']);
  });

  it('refuses skipping a level, sideways delegation and wrong statuses with 422 delegation_rule', async () => {
    const skip = await refused('POST', `/api/v1/prefixes/${rootId}/allocate`, { prefixLength: 16, holder: '450102', status: 'allocated' }, 422, 'delegation_rule');
    expect(skip.rule).toBe('no_level_skipping');
    const sideways = await refused('POST', `/api/v1/prefixes/${cityId}/allocate`, { prefixLength: 20, holder: '450203', status: 'allocated' }, 422, 'delegation_rule');
    expect(sideways.rule).toBe('no_sideways');
    await refused('POST', `/api/v1/prefixes/${cityId}/allocate`, { prefixLength: 20, holder: '450102', status: 'reserved' }, 422, 'delegation_rule');
    await refused('POST', `/api/v1/prefixes/${cityId}/allocate`, { prefixLength: 20, holder: '450102', status: 'assigned' }, 422, 'delegation_rule');
  });

  it('refuses a county operator allocating from another county’s space with 403', async () => {
    const qingxiu = await t.call('POST', `/api/v1/prefixes/${cityId}/allocate`, { body: { prefixLength: 20, holder: '450103', status: 'allocated' } });
    const xingningOp = await t.userToken('operator', '450102');
    await refused('POST', `/api/v1/prefixes/${qingxiu.body.id}/allocate`, { prefixLength: 24, holder: '450103001', status: 'allocated' }, 403, 'forbidden', xingningOp);
    // ...and a city operator acts for its county.
    const ok = await t.call('POST', `/api/v1/prefixes/${qingxiu.body.id}/allocate`, { token: cityOp, body: { prefixLength: 24, holder: '450103001', status: 'allocated' } });
    expect(ok.status).toBe(201);
  });

  it('refuses addresses outside assigned prefixes, duplicates and network addresses', async () => {
    await refused('POST', `/api/v1/prefixes/${cityId}/addresses`, { address: '10.0.0.5' }, 422, 'delegation_rule');
    await t.call('POST', '/api/v1/units', { body: { code: 'NN-EDU', name: '南宁市教育局', parent: '450100', kind: 'department' } });
    const assigned = await t.call('POST', `/api/v1/prefixes/${cityId}/allocate`, { body: { prefixLength: 28, holder: 'NN-EDU', status: 'assigned', strategy: 'last' } });
    expect(assigned.body.cidr).toBe('10.0.255.240/28');
    expect((await t.call('POST', `/api/v1/prefixes/${assigned.body.id}/addresses`, { body: { address: '10.0.255.241', hostname: 'www' } })).status).toBe(201);
    await refused('POST', `/api/v1/prefixes/${assigned.body.id}/addresses`, { address: '10.0.255.241' }, 409, 'conflict');
    await refused('POST', `/api/v1/prefixes/${assigned.body.id}/addresses`, { address: '10.0.255.240' }, 400, 'validation_failed');
    await refused('POST', `/api/v1/prefixes/${assigned.body.id}/addresses`, { address: '10.0.255.255' }, 400, 'validation_failed');
    await refused('POST', `/api/v1/prefixes/${assigned.body.id}/addresses`, { address: '10.0.0.1' }, 422, 'outside_parent');
    await refused('POST', `/api/v1/prefixes/${assigned.body.id}/addresses`, { address: '010.0.255.242' }, 400, 'invalid_address');
    await refused('POST', `/api/v1/prefixes/${assigned.body.id}/allocate`, { prefixLength: 30, holder: 'NN-EDU', status: 'assigned' }, 422, 'delegation_rule');
  });

  it('refuses unknown fields and unknown VRFs', async () => {
    const unknown = await refused('POST', `/api/v1/prefixes/${cityId}/allocate`, { prefixLength: 24, holder: '450102', status: 'allocated', colour: 'red' }, 400, 'validation_failed');
    expect(unknown.field).toBe('colour');
    await refused('POST', '/api/v1/prefixes', { vrf: 'nope', cidr: '10.9.0.0/16', holder: '450100' }, 404, 'not_found');
    await refused('POST', '/api/v1/vrfs', { name: 'extra', zone: 'public' }, 422, 'rule_violation');
  });

  it('lets the database refuse what code might let through', async () => {
    const { sql } = await import('drizzle-orm');
    const { sqlState, constraintName } = await import('../../server/db/errors.js');
    const refusal = async (statement: ReturnType<typeof sql>) => {
      try {
        await t.database.db.execute(statement);
      } catch (err) {
        return { state: sqlState(err), constraint: constraintName(err) };
      }
      throw new Error('the database accepted it');
    };
    const insert = (cidr: string) =>
      sql`INSERT INTO prefixes (vrf_id, parent_id, family, prefix, status, holder_code, total_addresses) VALUES (1, ${Number(cityId)}, 4, ${cidr}::cidr, 'allocated', '450102', 256)`;
    // Host bits set: the cidr type itself refuses.
    expect((await refusal(insert('10.0.1.5/24'))).state).toBe('22P02');
    // An overlapping sibling: the exclusion constraint.
    expect(await refusal(insert('10.0.16.0/24'))).toEqual({ state: '23P01', constraint: 'prefixes_no_overlap' });
    // Outside its parent: the trigger.
    expect(await refusal(insert('11.0.0.0/24'))).toEqual({ state: '23514', constraint: 'prefixes_inside_parent' });
    // A second root pool overlapping the first in the same VRF.
    expect(
      await refusal(sql`INSERT INTO prefixes (vrf_id, parent_id, family, prefix, status, holder_code, total_addresses) VALUES (1, NULL, 4, '10.128.0.0/9', 'pool', '450000', 1)`),
    ).toEqual({ state: '23P01', constraint: 'prefixes_no_overlap' });
  });
});
