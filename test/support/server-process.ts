/**
 * The real server as a process (`npm start`, as a newcomer runs it) on a free port of 127.0.0.1,
 * for the tests that kill it, restart it, or run two of it: test/integration/server-process.test.ts
 * and test/resilience/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const running = new Set<ServerProcess>();

export interface ServerProcess {
  process: ChildProcess;
  port: number;
  base: string;
  /** Everything it wrote on stdout and stderr so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startServer(env: Record<string, string>, port?: number): Promise<ServerProcess> {
  port ??= await freePort();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: repoRoot,
    // Its own process group, so that cleanup can end npm, sh and the server together.
    detached: true,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const server: ServerProcess = { process: child, port, base: `http://127.0.0.1:${port}`, output: () => output, exited };
  running.add(server);
  void exited.then(() => running.delete(server));
  return server;
}

/** Waits for /healthz to answer 200; fails early when the process exits. */
export async function healthy(server: ServerProcess, timeoutMs = 90_000): Promise<void> {
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

export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
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

/** What `npm start` runs (package.json): the launcher that runs the bundled server in its own process. */
export const serverLauncher = 'scripts/start.mjs';

/**
 * The node process that runs the server under npm → sh → node scripts/start.mjs. npm itself, when
 * signalled, re-raises the signal and exits at once (before its child has stopped), so the signal
 * goes to the server, as a service manager's or a terminal's would; npm's exit then reports the
 * server's.
 */
export function serverPid(server: ServerProcess): number {
  return processBelow(server.process.pid!, serverLauncher);
}

/** The deepest process at or below `root` whose command line names `marker`. */
export function processBelow(root: number, marker: string): number {
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
    if (cmdline.includes(marker)) found = pid;
    queue.push(...(children.get(pid) ?? []));
  }
  if (!found) throw new Error(`no server process below pid ${root}; saw\n${seen.join('\n')}`);
  return found;
}

/** Resident memory of the server process, bytes (from /proc). */
export function serverRss(server: ServerProcess): number {
  const status = fs.readFileSync(`/proc/${serverPid(server)}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

export async function stopServer(server: ServerProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  process.kill(serverPid(server), 'SIGTERM');
  return within(server.exited, 20_000, 'a clean stop after SIGTERM');
}

/** kill -9 of the server process, then waits for npm to notice. */
export async function crashServer(server: ServerProcess): Promise<void> {
  process.kill(serverPid(server), 'SIGKILL');
  await within(server.exited, 10_000, 'npm noticing the dead server');
}

export interface ApiReply {
  status: number;
  body: any;
  contentType: string;
}

export async function api(server: ServerProcess, token: string, method: string, url: string, body?: unknown, signal?: AbortSignal): Promise<ApiReply> {
  const res = await fetch(`${server.base}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal,
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any, contentType: res.headers.get('content-type') ?? '' };
}

/** Ends every server this file started (its whole process group): for afterAll. */
export function killAllServers(): void {
  for (const server of running) {
    try {
      process.kill(-server.process.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
