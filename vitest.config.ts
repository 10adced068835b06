import { defineConfig } from 'vitest/config';

export const config = defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/*.test.ts'],
    pool: 'forks',
    // Vitest's default on 2 cores is one worker; most files wait on child processes, fsync and
    // PostgreSQL rather than the CPU, so three overlap well and keep the suite under 10 minutes.
    maxWorkers: 3,
    globalSetup: ['test/global/postgres-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});

// Vitest looks for a default export in its config file; this is the one place it is needed.
// eslint-disable-next-line no-restricted-syntax
export default config;
