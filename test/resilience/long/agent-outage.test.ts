// Agents vs a vanishing server (issue 12, item 3). A private snmpd serves two interfaces from a
// pass_persist state file; the real server process (`npm start`) on PostgreSQL (TEST_DATABASE_URL)
// or else embedded PGlite; the real SNMP agent process (`agents/snmp/main.ts`, daemon mode). The
// test advances the counters after every cycle the agent logs, so each cycle reads values of its
// own; then it stops the server for AWAY seconds while the agent keeps polling into its spool,
// starts it again on the same database and port, and waits for the replay. Afterwards, straight
// in the database: every reading the agent took is there exactly once, at a time inside the cycle
// that took it, and the 5-minute rollups are made of those readings only (their seconds and
// octets add up to the span between the first and the last reading: nothing invented).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite, openPostgres, rows, type Database } from '../../../server/db/client.js';
import { testRoot, withDatabase } from '../../support/databases.js';
import { freePort } from '../../support/ports.js';
import { api, healthy, killAllServers, repoRoot, startServer, stopServer, within } from '../../support/server-process.js';
import { passPersistLines, snmpdAvailable, startSnmpd, type SnmpdInstance } from '../../support/snmpd.js';

const awaySeconds = Number(process.env.WAIWANG_RESILIENCE_AWAY_S ?? 60);
/** The server's minimum (telemetry/settings.ts): the agent takes it from the targets answer. */
const intervalSeconds = 10;
const interfaces = ['GigabitEthernet0/0/1', 'GigabitEthernet0/0/2'];
/** Octets added per cycle: about 1 and 2 Mbit/s at a 10-second interval. */
const step = [1_250_000n, 2_500_000n];

interface CycleLine {
  time: number;
  devices: number;
  failed: number;
  spoolDepth: number;
}

interface Written {
  /** When the test wrote these counters (ms): the cycle that reads them starts after. */
  at: number;
  values: bigint[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, ms: number, ready: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
}

async function vanishingServer(name: string, databaseEnv: Record<string, string>, open: () => Promise<Database>): Promise<void> {
  fs.mkdirSync(testRoot, { recursive: true });
  const work = fs.mkdtempSync(path.join(testRoot, 'agent-outage-'));
  const adminToken = `ww_agentres_${randomBytes(12).toString('hex')}`;
  const serverEnv = { ...databaseEnv, WAIWANG_BOOTSTRAP_TOKEN: adminToken, WAIWANG_POLL_INTERVAL_SECONDS: String(intervalSeconds), WAIWANG_TELEMETRY_JOB_MS: '2000' };
  const port = await freePort();
  let snmpd: SnmpdInstance | undefined;
  let agent: ChildProcess | undefined;
  try {
    // The device: counters the test controls, written atomically (the helper re-reads on a new mtime).
    const stateFile = path.join(work, 'state.json');
    const counters = [10_000_000n, 20_000_000n];
    const written: Written[] = [];
    const writeState = () => {
      fs.writeFileSync(
        `${stateFile}.tmp`,
        JSON.stringify({ interfaces: interfaces.map((ifName, i) => ({ index: i + 1, name: ifName, in: String(counters[i]), out: String(counters[i] / 2n), highSpeed: 1000 })), entity: [] }),
      );
      fs.renameSync(`${stateFile}.tmp`, stateFile);
      written.push({ at: Date.now(), values: [...counters] });
    };
    writeState();
    const hostname = `nn-agentres-${process.pid}`;
    snmpd = await startSnmpd({ config: ['rocommunity agentres-community 127.0.0.1', `sysName ${hostname}`, ...passPersistLines(stateFile)], exclude: ['ifTable', 'ifXTable', 'interfaces'] });

    let server = await startServer(serverEnv, port);
    await healthy(server);
    const ok = async (method: string, url: string, body: unknown) => {
      const r = await api(server, adminToken, method, url, body);
      if (r.status !== 201) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    await ok('POST', '/api/v1/units', { code: 'AGENTRES', name: '采集韧性测试局', parent: '450102', kind: 'department' });
    const username = `agentres-${randomBytes(3).toString('hex')}`;
    await ok('POST', '/api/v1/users', { username, displayName: username, unit: '450000', role: 'agent' });
    const agentToken = ((await ok('POST', `/api/v1/users/${username}/tokens`, {})) as { token: string }).token;
    const device = await ok('POST', '/api/v1/devices', {
      hostname,
      role: 'boundary',
      vendor: 'huawei',
      ownerUnit: 'AGENTRES',
      responsible: { name: '韦工', phone: '0771-5550000' },
      mgmtAddress: '127.0.0.1',
      interfaces: interfaces.map((ifName) => ({ name: ifName })),
      snmp: { agent: username, port: snmpd.port, version: '2c', community: 'agentres-community' },
    });

    // The agent process, as `npm run agent:snmp` runs it, its JSON log on stderr.
    const cycles: CycleLine[] = [];
    let spooled = 0;
    let replayed = 0;
    let rejected = 0;
    let log = '';
    agent = spawn(process.execPath, ['--import', 'tsx', 'agents/snmp/main.ts'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        WAIWANG_SERVER: server.base,
        WAIWANG_AGENT_TOKEN: agentToken,
        WAIWANG_SPOOL_DIR: path.join(work, 'spool'),
        // The server's interval too; set here only because the first start delay (jitter) is
        // taken before any targets answer, from the 300-second default: up to 30 s of nothing.
        WAIWANG_AGENT_INTERVAL_SECONDS: String(intervalSeconds),
        WAIWANG_AGENT_HTTP_TIMEOUT_MS: '3000',
        WAIWANG_AGENT_HTTP_RETRIES: '1',
        WAIWANG_AGENT_TIMEOUT_MS: '1500',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const agentExited = new Promise<number | null>((resolve) => agent!.once('exit', (code) => resolve(code)));
    let partial = '';
    agent.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      partial += chunk.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        let entry: Record<string, any>;
        try {
          entry = JSON.parse(line);
        } catch {
          continue;
        }
        if (entry.msg === 'server unavailable: spooling') spooled += entry.spooled;
        if (entry.msg === 'spool replayed') {
          replayed += entry.sent;
          rejected += entry.rejected;
        }
        if (entry.msg === 'cycle done') {
          cycles.push({ time: entry.time, devices: entry.devices, failed: entry.failed, spoolDepth: entry.spoolDepth });
          // The next cycle reads new values (it starts an interval later).
          counters.forEach((value, i) => (counters[i] = value + step[i]));
          writeState();
        }
      }
    });

    await waitFor('two cycles before the outage', 4 * intervalSeconds * 1000, () => cycles.length >= 2);
    expect(cycles.every((c) => c.spoolDepth === 0)).toBe(true);

    // The server goes away (a clean stop, as an upgrade or a reboot would do it).
    expect(await stopServer(server)).toEqual({ code: 0, signal: null });
    const stoppedAt = Date.now();
    const beforeOutage = cycles.length;
    await sleep(awaySeconds * 1000);
    const duringOutage = cycles.slice(beforeOutage);
    server = await startServer(serverEnv, port);
    await healthy(server);
    const restartedAt = Date.now();
    // Once something waits, every later batch goes behind it: the deepest spool is all that waited.
    const spoolAtRestart = Math.max(...cycles.map((c) => c.spoolDepth));
    // A cycle after the restart replays the spool first: done when one ends with nothing waiting.
    await waitFor('the replay', 3 * intervalSeconds * 1000, () => cycles.some((c) => c.time > restartedAt && c.spoolDepth === 0));
    agent.kill('SIGTERM');
    expect(await within(agentExited, 20_000, 'the agent stopping on SIGTERM')).toBe(0);
    // The writes after the last cycle were never read: they are not the agent's readings.
    const polled = written.slice(0, cycles.length);
    // The rollup job (every 2 s here) takes the replayed interval's backlog.
    await sleep(6000);
    expect(await stopServer(server)).toEqual({ code: 0, signal: null });

    const database = await open();
    try {
      const stored = await rows<{ ifName: string; at: Date | string; inOctets: string; outOctets: string }>(
        database.db,
        sql`SELECT i.name AS "ifName", r.at, r.in_octets::text AS "inOctets", r.out_octets::text AS "outOctets"
              FROM readings r JOIN device_interfaces i ON i.id = r.interface_id
             WHERE i.device_id = ${Number(device.id)} ORDER BY i.name, r.at`,
      );
      const rollups = await rows<{ ifName: string; buckets: number; seconds: number; inBits: number; outBits: number; spikes: number; invalid: number }>(
        database.db,
        sql`SELECT i.name AS "ifName", count(*)::int AS buckets, sum(u.sample_seconds)::float8 AS seconds,
                   sum(u.in_bps * u.sample_seconds)::float8 AS "inBits", sum(u.out_bps * u.sample_seconds)::float8 AS "outBits",
                   sum(u.spikes)::int AS spikes, sum(u.invalid)::int AS invalid
              FROM interface_rollups u JOIN device_interfaces i ON i.id = u.interface_id
             WHERE i.device_id = ${Number(device.id)} GROUP BY i.name ORDER BY i.name`,
      );
      const backlog = await rows<{ n: number }>(
        database.db,
        sql`SELECT count(*)::int AS n FROM rollup_backlog b JOIN device_interfaces i ON i.id = b.interface_id WHERE i.device_id = ${Number(device.id)}`,
      );
      const missing: string[] = [];
      const extra: string[] = [];
      const outOfCycle: string[] = [];
      let duplicates = 0;
      interfaces.forEach((ifName, i) => {
        const mine = stored.filter((r) => r.ifName === ifName);
        const seen = new Map<string, number>();
        for (const r of mine) seen.set(r.inOctets, (seen.get(r.inOctets) ?? 0) + 1);
        duplicates += [...seen.values()].reduce((n, c) => n + c - 1, 0);
        duplicates += mine.length - new Set(mine.map((r) => new Date(r.at).getTime())).size;
        polled.forEach((w, k) => {
          const reading = mine.find((r) => r.inOctets === String(w.values[i]));
          if (!reading) return void missing.push(`${ifName} cycle ${k + 1}`);
          // Read after these counters were written and before the cycle said it was done.
          const at = new Date(reading.at).getTime();
          if (!(at >= w.at - 5 && at <= cycles[k].time + 5)) outOfCycle.push(`${ifName} cycle ${k + 1} at ${new Date(at).toISOString()}`);
          if (reading.outOctets !== String(w.values[i] / 2n)) outOfCycle.push(`${ifName} cycle ${k + 1} out ${reading.outOctets}`);
        });
        for (const r of mine) if (!polled.some((w) => String(w.values[i]) === r.inOctets)) extra.push(`${ifName} ${r.inOctets}`);
      });
      // Readings batches spooled: every cycle that ended with a spool deeper than the batch it spooled itself.
      const readingsSpooled = cycles.filter((c) => c.spoolDepth >= 2).length * interfaces.length;
      console.log(
        `agents vs a vanishing server on ${name}: server away ${awaySeconds} s (${Math.round((restartedAt - stoppedAt) / 1000)} s to a healthy restart); ` +
          `${cycles.length} cycles polled (${duringOutage.length} during the outage, spool depth ${spoolAtRestart} at the restart); ` +
          `${readingsSpooled} readings spooled, ${spoolAtRestart} spool entries (readings and device-check batches) waiting at most, ${replayed} replayed, ${rejected} rejected; ` +
          `${stored.length} readings stored for ${cycles.length} × ${interfaces.length} taken: ${missing.length} missing, ${duplicates} duplicates, ${extra.length} not polled, ${outOfCycle.length} out of their cycle; ` +
          `rollups ${JSON.stringify(rollups)}`,
      );
      expect(cycles.every((c) => c.devices === 1 && c.failed === 0), log).toBe(true);
      // The agent polled through the outage at its interval (one cycle may straddle each edge).
      expect(duringOutage.length).toBeGreaterThanOrEqual(Math.floor(awaySeconds / intervalSeconds) - 1);
      expect(spoolAtRestart).toBeGreaterThan(0);
      expect(rejected).toBe(0);
      // Each outage cycle spooled a readings batch and a device-checks batch (the one straddling
      // the stop maybe only part); every entry went back, once.
      expect(spooled).toBeGreaterThan(0);
      expect(spoolAtRestart).toBeGreaterThanOrEqual(2 * (duringOutage.length - 1));
      expect(replayed).toBe(spoolAtRestart);
      expect(missing).toEqual([]);
      expect(extra).toEqual([]);
      expect(duplicates).toBe(0);
      expect(outOfCycle).toEqual([]);
      expect(stored).toHaveLength(cycles.length * interfaces.length);

      // Utilization: every bucket made of real consecutive readings; their seconds and octets add
      // up to exactly the span and the counter growth between the first and the last reading
      // (no point invented across the outage, no interval counted twice, no gap filled).
      expect(backlog[0].n).toBe(0);
      expect(rollups.map((r) => r.ifName)).toEqual(interfaces);
      interfaces.forEach((ifName, i) => {
        const mine = stored.filter((r) => r.ifName === ifName);
        const first = mine[0];
        const last = mine.at(-1)!;
        const span = (new Date(last.at).getTime() - new Date(first.at).getTime()) / 1000;
        const rollup = rollups[i];
        expect(rollup.spikes + rollup.invalid, ifName).toBe(0);
        expect(rollup.seconds, ifName).toBeCloseTo(span, 2);
        expect(rollup.inBits / 8, ifName).toBeCloseTo(Number(BigInt(last.inOctets) - BigInt(first.inOctets)), 0);
        expect(rollup.outBits / 8, ifName).toBeCloseTo(Number(BigInt(last.outOctets) - BigInt(first.outOctets)), 0);
        // Buckets only where readings are: from the first reading's 5-minute bucket to the last's.
        const bucket = (r: { at: Date | string }) => Math.floor(new Date(r.at).getTime() / 300_000);
        expect(rollup.buckets, ifName).toBeLessThanOrEqual(bucket(last) - bucket(first) + 1);
      });
    } finally {
      await database.close();
    }
  } finally {
    if (agent && agent.exitCode === null) agent.kill('SIGKILL');
    killAllServers();
    await snmpd?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

describe.skipIf(!snmpdAvailable)('agents vs a vanishing server', () => {
  afterAll(killAllServers);

  const postgresUrl = process.env.TEST_DATABASE_URL;
  it(`the server away for ${awaySeconds} s: every reading the SNMP agent took arrives once, the rollups invent nothing (${postgresUrl ? 'PostgreSQL' : 'PGlite'})`, async () => {
    if (!postgresUrl) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'waiwang-agentres-pglite-'));
      try {
        await vanishingServer('PGlite', { WAIWANG_DATA_DIR: dataDir }, () => openPglite(dataDir));
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
      return;
    }
    const name = `waiwang_agentres_${process.pid}_${randomBytes(3).toString('hex')}`;
    const url = new URL(postgresUrl);
    url.pathname = `/${name}`;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'waiwang-agentres-pg-'));
    await withDatabase(postgresUrl, async (db) => void (await db.unsafe(`CREATE DATABASE ${name}`)));
    try {
      await vanishingServer('PostgreSQL', { DATABASE_URL: url.toString(), WAIWANG_DATA_DIR: dataDir }, () => openPostgres(url.toString(), 2));
    } finally {
      killAllServers();
      await withDatabase(postgresUrl, async (db) => void (await db.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
