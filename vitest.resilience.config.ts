import { defineConfig } from 'vitest/config';

/**
 * `make resilience`: the long runs of test/resilience/long/ (kill -9 ×5 on both backends, a
 * PostgreSQL outage, two instances on one database). Each starts real server processes and
 * databases of its own, so one file at a time: two would only fight over two cores.
 */
export default defineConfig({
  test: {
    include: ['test/resilience/long/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 180_000,
  },
});
