// `npm start` (and so `make start`): runs the server as one bundled JavaScript file instead of
// under tsx's loader. Importing server/app.ts under tsx took 1.4–1.5 s of a 3.7 s fresh start
// (issue 14: tsx transforms and resolves some 180 files one by one at every start); esbuild's
// bundle of the server's code, with most of its npm packages inlined (see `external`), loads in
// a fraction of that.
//
// The bundle is never stale: its first line records every file esbuild read (from its metafile;
// the inlined packages' files too) with its mtime and size, and this launcher checks them at
// each start (a stat each, ~450 files, without reading the 2 MB bundle) and rebuilds when any
// differs or is gone, or when the build settings (this file, tsconfig.json, package.json)
// changed. The check takes a few tens of milliseconds; a rebuild 0.7–1.3 s on the loaded 2-core
// machine (esbuild runs as its own process; test/bench/startup.ts's rebuilt row), which building
// at every start would cost every time. `node scripts/start.mjs --rebuild` rebuilds regardless;
// `--build` only makes the bundle current and exits (make setup runs it, so that the first
// `make start` after a checkout or a pull does not build it while the appliance waits).
// The bundle lives in node_modules/.cache/waiwang, beside node_modules' packages so that its
// external imports resolve there; the server finds its files (migrations, web assets, the
// division file) from the checkout's root (server/paths.ts).
//
// The server runs in this process (the bundle is imported, not spawned), so a service manager's
// signals reach it directly: `node scripts/start.mjs` is the server process.
//   node scripts/start.mjs [--rebuild | --build]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'node_modules', '.cache', 'waiwang', 'server.mjs');
const marker = '// waiwang-inputs ';
const settings = ['scripts/start.mjs', 'tsconfig.json', 'package.json'];
// Packages loaded from node_modules at run time rather than inlined. Inlining the rest (hono, zod,
// @hono/zod-openapi, prom-client, ip-address…) took the CPU time of loading server/app.ts from
// ~1.0 s to ~0.6 s (measured for issue 14 on the loaded 2-core machine): Node's loader no longer
// resolves and reads some 280 files one by one. Kept apart: drizzle-orm and postgres, since the
// drivers and migrators imported when used (external: the PGlite ones load PGlite) must share
// the one copy the server's code uses; PGlite, which loads its WebAssembly from beside its own
// files and which a PostgreSQL-backed server never loads; exceljs, loaded with the first
// spreadsheet; pino.
const external = ['drizzle-orm', 'drizzle-orm/*', 'postgres', '@electric-sql/pglite', '@electric-sql/pglite/*', 'exceljs', 'pino'];

/** "mtime:size" of a file of the checkout; undefined when it is gone. */
function stamp(file) {
  try {
    const stat = fs.statSync(path.join(root, file));
    return `${stat.mtimeMs}:${stat.size}`;
  } catch {
    return undefined;
  }
}

/** The bundle's first line, without reading the rest; undefined when there is none. */
function firstLine() {
  let fd;
  try {
    fd = fs.openSync(bundle, 'r');
  } catch {
    return undefined;
  }
  try {
    const chunks = [];
    const chunk = Buffer.alloc(1 << 16);
    for (let at = 0; ; ) {
      const read = fs.readSync(fd, chunk, 0, chunk.length, at);
      const end = chunk.subarray(0, read).indexOf(10);
      if (end >= 0) return Buffer.concat([...chunks, chunk.subarray(0, end)]).toString('utf8');
      if (read === 0) return undefined;
      chunks.push(Buffer.from(chunk.subarray(0, read)));
      at += read;
    }
  } finally {
    fs.closeSync(fd);
  }
}

function bundleIsCurrent() {
  const head = firstLine();
  if (!head?.startsWith(marker)) return false;
  const inputs = JSON.parse(head.slice(marker.length));
  return Object.entries(inputs).every(([file, recorded]) => stamp(file) === recorded);
}

async function rebuild() {
  const { build, stop } = await import('esbuild');
  const started = Date.now();
  try {
    const result = await build({
      absWorkingDir: root,
      entryPoints: ['server/main.ts'],
      outfile: bundle,
      write: false,
      metafile: true,
      bundle: true,
      external,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'warning',
      // The CommonJS packages inlined (prom-client, netmask…) require Node's own modules.
      banner: { js: "import { createRequire as __waiwangCreateRequire } from 'node:module'; const require = __waiwangCreateRequire(import.meta.url);" },
    });
    const inputs = {};
    for (const file of [...Object.keys(result.metafile.inputs), ...settings]) {
      const recorded = stamp(file);
      // A file changed while esbuild read it may be bundled in its old state: record it so that
      // it never matches, and the next start builds again.
      inputs[file] = recorded && Number(recorded.split(':')[0]) < started - 1 ? recorded : 'changed during the build';
    }
    // Written beside, then renamed: a server starting meanwhile reads the old bundle or the new
    // one, never half of one; two launchers building at once each rename a complete file.
    const partial = `${bundle}.${process.pid}`;
    fs.mkdirSync(path.dirname(bundle), { recursive: true });
    fs.writeFileSync(partial, `${marker}${JSON.stringify(inputs)}\n${result.outputFiles[0].text}`);
    fs.renameSync(partial, bundle);
  } finally {
    // esbuild's service process would otherwise stay beside the server for its whole life.
    await stop();
  }
}

const forced = process.argv[2] === '--rebuild';
const buildOnly = process.argv[2] === '--build';
if (forced || buildOnly) process.argv.splice(2, 1);
if (forced || !bundleIsCurrent()) await rebuild();
if (!buildOnly) await import(pathToFileURL(bundle).href);
