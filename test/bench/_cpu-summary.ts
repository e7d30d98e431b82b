/**
 * Sums a `node --cpu-prof` profile's self time by where the code lives (our server, hono, zod,
 * drizzle, postgres.js, crypto, GC, idle…), for issue 14's profile breakdown.
 *   npx tsx test/bench/_cpu-summary.ts /tmp/prof/CPU.*.cpuprofile [allocations]
 */
import fs from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const file = process.argv[2];
const per = Number(process.argv[3] || 0);
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));

function bucket(node: Node): string {
  const { url, functionName } = node.callFrame;
  if (functionName === '(idle)') return 'idle (waiting for PostgreSQL)';
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (functionName === '(program)') return 'V8 / native (program)';
  const rules: [RegExp, string][] = [
    [/node_modules\/postgres\//, 'postgres.js driver'],
    [/node_modules\/drizzle-orm\//, 'drizzle-orm (query building, mapping)'],
    [/node_modules\/zod\/|@hono\/zod-openapi|zod-to-openapi/, 'zod (validation)'],
    [/node_modules\/hono\/|@hono\/node-server/, 'hono (routing, request, response)'],
    [/node_modules\/pino/, 'pino'],
    [/node_modules\/prom-client/, 'prom-client'],
    [/node_modules\/tsx|esbuild/, 'tsx loader'],
    [/server\/modules\/audit\//, 'waiwang audit (hash)'],
    [/server\/modules\/ipam\//, 'waiwang ipam'],
    [/server\/net\//, 'waiwang net (cidr arithmetic)'],
    [/server\/modules\/access\//, 'waiwang access (token, authorize)'],
    [/server\/http\//, 'waiwang http middleware'],
    [/\/server\//, 'waiwang other'],
    [/test\/bench\//, 'load generator'],
    [/^node:crypto|internal\/crypto/, 'node crypto'],
    [/^node:|internal\//, 'node core (net, streams, timers)'],
  ];
  for (const [re, name] of rules) if (re.test(url)) return name;
  return url ? 'other JS' : `native: ${functionName || '?'}`;
}

const totals = new Map<string, number>();
let all = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i])!;
  const dt = (profile.timeDeltas[i] ?? 0) / 1000;
  const b = bucket(node);
  totals.set(b, (totals.get(b) ?? 0) + dt);
  all += dt;
}
const busy = all - (totals.get('idle (waiting for PostgreSQL)') ?? 0);
console.log(`profile: ${(all / 1000).toFixed(2)} s wall, ${(busy / 1000).toFixed(2)} s on CPU${per ? `, ${per} allocations` : ''}`);
for (const [name, ms] of [...totals.entries()].sort((a, b) => b[1] - a[1])) {
  console.log(`${(ms / 1000).toFixed(3).padStart(8)} s  ${((100 * ms) / all).toFixed(1).padStart(5)} %  ${per ? `${(ms / per).toFixed(3).padStart(7)} ms/alloc  ` : ''}${name}`);
}

// The functions that cost most, by self time.
const byFunction = new Map<string, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i])!;
  const { functionName, url } = node.callFrame;
  if (functionName === '(idle)') continue;
  const key = `${functionName || '(anonymous)'}  ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/wt\/perf\//, '')}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
}
console.log('\ntop functions by self time');
for (const [name, ms] of [...byFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP || 25))) {
  console.log(`${(ms / 1000).toFixed(3).padStart(8)} s  ${per ? `${(ms / per).toFixed(3).padStart(7)} ms/alloc  ` : ''}${name}`);
}
