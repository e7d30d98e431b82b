import { defineConfig } from 'drizzle-kit';

// Migrations are generated from the per-module schemas and applied by the server itself
// (server/db/migrate.ts), because drizzle-kit migrate cannot load PGlite's btree_gist.
export default defineConfig({
  dialect: 'postgresql',
  schema: './server/modules/*/schema.ts',
  out: './drizzle',
});
