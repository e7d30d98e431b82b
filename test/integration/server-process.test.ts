import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../support/databases.js';
import { freePort } from '../support/ports.js';

/** The real thing: `npm start` as a newcomer runs it, on a free port of 127.0.0.1. */
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const bootstrapToken = `ww_process_test_${randomBytes(12).toString('hex')}`;
const running = new Set<Server>();

interface Server {
  process: ChildProcess;
  port: number;
  base: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}


async function start(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: repoRoot,
    // Its own process group, so that cleanup can end npm, sh, tsx and the server together.
    detached: true,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const server: Server = { process: child, port, base: `http://127.0.0.1:${port}`, output: () => output, exited };
  running.add(server);
  void exited.then(() => running.delete(server));
  return server;
}

async function healthy(server: Server, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void server.exited.then(() => (gone = true));
  while (Date.now() < deadline) {
    if (gone) throw new Error(`the server exited before answering /healthz:\n${server.output()}`);
    try {
      const res = await fetch(`${server.base}/healthz`);
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no healthy /healthz within ${timeoutMs} ms:\n${server.output()}`);
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Child pids of every process, from /proc. */
function childrenOf(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the parent pid follows the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* gone meanwhile */
    }
  }
  return children;
}

/**
 * The node process that runs server/main.ts under npm → sh → tsx. npm itself, when signalled,
 * re-raises the signal and exits at once (before its child has stopped), so the signal goes to
 * the server, as a service manager's or a terminal's would; npm's exit then reports the server's.
 */
function serverPid(root: number): number {
  const children = childrenOf();
  const queue = [root];
  const seen: string[] = [];
  let found: number | undefined;
  // Breadth first: the last match is the deepest, the node process that runs the server.
  while (queue.length) {
    const pid = queue.shift()!;
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    seen.push(`${pid}: ${cmdline}`);
    if (cmdline.includes('server/main.ts')) found = pid;
    queue.push(...(children.get(pid) ?? []));
  }
  if (!found) throw new Error(`no server process below pid ${root}; saw\n${seen.join('\n')}`);
  return found;
}

async function stop(server: Server): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  process.kill(serverPid(server.process.pid!), 'SIGTERM');
  return within(server.exited, 10_000, 'a clean stop after SIGTERM');
}

async function api(server: Server, token: string, method: string, url: string, body?: unknown) {
  const res = await fetch(`${server.base}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

function killAll(): void {
  for (const server of running) {
    try {
      process.kill(-server.process.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

afterAll(killAll);

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
    process.kill(serverPid(first.process.pid!), 'SIGKILL');
    await Promise.all(inFlight);
    await within(first.exited, 10_000, 'npm noticing the dead server');
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
