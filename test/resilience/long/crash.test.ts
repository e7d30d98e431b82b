// kill -9 under load, KILLS times, on embedded PGlite and on PostgreSQL (issue 12, item 1).
// 64 clients allocate prefixes and assign addresses against the real server process; at a random
// moment the process is killed, then started again on the same data. Afterwards, straight in the
// database: every write acknowledged with 201 before a kill is there, the address space is
// sound (test/support/ipam-invariants.ts), and the audit chain verifies against its anchors.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite, openPostgres, rows, type Database } from '../../../server/db/client.js';
import { withDatabase } from '../../support/databases.js';
import { ipamViolations } from '../../support/ipam-invariants.js';
import { api, crashServer, healthy, killAllServers, startServer, stopServer, type ServerProcess } from '../../support/server-process.js';

const kills = Number(process.env.WAIWANG_RESILIENCE_KILLS ?? 5);
const clients = Number(process.env.WAIWANG_RESILIENCE_CLIENTS ?? 64);

interface Tally {
  tried: number;
  statuses: Record<number, number>;
  connectionErrors: number;
  prefixes: Map<string, string>; // id → cidr
  addresses: Map<string, string>; // address → prefix id
}

/** One client: an assigned /27 of its own, then its addresses one by one, then the next /27. */
/** A department of Nanning, the holder of the assigned prefixes (article 21: a city assigns to its own departments). */
async function client(server: ServerProcess, token: string, parentId: string, tally: Tally, running: () => boolean): Promise<void> {
  let own: string | undefined;
  while (running()) {
    tally.tried++;
    try {
      if (!own) {
        const r = await api(server, token, 'POST', `/api/v1/prefixes/${parentId}/allocate`, { prefixLength: 27, holder: 'CRASH-DEPT', status: 'assigned' });
        tally.statuses[r.status] = (tally.statuses[r.status] ?? 0) + 1;
        if (r.status === 201) {
          tally.prefixes.set(r.body.id, r.body.cidr);
          own = r.body.id;
        }
      } else {
        const r = await api(server, token, 'POST', `/api/v1/prefixes/${own}/addresses`, { hostname: 'host' });
        tally.statuses[r.status] = (tally.statuses[r.status] ?? 0) + 1;
        if (r.status === 201) tally.addresses.set(r.body.address, r.body.prefixId);
        else own = undefined; // full (409): take another prefix
      }
    } catch {
      // The server died under this request: it was never acknowledged.
      tally.connectionErrors++;
      return;
    }
  }
}

async function survive(name: string, env: Record<string, string>, open: () => Promise<Database>): Promise<void> {
  const token = `ww_crash_${randomBytes(12).toString('hex')}`;
  const serverEnv = { ...env, WAIWANG_BOOTSTRAP_TOKEN: token };
  const tally: Tally = { tried: 0, statuses: {}, connectionErrors: 0, prefixes: new Map(), addresses: new Map() };
  let server = await startServer(serverEnv);
  await healthy(server);
  const dept = await api(server, token, 'POST', '/api/v1/units', { code: 'CRASH-DEPT', name: '崩溃测试局', parent: '450100', kind: 'department' });
  expect(dept.status, JSON.stringify(dept.body)).toBe(201);
  const pool = await api(server, token, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
  expect(pool.status, JSON.stringify(pool.body)).toBe(201);
  const city = await api(server, token, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 12, holder: '450100', status: 'allocated' });
  expect(city.status, JSON.stringify(city.body)).toBe(201);
  const killedAfter: number[] = [];
  const startMs: number[] = [];
  for (let round = 1; round <= kills; round++) {
    let running = true;
    const load = Promise.all(Array.from({ length: clients }, () => client(server, token, city.body.id, tally, () => running)));
    // A random moment: between 0.5 and 4 s into the load.
    const after = 500 + Math.floor(Math.random() * 3500);
    await new Promise((r) => setTimeout(r, after));
    await crashServer(server);
    running = false;
    await load;
    killedAfter.push(after);
    const t0 = Date.now();
    server = await startServer(serverEnv);
    await healthy(server);
    startMs.push(Date.now() - t0);
  }
  // The sealer's first pass after a start scans every entry: wait for it to catch up.
  let verified = await api(server, token, 'GET', '/api/v1/audit/verify');
  for (let i = 0; i < 60 && verified.body?.unsealed !== 0; i++) {
    await new Promise((r) => setTimeout(r, 500));
    verified = await api(server, token, 'GET', '/api/v1/audit/verify');
  }
  expect(await stopServer(server)).toEqual({ code: 0, signal: null });

  const database = await open();
  try {
    const prefixRows = await rows<{ id: string | number; cidr: string }>(database.db, sql`SELECT id, prefix::text AS cidr FROM prefixes`);
    const held = new Map(prefixRows.map((r) => [String(r.id), r.cidr]));
    const addressRows = await rows<{ address: string; prefix: string | number }>(database.db, sql`SELECT host(address) AS address, prefix_id AS prefix FROM addresses`);
    const assigned = new Map(addressRows.map((r) => [r.address, String(r.prefix)]));
    const lostPrefixes = [...tally.prefixes].filter(([id, cidr]) => held.get(id) !== cidr);
    const lostAddresses = [...tally.addresses].filter(([address, prefix]) => assigned.get(address) !== prefix);
    const violations = await ipamViolations(database.db);
    console.log(
      `crash on ${name}: ${kills} kills at ${killedAfter.join(', ')} ms into the load (restart to /healthz ${startMs.join(', ')} ms); ` +
        `${tally.tried} requests ${JSON.stringify(tally.statuses)}, ${tally.connectionErrors} cut by a kill; ` +
        `acknowledged ${tally.prefixes.size} prefixes and ${tally.addresses.size} addresses, lost ${lostPrefixes.length} and ${lostAddresses.length}; ` +
        `${violations.length} broken invariants; audit verify ok=${verified.body?.ok} (${verified.body?.sealed} sealed)`,
    );
    expect(lostPrefixes, 'acknowledged prefixes lost').toEqual([]);
    expect(lostAddresses, 'acknowledged addresses lost').toEqual([]);
    expect(violations).toEqual([]);
    expect(Object.keys(tally.statuses).map(Number).filter((s) => s >= 500)).toEqual([]);
    expect(tally.prefixes.size).toBeGreaterThan(kills);
    expect(verified.body, JSON.stringify(verified.body)).toMatchObject({ ok: true, firstBroken: null });
    expect(verified.body.unsealed).toBe(0);
    // Every acknowledged write has its audit entry, sealed.
    expect(verified.body.sealed).toBeGreaterThanOrEqual(tally.prefixes.size + tally.addresses.size);
  } finally {
    await database.close();
  }
}

describe('kill -9 under load', () => {
  afterAll(killAllServers);

  it(`on embedded PGlite: ${kills} kills, nothing acknowledged lost, the tree sound`, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'waiwang-crash-pglite-'));
    try {
      await survive('PGlite', { WAIWANG_DATA_DIR: dataDir }, () => openPglite(dataDir));
    } finally {
      killAllServers();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it.runIf(process.env.TEST_DATABASE_URL)(`on PostgreSQL: ${kills} kills, nothing acknowledged lost, the tree sound`, async () => {
    const serverUrl = process.env.TEST_DATABASE_URL!;
    const name = `waiwang_crash_${process.pid}_${randomBytes(3).toString('hex')}`;
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'waiwang-crash-pg-'));
    await withDatabase(serverUrl, async (db) => void (await db.unsafe(`CREATE DATABASE ${name}`)));
    try {
      await survive('PostgreSQL', { DATABASE_URL: url.toString(), WAIWANG_DATA_DIR: dataDir }, () => openPostgres(url.toString(), 2));
    } finally {
      killAllServers();
      await withDatabase(serverUrl, async (db) => void (await db.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
