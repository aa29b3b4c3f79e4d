import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests open ptys and sockets; two cores: keep parallelism modest.
    maxWorkers: 2,
    // .ci/run reads the JSON report for its `N passed, N failed` line.
    reporters: process.env.OPENHES_VITEST_JSON ? ['default', 'json'] : ['default'],
    ...(process.env.OPENHES_VITEST_JSON ? { outputFile: { json: process.env.OPENHES_VITEST_JSON } } : {}),
  },
});
