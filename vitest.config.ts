import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * Test lanes (`vitest run --project <name>`, or `npm run test:<name>`); `npm test` runs them all.
 * `unit` is pure code, no servers or child processes, and stays under 10 s; the others start real
 * servers (Express, redis-server, Chromium, npm) and get room for that on 2 cores.
 */
const LANES = {
  unit: ['test/unit/**/*.test.ts', 'test/types/**/*.test.ts'],
  http: ['test/http/**/*.test.ts'],
  integration: ['test/integration/**/*.test.ts', 'test/stores/**/*.test.ts', 'test/cli/**/*.test.ts'],
  fleet: ['test/fleet/**/*.test.ts'],
  browser: ['test/browser/**/*.test.ts'],
  package: ['test/package/**/*.test.ts'],
} as const;

/** Integration tests start real servers: give them room on 2 cores. */
const SLOW = { testTimeout: 20_000, hookTimeout: 60_000 };
/** The package lane builds, packs, installs and runs tsc on consumers: a minute when cores are busy. */
const TIMEOUTS: Partial<Record<keyof typeof LANES, typeof SLOW>> = { package: { testTimeout: 60_000, hookTimeout: 180_000 } };

const lanes: TestProjectInlineConfiguration[] = Object.entries(LANES).map(([name, include]) => ({
  test: {
    name,
    include: [...include],
    // Unit tests keep Vitest's 5 s default: one that needs more is not a unit test.
    ...(name === 'unit' ? { pool: 'threads' as const } : (TIMEOUTS[name as keyof typeof LANES] ?? SLOW)),
  },
}));

// A test file in a folder no lane lists still runs, in the slow lane `other`, rather than silently never.
lanes.push({
  test: {
    name: 'other',
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...Object.values(LANES).flat()],
    ...SLOW,
  },
});

export default defineConfig({
  test: {
    projects: lanes,
  },
});
