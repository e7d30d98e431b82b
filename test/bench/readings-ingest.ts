/**
 * Ingest of 100,000 readings in batches of 10,000 through POST /api/v1/readings (JSON parsing,
 * validation, device checks, the idempotent insert, the rollup backlog, incident checks, the
 * audit entry) vs a raw multi-row INSERT of the same rows into the same table. Goal ≥ 0.5×.
 * The batches are one poll cycle each: 1,000 devices × 10 interfaces, 10 cycles 5 minutes apart.
 *   npx tsx test/bench/readings-ingest.ts       (PGlite; PostgreSQL too when TEST_DATABASE_URL is set)
 *   BENCH_REPEATS=3 (default) rounds; the median is reported. BENCH_BACKENDS=postgres runs one backend.
 */
import { sql } from 'drizzle-orm';
import { rows } from '../../server/db/client.js';
import { readings } from '../../server/modules/telemetry/schema.js';
import { benchToken, fmt, openRegistry, reportRows, serverUrl, table, thousands, type BenchRegistry } from './support.js';

const devicesCount = 1_000;
const interfacesPerDevice = 10;
const cycles = 10;
const repeats = Number(process.env.BENCH_REPEATS || 3);
const start = Date.parse('2025-01-06T00:00:00Z');

async function fixtures(reg: BenchRegistry): Promise<{ deviceIds: number[]; interfaceIds: number[] }> {
  const db = reg.database.db;
  // Devices and interfaces straight into their tables: what is measured is the readings.
  await db.execute(sql`
    INSERT INTO devices (hostname, role, vendor, owner_unit_code)
    SELECT 'bench-pe-' || g, 'pe', 'huawei', '450100' FROM generate_series(1, ${devicesCount}) g`);
  await db.execute(sql`
    INSERT INTO device_interfaces (device_id, name)
    SELECT d.id, 'GE0/0/' || i FROM devices d CROSS JOIN generate_series(1, ${interfacesPerDevice}) i WHERE d.hostname LIKE 'bench-pe-%'`);
  const found = await rows<{ device_id: string | number; id: string | number }>(
    db,
    sql`SELECT i.device_id, i.id FROM device_interfaces i JOIN devices d ON d.id = i.device_id WHERE d.hostname LIKE 'bench-pe-%' ORDER BY i.id`,
  );
  return { deviceIds: found.map((r) => Number(r.device_id)), interfaceIds: found.map((r) => Number(r.id)) };
}

interface Row {
  device: string;
  ifName: string;
  interfaceId: number;
  at: string;
  sysUpTime: number;
  inOctets: string;
  outOctets: string;
  counterBits: 64;
  highSpeedMbps: number;
  operStatus: 'up';
}

function cycle(k: number, deviceIds: number[], interfaceIds: number[]): Row[] {
  const at = new Date(start + k * 300_000).toISOString();
  return interfaceIds.map((id, i) => ({
    device: String(deviceIds[i]),
    ifName: `GE0/0/${(i % interfacesPerDevice) + 1}`,
    interfaceId: id,
    at,
    sysUpTime: 100_000_000 + k * 30_000,
    // 64-bit counters past 2^53, as a busy long-lived interface has them.
    inOctets: String(9_007_199_254_740_993n + BigInt(k) * 3_750_000_000n + BigInt(i)),
    outOctets: String(18_000_000_000_000_000_000n + BigInt(k) * 1_250_000_000n),
    counterBits: 64,
    highSpeedMbps: 1000,
    operStatus: 'up',
  }));
}

async function reset(reg: BenchRegistry) {
  await reg.database.db.execute(sql`TRUNCATE readings, rollup_backlog`);
}

async function viaApi(reg: BenchRegistry, bodies: string[]): Promise<number> {
  const started = performance.now();
  for (const body of bodies) {
    const res = await reg.app.request('/api/v1/readings', {
      method: 'POST',
      headers: { authorization: `Bearer ${benchToken}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      body,
    });
    const reply = (await res.json()) as { accepted?: number };
    if (res.status !== 200 || reply.accepted !== 10_000) throw new Error(`${res.status} ${JSON.stringify(reply).slice(0, 300)}`);
  }
  return performance.now() - started;
}

/**
 * The same rows, one multi-row INSERT per 5,000 (the protocol allows 65,535 parameters): with
 * postgres.js itself on PostgreSQL, with drizzle's insert on PGlite (its only client here).
 */
async function viaRawInsert(reg: BenchRegistry, batches: Row[][]): Promise<number> {
  const started = performance.now();
  for (const batch of batches) {
    for (let i = 0; i < batch.length; i += 5_000) {
      const chunk = batch.slice(i, i + 5_000);
      if (reg.raw) {
        const sql = reg.raw;
        await sql`INSERT INTO readings ${sql(
          chunk.map((r) => ({
            interface_id: r.interfaceId,
            at: r.at,
            sys_up_time: r.sysUpTime,
            in_octets: r.inOctets,
            out_octets: r.outOctets,
            counter_bits: r.counterBits,
            high_speed_mbps: r.highSpeedMbps,
            oper_status: r.operStatus,
          })),
        )}`;
        continue;
      }
      await reg.database.db.insert(readings).values(
        chunk.map((r) => ({
          interfaceId: r.interfaceId,
          at: new Date(r.at),
          sysUpTime: r.sysUpTime,
          inOctets: r.inOctets,
          outOctets: r.outOctets,
          counterBits: r.counterBits,
          highSpeedMbps: r.highSpeedMbps,
          operStatus: r.operStatus,
        })),
      );
    }
  }
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function scenario(backend: 'pglite' | 'postgres') {
  const reg = await openRegistry(backend);
  try {
    const { deviceIds, interfaceIds } = await fixtures(reg);
    const batches = Array.from({ length: cycles }, (_, k) => cycle(k, deviceIds, interfaceIds));
    // Serialized up front: the client's JSON.stringify is not the server's cost.
    const bodies = batches.map((b) => JSON.stringify({ readings: b.map(({ interfaceId: _, ...r }) => r) }));
    const mib = bodies.reduce((n, b) => n + Buffer.byteLength(b), 0) / cycles / 1048576;

    // Warm both paths (JIT, plans, buffers) with one batch each.
    await viaApi(reg, bodies.slice(0, 1));
    await reset(reg);
    await viaRawInsert(reg, batches.slice(0, 1));
    await reset(reg);

    const api: number[] = [];
    const raw: number[] = [];
    for (let r = 0; r < repeats; r++) {
      api.push(await viaApi(reg, bodies));
      await reset(reg);
      raw.push(await viaRawInsert(reg, batches));
      await reset(reg);
    }
    const total = cycles * interfaceIds.length;
    const apiMs = median(api);
    const rawMs = median(raw);
    return {
      backend,
      readings: total,
      'MiB/batch': fmt(mib),
      'API ms': fmt(apiMs, 0),
      'API readings/s': fmt(total / (apiMs / 1000), 0),
      'raw INSERT ms': fmt(rawMs, 0),
      'raw readings/s': fmt(total / (rawMs / 1000), 0),
      'API/raw throughput': fmt(rawMs / apiMs),
    };
  } finally {
    await reg.close();
  }
}

// BENCH_BACKENDS=postgres (or pglite) runs one.
const wanted = (process.env.BENCH_BACKENDS || 'pglite,postgres').split(',');
const results = [];
if (wanted.includes('pglite')) results.push(await scenario('pglite'));
if (wanted.includes('postgres') && serverUrl()) results.push(await scenario('postgres'));
table(results);
const worst = Math.min(...results.map((r) => Number(r['API/raw throughput'])));
console.log(`goal ≥ 0.50× of the raw INSERT: ${worst >= 0.5 ? 'met' : 'NOT met'} (worst ${fmt(worst)}×)`);
reportRows(
  results.map((r) => ({
    what: `readings ${thousands(r.readings)} via API (batches of 10,000) vs raw multi-row INSERT, ${r.backend === 'pglite' ? 'PGlite' : 'PostgreSQL'}`,
    measured: `${thousands(Number(r['API readings/s']))} /s`,
    baseline: `${thousands(Number(r['raw readings/s']))} /s`,
    ratio: Number(r['API/raw throughput']),
    ...(r.backend === 'postgres' ? { must: ['>=', 0.68] as const, goal: ['>=', 0.9] as const } : { goal: ['>=', 0.5] as const }),
  })),
);
process.exit(0);
