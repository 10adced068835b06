import { defineConfig } from 'vitest/config';

export const config = defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/*.test.ts'],
    pool: 'forks',
    globalSetup: ['test/global/postgres-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});

// Vitest looks for a default export in its config file; this is the one place it is needed.
// eslint-disable-next-line no-restricted-syntax
export default config;
