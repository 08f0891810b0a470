import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real servers (Express, redis-server, Chromium): give them room on 2 cores.
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
