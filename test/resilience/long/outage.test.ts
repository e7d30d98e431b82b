// A PostgreSQL outage under load (issue 12, item 2): the test's own PostgreSQL cluster (never the
// shared one) is stopped for OUTAGE_S seconds while clients read and allocate. The server must
// answer 503 `unavailable` problem+json within the connect timeout, say 503 on /healthz, stay up,
// and serve again by itself once PostgreSQL is back, without losing an acknowledged allocation.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startPrivatePostgres, type PrivatePostgres } from '../../support/private-postgres.js';
import { api, healthy, killAllServers, serverPid, startServer, stopServer } from '../../support/server-process.js';

const outageS = Number(process.env.WAIWANG_RESILIENCE_OUTAGE_S ?? 10);
const clients = 8;
const connectTimeoutS = 3;
/** The longest any request may take: a connection attempt that times out, twice (a transaction and its retry), and slack for two busy cores. */
const boundMs = (2 * connectTimeoutS + 4) * 1000;

interface Outcome {
  at: number;
  ms: number;
  status: number;
  code?: string;
  contentType: string;
}

describe('a PostgreSQL outage under load', () => {
  let cluster: PrivatePostgres | undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'waiwang-outage-'));
  afterAll(() => {
    killAllServers();
    cluster?.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it(`answers 503 while PostgreSQL is down for ${outageS} s, and recovers by itself`, async () => {
    cluster = await startPrivatePostgres();
    const url = await cluster.createDatabase('waiwang_outage');
    const token = `ww_outage_${randomBytes(12).toString('hex')}`;
    const server = await startServer({ DATABASE_URL: url, WAIWANG_DATA_DIR: dataDir, WAIWANG_BOOTSTRAP_TOKEN: token, WAIWANG_DB_CONNECT_TIMEOUT_S: String(connectTimeoutS) });
    await healthy(server);
    const pid = serverPid(server);
    const pool = await api(server, token, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
    expect(pool.status, JSON.stringify(pool.body)).toBe(201);

    const started = Date.now();
    const outcomes: Outcome[] = [];
    const failures: string[] = [];
    const acknowledged: string[] = [];
    let running = true;
    const client = async (n: number) => {
      for (let i = 0; running; i++) {
        const t0 = Date.now();
        try {
          const reply =
            (i + n) % 2
              ? await api(server, token, 'GET', `/api/v1/prefixes/${pool.body.id}`)
              : await api(server, token, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 28, holder: '450100', status: 'allocated' });
          outcomes.push({ at: t0 - started, ms: Date.now() - t0, status: reply.status, code: reply.body?.code, contentType: reply.contentType });
          if (reply.status === 201) acknowledged.push(reply.body.cidr);
        } catch (err) {
          // Our server refusing or dropping a connection: it crashed or hung up.
          failures.push(`${t0 - started} ms: ${(err as Error).message} ${String((err as { cause?: unknown }).cause ?? '')}`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const load = Promise.all(Array.from({ length: clients }, (_, n) => client(n)));

    await new Promise((r) => setTimeout(r, 3000));
    const down = Date.now() - started;
    cluster.stop('immediate');
    await new Promise((r) => setTimeout(r, (outageS * 1000) / 2));
    const health = await fetch(`${server.base}/healthz`).catch((err) => {
      throw new Error(`the server is gone (${(err as Error).message}):\n${server.output().slice(-3000)}`);
    });
    expect(health.status).toBe(503);
    expect(health.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await health.json()) as { code: string }).code).toBe('unavailable');
    await new Promise((r) => setTimeout(r, (outageS * 1000) / 2));
    cluster.start();
    const up = Date.now() - started;
    let recovered = -1;
    while (Date.now() - started < up + 30_000) {
      if ((await fetch(`${server.base}/healthz`)).status === 200) {
        recovered = Date.now() - started;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 5000));
    running = false;
    await load;

    const byStatus: Record<number, number> = {};
    for (const o of outcomes) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
    const slowest = Math.max(...outcomes.map((o) => o.ms));
    const during = outcomes.filter((o) => o.at >= down && o.at < up);
    console.log(
      `outage: PostgreSQL down ${down}–${up} ms, /healthz 200 again at ${recovered} ms (${recovered - up} ms after the start); ` +
        `${outcomes.length} requests ${JSON.stringify(byStatus)}, ${during.length} during the outage, slowest ${slowest} ms, ${failures.length} connection failures, ${acknowledged.length} allocations acknowledged`,
    );
    expect(failures, failures.slice(0, 5).join('\n')).toEqual([]);
    expect(serverPid(server), 'the server process was replaced').toBe(pid);
    expect(Object.keys(byStatus).map(Number).filter((s) => ![200, 201, 503].includes(s)), JSON.stringify(outcomes.filter((o) => ![200, 201, 503].includes(o.status)).slice(0, 5))).toEqual([]);
    const unavailable = outcomes.filter((o) => o.status === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    for (const o of unavailable) {
      expect(o.contentType).toMatch(/^application\/problem\+json/);
      expect(o.code).toBe('unavailable');
    }
    expect(slowest, `a request took ${slowest} ms`).toBeLessThan(boundMs);
    expect(recovered, 'the server did not recover').toBeGreaterThan(0);
    // Once /healthz is back, everything is served again.
    const after = outcomes.filter((o) => o.at > recovered + 1000);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((o) => o.status === 503)).toEqual([]);
    expect(after.some((o) => o.status === 201)).toBe(true);

    // Every page of the pool's children: a fast run acknowledges more than one page holds.
    const held = new Set<string>();
    for (let cursor: string | null = ''; cursor !== null; ) {
      const page = await api(server, token, 'GET', `/api/v1/prefixes/${pool.body.id}/children?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      for (const p of page.body.items as { cidr: string }[]) held.add(p.cidr);
      cursor = page.body.nextCursor as string | null;
    }
    expect(acknowledged.filter((cidr) => !held.has(cidr))).toEqual([]);
    const verified = await api(server, token, 'GET', '/api/v1/audit/verify');
    expect(verified.body.ok, JSON.stringify(verified.body)).toBe(true);
    const stopped = await stopServer(server);
    expect(stopped, `the server's last words:\n${server.output().slice(-4000)}`).toEqual({ code: 0, signal: null });
  });
});
