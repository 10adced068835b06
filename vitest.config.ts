import { defineConfig } from 'vitest/config';

export const config = defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/*.test.ts'],
    pool: 'forks',
    // Vitest's default on 2 cores is one worker; many files wait on child processes, fsync and
    // PostgreSQL rather than the CPU, so two overlap well and keep the suite under 10 minutes.
    maxWorkers: 2,
    globalSetup: ['test/global/postgres-setup.ts'],
    // A guard against hangs, not a speed goal: CLI files spawn dozens of processes each.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});

// Vitest looks for a default export in its config file; this is the one place it is needed.
// eslint-disable-next-line no-restricted-syntax
export default config;
