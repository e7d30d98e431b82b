/**
 * Real BIND for the DNS tests: `named-checkzone` to validate generated zone files, private
 * `named` instances on 127.0.0.1 high ports to serve them, and `dig` to ask them. Debian
 * packages bind9, bind9-utils, bind9-dnsutils.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { testRoot } from './databases.js';
import { freeTcpUdpPort as freePort } from './ports.js';

const run = promisify(execFile);

export interface CheckResult {
  ok: boolean;
  output: string;
}

function tempDir(prefix: string): string {
  fs.mkdirSync(testRoot, { recursive: true });
  return fs.mkdtempSync(path.join(testRoot, prefix));
}

/**
 * `named-checkzone` as strict as `named` is with a primary zone, and stricter: check-names,
 * NS, MX and SRV checks fail the file, and so does any diagnostic at all (named-checkzone
 * still answers "OK" when a delegation lacks its required glue; here that is a failure).
 * Integrity checks stay local (`-i local`): no lookups leave 127.0.0.1.
 */
export async function checkZone(origin: string, text: string): Promise<CheckResult> {
  const dir = tempDir('checkzone-');
  const file = path.join(dir, 'zone.db');
  fs.writeFileSync(file, text);
  try {
    const { stdout, stderr } = await run('named-checkzone', ['-k', 'fail', '-n', 'fail', '-M', 'fail', '-S', 'fail', '-i', 'local', origin, file]);
    const output = stdout + stderr;
    const diagnostics = output.split('\n').filter((line) => line.trim() !== '' && line !== 'OK' && !/^zone \S+: loaded serial \d+$/.test(line));
    return { ok: diagnostics.length === 0, output };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}


export interface NamedInstance {
  port: number;
  dir: string;
  stop(): Promise<void>;
}

/** Starts `named` in the foreground serving `zones` as primary; resolves once every zone answers its SOA. */
export async function startNamed(zones: { origin: string; text: string }[]): Promise<NamedInstance> {
  const dir = tempDir('named-');
  const zoneStatements = zones.map((zone, i) => {
    const file = path.join(dir, `zone-${i}.db`);
    fs.writeFileSync(file, zone.text);
    return `zone "${zone.origin}" { type primary; file "${file}"; };`;
  });
  return launch(dir, ['  recursion no;'], zoneStatements, zones.map((zone) => zone.origin), false);
}

/**
 * Starts a recursive `named` that reaches each zone of `forwards` at the private `named`
 * listening on its port (forward zones: resolvers cannot be told a port for a delegation's
 * name servers), so that `dig` at it resolves names the way a resolver does, CNAME chains
 * across zones included. Its root hints point at 127.0.0.1 and it sends from 127.0.0.1 only:
 * nothing leaves the loopback interface.
 */
export async function startResolver(forwards: { origin: string; port: number }[]): Promise<NamedInstance> {
  const dir = tempDir('resolver-');
  const hints = path.join(dir, 'root.hints');
  fs.writeFileSync(hints, ['. 3600000 IN NS root.invalid.', 'root.invalid. 3600000 IN A 127.0.0.1', ''].join('\n'));
  const zoneStatements = [
    `zone "." { type hint; file "${hints}"; };`,
    ...forwards.map((f) => `zone "${f.origin}" { type forward; forward only; forwarders { 127.0.0.1 port ${f.port}; }; };`),
  ];
  const options = ['  recursion yes;', '  allow-recursion { 127.0.0.1; };', '  query-source address 127.0.0.1;'];
  return launch(dir, options, zoneStatements, forwards.map((f) => f.origin), true);
}

/** Runs `named -g` with the options and zone statements; resolves once every origin in `ready` answers its SOA. */
async function launch(dir: string, options: string[], zoneStatements: string[], ready: string[], recurse: boolean): Promise<NamedInstance> {
  const port = await freePort();
  const conf = path.join(dir, 'named.conf');
  fs.writeFileSync(
    conf,
    [
      'options {',
      `  directory "${dir}";`,
      `  listen-on port ${port} { 127.0.0.1; };`,
      '  listen-on-v6 { none; };',
      `  pid-file "${path.join(dir, 'named.pid')}";`,
      `  session-keyfile "${path.join(dir, 'session.key')}";`,
      ...options,
      '  dnssec-validation no;',
      '  notify no;',
      '};',
      'controls { };',
      ...zoneStatements,
      '',
    ].join('\n'),
  );
  const log: string[] = [];
  const child: ChildProcess = spawn('named', ['-g', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (const origin of ready) {
    for (;;) {
      if (child.exitCode !== null) {
        await stop();
        throw new Error(`named exited (${child.exitCode}) before serving ${origin}:\n${log.join('')}`);
      }
      const answer = await dig(port, origin, 'SOA', { recurse }).catch(() => null);
      if (answer?.status === 'NOERROR' && answer.answer.some((rr) => rr.type === 'SOA')) break;
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`named did not serve ${origin} within 15 s:\n${log.join('')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { port, dir, stop };
}

export interface DigRecord {
  name: string;
  ttl: number;
  type: string;
  value: string;
}

export interface DigAnswer {
  status: string;
  flags: string[];
  answer: DigRecord[];
  authority: DigRecord[];
  additional: DigRecord[];
  raw: string;
}

/**
 * One query with `dig +norecurse` at 127.0.0.1:port (with recursion desired when `recurse`, for
 * a resolver), its sections parsed. `dig(port, '-x', address)` asks the address's PTR as `dig -x` does.
 */
export async function dig(port: number, name: string, type: string, options: { recurse?: boolean } = {}): Promise<DigAnswer> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), options.recurse ? '+recurse' : '+norecurse', '+time=2', '+tries=1', '+nocmd', '+nostats', name, type]);
  const header = /status: ([A-Z]+)/.exec(stdout);
  const flags = /;; flags: ([a-z ]+);/.exec(stdout);
  const sections: Record<string, DigRecord[]> = { ANSWER: [], AUTHORITY: [], ADDITIONAL: [] };
  let current: DigRecord[] | null = null;
  for (const line of stdout.split('\n')) {
    const heading = /^;; ([A-Z]+) SECTION:/.exec(line);
    if (heading) {
      current = sections[heading[1]] ?? null;
      continue;
    }
    if (!current || line.startsWith(';') || line.trim() === '') continue;
    const [owner, ttl, , rtype, ...rest] = line.split(/\s+/);
    current.push({ name: owner.replace(/\.$/, ''), ttl: Number(ttl), type: rtype, value: rest.join(' ') });
  }
  return {
    status: header?.[1] ?? 'UNKNOWN',
    flags: flags ? flags[1].trim().split(' ') : [],
    answer: sections.ANSWER,
    authority: sections.AUTHORITY,
    additional: sections.ADDITIONAL.filter((rr) => rr.type !== 'OPT'),
    raw: stdout,
  };
}
