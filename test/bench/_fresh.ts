/**
 * Fresh embedded starts by hand, for comparing ways of starting (issue 14; the leading `_` keeps
 * run.ts from picking it up): spawns `node scripts/start.mjs` on a new data directory until
 * /healthz answers, N rounds, the configurations interleaved so that what else the machine does
 * lands on all of them alike; prints each one's median and, with PHASES=1, its `phasesMs`.
 *   N=7 PHASES=1 CONFIGS="now::;lazy::--wasm-lazy-compilation;small:WAIWANG_PGLITE_SHARED_BUFFERS=16MB:" npx tsx test/bench/_fresh.ts
 * A configuration is name:ENV=value,ENV=value:node flags. Build the bundle first (make setup).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../support/ports.js';
import { summary } from './support.js';
const configs = (process.env.CONFIGS || 'base::').split(';').map((c) => {
  const [name, envs, flags] = c.split(':');
  return { name, env: Object.fromEntries((envs || '').split(',').filter(Boolean).map((e) => e.split('='))), flags: (flags || '').split(' ').filter(Boolean), ms: [] as number[], phases: [] as string[] };
});
const n = Number(process.env.N || 5);
for (let i = 0; i < n; i++) {
  for (const c of configs) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wwf-'));
    const port = await freePort();
    const t0 = performance.now();
    const child = spawn(process.execPath, [...c.flags, 'scripts/start.mjs'], { env: { ...process.env, ...c.env, WAIWANG_DATA_DIR: dir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    let gone = false;
    child.once('exit', () => (gone = true));
    child.stdout!.on('data', (d) => (log += d));
    child.stderr!.on('data', (d) => (log += d));
    for (;;) {
      if (gone) throw new Error(c.name + ' exited: ' + log);
      try { const r = await fetch(`http://127.0.0.1:${port}/healthz`); if (r.status === 200) break; } catch {}
      await new Promise((r) => setTimeout(r, 20));
    }
    c.ms.push(performance.now() - t0);
    c.phases.push(/"phasesMs":\{([^}]*)\}/.exec(log)?.[1] ?? '');
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
for (const c of configs) {
  console.log(c.name.padEnd(10), 'median', summary(c.ms).p50.toFixed(0), 'all', c.ms.map((m) => m.toFixed(0)).join(' '));
  if (process.env.PHASES) for (const p of c.phases) console.log('   ', p);
}
