// Real interfaces: a veth pair, one end in a network namespace that sends a known number of bytes,
// the other end in the host namespace (no address) where a private snmpd reads its IF-MIB counters.
// The agent polls before and after; the server's utilization must match the bytes within 2 %.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../agents/lib/agent.js';
import { snmpCycle } from '../../agents/snmp/cycle.js';
import { TelemetryJob } from '../../server/modules/telemetry/job.js';
import { testRoot } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/harness.js';
import { createNetns, ip, netnsUnavailable, rxBytes, type Netns } from '../support/netns.js';
import { snmpdAvailable, startSnmpd, type SnmpdInstance } from '../support/snmpd.js';
import { agent as makeAgent, department } from './telemetry-fixtures.js';

const unavailable = netnsUnavailable() ?? (snmpdAvailable ? null : 'needs snmpd (apt-get install snmpd snmp): skipped');
if (unavailable) console.log(`snmp-netns.test.ts: ${unavailable}`);

describe.skipIf(unavailable !== null)('SNMP agent on real interfaces (veth in a network namespace)', () => {
  let t: TestApp;
  let http: ServerType;
  let ns: Netns;
  let snmpd: SnmpdInstance;
  const hostEnd = `wwu${process.pid % 100000}a`;

  beforeAll(async () => {
    t = await startTestApp('pglite');
    http = await new Promise<ServerType>((resolve) => {
      const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(server));
    });
    ns = await createNetns('ww-util');
    // The far end lives in the namespace with an address and a permanent neighbour entry for the
    // host end's MAC, so datagrams leave through the pair without the host end having any address.
    await ip(['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'far', 'netns', ns.name]);
    fs.writeFileSync(`/proc/sys/net/ipv6/conf/${hostEnd}/disable_ipv6`, '1');
    await ip(['link', 'set', hostEnd, 'up']);
    await ns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
    await ip(['-n', ns.name, 'addr', 'add', '10.254.0.1/30', 'dev', 'far']);
    await ip(['-n', ns.name, 'link', 'set', 'far', 'up']);
    const mac = fs.readFileSync(`/sys/class/net/${hostEnd}/address`, 'utf8').trim();
    await ip(['-n', ns.name, 'neigh', 'replace', '10.254.0.2', 'lladdr', mac, 'dev', 'far', 'nud', 'permanent']);
    fs.mkdirSync(testRoot, { recursive: true });
    snmpd = await startSnmpd({ config: ['rocommunity veth-community 127.0.0.1', 'sysName nn-pe-veth'] });
  });
  afterAll(async () => {
    await snmpd?.stop();
    await ip(['link', 'del', hostEnd]).catch(() => undefined);
    await ns?.remove();
    http?.close();
    await t?.close();
  });

  it('bytes pushed across the pair show as the utilization the server computes, within 2 %', async () => {
    const me = await makeAgent(t);
    const dept = await department(t, '450102');
    const pe = await t.call('POST', '/api/v1/devices', {
      body: {
        hostname: 'nn-pe-veth',
        role: 'pe',
        vendor: 'huawei',
        ownerUnit: '450100',
        mgmtAddress: '127.0.0.1',
        interfaces: [{ name: hostEnd }],
        snmp: { agent: me.username, version: '2c', community: 'veth-community', port: snmpd.port },
      },
    });
    expect(pe.status, pe.text).toBe(201);
    const ce = await t.call('POST', '/api/v1/devices', {
      body: { hostname: `veth-ce-${process.pid}`, role: 'boundary', vendor: 'h3c', ownerUnit: dept, responsible: { name: '韦工', phone: '0771-5550000' }, interfaces: [{ name: 'GE0/0/0' }] },
    });
    const link = await t.call('POST', '/api/v1/links', {
      body: { name: `veth-${process.pid}`, aDevice: pe.body.id, aInterface: hostEnd, zDevice: ce.body.id, zInterface: 'GE0/0/0', capacityMbps: 100, payingUnit: '450102' },
    });
    expect(link.status, link.text).toBe(201);

    const agent = await createAgent(
      { method: 'snmp', cycle: snmpCycle() },
      {
        argv: [],
        env: {
          WAIWANG_SERVER: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
          WAIWANG_AGENT_TOKEN: me.token,
          WAIWANG_SPOOL_DIR: path.join(fs.mkdtempSync(path.join(testRoot, 'veth-')), 'spool'),
          WAIWANG_AGENT_HTTP_RETRIES: '0',
        },
        log: pino({ level: 'silent' }),
      },
    );
    // snmpd caches interface counters for a moment; the device must also be up longer than the interval.
    await new Promise((r) => setTimeout(r, 2000));
    t.clock.now = new Date();
    expect((await agent.cycle())!.devicesFailed).toBe(0);

    const before = rxBytes(hostEnd);
    const sent = await ns.exec(process.execPath, [path.resolve('test/fixtures/udp-blast.mjs'), '10.254.0.2', '9', '20000', '1400']);
    expect(Number(sent.stdout.trim())).toBe(20000);
    const pushed = rxBytes(hostEnd) - before;
    // Every datagram is one Ethernet frame: 1400 + 8 (UDP) + 20 (IPv4) + 14 (Ethernet) bytes.
    expect(pushed).toBeGreaterThanOrEqual(20000n * 1442n);
    // snmpd serves interface counters from a cache it reloads every few seconds: wait until what
    // it answers holds every pushed byte (a fixed pause failed once on an idle machine, where the
    // cache was reloaded in the middle of the burst and the next poll came before it expired).
    const ifIndex = fs.readFileSync(`/sys/class/net/${hostEnd}/ifindex`, 'utf8').trim();
    const served = () =>
      BigInt(
        execFileSync('snmpget', ['-v2c', '-c', 'veth-community', '-Oqv', '-On', `127.0.0.1:${snmpd.port}`, `1.3.6.1.2.1.31.1.1.1.6.${ifIndex}`], {
          env: { ...process.env, MIBS: '', MIBDIRS: '/nonexistent' },
          encoding: 'utf8',
        }).trim(),
      );
    // Two readings need some seconds between them for a rate (as before this wait was added).
    await new Promise((r) => setTimeout(r, 2500));
    for (const deadline = Date.now() + 15_000; served() < before + pushed && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 250));
    t.clock.now = new Date();
    expect((await agent.cycle())!.devicesFailed).toBe(0);
    await agent.close();

    const window = `from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 600_000).toISOString()}`;
    const readings = (await t.call('GET', `/api/v1/readings?device=${pe.body.id}&${window}`)).body.items as { at: string; inOctets: string }[];
    expect(readings).toHaveLength(2);
    const seconds = (Date.parse(readings[1].at) - Date.parse(readings[0].at)) / 1000;
    const expectedPercent = (Number(20000n * 1442n) * 8) / seconds / (100 * 1e6) * 100;

    await new TelemetryJob(t.database.db, t.config, { now: () => new Date() }).pass();
    const series = await t.call('GET', `/api/v1/links/${link.body.id}/utilization?${window}`);
    expect(series.status, series.text).toBe(200);
    const points = (series.body.series as { inPercent: number | null; sampleSeconds: number }[]).filter((p) => p.sampleSeconds > 0);
    const measuredSeconds = points.reduce((s, p) => s + p.sampleSeconds, 0);
    const meanPercent = points.reduce((s, p) => s + (p.inPercent ?? 0) * p.sampleSeconds, 0) / measuredSeconds;
    expect(measuredSeconds).toBeCloseTo(seconds, 0);
    expect(Math.abs(meanPercent - expectedPercent) / expectedPercent, `server ${meanPercent} % vs pushed ${expectedPercent} %`).toBeLessThan(0.02);
  });
});
