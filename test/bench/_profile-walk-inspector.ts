/**
 * Scratch (issue 14): a CPU profile of ipam-list's API walk alone in steady state (30 walks
 * untimed, then 40 profiled with node:inspector at 50 µs), written to /tmp/walk.cpuprofile:
 *   TEST_DATABASE_URL=postgres://… npx tsx test/bench/_profile-walk-inspector.ts
 *   npx tsx test/bench/_cpu-summary.ts /tmp/walk.cpuprofile 400     (per page: 400 pages)
 */
import { Session } from 'node:inspector/promises';
import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import { call, openRegistry, walkPages } from './support.js';
const reg = await openRegistry('postgres');
const pool = await call(reg.app, 'POST', '/api/v1/prefixes', { cidr: '10.0.0.0/8', holder: '450000' });
for (let i = 0; i < 40; i++) await call(reg.app, 'POST', `/api/v1/prefixes/${pool.body.id}/allocate`, { prefixLength: 24, holder: '450100', status: 'allocated', count: 250 });
await reg.database.db.execute(sql`ANALYZE prefixes`);
for (let i = 0; i < 30; i++) await walkPages(reg.app, `/api/v1/prefixes/${pool.body.id}/children`);
const s = new Session(); s.connect();
await s.post('Profiler.enable'); await s.post('Profiler.setSamplingInterval', { interval: 50 }); await s.post('Profiler.start');
const t = performance.now();
for (let i = 0; i < 40; i++) await walkPages(reg.app, `/api/v1/prefixes/${pool.body.id}/children`);
console.log('walk avg', ((performance.now() - t) / 40).toFixed(1));
const { profile } = await s.post('Profiler.stop');
fs.writeFileSync('/tmp/walk.cpuprofile', JSON.stringify(profile));
await reg.close();
