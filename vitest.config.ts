import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests open ptys and sockets; two cores: keep parallelism modest.
    maxWorkers: 2,
  },
});
