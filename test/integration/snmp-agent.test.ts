// The SNMP agent end to end: real snmpd (private, on 127.0.0.1), the agent's cycle as
// `npm run agent:snmp -- --once` runs it, and the server answering over real HTTP.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { serve, type ServerType } from '@hono/node-server';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, startAgent } from '../../agents/lib/agent.js';
import { snmpCycle } from '../../agents/snmp/cycle.js';
import type { DeviceMemory } from '../../agents/snmp/poll.js';
import { TelemetryJob } from '../../server/modules/telemetry/job.js';
import { testRoot } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { passPersistLines, snmpdAvailable, startSnmpd, type SnmpdInstance } from '../support/snmpd.js';
import { agent as makeAgent, department, type Agent } from './telemetry-fixtures.js';

const COUNTER64_MAX = '18446744073709551615';
const ABOVE_2_53 = '9007199254740993';

interface FakeInterface {
  index: number;
  name: string;
  in: string;
  out: string;
  highSpeed?: number;
  oper?: number;
  hc?: boolean;
  speed?: number;
}

/** The pass_persist helper's state: the test rewrites it between cycles. */
class DeviceState {
  constructor(
    readonly file: string,
    public interfaces: FakeInterface[],
    public serial = 'SN-2102351931P0K8',
  ) {
    this.write();
  }
  write(): void {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ interfaces: this.interfaces, entity: [{ index: 1, class: 3, serial: this.serial }, { index: 2, class: 9, serial: 'MODULE-1' }] }));
    fs.renameSync(tmp, this.file);
    // The helper re-reads on a new mtime; two writes in one millisecond must still differ.
    const t = new Date(Date.now() + Math.floor(Math.random() * 1000));
    fs.utimesSync(this.file, t, t);
  }
}

describe.skipIf(!snmpdAvailable)('SNMP agent against real snmpd', () => {
  let t: TestApp;
  let http: ServerType;
  let serverPort: number;
  let dept: string;
  const snmpds: SnmpdInstance[] = [];
  const dir = () => fs.mkdtempSync(path.join(testRoot, 'snmp-agent-'));

  const listen = (port = 0) =>
    new Promise<ServerType>((resolve) => {
      const server = serve({ fetch: t.app.fetch, port, hostname: '127.0.0.1' }, () => resolve(server));
    });

  beforeAll(async () => {
    fs.mkdirSync(testRoot, { recursive: true });
    t = await startTestApp('pglite');
    http = await listen();
    serverPort = (http.address() as AddressInfo).port;
    dept = await department(t, '450102');
  });
  afterAll(async () => {
    for (const s of snmpds) await s.stop();
    http?.close();
    await t?.close();
  });

  async function snmpd(config: string[], exclude = ['ifTable', 'ifXTable', 'interfaces']): Promise<SnmpdInstance> {
    const s = await startSnmpd({ config, exclude });
    snmpds.push(s);
    return s;
  }

  let seq = 0;
  async function registerDevice(options: { port: number; snmp: Record<string, unknown>; interfaces: string[]; serial?: string; hostname?: string; agent: Agent }) {
    const hostname = options.hostname ?? `snmp-dev-${process.pid}-${++seq}`;
    const made = await t.call('POST', '/api/v1/devices', {
      body: {
        hostname,
        role: 'boundary',
        vendor: 'huawei',
        ownerUnit: dept,
        responsible: { name: '韦工', phone: '0771-5550000' },
        mgmtAddress: '127.0.0.1',
        serial: options.serial ?? '',
        interfaces: options.interfaces.map((name) => ({ name })),
        snmp: { agent: options.agent.username, port: options.port, ...options.snmp },
      },
    });
    if (made.status !== 201) throw new Error(made.text);
    return { id: made.body.id as string, hostname };
  }

  /** One `--once` run of the agent (a fresh process as far as the spool is concerned). */
  async function once(options: { token: string; spoolDir?: string; memory?: Map<string, DeviceMemory>; env?: Record<string, string> }) {
    t.clock.now = new Date();
    let output = '';
    const out = new Writable({
      write(chunk, _enc, done) {
        output += chunk;
        done();
      },
    });
    const running = await startAgent(
      { method: 'snmp', cycle: snmpCycle(options.memory) },
      {
        argv: ['--once'],
        env: {
          WAIWANG_SERVER: `http://127.0.0.1:${serverPort}`,
          WAIWANG_AGENT_TOKEN: options.token,
          WAIWANG_SPOOL_DIR: options.spoolDir ?? path.join(dir(), 'spool'),
          WAIWANG_AGENT_TIMEOUT_MS: '1500',
          WAIWANG_AGENT_RETRIES: '1',
          WAIWANG_AGENT_HTTP_RETRIES: '0',
          WAIWANG_AGENT_HTTP_TIMEOUT_MS: '5000',
          ...options.env,
        },
        out,
        log: pino({ level: 'silent' }),
      },
    );
    const code = await running.done;
    return { code, output };
  }

  const readingsOf = async (device: string) => {
    const window = `from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 3_600_000).toISOString()}`;
    return (await t.call('GET', `/api/v1/readings?device=${device}&limit=1000&${window}`)).body.items as any[];
  };
  const openFindings = async (device: string) =>
    ((await t.call('GET', `/api/v1/findings?device=${device}&status=open`)).body.items as any[]).map((f) => `${f.kind}/${f.subject}`).sort();

  it('reads 2^53 + 1 and 2^64 − 1 exactly, falls back to 32-bit counters flagged, checks identity, and prints the table', async () => {
    const me = await makeAgent(t);
    const work = dir();
    const state = new DeviceState(path.join(work, 'state.json'), [
      { index: 3, name: 'GigabitEthernet0/0/0', in: ABOVE_2_53, out: COUNTER64_MAX, highSpeed: 1000 },
      { index: 7, name: 'Ethernet0/0/1', in: '4294967295', out: '12', hc: false, speed: 100_000_000, oper: 2 },
    ]);
    const hostname = `nn-boundary-${process.pid}`;
    const s = await snmpd(['rocommunity exact-community 127.0.0.1', `sysName ${hostname}`, ...passPersistLines(state.file)]);
    const device = await registerDevice({ port: s.port, hostname, serial: state.serial, snmp: { version: '2c', community: 'exact-community' }, interfaces: ['GigabitEthernet0/0/0', 'Ethernet0/0/1'], agent: me });

    const first = await once({ token: me.token });
    expect(first.output).toContain(ABOVE_2_53);
    expect(first.output).toContain(COUNTER64_MAX);
    expect(first.code, first.output).toBe(0);
    const stored = await readingsOf(device.id);
    const hc = stored.find((r) => r.ifName === 'GigabitEthernet0/0/0');
    expect(hc).toMatchObject({ inOctets: ABOVE_2_53, outOctets: COUNTER64_MAX, counterBits: 64, highSpeedMbps: 1000, operStatus: 'up' });
    expect(stored.find((r) => r.ifName === 'Ethernet0/0/1')).toMatchObject({ inOctets: '4294967295', outOctets: '12', counterBits: 32, highSpeedMbps: 100, operStatus: 'down' });
    expect(await openFindings(device.id)).toEqual([]);

    // Another chassis in its place: the serial no longer matches the registry.
    state.serial = 'SN-SOMEONE-ELSE';
    state.write();
    const swapped = await once({ token: me.token });
    expect(swapped.code).toBe(1);
    expect(swapped.output).toContain('identity_mismatch/serial');
    expect(await openFindings(device.id)).toEqual(['identity_mismatch/serial']);
  });

  it('an interface removed and re-added under a new ifIndex is found again by name; a reboot with reset counters is posted as it is and the server drops that interval', async () => {
    const me = await makeAgent(t);
    const work = dir();
    const state = new DeviceState(path.join(work, 'state.json'), [{ index: 5, name: 'GigabitEthernet0/0/1', in: '1000000', out: '2000000' }]);
    const hostname = `nn-reindex-${process.pid}`;
    const s = await snmpd(['rocommunity reindex-community 127.0.0.1', `sysName ${hostname}`, ...passPersistLines(state.file)]);
    const device = await registerDevice({ port: s.port, hostname, snmp: { version: '2c', community: 'reindex-community' }, interfaces: ['GigabitEthernet0/0/1'], agent: me });
    const pe = await t.call('POST', '/api/v1/devices', {
      body: { hostname: `nn-pe-${process.pid}`, role: 'pe', vendor: 'huawei', ownerUnit: '450100', interfaces: [{ name: 'GigabitEthernet1/0/1' }] },
    });
    const link = await t.call('POST', '/api/v1/links', {
      body: { name: `reindex-${process.pid}`, aDevice: pe.body.id, aInterface: 'GigabitEthernet1/0/1', zDevice: device.id, zInterface: 'GigabitEthernet0/0/1', capacityMbps: 1000, payingUnit: '450102' },
    });
    expect(link.status, link.text).toBe(201);
    const memory = new Map<string, DeviceMemory>();
    // The server drops an interval longer than the device's uptime: let this one be up for a while first.
    await new Promise((r) => setTimeout(r, 1500));

    expect((await once({ token: me.token, memory })).code).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    state.interfaces = [{ index: 42, name: 'GigabitEthernet0/0/1', in: '3000000', out: '4000000' }];
    state.write();
    const moved = await once({ token: me.token, memory });
    expect(moved.code, moved.output).toBe(0);
    expect(memory.get(device.id)!.ifIndex!.get('GigabitEthernet0/0/1')).toBe(42);

    // The device reboots (snmpd restarts: sysUpTime starts over) and its counters start from 0.
    state.interfaces = [{ index: 42, name: 'GigabitEthernet0/0/1', in: '500', out: '700' }];
    state.write();
    const upBefore = (await readingsOf(device.id)).at(-1).sysUpTime as number;
    snmpds.splice(snmpds.indexOf(s), 1, await s.restart());
    await new Promise((r) => setTimeout(r, 1500));
    const rebooted = await once({ token: me.token, memory });
    expect(rebooted.code, rebooted.output).toBe(0);
    const stored = await readingsOf(device.id);
    expect(stored.map((r) => r.inOctets)).toEqual(['1000000', '3000000', '500']);
    expect(stored[2].sysUpTime).toBeLessThan(upBefore);

    // The server rolls up: the interval across the reboot says nothing (no spike, no negative rate).
    await new TelemetryJob(t.database.db, t.config, { now: () => new Date() }).pass();
    const from = new Date(Date.parse(stored[0].at) - 600_000).toISOString();
    const to = new Date(Date.parse(stored[2].at) + 600_000).toISOString();
    const series = await t.call('GET', `/api/v1/links/${link.body.id}/utilization?from=${from}&to=${to}`);
    expect(series.status, series.text).toBe(200);
    expect(series.body.spikes).toBe(0);
    const measured = (series.body.series as { sampleSeconds: number }[]).reduce((sum: number, p: { sampleSeconds: number }) => sum + p.sampleSeconds, 0);
    const firstInterval = (Date.parse(stored[1].at) - Date.parse(stored[0].at)) / 1000;
    const secondInterval = (Date.parse(stored[2].at) - Date.parse(stored[1].at)) / 1000;
    expect(secondInterval).toBeGreaterThan(1.5);
    expect(measured).toBeGreaterThan(0.4);
    expect(measured).toBeCloseTo(firstInterval, 0);
  });

  it('one device that never answers costs its own timeout while nine others answer in the same cycle', async () => {
    const me = await makeAgent(t);
    const nine = await Promise.all(
      Array.from({ length: 9 }, async (_, i) => {
        const hostname = `nn-nine-${process.pid}-${i}`;
        const s = await snmpd(['rocommunity nine-community 127.0.0.1', `sysName ${hostname}`], []);
        return registerDevice({ port: s.port, hostname, snmp: { version: '2c', community: 'nine-community' }, interfaces: ['lo'], agent: me });
      }),
    );
    // A black hole: a UDP port that takes requests and never answers.
    const hole = dgram.createSocket('udp4');
    await new Promise<void>((r) => hole.bind(0, '127.0.0.1', () => r()));
    const dead = await registerDevice({ port: (hole.address() as AddressInfo).port, snmp: { version: '2c', community: 'nine-community' }, interfaces: ['lo'], agent: me });
    try {
      const started = Date.now();
      const run = await once({ token: me.token, env: { WAIWANG_AGENT_TIMEOUT_MS: '1200', WAIWANG_AGENT_RETRIES: '1', WAIWANG_AGENT_CONCURRENCY: '16' } });
      expect(run.code).toBe(1);
      expect(run.output).toMatch(new RegExp(`${dead.hostname}\\s+127\\.0\\.0\\.1\\s+-.*unreachable`));
      for (const d of nine) {
        const [reading] = await readingsOf(d.id);
        expect(reading, d.hostname).toBeDefined();
        // Read before the dead device's two 1.2-second tries were over: nobody waited for it.
        expect(Date.parse(reading.at) - started).toBeLessThan(2000);
      }
      expect(await openFindings(dead.id)).toEqual(['unreachable/snmp']);
      for (const d of nine) expect(await openFindings(d.id)).toEqual([]);
    } finally {
      hole.close();
    }
  });

  it('while the server is away for two cycles the readings wait in the spool, and the next cycle delivers every one exactly once', async () => {
    const me = await makeAgent(t);
    const work = dir();
    const spoolDir = path.join(work, 'spool');
    const state = new DeviceState(path.join(work, 'state.json'), [{ index: 1, name: 'GigabitEthernet0/0/2', in: '100', out: '200' }]);
    const hostname = `nn-spool-${process.pid}`;
    const s = await snmpd(['rocommunity spool-community 127.0.0.1', `sysName ${hostname}`, ...passPersistLines(state.file)]);
    const device = await registerDevice({ port: s.port, hostname, snmp: { version: '2c', community: 'spool-community' }, interfaces: ['GigabitEthernet0/0/2'], agent: me });

    // A daemon (cycles driven by the test): it learns its targets, then the server goes away for two cycles.
    const memory = new Map<string, DeviceMemory>();
    const agent = await createAgent(
      { method: 'snmp', cycle: snmpCycle(memory) },
      {
        argv: [],
        env: {
          WAIWANG_SERVER: `http://127.0.0.1:${serverPort}`,
          WAIWANG_AGENT_TOKEN: me.token,
          WAIWANG_SPOOL_DIR: spoolDir,
          WAIWANG_AGENT_HTTP_RETRIES: '0',
          WAIWANG_AGENT_TIMEOUT_MS: '1500',
        },
        log: pino({ level: 'silent' }),
      },
    );
    t.clock.now = new Date();
    expect((await agent.cycle())!.devicesFailed).toBe(0);
    expect(await readingsOf(device.id)).toHaveLength(1);
    // The agent follows the server's interval, so both mean the same by "silent for 3 intervals".
    expect(agent.interval()).toBe(t.config.telemetry.pollIntervalSeconds);

    await new Promise<void>((r) => {
      http.close(() => r());
      (http as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    });
    for (const k of [1, 2]) {
      state.interfaces[0].in = String(100 + k * 1000);
      state.write();
      await new Promise((r) => setTimeout(r, 20));
      const report = await agent.cycle();
      expect(report!.devicesFailed).toBe(0);
    }
    // Two readings batches and two device-check batches wait, fsync'd: a restarted agent finds them.
    expect(agent.spool.depth).toBe(4);
    await agent.close();
    const restarted = await createAgent(
      { method: 'snmp', cycle: snmpCycle(memory) },
      { argv: [], env: { WAIWANG_SERVER: `http://127.0.0.1:${serverPort}`, WAIWANG_AGENT_TOKEN: me.token, WAIWANG_SPOOL_DIR: spoolDir, WAIWANG_AGENT_HTTP_RETRIES: '0' }, log: pino({ level: 'silent' }) },
    );
    expect(restarted.spool.depth).toBe(4);

    http = await listen(serverPort);
    state.interfaces[0].in = '9100';
    state.write();
    t.clock.now = new Date();
    expect((await restarted.cycle())!.devicesFailed).toBe(0);
    expect(restarted.spool.depth).toBe(0);
    const stored = await readingsOf(device.id);
    expect(stored.map((r) => r.inOctets)).toEqual(['100', '1100', '2100', '9100']);
    expect(new Set(stored.map((r) => r.at)).size).toBe(4);
    // Replaying again (a crash before the cursor moved) changes nothing: the server's idempotency.
    const checks = await t.call('GET', `/api/v1/findings?device=${device.id}`);
    expect(checks.body.items).toEqual([]);
    await restarted.close();
  });
  it('SNMPv3 authPriv: AES-256 as Debian’s snmpd speaks it (Blumenthal), AES-256-C (Reeder) and AES-192; a wrong key is auth_failed, reported', async () => {
    const me = await makeAgent(t);
    const hostname = `nn-v3-${process.pid}`;
    const s = await snmpd(
      [
        'createUser v3-b256 SHA auth-key-0001 AES256 priv-key-0001',
        'createUser v3-c256 SHA-256 auth-key-0002 AES256C priv-key-0002',
        'createUser v3-b192 SHA auth-key-0003 AES192 priv-key-0003',
        'rouser v3-b256 priv',
        'rouser v3-c256 priv',
        'rouser v3-b192 priv',
        `sysName ${hostname}`,
      ],
      [],
    );
    const v3 = (user: string, authProtocol: string, authKey: string, privProtocol: string, privKey: string) => ({ version: '3', user, authProtocol, authKey, privProtocol, privKey });
    const good = [
      await registerDevice({ port: s.port, hostname, snmp: v3('v3-b256', 'SHA', 'auth-key-0001', 'AES-256', 'priv-key-0001'), interfaces: ['lo'], agent: me }),
      await registerDevice({ port: s.port, hostname: `${hostname}.gx.gov.cn`, snmp: v3('v3-c256', 'SHA-256', 'auth-key-0002', 'AES-256-C', 'priv-key-0002'), interfaces: ['lo'], agent: me }),
      await registerDevice({ port: s.port, hostname: `${hostname}.nn`, snmp: v3('v3-b192', 'SHA', 'auth-key-0003', 'AES-192', 'priv-key-0003'), interfaces: ['lo'], agent: me }),
    ];
    // The other key extension than the user was made with, and a wrong authentication key.
    const wrongVariant = await registerDevice({ port: s.port, snmp: v3('v3-b256', 'SHA', 'auth-key-0001', 'AES-256-C', 'priv-key-0001'), interfaces: ['lo'], agent: me });
    const wrongKey = await registerDevice({ port: s.port, snmp: v3('v3-b256', 'SHA', 'not-the-auth-key', 'AES-256', 'priv-key-0001'), interfaces: ['lo'], agent: me });

    const run = await once({ token: me.token, env: { WAIWANG_AGENT_TIMEOUT_MS: '800' } });
    expect(run.code).toBe(1);
    for (const d of good) {
      const [reading] = await readingsOf(d.id);
      expect(reading, `${d.hostname}: ${run.output}`).toMatchObject({ ifName: 'lo', counterBits: 64 });
      expect(await openFindings(d.id)).toEqual([]);
    }
    expect(await readingsOf(wrongKey.id)).toEqual([]);
    const refused = (await t.call('GET', `/api/v1/findings?device=${wrongKey.id}&status=open`)).body.items;
    expect(refused).toMatchObject([{ kind: 'unreachable', subject: 'snmp' }]);
    expect(refused[0].detail).toMatch(/refused the agent's credentials.*Wrong Digest/);
    // A privacy key extended the other way decrypts to nothing: no answer the agent can read.
    expect(await openFindings(wrongVariant.id)).toEqual(['unreachable/snmp']);
    expect(await readingsOf(wrongVariant.id)).toEqual([]);
  });

  it('a wrong community is reported as unreachable, not a crash', async () => {
    const me = await makeAgent(t);
    const s = await snmpd(['rocommunity right-community 127.0.0.1'], []);
    const device = await registerDevice({ port: s.port, snmp: { version: '2c', community: 'wrong-community' }, interfaces: ['lo'], agent: me });
    // The command line itself, as `npm run agent:snmp -- --once` runs it (scripts/agent.mjs: the
    // agent bundled by esbuild and run as plain JavaScript; spawned asynchronously:
    // the server answering it runs in this very process).
    const cli = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['scripts/agent.mjs', 'snmp', '--once'], {
        env: {
          ...process.env,
          WAIWANG_SERVER: `http://127.0.0.1:${serverPort}`,
          WAIWANG_AGENT_TOKEN: me.token,
          WAIWANG_SPOOL_DIR: path.join(dir(), 'spool'),
          WAIWANG_AGENT_TIMEOUT_MS: '400',
          WAIWANG_AGENT_RETRIES: '1',
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.once('exit', (status) => resolve({ status, stdout, stderr }));
    });
    expect(cli.status, cli.stderr).toBe(1);
    expect(cli.stdout).toMatch(/unreachable.*a wrong community looks the same/);
    // JSON logs on stderr, one object a line.
    expect(cli.stderr.trim().split('\n').every((line) => typeof JSON.parse(line).msg === 'string')).toBe(true);
    const [finding] = (await t.call('GET', `/api/v1/findings?device=${device.id}&status=open`)).body.items;
    expect(finding).toMatchObject({ kind: 'unreachable', subject: 'snmp' });
    expect(finding.detail).toContain('wrong community');
  });
  it('with WAIWANG_AGENT_LEASE_SECONDS an agent also polls the unassigned devices of its subtree that no other agent holds', async () => {
    const me = await makeAgent(t);
    const other = await makeAgent(t);
    const hostname = `nn-pool-${process.pid}`;
    const s = await snmpd(['rocommunity pool-community 127.0.0.1', `sysName ${hostname}`], []);
    const made = await t.call('POST', '/api/v1/devices', {
      body: {
        hostname,
        role: 'boundary',
        vendor: 'huawei',
        ownerUnit: dept,
        responsible: { name: '韦工', phone: '0771-5550000' },
        mgmtAddress: '127.0.0.1',
        interfaces: [{ name: 'lo' }],
        snmp: { version: '2c', community: 'pool-community', port: s.port },
      },
    });
    expect(made.status, made.text).toBe(201);
    const leased = await once({ token: me.token, env: { WAIWANG_AGENT_LEASE_SECONDS: '600', WAIWANG_AGENT_LEASE_MAX: '1000' } });
    expect(leased.code, leased.output).toBe(0);
    expect(leased.output).toContain(hostname);
    expect(await readingsOf(made.body.id)).toHaveLength(1);
    // Held by the first agent: the second one leases nothing and has nothing to poll.
    const second = await once({ token: other.token, env: { WAIWANG_AGENT_LEASE_SECONDS: '600' } });
    expect(second.output).not.toContain(hostname);
    expect(await readingsOf(made.body.id)).toHaveLength(1);
  });
});
