import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['server/**/*.test.ts', 'test/**/*.test.ts', 'agents/**/*.test.ts', 'web/**/*.test.ts'],
    // The long resilience runs (crashes, outages, load): `make resilience`, vitest.resilience.config.ts.
    exclude: [...configDefaults.exclude, 'test/resilience/long/**'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: more workers only queue on the CPU and on the PostgreSQL server.
    maxWorkers: 2,
  },
});
