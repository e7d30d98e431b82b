// `npm run agent:snmp` / `npm run agent:ssh`: runs an agent as plain JavaScript. The agents are
// TypeScript; under tsx's loader the SNMP agent held 88 MB before its first poll and peaked at
// 111 MB polling 1,000 interfaces (test/bench/snmp-poll.ts), against 47 MB and 64 MB for the same
// code bundled by esbuild (issue 8's goal: ≤ 100 MB). So the launcher bundles the agent's own code
// (its npm packages stay external, loaded from node_modules as usual) — esbuild takes a fraction
// of a second and runs as its own process — and imports the bundle into this process.
//   node scripts/agent.mjs snmp|ssh [--once] [--config FILE]
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const agent = process.argv[2];
if (agent !== 'snmp' && agent !== 'ssh') {
  console.error('usage: node scripts/agent.mjs snmp|ssh [--once] [--config FILE]');
  process.exit(2);
}
// Beside node_modules' own packages, so that the bundle's external imports resolve from there.
const outfile = path.join(root, 'node_modules', '.cache', 'waiwang', `agent-${agent}-${process.pid}.mjs`);
await build({
  entryPoints: [path.join(root, 'agents', agent, 'main.ts')],
  outfile,
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
});
// The agent reads its own arguments (--once, --config) from process.argv.
process.argv.splice(2, 1);
const fs = await import('node:fs');
// A daemon never returns from its import: remove the bundle when the process ends, however it ends.
process.once('exit', () => fs.rmSync(outfile, { force: true }));
await import(pathToFileURL(outfile).href);
