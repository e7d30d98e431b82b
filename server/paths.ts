import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checkout's root: the nearest directory above this module whose package.json is waiwang's.
 * Files the server reads at run time (migrations, the division file, web assets, the PGlite
 * template) are found from here, not relative to the module: `npm start` runs a bundle in
 * node_modules/.cache/waiwang (scripts/start.mjs), where `import.meta.url` is no longer beside the
 * source, while tests and `npm run dev` run the source itself. Walking up finds the same root
 * from both.
 */
function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'waiwang') return dir;
    } catch {
      /* no package.json here, or not ours: keep walking */
    }
    if (path.dirname(dir) === dir) throw new Error(`no waiwang package.json above ${from}`);
  }
}

export const repoRoot = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));

/** A path inside the checkout, e.g. fromRoot('drizzle'). */
export const fromRoot = (...segments: string[]): string => path.join(repoRoot, ...segments);

/** require() resolving from the checkout's own node_modules, as the source does. */
export const requireFromRoot = createRequire(fromRoot('package.json'));
