import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../server/app.js';
import { openPostgres, type Database } from '../../server/db/client.js';
import { adminToken } from '../support/databases.js';
import { backends, startTestApp, type TestApp } from '../support/harness.js';

/**
 * The unit tree and the VRFs are cached in each server process (server/db/cache.ts). One process
 * sees its own writes at once; on PostgreSQL a second server on the same database sees them
 * through LISTEN/NOTIFY, without a restart.
 */
describe.each(backends)('cached units and VRFs on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend);
  });
  afterAll(async () => t?.close());

  it('one server sees its own unit and VRF writes at once', async () => {
    expect((await t.call('GET', '/api/v1/units/450102')).body.name).toBe('兴宁区');
    const pool = await t.call('POST', '/api/v1/prefixes', { body: { cidr: '10.0.0.0/8', holder: '450000' } });
    const child = await t.call('POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { body: { prefixLength: 16, holder: '450100', status: 'allocated' } });
    const renamed = await t.call('PATCH', '/api/v1/units/450100', { body: { name: '南宁市（测试）' } });
    expect(renamed.status, renamed.text).toBe(200);
    expect((await t.call('GET', '/api/v1/units/450100')).body.name).toBe('南宁市（测试）');
    expect((await t.call('GET', `/api/v1/prefixes/${child.body.id}`)).body.holder.name).toBe('南宁市（测试）');
    const dept = await t.call('POST', '/api/v1/units', { body: { code: 'NN-CACHE-1', name: '缓存测试局', parent: '450100', kind: 'department' } });
    expect(dept.status).toBe(201);
    expect((await t.call('GET', '/api/v1/units/NN-CACHE-1')).body.name).toBe('缓存测试局');
    expect((await t.call('DELETE', '/api/v1/units/NN-CACHE-1')).status).toBe(204);
    expect((await t.call('GET', '/api/v1/units/NN-CACHE-1')).status).toBe(404);
    const vrf = await t.call('POST', '/api/v1/vrfs', { body: { name: 'vpn-cache', zone: 'dedicated' } });
    expect(vrf.status, vrf.text).toBe(201);
    const inVrf = await t.call('POST', '/api/v1/prefixes', { body: { vrf: 'vpn-cache', cidr: '10.0.0.0/8', holder: '450000' } });
    expect(inVrf.status, inVrf.text).toBe(201);
    expect(inVrf.body.vrf).toBe('vpn-cache');
    expect((await t.call('GET', '/api/v1/prefixes?vrf=vpn-cache')).body.items).toHaveLength(1);
  });

  it.runIf(backend === 'postgres')('a second server on the same PostgreSQL sees the first one’s writes (LISTEN/NOTIFY)', async () => {
    // The harness's database is not exposed by URL: a second server opens the same one by name.
    const [{ name }] = (await t.database.db.execute('SELECT current_database() AS name' as never)) as unknown as { name: string }[];
    const u = new URL(process.env.TEST_DATABASE_URL!);
    u.pathname = `/${name}`;
    const second: Database = await openPostgres(u.toString(), 4);
    const other: App = createApp({ database: second, config: t.config, log: pino({ level: 'silent' }), now: () => new Date() });
    const ask = async (app: App, method: string, path: string, body?: unknown) => {
      const res = await app.request(path, { method, headers: { authorization: `Bearer ${adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      return { status: res.status, body: (await res.json().catch(() => null)) as any };
    };
    const eventually = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 100; i++) {
        if (await check()) return true;
        await new Promise((r) => setTimeout(r, 20));
      }
      return false;
    };
    try {
      // Both servers have the tree cached.
      expect((await ask(other, 'GET', '/api/v1/units/450103')).body.name).toBe('青秀区');
      expect((await t.call('GET', '/api/v1/units/450103')).body.name).toBe('青秀区');
      // A write on the first server…
      expect((await t.call('PATCH', '/api/v1/units/450103', { body: { name: '青秀区（改）' } })).status).toBe(200);
      // …reaches the second one's cache, and the other way round.
      expect(await eventually(async () => (await ask(other, 'GET', '/api/v1/units/450103')).body.name === '青秀区（改）')).toBe(true);
      expect((await ask(other, 'PATCH', '/api/v1/units/450103', { name: '青秀区' })).status).toBe(200);
      expect(await eventually(async () => (await t.call('GET', '/api/v1/units/450103')).body.name === '青秀区')).toBe(true);
      // A VRF made on the second server is usable by name on the first one.
      const vrf = await ask(other, 'POST', '/api/v1/vrfs', { name: 'vpn-other', zone: 'dedicated' });
      expect(vrf.status).toBe(201);
      expect((await t.call('GET', '/api/v1/vrfs')).body.items.map((v: { name: string }) => v.name)).toContain('vpn-other');
      expect((await t.call('POST', '/api/v1/prefixes', { body: { vrf: 'vpn-other', cidr: '10.1.0.0/16', holder: '450000' } })).status).toBe(201);
      expect((await t.call('GET', '/api/v1/prefixes?vrf=vpn-other')).body.items).toHaveLength(1);
    } finally {
      await second.close();
    }
  });
});
