/**
 * One poll of 1,000 real interfaces (500 veth pairs in a network namespace, one snmpd) reading
 * the four IF-MIB columns (ifHCInOctets, ifHCOutOctets, ifHighSpeed, ifOperStatus), by the
 * agent's pollDevice (GET PDUs of many varbinds, several in flight; the ifName map cached), vs
 * net-snmp's `snmpbulkwalk -v2c -Cr50` of the same four columns, measured in the same run and
 * the same namespace, interleaved. Goal ≤ 1.0× its wall time (≤ 1.5× acceptable); agent RSS
 * ≤ 100 MB. Root only (ip netns, veth): prints why and exits 0 otherwise.
 *   npx tsx test/bench/snmp-poll.ts      BENCH_REPEATS=11 (default) rounds; medians reported
 *   BENCH_VARBINDS=48 BENCH_IN_FLIGHT=4: the agent's PDU size and window (its defaults)
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import { createNetns, ipBatch, netnsUnavailable } from '../support/netns.js';
import { snmpdAvailable, startSnmpd } from '../support/snmpd.js';
import { fmt, reportRows, table } from './support.js';

const run = promisify(execFile);
const pairs = 500;
const repeats = Number(process.env.BENCH_REPEATS || 11);
const perPdu = Number(process.env.BENCH_VARBINDS || 48);
const inFlight = Number(process.env.BENCH_IN_FLIGHT || 4);
const columns = ['1.3.6.1.2.1.31.1.1.1.6', '1.3.6.1.2.1.31.1.1.1.10', '1.3.6.1.2.1.31.1.1.1.15', '1.3.6.1.2.1.2.2.1.8'];

const why = netnsUnavailable() ?? (snmpdAvailable && fs.existsSync('/usr/bin/snmpbulkwalk') ? null : 'needs snmpd and snmpbulkwalk (apt-get install snmpd snmp)');
if (why) {
  console.log(`snmp-poll: ${why}`);
  process.exit(0);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ns = await createNetns('ww-bench');
let stopSnmpd = async () => {};
try {
  // 1,000 interfaces in a fraction of a second: one ip -batch inside the namespace.
  const started = performance.now();
  const lines: string[] = [];
  for (let i = 0; i < pairs; i++) lines.push(`link add v${i}a type veth peer name v${i}b`);
  for (let i = 0; i < pairs; i++) lines.push(`link set v${i}a up`, `link set v${i}b up`);
  await ipBatch(lines, ns.name);
  console.log(`${pairs * 2} veth interfaces in ${ns.name}: ${fmt(performance.now() - started)} ms`);

  const snmpd = await startSnmpd({ config: ['rocommunity bench-community 127.0.0.1'], netns: ns.name });
  stopSnmpd = snmpd.stop;
  const target = `127.0.0.1:${snmpd.port}`;
  const env = { ...process.env, MIBS: '', MIBDIRS: '/nonexistent' };

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'snmp-bench-'));
  const namesFile = path.join(work, 'names');
  const { stdout: names } = await run('ip', ['netns', 'exec', ns.name, 'snmpbulkwalk', '-v2c', '-Cr50', '-c', 'bench-community', '-Oqv', target, '1.3.6.1.2.1.31.1.1.1.1'], { env, maxBuffer: 1 << 24 });
  const ifNames = names
    .split('\n')
    .map((l) => l.trim().replace(/^"|"$/g, ''))
    .filter((n) => /^v\d+[ab]$/.test(n));
  fs.writeFileSync(namesFile, ifNames.join('\n'));
  console.log(`polling ${ifNames.length} target interfaces (of ${names.split('\n').filter(Boolean).length} in the table)`);

  // The agent's code under tsx, and bundled by esbuild with its npm packages external, as
  // `npm run agent:snmp` runs it (scripts/agent.mjs): what tsx's loader costs in RSS shows as the
  // difference. The bundle sits under node_modules so that its external imports resolve.
  const bundle = path.resolve('node_modules/.cache/waiwang', `snmp-poll-child-${process.pid}.mjs`);
  await run(path.resolve('node_modules/.bin/esbuild'), [
    path.resolve('test/bench/_snmp-poll-child.ts'),
    '--bundle',
    '--packages=external',
    '--platform=node',
    '--format=esm',
    `--outfile=${bundle}`,
  ]);
  const agentArgs = [String(snmpd.port), 'bench-community', namesFile, String(perPdu), String(inFlight)];
  const startChild = (bundled: boolean) => {
    // The node flags `npm run agent:snmp` uses (package.json): a 1 MB young generation.
    const argv = ['--max-semi-space-size=1', ...(bundled ? [bundle] : ['--import', 'tsx', path.resolve('test/bench/_snmp-poll-child.ts')]), ...agentArgs];
    const child = spawn('ip', ['netns', 'exec', ns.name, process.execPath, ...argv], { stdio: ['pipe', 'pipe', 'inherit'] });
    const answers = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const ask = async <T>(command: string): Promise<T> => {
      child.stdin!.write(`${command}\n`);
      return JSON.parse((await answers.next()).value as string) as T;
    };
    return { ask, end: () => child.stdin!.end() };
  };
  const child = startChild(false);
  const agentPoll = () => child.ask<{ ms: number; readings: number; status: string; detail: string | null; rss: number; remapped: boolean }>('poll');
  const bulkwalk = async () => {
    const t0 = performance.now();
    let rows = 0;
    for (const column of columns) {
      const { stdout } = await run('ip', ['netns', 'exec', ns.name, 'snmpbulkwalk', '-v2c', '-Cr50', '-c', 'bench-community', '-Oqn', target, column], { env, maxBuffer: 1 << 24 });
      rows += stdout.split('\n').filter(Boolean).length;
    }
    return { ms: performance.now() - t0, rows };
  };

  const idleRss = (await child.ask<{ rss: number }>('rss')).rss;
  // The first poll walks ifName (the map is cached after it): reported apart.
  const cold = await agentPoll();
  if (cold.status !== 'ok' || cold.readings !== ifNames.length) throw new Error(`the agent read ${cold.readings} of ${ifNames.length}: ${cold.status} ${cold.detail}`);
  await bulkwalk();
  const agentMs: number[] = [];
  const walkMs: number[] = [];
  let walkRows = 0;
  let rss = 0;
  for (let r = 0; r < repeats; r++) {
    const a = await agentPoll();
    if (a.readings !== ifNames.length) throw new Error(`the agent read ${a.readings} of ${ifNames.length}`);
    agentMs.push(a.ms);
    rss = Math.max(rss, a.rss);
    const w = await bulkwalk();
    walkMs.push(w.ms);
    walkRows = w.rows;
  }
  child.end();
  // The same polls by the bundled agent under plain node: its RSS without tsx's loader.
  const plain = startChild(true);
  const plainIdle = (await plain.ask<{ rss: number }>('rss')).rss;
  let plainRss = 0;
  for (let r = 0; r < 4; r++) plainRss = Math.max(plainRss, (await plain.ask<{ rss: number }>('poll')).rss);
  plain.end();
  const ratio = median(agentMs) / median(walkMs);
  table([
    { what: 'agent pollDevice, first cycle (walks ifName)', 'median ms': fmt(cold.ms), varbinds: cold.readings * 4 },
    { what: `agent pollDevice (${perPdu} varbinds/PDU, ${inFlight} in flight)`, 'median ms': fmt(median(agentMs)), varbinds: ifNames.length * 4 },
    { what: 'snmpbulkwalk -v2c -Cr50 × 4 columns', 'median ms': fmt(median(walkMs)), varbinds: walkRows },
  ]);
  console.log(`agent / snmpbulkwalk: ${ratio.toFixed(2)}× (goal ≤ 1.0×, acceptable ≤ 1.5×)`);
  console.log(`agent peak RSS as npm run agent:snmp runs it (bundled, plain node): ${(plainRss / 1048576).toFixed(0)} MB (goal ≤ 100 MB; ${(plainIdle / 1048576).toFixed(0)} MB before the first poll); under tsx's loader: ${(rss / 1048576).toFixed(0)} MB (${(idleRss / 1048576).toFixed(0)} MB before the first poll)`);
  reportRows([
    { what: `SNMP agent cycle, ${ifNames.length} interfaces × 4 columns, vs snmpbulkwalk -Cr50 (issue 8)`, measured: `${fmt(median(agentMs))} ms`, baseline: `${fmt(median(walkMs))} ms`, ratio, must: ['<=', 1.5], goal: ['<=', 1.0] },
    { what: 'SNMP agent peak RSS during the poll, as npm run agent:snmp runs it (issue 8)', measured: `${(plainRss / 1048576).toFixed(0)} MiB`, baseline: '—', ratio: Math.round(plainRss / 1048576), goal: ['<=', 100], unit: 'MiB' },
  ]);
} finally {
  await stopSnmpd();
  await ns.remove();
  fs.rmSync(path.resolve('node_modules/.cache/waiwang', `snmp-poll-child-${process.pid}.mjs`), { force: true });
}
