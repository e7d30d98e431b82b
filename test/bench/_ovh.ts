/**
 * Scratch (issue 14): a PostgreSQL backend's CPU and the wall time per statement, one connection,
 * for the statement kinds an allocation batch pays once (a trivial SELECT, the batch function
 * with no requests, a one-row INSERT and its commit, nextval), read from /proc/<pid>/schedstat.
 *   TEST_DATABASE_URL=postgres://… npx tsx test/bench/_ovh.ts
 */
import fs from 'node:fs';
import postgres from 'postgres';
import { openRegistry } from './support.js';
const reg = await openRegistry('postgres', 4);
const sql = reg.raw!;
const conn = await sql.reserve();
const [{ pid }] = await conn`SELECT pg_backend_pid() AS pid`;
const cpuUs = () => Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e3;
await conn`CREATE TABLE IF NOT EXISTS ovh (id serial primary key, v int)`;
const tests: [string, () => Promise<unknown>][] = [
  ['SELECT 1', () => conn`SELECT 1 AS x`],
  ['allocate_prefixes([])', () => conn.unsafe("SELECT waiwang_allocate_prefixes('[]'::jsonb) AS r")],
  ['insert ovh (commit)', () => conn`INSERT INTO ovh (v) VALUES (1)`],
  ['nextval', () => conn`SELECT nextval('audit_entry_ids')`],
];
for (let rep = 0; rep < 2; rep++) for (const [name, f] of tests) {
  for (let i = 0; i < 200; i++) await f();
  const c0 = cpuUs(); const w0 = performance.now();
  for (let i = 0; i < 3000; i++) await f();
  console.log(`${name}: backend CPU ${((cpuUs() - c0) / 3000).toFixed(0)} us, wall ${(((performance.now() - w0) * 1000) / 3000).toFixed(0)} us`);
}
conn.release();
await reg.close();
