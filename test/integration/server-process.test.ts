import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../support/databases.js';
import { api, crashServer, healthy, killAllServers as killAll, startServer as start, stopServer as stop, within } from '../support/server-process.js';

// The real thing: `npm start` as a newcomer runs it, on a free port of 127.0.0.1 (test/support/server-process.ts).
const bootstrapToken = `ww_process_test_${randomBytes(12).toString('hex')}`;

afterAll(killAll);

describe('the launcher with --build (make setup)', () => {
  it('makes the bundle current and exits without serving', () => {
    const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'waiwang-build-')), 'data');
    const ran = spawnSync(process.execPath, ['scripts/start.mjs', '--build'], {
      env: { ...process.env, WAIWANG_DATA_DIR: dataDir, PORT: '1', HOST: '127.0.0.1' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(ran.error).toBeUndefined();
    expect(ran.status).toBe(0);
    // Nothing of the server ran: it would have opened (and made) its data directory.
    expect(fs.existsSync(dataDir)).toBe(false);
    const bundle = fs.readFileSync('node_modules/.cache/waiwang/server.mjs', 'utf8');
    expect(bundle.startsWith('// waiwang-inputs ')).toBe(true);
    fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
  });
});

describe('the server process on embedded PGlite', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'waiwang-process-'));
  afterAll(() => {
    killAll();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves, refuses a second server on its directory, stops cleanly on SIGTERM and restarts with its data', { timeout: 240_000 }, async () => {
    const env = { WAIWANG_DATA_DIR: dataDir, WAIWANG_BOOTSTRAP_TOKEN: bootstrapToken };
    const first = await start(env);
    await healthy(first);
    expect(first.output()).toContain(`${first.base}/docs`);
    expect(first.output()).not.toContain('admin token');

    const region = await api(first, bootstrapToken, 'GET', '/api/v1/units/450000');
    expect(region.status).toBe(200);
    expect(region.body).toMatchObject({ code: '450000', name: '广西壮族自治区', level: 'region' });
    const created = await api(first, bootstrapToken, 'POST', '/api/v1/units', { code: 'PROC-DEPT-1', name: '进程测试局', parent: '450100', kind: 'department' });
    expect(created.status).toBe(201);

    const second = await start(env);
    const refused = await within(second.exited, 60_000, 'the second server refusing the directory');
    expect(refused.code).not.toBe(0);
    expect(second.output()).toMatch(/in use by another waiwang server/);
    expect(second.output()).toContain(dataDir);
    // The first is unharmed.
    expect((await api(first, bootstrapToken, 'GET', '/api/v1/units/PROC-DEPT-1')).status).toBe(200);

    expect(await stop(first)).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(path.join(dataDir, 'waiwang.lock'))).toBe(false);

    const again = await start(env);
    await healthy(again);
    const kept = await api(again, bootstrapToken, 'GET', '/api/v1/units/PROC-DEPT-1');
    expect(kept.status).toBe(200);
    expect(kept.body.name).toBe('进程测试局');
    const verified = await api(again, bootstrapToken, 'GET', '/api/v1/audit/verify');
    expect(verified.body).toMatchObject({ ok: true, unsealed: 0, firstBroken: null });
    expect(verified.body.sealed).toBeGreaterThanOrEqual(3);
    expect(await stop(again)).toEqual({ code: 0, signal: null });
  });
});

describe('a crash of the server on embedded PGlite', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'waiwang-crash-'));
  const token = `ww_crash_${randomBytes(12).toString('hex')}`;
  afterAll(() => {
    killAll();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses no acknowledged allocation under kill -9, and starts again on the same directory', { timeout: 240_000 }, async () => {
    const env = { WAIWANG_DATA_DIR: dataDir, WAIWANG_BOOTSTRAP_TOKEN: token };
    const first = await start(env);
    await healthy(first);
    const pool = await api(first, token, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/16', holder: '450000' });
    expect(pool.status).toBe(201);
    const acknowledged: string[] = [];
    // Allocations in flight while the process dies: every one answered 201 must survive.
    const inFlight = Array.from({ length: 40 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * 15));
      try {
        const r = await api(first, token, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 24, holder: '450100', status: 'allocated' });
        if (r.status === 201) acknowledged.push(r.body.cidr);
      } catch {
        /* the connection died with the server */
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    // On a loaded machine the first answer can take longer than that: kill once one is acknowledged.
    for (const deadline = Date.now() + 30_000; !acknowledged.length && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
    await crashServer(first);
    await Promise.all(inFlight);
    expect(acknowledged.length).toBeGreaterThan(0);

    const again = await start(env);
    await healthy(again);
    const children = await api(again, token, 'GET', `/api/v1/prefixes/${pool.body.id}/children?limit=1000`);
    const held: string[] = children.body.items.map((p: { cidr: string }) => p.cidr);
    for (const cidr of acknowledged) expect(held).toContain(cidr);
    // The parent's counters agree with what survived, and the chain still verifies.
    const parent = await api(again, token, 'GET', `/api/v1/prefixes/${pool.body.id}`);
    expect(parent.body.childCount).toBe(held.length);
    expect(parent.body.utilization.usedAddresses).toBe(String(held.length * 256));
    const verified = await api(again, token, 'GET', '/api/v1/audit/verify');
    expect(verified.body.ok).toBe(true);
    expect(await stop(again)).toEqual({ code: 0, signal: null });
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('the server process on PostgreSQL', () => {
  // Collected even when skipped: nothing here may assume TEST_DATABASE_URL before the tests run.
  const serverUrl = process.env.TEST_DATABASE_URL ?? 'postgres://unused@127.0.0.1/unused';
  const name = `waiwang_proc_${process.pid}_${randomBytes(3).toString('hex')}`;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'waiwang-process-pg-'));
  afterAll(async () => {
    killAll();
    await withDatabase(serverUrl, async (sql) => void (await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('migrates a fresh database, prints the admin token, runs two servers side by side, and restarts with its data', { timeout: 240_000 }, async () => {
    await withDatabase(serverUrl, async (sql) => void (await sql.unsafe(`CREATE DATABASE ${name}`)));
    const env = { DATABASE_URL: url.toString(), WAIWANG_DATA_DIR: dataDir };
    const first = await start(env);
    await healthy(first);
    const printed = /admin token \(shown once, keep it\): (ww_\S+)/.exec(first.output());
    expect(printed, first.output()).not.toBeNull();
    const token = printed![1];
    const region = await api(first, token, 'GET', '/api/v1/units/450000');
    expect(region.body).toMatchObject({ code: '450000', name: '广西壮族自治区' });
    expect((await api(first, token, 'GET', '/api/v1/units?parent=450000')).body.items).toHaveLength(14);

    // On PostgreSQL several servers share the database (scale-out); only PGlite is one per directory.
    const second = await start({ ...env, WAIWANG_DATA_DIR: fs.mkdtempSync(path.join(dataDir, 'second-')) });
    await healthy(second);
    expect(second.output()).not.toContain('admin token');
    const created = await api(second, token, 'POST', '/api/v1/units', { code: 'PROC-PG-DEPT', name: '进程测试局', parent: '450200', kind: 'department' });
    expect(created.status).toBe(201);
    expect((await api(first, token, 'GET', '/api/v1/units/PROC-PG-DEPT')).status).toBe(200);

    expect(await stop(second)).toEqual({ code: 0, signal: null });
    expect(await stop(first)).toEqual({ code: 0, signal: null });

    const again = await start(env);
    await healthy(again);
    expect(again.output()).not.toContain('admin token');
    expect((await api(again, token, 'GET', '/api/v1/units/PROC-PG-DEPT')).body.name).toBe('进程测试局');
    const verified = await api(again, token, 'GET', '/api/v1/audit/verify');
    expect(verified.body).toMatchObject({ ok: true, unsealed: 0, firstBroken: null });
    expect(await stop(again)).toEqual({ code: 0, signal: null });
  });
});
