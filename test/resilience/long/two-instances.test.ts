// Two server processes on one PostgreSQL database, clients alternating between them (issue 12,
// item 6: how waiwang scales out). Allocations stay race-free across both; the jobs that both
// run — audit sealing, readings rollup and the expansion evaluation, webhook delivery, pruning —
// do each piece of work once: no seal position or entry twice, one expansion request per link,
// one delivery per event, and the chain verifies on both.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgres, rows } from '../../../server/db/client.js';
import { withDatabase } from '../../support/databases.js';
import { ipamViolations } from '../../support/ipam-invariants.js';
import { api, healthy, killAllServers, startServer, stopServer, type ServerProcess } from '../../support/server-process.js';

const seconds = Number(process.env.WAIWANG_RESILIENCE_TWO_S ?? 20);
const clients = 32;
const minute = 60_000;

describe.runIf(process.env.TEST_DATABASE_URL)('two server processes on one PostgreSQL database', () => {
  const serverUrl = process.env.TEST_DATABASE_URL ?? 'postgres://unused@127.0.0.1/unused';
  const name = `waiwang_two_${process.pid}_${randomBytes(3).toString('hex')}`;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const dirs = [0, 1].map((i) => fs.mkdtempSync(path.join(os.tmpdir(), `waiwang-two-${i}-`)));
  const deliveries: { event: string; eventId: string; delivery: string }[] = [];
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      deliveries.push({ event: String(req.headers['x-waiwang-event']), eventId: String(req.headers['x-waiwang-event-id']), delivery: String(req.headers['x-waiwang-delivery']) });
      res.writeHead(204).end();
    });
  });
  afterAll(async () => {
    killAllServers();
    receiver.close();
    await withDatabase(serverUrl, async (db) => void (await db.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('share the work: allocations race-free, sealing, expansion, delivery and pruning each done once', async () => {
    await withDatabase(serverUrl, async (db) => void (await db.unsafe(`CREATE DATABASE ${name}`)));
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
    const token = `ww_two_${randomBytes(12).toString('hex')}`;
    const shared = {
      DATABASE_URL: url.toString(),
      WAIWANG_BOOTSTRAP_TOKEN: token,
      // Every server on one database must seal credentials with the same key.
      WAIWANG_SECRET_KEY: randomBytes(32).toString('hex'),
      WAIWANG_WEBHOOK_ALLOW_PRIVATE_TARGETS: '127.0.0.1/32',
      WAIWANG_AUDIT_SEAL_MS: '200',
      WAIWANG_TELEMETRY_JOB_MS: '1000',
    };
    // The first migrates; the second starts on the migrated database.
    const a = await startServer({ ...shared, WAIWANG_DATA_DIR: dirs[0] });
    await healthy(a);
    const b = await startServer({ ...shared, WAIWANG_DATA_DIR: dirs[1] });
    await healthy(b);
    const servers: ServerProcess[] = [a, b];
    let turn = 0;
    const next = () => servers[turn++ % 2];
    const ok = async (method: string, url: string, body?: unknown, as = token) => {
      const r = await api(next(), as, method, url, body);
      expect(r.status, `${method} ${url}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
      return r.body;
    };

    // A hot link (90 % of 100 Mbps for a week), its poller, a webhook for its expansion events.
    await ok('POST', '/api/v1/units', { code: 'TWO-DEPT', name: '双实例测试局', parent: '450100', kind: 'department' });
    await ok('POST', '/api/v1/units', { code: 'TWO-EDGE', name: '双实例边界单位', parent: '450102', kind: 'department' });
    await ok('POST', '/api/v1/users', { username: 'two-poller', displayName: 'poller', unit: '450000', role: 'agent' });
    const poller = (await ok('POST', '/api/v1/users/two-poller/tokens', {})).token as string;
    const snmp = { agent: 'two-poller', version: '2c', community: 'two-instances-community' };
    const pe = await ok('POST', '/api/v1/devices', { hostname: 'two-pe', role: 'pe', vendor: 'huawei', ownerUnit: '450100', interfaces: [{ name: 'ge-0/0/1' }, { name: 'ge-0/0/9' }], snmp });
    const edge = await ok('POST', '/api/v1/devices', { hostname: 'two-edge', role: 'boundary', vendor: 'huawei', ownerUnit: 'TWO-EDGE', responsible: { name: '韦工', phone: '0771-5550000' }, interfaces: [{ name: 'ge-0/0/0' }], snmp });
    const link = await ok('POST', '/api/v1/links', { name: '双实例专线', aDevice: pe.id, aInterface: 'ge-0/0/1', zDevice: edge.id, zInterface: 'ge-0/0/0', capacityMbps: 100, payingUnit: '450102' });
    await ok('PUT', '/api/v1/policies/expansion', { percentile: 95, thresholdPercent: 80, windowDays: 7, targetPercent: 60 });
    await ok('POST', '/api/v1/webhooks', { unit: '450102', url: hookUrl, secret: 'two-instances-signing-secret', events: ['expansion.raised', 'expansion.decided'] });
    const pool = await ok('POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
    const city = await ok('POST', `/api/v1/prefixes/${pool.id}/allocate`, { prefixLength: 12, holder: '450100', status: 'allocated' });

    // A week and an hour of 5-minute readings of both ends, in batches to alternating servers.
    const now = Date.now();
    const polls = 7 * 288 + 12;
    const bytesPerPoll = (90e6 / 8) * 300;
    const batches: unknown[][] = [];
    for (let k = 0; k < polls; k += 300) {
      const batch: unknown[] = [];
      for (let i = k; i < Math.min(polls, k + 300); i++) {
        const at = new Date(now - (polls - i) * 5 * minute).toISOString();
        for (const [device, ifName] of [
          [pe.id, 'ge-0/0/1'],
          [edge.id, 'ge-0/0/0'],
        ]) {
          batch.push({ device, ifName, at, sysUpTime: 1000 + i * 30000, inOctets: String(Math.round(i * bytesPerPoll)), outOctets: String(Math.round(i * bytesPerPoll)), counterBits: 64, highSpeedMbps: 1000, operStatus: 'up' });
        }
      }
      batches.push(batch);
    }
    // And readings 40 days old, past the 35 days' retention, for both servers' pruning to race over.
    const ancient = 20;
    batches.push(
      Array.from({ length: ancient }, (_, i) => ({ device: pe.id, ifName: 'ge-0/0/9', at: new Date(now - 40 * 1440 * minute + i * 5 * minute).toISOString(), sysUpTime: 1000 + i * 30000, inOctets: String(i * 1000), outOctets: String(i * 1000), counterBits: 64, operStatus: 'up' })),
    );

    // Load: allocations and assignments from 32 clients, each request to the other server, and the readings meanwhile.
    const acknowledged = new Map<string, string>();
    const statuses: Record<number, number> = {};
    let running = true;
    const client = async () => {
      let own: string | undefined;
      while (running) {
        const r = own
          ? await api(next(), token, 'POST', `/api/v1/prefixes/${own}/addresses`, {})
          : await api(next(), token, 'POST', `/api/v1/prefixes/${city.id}/allocate`, { prefixLength: 27, holder: 'TWO-DEPT', status: 'assigned' });
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status === 201 && !own) own = r.body.id;
        else if (r.status === 201) acknowledged.set(r.body.address, own!);
        else own = undefined;
      }
    };
    const load = Promise.all(Array.from({ length: clients }, client));
    for (const batch of batches) {
      const r = await api(next(), poller, 'POST', '/api/v1/readings', { readings: batch });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    await new Promise((r) => setTimeout(r, seconds * 1000));
    running = false;
    await load;

    // The jobs: wait until the expansion request is raised and delivered.
    let raised: any[] = [];
    for (let i = 0; i < 60 && !(raised.length && deliveries.some((d) => d.event === 'expansion.raised')); i++) {
      await new Promise((r) => setTimeout(r, 1000));
      raised = (await ok('GET', '/api/v1/expansion-requests?limit=100')).items;
    }
    expect(raised.map((x) => x.link?.id ?? x.linkId ?? x.link)).toHaveLength(1);
    await ok('POST', `/api/v1/expansion-requests/${raised[0].id}/decision`, { decision: 'approve', opinion: '同意' });
    for (let i = 0; i < 30 && !deliveries.some((d) => d.event === 'expansion.decided'); i++) await new Promise((r) => setTimeout(r, 500));
    // Give both sealers, workers and jobs a few more rounds to do anything twice.
    await new Promise((r) => setTimeout(r, 3000));
    const verified = await Promise.all(servers.map((s) => api(s, token, 'GET', '/api/v1/audit/verify')));
    expect(await stopServer(a)).toEqual({ code: 0, signal: null });
    expect(await stopServer(b)).toEqual({ code: 0, signal: null });

    const db = await openPostgres(url.toString(), 2);
    try {
      const violations = await ipamViolations(db.db);
      const held = new Map((await rows<{ address: string; prefix: string | number }>(db.db, sql`SELECT host(address) AS address, prefix_id AS prefix FROM addresses`)).map((r) => [r.address, String(r.prefix)]));
      const lost = [...acknowledged].filter(([address, prefix]) => held.get(address) !== prefix);
      const [seals] = await rows<{ seals: number; positions: number; entries: number; unsealed: number; gaps: number }>(
        db.db,
        sql`SELECT count(*)::int AS seals, count(DISTINCT position)::int AS positions, count(DISTINCT entry_id)::int AS entries,
              (SELECT count(*)::int FROM audit_entries e WHERE NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.entry_id = e.id)) AS unsealed,
              (max(position) - count(*))::int AS gaps FROM audit_seals`,
      );
      const [requests] = await rows<{ n: number }>(db.db, sql`SELECT count(*)::int AS n FROM expansion_requests`);
      const [old] = await rows<{ n: number }>(db.db, sql`SELECT count(*)::int AS n FROM readings WHERE at < now() - interval '35 days'`);
      const [pruned] = await rows<{ n: number; passes: number }>(db.db, sql`SELECT coalesce(sum((after->'pruned'->>'readings')::int), 0)::int AS n, count(*)::int AS passes FROM audit_entries WHERE action = 'telemetry.prune'`);
      const perEvent = new Map<string, number>();
      for (const d of deliveries) perEvent.set(d.eventId, (perEvent.get(d.eventId) ?? 0) + 1);
      const twice = [...perEvent].filter(([, n]) => n > 1);
      const failedJobs = [a, b].flatMap((s) => s.output().split('\n').filter((l) => /failed; will retry|unhandled error/.test(l)));
      console.log(
        `two instances: ${Object.values(statuses).reduce((x, y) => x + y, 0)} writes ${JSON.stringify(statuses)} alternating, ${acknowledged.size} addresses acknowledged, ${lost.length} lost, ${violations.length} broken invariants; ` +
          `${seals.seals} seals (${seals.positions} positions, ${seals.entries} entries, ${seals.unsealed} unsealed, ${seals.gaps} gaps); ${requests.n} expansion request; ` +
          `${deliveries.length} deliveries for ${perEvent.size} events (${twice.length} twice); ${pruned.n} readings pruned in ${pruned.passes} passes (${ancient} past the retention), ${old.n} left; ${failedJobs.length} failed job passes`,
      );
      expect(lost).toEqual([]);
      expect(violations).toEqual([]);
      expect(Object.keys(statuses).map(Number).filter((s) => s >= 500)).toEqual([]);
      expect(seals.positions).toBe(seals.seals);
      expect(seals.entries).toBe(seals.seals);
      expect(seals.gaps).toBe(0);
      expect(seals.unsealed).toBe(0);
      for (const v of verified) expect(v.body, JSON.stringify(v.body)).toMatchObject({ ok: true, firstBroken: null });
      expect(requests.n).toBe(1);
      expect(deliveries.filter((d) => d.event === 'expansion.raised')).toHaveLength(1);
      expect(deliveries.filter((d) => d.event === 'expansion.decided')).toHaveLength(1);
      expect(twice).toEqual([]);
      expect(old.n, 'pruning left readings past the retention').toBe(0);
      expect(pruned.n, 'the readings pruned, as the audit trail of both servers counts them').toBe(ancient);
      expect(failedJobs, failedJobs.slice(0, 5).join('\n')).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
