/**
 * Network namespaces and veth pairs for the tests that need real interfaces (the SNMP agent's
 * utilization test and poll benchmark). Root only: callers skip with a printed reason otherwise.
 * No address outside a namespace is ever used: a veth end left in the host namespace gets none.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const isRoot = process.getuid?.() === 0;
export const hasIp = fs.existsSync('/usr/sbin/ip') || fs.existsSync('/sbin/ip') || fs.existsSync('/usr/bin/ip');

/** Why a netns test cannot run here, or null. */
export function netnsUnavailable(): string | null {
  if (!isRoot) return 'needs root (ip netns add, veth pairs): skipped';
  if (!hasIp) return 'needs iproute2 (ip): skipped';
  return null;
}

export async function ip(args: string[]): Promise<string> {
  const { stdout } = await run('ip', args);
  return stdout;
}

/** Runs `ip -batch` over these lines (one ip command each, without the leading "ip"). */
export async function ipBatch(lines: string[], netns?: string): Promise<void> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ipbatch-')), 'batch');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  try {
    await run('ip', [...(netns ? ['-n', netns] : []), '-batch', file], { maxBuffer: 16 * 1024 * 1024 });
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

export interface Netns {
  name: string;
  exec(command: string, args: string[], options?: { input?: string; timeout?: number }): Promise<{ stdout: string; stderr: string }>;
  remove(): Promise<void>;
}

export async function createNetns(prefix: string): Promise<Netns> {
  const name = `${prefix}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  await ip(['netns', 'add', name]);
  await ip(['-n', name, 'link', 'set', 'lo', 'up']);
  return {
    name,
    exec: (command, args, options = {}) =>
      new Promise((resolve, reject) => {
        const child = spawn('ip', ['netns', 'exec', name, command, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        const timer = options.timeout ? setTimeout(() => child.kill('SIGKILL'), options.timeout) : null;
        child.once('error', reject);
        child.once('exit', (code) => {
          if (timer) clearTimeout(timer);
          if (code === 0) resolve({ stdout, stderr });
          else reject(new Error(`${command} ${args.join(' ')} in ${name} exited ${code}: ${stderr}`));
        });
        // A child that exits before reading its input (most commands here read none) closes the
        // pipe first: that EPIPE says nothing its exit status does not, and unheard it is an
        // uncaught exception that fails the whole run (a clean-clone CI run, 2026-12-02).
        child.stdin.on('error', () => {});
        child.stdin.end(options.input ?? '');
      }),
    remove: async () => {
      // Deleting the namespace destroys the veth ends inside it, and with them their peers.
      await ip(['netns', 'del', name]).catch(() => undefined);
    },
  };
}

/** The interface's kernel counters (what snmpd's IF-MIB reports). */
export function rxBytes(iface: string): bigint {
  return BigInt(fs.readFileSync(`/sys/class/net/${iface}/statistics/rx_bytes`, 'utf8').trim());
}
