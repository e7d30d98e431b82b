/**
 * SSH verification of 200 simulated devices (200 logins on one private sshd running the device
 * simulator, Huawei VRP dialect, paging until turned off, exec refused) with concurrency 16:
 *   agent     `agents/ssh/main.ts --once` as its own process against a registry served over HTTP:
 *             login, the dialect's five commands through a PTY shell, parsing, masking, hashing,
 *             and posting the 200 checks (the server compares each with the registry);
 *   baseline  OpenSSH's `ssh -tt` typing the same five commands into the same shells through
 *             `xargs -P16`, output to files (no parsing, nothing posted);
 * measured in the same run. Goal: agent ≤ 1.5× the baseline's wall time; agent RSS ≤ 150 MB.
 * Both log in with the same ed25519 key. Reported: wall time of each (the agent's with and
 * without its process start-up: tsx compiles TypeScript at start), the ratio, the agent's peak RSS.
 * Needs root (useradd, sshd).
 *   npx tsx test/bench/ssh-verify.ts        BENCH_DEVICES=200 BENCH_CONCURRENCY=16
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canRunSshd, ensureUser, fixtureState, startSshd } from '../support/sshd.js';
import { call, fmt, listen, openRegistry, reportRows, serverUrl, table } from './support.js';

const devices = Number(process.env.BENCH_DEVICES || 200);
const concurrency = Number(process.env.BENCH_CONCURRENCY || 16);
const users = ['wwsshb1', 'wwsshb2', 'wwsshb3', 'wwsshb4'];
const repo = path.resolve(import.meta.dirname, '../..');

const skip = canRunSshd();
if (skip) {
  console.log(`ssh-verify: skipped (${skip})`);
  process.exit(0);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ww-bench-ssh-'));
const keyFile = path.join(work, 'id_ed25519');
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
const privateKey = fs.readFileSync(keyFile, 'utf8');
const publicKey = fs.readFileSync(`${keyFile}.pub`, 'utf8').trim();

const sshd = await startSshd();
for (const u of users) {
  ensureUser(u, 'Bench@2026');
  sshd.authorizeKey(u, publicKey);
  sshd.setState(u, fixtureState('huawei-vrp', { pageLines: 24, lldp: { enabled: true, neighbors: [{ localIf: 'GigabitEthernet0/0/0', remoteSysName: 'PE-NN-01', remoteIf: 'GE1/0/0' }] } }));
}

const backend = serverUrl() ? 'postgres' : 'pglite';
const reg = await openRegistry(backend);
const http = await listen(reg.app);
try {
  await call(reg.app, 'POST', '/api/v1/users', { username: 'bench-ssh-agent', displayName: 'bench ssh agent', unit: '450000', role: 'agent' });
  const { body: issued } = await call(reg.app, 'POST', '/api/v1/users/bench-ssh-agent/tokens', {});
  await call(reg.app, 'POST', '/api/v1/units', { code: 'BENCHSSH', name: '基准测试单位', parent: '450102', kind: 'department' });
  for (let i = 0; i < devices; i++) {
    const made = await call(reg.app, 'POST', '/api/v1/devices', {
      hostname: `BENCH-BR-${String(i).padStart(3, '0')}`,
      role: 'boundary',
      vendor: 'huawei',
      dialect: 'huawei-vrp',
      serial: '2102351931P0C3000154',
      mgmtAddress: '127.0.0.1',
      ownerUnit: 'BENCHSSH',
      responsible: { name: '韦工', phone: '0771-5550000' },
      interfaces: [{ name: 'GigabitEthernet0/0/0', address: '10.1.2.1/30' }],
      ssh: { agent: 'bench-ssh-agent', port: sshd.port, username: users[i % users.length], privateKey, hostKeySha256: sshd.hostKeySha256 },
    });
    if (made.status !== 201) throw new Error(`device ${i}: ${made.status} ${JSON.stringify(made.body)}`);
  }

  // ---- baseline: OpenSSH through xargs -P16 ----
  const commands = ['screen-length 0 temporary', 'display current-configuration', 'display ip interface brief', 'display lldp neighbor brief', 'display esn', 'quit'];
  const script = path.join(work, 'one.sh');
  const outDir = path.join(work, 'out');
  fs.mkdirSync(outDir);
  fs.writeFileSync(
    script,
    `#!/bin/sh
# $1: device number. The commands typed into the shell, as the agent types them.
user=$(( $1 % ${users.length} + 1 ))
printf '${commands.join('\\n')}\\n' | ssh -tt -i ${keyFile} -p ${sshd.port} -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR wwsshb$user@127.0.0.1 > ${outDir}/$1.txt 2>&1 || echo "exit $?" >> ${outDir}/$1.txt
`,
    { mode: 0o755 },
  );
  const t0 = performance.now();
  // Not execFileSync: this process must keep reading sshd's log pipe meanwhile, or sshd blocks on a full pipe.
  await new Promise<void>((resolve, reject) =>
    spawn('sh', ['-c', `seq 0 ${devices - 1} | xargs -P${concurrency} -n1 ${script}`], { stdio: 'inherit' }).on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`xargs exited ${c}`)))),
  );
  const baselineSeconds = (performance.now() - t0) / 1000;
  const incomplete = fs.readdirSync(outDir).filter((f) => !fs.readFileSync(path.join(outDir, f), 'utf8').includes('ESN of slot 0'));
  if (fs.readdirSync(outDir).length !== devices || incomplete.length) {
    const sample = incomplete.slice(0, 3).map((f) => fs.readFileSync(path.join(outDir, f), 'utf8').slice(-400));
    throw new Error(`baseline incomplete: ${incomplete.length} of ${devices} outputs lack the last command's answer:\n${sample.join('\n---\n')}\n${sshd.log().slice(-2000)}`);
  }

  // ---- the agent, its own process ----
  const spool = path.join(work, 'spool');
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'agents/ssh/main.ts'), '--once'], {
    cwd: repo,
    env: {
      ...process.env,
      WAIWANG_SERVER: http.base,
      WAIWANG_AGENT_TOKEN: issued.token,
      WAIWANG_SPOOL_DIR: spool,
      WAIWANG_AGENT_CONCURRENCY: String(concurrency),
      WAIWANG_AGENT_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  let peakKb = 0;
  const sampler = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
    } catch {
      // exited
    }
  }, 25);
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  clearInterval(sampler);
  const agentWall = (performance.now() - started) / 1000;
  const cycleLine = stderr.split('\n').find((l) => l.includes('"cycle done"'));
  if (!cycleLine) throw new Error(`the agent did not finish a cycle (exit ${code}):\n${stderr.slice(-2000)}`);
  const cycle = JSON.parse(cycleLine) as { seconds: number; devices: number; failed: number; problems: number };
  const okRows = stdout.split('\n').filter((l) => /\bok\b/.test(l) && l.includes('BENCH-BR-')).length;
  if (cycle.devices !== devices || cycle.failed !== 0 || okRows !== devices) {
    throw new Error(`the agent checked ${cycle.devices} devices, ${cycle.failed} failed, ${okRows} rows ok:\n${stdout.slice(0, 3000)}\n${stderr.slice(-2000)}`);
  }

  console.log(`ssh-verify: ${devices} devices, concurrency ${concurrency}, registry on ${backend}`);
  table([
    { run: 'OpenSSH ssh -tt | xargs -P16 (baseline)', seconds: fmt(baselineSeconds), ratio: '1.00' },
    { run: 'agent cycle (check + post 200)', seconds: fmt(cycle.seconds), ratio: fmt(cycle.seconds / baselineSeconds) },
    { run: 'agent process (incl. start-up)', seconds: fmt(agentWall), ratio: fmt(agentWall / baselineSeconds) },
  ]);
  console.log(`agent peak RSS ${fmt(peakKb / 1024, 1)} MB (goal ≤ 150 MB); ratio goal ≤ 1.5×; every device answered (${okRows} ok; findings: the 200 registry hostnames differ from the simulator's sysname, so identity_mismatch is expected)`);
  reportRows([
    { what: `SSH verification of ${devices} devices, concurrency ${concurrency}, vs OpenSSH ssh through xargs -P${concurrency} (issue 9)`, measured: `${fmt(cycle.seconds)} s`, baseline: `${fmt(baselineSeconds)} s`, ratio: cycle.seconds / baselineSeconds, goal: ['<=', 1.5] },
    { what: 'SSH agent peak RSS during the cycle (issue 9)', measured: `${fmt(peakKb / 1024, 0)} MiB`, baseline: '—', ratio: Math.round(peakKb / 1024), goal: ['<=', 150], unit: 'MiB' },
  ]);
} finally {
  await http.close();
  await reg.close();
  await sshd.stop();
  fs.rmSync(work, { recursive: true, force: true });
}
