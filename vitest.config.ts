import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'fixtures/**/*.test.ts', 'scripts/**/*.test.ts'],
    exclude: ['test/integration/**', '**/node_modules/**'],
    testTimeout: 30_000,
    pool: 'forks',
    globalSetup: ['test/harness/temp-root.ts'],
  },
});
