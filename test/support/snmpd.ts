/**
 * Real net-snmp `snmpd` for the SNMP agent's tests: a private instance on 127.0.0.1 (or in a
 * network namespace), never the system service: `-C` reads only our config, `-M /nonexistent
 * -m ""` loads no MIB files (Debian ships none; everything is numeric), and `-I` leaves out the
 * built-in interface tables when the test serves its own through the pass_persist helper.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { testRoot } from './databases.js';
import { freeTcpUdpPort } from './ports.js';

const run = promisify(execFile);
export const snmpdPath = '/usr/sbin/snmpd';
export const snmpdAvailable = fs.existsSync(snmpdPath);
export const passPersistHelper = path.resolve('test/fixtures/snmp-pass-persist.mjs');

export interface SnmpdOptions {
  /** Lines of snmpd.conf besides agentaddress (communities, createUser/rouser, sysName, pass_persist). */
  config: string[];
  /** -I: modules to leave out (default: smux only). */
  exclude?: string[];
  /** Run inside this network namespace (`ip netns exec`), listening on `address`. */
  netns?: string;
  address?: string;
  port?: number;
  /** A directory to reuse (a restart keeps createUser's persistent state and the engine boots). */
  dir?: string;
}

export interface SnmpdInstance {
  port: number;
  address: string;
  dir: string;
  stop(): Promise<void>;
  /** Stops and starts again on the same port and directory: a device reboot (sysUpTime starts over). */
  restart(): Promise<SnmpdInstance>;
}

export async function startSnmpd(options: SnmpdOptions): Promise<SnmpdInstance> {
  fs.mkdirSync(testRoot, { recursive: true });
  const dir = options.dir ?? fs.mkdtempSync(path.join(testRoot, 'snmpd-'));
  const address = options.address ?? '127.0.0.1';
  const port = options.port ?? (await freeTcpUdpPort());
  const conf = path.join(dir, 'snmpd.conf');
  fs.writeFileSync(conf, [`agentaddress udp:${address}:${port}`, `persistentDir ${path.join(dir, 'persist')}`, 'dontLogTCPWrappersConnects yes', ...options.config, ''].join('\n'));
  const pidfile = path.join(dir, 'snmpd.pid');
  const args = ['-f', '-Lo', '-C', '-c', conf, '-p', pidfile, '-M', '/nonexistent', '-m', '', '-I', `-${['smux', ...(options.exclude ?? [])].join(',')}`];
  const command = options.netns ? 'ip' : snmpdPath;
  const argv = options.netns ? ['netns', 'exec', options.netns, snmpdPath, ...args] : args;
  const child: ChildProcess = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SNMP_PERSISTENT_DIR: path.join(dir, 'persist'), MIBS: '', MIBDIRS: '/nonexistent' } });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Ready when it answers sysUpTime (with the first community or user of the config).
  const deadline = Date.now() + 10_000;
  const probe = probeArgs(options.config, address, port);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`snmpd exited (${child.exitCode}): ${log}`);
    try {
      const netns = options.netns ? ['netns', 'exec', options.netns] : [];
      await run(options.netns ? 'ip' : 'snmpget', [...netns, ...(options.netns ? ['snmpget'] : []), ...probe], { env: { ...process.env, MIBS: '', MIBDIRS: '/nonexistent' }, timeout: 3000 });
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`snmpd on ${address}:${port} did not answer within 10 s: ${(err as Error).message}\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  // pass_persist helpers start on their subtree's first request (a node process each): start them
  // now, so a test's first poll does not pay for it (under load that is more than a timeout).
  for (const line of options.config) {
    const subtree = /^pass_persist\s+(\S+)/.exec(line)?.[1];
    if (!subtree) continue;
    const netns = options.netns ? ['netns', 'exec', options.netns, 'snmpgetnext'] : [];
    await run(options.netns ? 'ip' : 'snmpgetnext', [...netns, ...probe.slice(0, -1).map((a) => (a === '0.5' ? '5' : a)), subtree], { env: { ...process.env, MIBS: '', MIBDIRS: '/nonexistent' }, timeout: 10_000 }).catch(
      () => undefined,
    );
  }
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
  };
  return {
    port,
    address,
    dir,
    stop,
    restart: async () => {
      await stop();
      return startSnmpd({ ...options, port, dir });
    },
  };
}

/** snmpget arguments that the config answers: the first rocommunity, else the first createUser. */
function probeArgs(config: string[], address: string, port: number): string[] {
  const target = `${address}:${port}`;
  const community = config.map((l) => /^rocommunity\s+(\S+)/.exec(l)).find(Boolean);
  if (community) return ['-v2c', '-c', community[1], '-r', '0', '-t', '0.5', target, '1.3.6.1.2.1.1.3.0'];
  const user = config.map((l) => /^createUser\s+(\S+)\s+(\S+)\s+(\S+)(?:\s+(\S+)\s+(\S+))?/.exec(l)).find(Boolean);
  if (!user) throw new Error('the snmpd config needs a rocommunity or a createUser line');
  const [, name, auth, authKey, priv, privKey] = user;
  const privArgs = priv ? ['-l', 'authPriv', '-x', priv, '-X', privKey] : ['-l', 'authNoPriv'];
  return ['-v3', '-u', name, '-a', auth, '-A', authKey, ...privArgs, '-r', '0', '-t', '0.5', target, '1.3.6.1.2.1.1.3.0'];
}

/** The pass_persist lines serving the test's fake interface and entity tables from `stateFile`. */
export function passPersistLines(stateFile: string): string[] {
  return ['.1.3.6.1.2.1.2', '.1.3.6.1.2.1.31', '.1.3.6.1.2.1.47'].map((subtree) => `pass_persist ${subtree} ${process.execPath} ${passPersistHelper} ${stateFile} ${subtree}`);
}
