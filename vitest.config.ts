import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vitest/config'

// Three suites: `unit` (fast, in-process; renderer files opt into happy-dom with a
// `// @vitest-environment happy-dom` header), `integration` (a real server process on
// port 0 and real client cores over loopback) and `faults` (long kill/fuzz runs, not in
// `npm test` except for their bounded form under integration).
export default defineConfig({
  plugins: [vue()],
  test: {
    // Info-level lines from every in-process server and core drown the results; a
    // failing test still shows warnings and errors. PARLEY_LOG_LEVEL overrides it.
    env: { PARLEY_LOG_LEVEL: process.env.PARLEY_LOG_LEVEL ?? 'warn' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
          environment: 'node',
          // Some unit tests hash real scrypt passwords or start a server process: seconds on
          // two cores shared with other runs, which the 5 s default does not allow for.
          testTimeout: 20_000,
          hookTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          environment: 'node',
          testTimeout: 1_800_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
