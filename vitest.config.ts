import { defineConfig } from 'vitest/config';

// Three projects so unit tests never wait for (or need) a ClickHouse server:
// `npx vitest run` runs all of them; the integration project's globalSetup
// starts a private server (or uses DARKSCOPE_TEST_CLICKHOUSE_URL), see
// tests/integration/global-setup.ts; the cluster project's starts ZooKeeper
// and a 2-shard × 2-replica ClickHouse cluster on loopback, see
// tests/cluster/global-setup.ts. Its files share that cluster (one stops a
// replica), so they run one at a time.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/integration/**', 'tests/cluster/**', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          globalSetup: ['tests/integration/global-setup.ts'],
          // Dropping a test database waits for merges; generous on a loaded 2-core machine.
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'cluster',
          include: ['tests/cluster/**/*.test.ts'],
          globalSetup: ['tests/cluster/global-setup.ts'],
          maxWorkers: 1,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
