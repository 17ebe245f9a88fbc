import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts'],
    testTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/harness/temp-root.ts'],
  },
});
