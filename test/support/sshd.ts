/**
 * A private OpenSSH server on 127.0.0.1 whose every login runs the device simulator
 * (test/fixtures/ssh-device-sim/sim.mjs) as sshd's ForceCommand. Each device is a local user
 * (`wwsshN…`) whose state file the test rewrites. Needs root (useradd, sshd); callers skip otherwise.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const SIMULATOR = resolve(import.meta.dirname, '../fixtures/ssh-device-sim/sim.mjs');
export const FIXTURES = resolve(import.meta.dirname, '../fixtures');

export function canRunSshd(): string | null {
  if (process.getuid?.() !== 0) return 'not root: sshd and useradd need root';
  if (!existsSync('/usr/sbin/sshd')) return 'openssh-server is not installed (scripts/ensure-packages.sh installs it)';
  return null;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

export interface DeviceState {
  dialect: 'huawei-vrp' | 'h3c-comware' | 'cisco-ios';
  serial: string;
  config: string;
  exec?: boolean;
  pageLines?: number;
  lldp: { enabled: boolean; neighbors: Array<{ localIf: string; remoteSysName: string; remoteIf: string }> };
}

/** Creates (once) an unlocked local user with a real home and sets its password. */
export function ensureUser(name: string, password: string): void {
  // Two test files may edit /etc/passwd at once: useradd and chpasswd then fail to lock it; retry.
  for (let attempt = 0; ; attempt++) {
    try {
      try {
        execFileSync('id', [name], { stdio: 'ignore' });
      } catch {
        execFileSync('useradd', ['-m', '-d', `/home/${name}`, '-s', '/bin/sh', name], { stdio: 'ignore' });
      }
      // useradd leaves the account locked ('!'): sshd refuses even key logins to a locked account.
      execFileSync('chpasswd', { input: `${name}:${password}\n`, stdio: ['pipe', 'ignore', 'ignore'] });
      return;
    } catch (err) {
      if (attempt >= 20) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100 + Math.random() * 200);
    }
  }
}

export interface Sshd {
  port: number;
  dir: string;
  /** `SHA256:…` of the host key, as `ssh-keygen -lf` prints it */
  hostKeySha256: string;
  setState(user: string, state: DeviceState): void;
  authorizeKey(user: string, publicKey: string): void;
  /** what sshd logged so far (-e: to stderr) */
  log(): string;
  stop(): Promise<void>;
}

export async function startSshd(opts: { legacyOnly?: boolean; hostKeyDir?: string } = {}): Promise<Sshd> {
  mkdirSync('/run/sshd', { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'ww-sshd-'));
  chmodSync(dir, 0o755);
  const stateDir = join(dir, 'state');
  const keysDir = join(dir, 'keys');
  mkdirSync(stateDir, { mode: 0o755 });
  mkdirSync(keysDir, { mode: 0o755 });
  const keyDir = opts.hostKeyDir ?? dir;
  const hostKey = join(keyDir, opts.legacyOnly ? 'host_rsa' : 'host_ed25519');
  if (!existsSync(hostKey)) {
    execFileSync('ssh-keygen', ['-q', '-t', opts.legacyOnly ? 'rsa' : 'ed25519', ...(opts.legacyOnly ? ['-b', '2048'] : []), '-N', '', '-f', hostKey]);
  }
  const hostKeySha256 = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`], { encoding: 'utf8' }).split(' ')[1];
  const port = await freePort();
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    'UsePAM no',
    `AuthorizedKeysFile ${keysDir}/%u`,
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin no',
    'StrictModes no',
    'AllowUsers wwssh*',
    // The benchmark opens 16 connections at a time; sshd drops unauthenticated ones beyond 10 by default.
    'MaxStartups 400',
    'LogLevel VERBOSE',
    'UseDNS no',
    'PrintMotd no',
    'PrintLastLog no',
    `ForceCommand ${process.execPath} ${SIMULATOR} ${stateDir}`,
    ...(opts.legacyOnly
      ? ['KexAlgorithms diffie-hellman-group14-sha1', 'HostKeyAlgorithms ssh-rsa', 'Ciphers aes128-ctr,aes128-cbc', 'MACs hmac-sha1']
      : []),
  ].join('\n');
  const configFile = join(dir, 'sshd_config');
  writeFileSync(configFile, `${config}\n`);
  let stderr = '';
  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((res, rej) => {
    const started = Date.now();
    const poll = () => {
      if (stderr.includes('Server listening')) return res();
      if (child.exitCode !== null) return rej(new Error(`sshd exited: ${stderr}`));
      if (Date.now() - started > 10_000) return rej(new Error(`sshd did not start: ${stderr}`));
      setTimeout(poll, 20);
    };
    poll();
  });
  return {
    port,
    dir,
    hostKeySha256,
    setState(user, state) {
      writeFileSync(join(stateDir, `${user}.json`), JSON.stringify(state), { mode: 0o644 });
    },
    authorizeKey(user, publicKey) {
      writeFileSync(join(keysDir, user), `${publicKey}\n`, { mode: 0o644 });
    },
    log: () => stderr,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fixture device state from the recorded configuration of a dialect. */
export function fixtureState(dialect: DeviceState['dialect'], overrides: Partial<DeviceState> = {}): DeviceState {
  const file = { 'huawei-vrp': 'display_current-configuration.raw', 'h3c-comware': 'display_current-configuration.raw', 'cisco-ios': 'show_running-config.raw' }[dialect];
  let config = readFileSync(join(FIXTURES, dialect, file), 'utf8');
  // The device prints its configuration; IOS's "Building configuration…" header is the simulator's to add.
  if (dialect === 'cisco-ios') config = config.replace(/^Building configuration\.\.\.\n\nCurrent configuration : \d+ bytes\n/, '');
  const serial = { 'huawei-vrp': '2102351931P0C3000154', 'h3c-comware': '219801A28N8189Q00045', 'cisco-ios': 'FGL2150A1RM' }[dialect];
  return { dialect, serial, config, lldp: { enabled: true, neighbors: [] }, ...overrides };
}
