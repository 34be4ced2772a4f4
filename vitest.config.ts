import { defineConfig } from 'vitest/config';

// Projects, so each suite needs only what it names:
// - unit: no database, no files outside the repository.
// - integration: tests/integration on darkscope's embedded ClickHouse (chdb,
//   ClickHouse 26.x, installed by npm ci); see tests/integration/global-setup.ts.
// - integration-server: the same files on a ClickHouse server (Debian's 18.16
//   here, or DARKSCOPE_TEST_CLICKHOUSE_URL); see global-setup-server.ts. Adds
//   the files that start servers of their own (outage, the managed server)
//   and the one that compares both engines (it starts an embedded engine).
// - cluster: ZooKeeper and a 2-shard x 2-replica cluster on loopback; its
//   files share that cluster (one stops a replica), so they run one at a time.
// - corpus: real third-party captures (DARKSCOPE_CORPUS or ../shared/corpus).
// - browser: the web view in Debian's Chromium (playwright-core) against serve
//   on the demo week, on the embedded engine; fails without /usr/bin/chromium.
// - tools: captures of real zmap and masscan runs (tests/tools/capture-scanners.sh;
//   root and Debian's zmap, masscan, tcpdump, iproute2), on the embedded engine.
// `npm test` runs unit + integration; `npm run test:full` the other five.
const SERVER_ONLY = ['tests/integration/ingest-outage.test.ts', 'tests/integration/store-local-server.test.ts', 'tests/integration/engines-same-report.test.ts'];
const EMBEDDED_ONLY = ['tests/integration/cli-embedded-clickhouse.test.ts', 'tests/integration/engine-*.test.ts'];

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
          include: ['tests/unit/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          exclude: SERVER_ONLY,
          globalSetup: ['tests/integration/global-setup.ts'],
          // Dropping a test database waits for merges; generous on a loaded 2-core machine.
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration-server',
          include: ['tests/integration/**/*.test.ts'],
          exclude: EMBEDDED_ONLY,
          globalSetup: ['tests/integration/global-setup-server.ts'],
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
      {
        extends: true,
        test: {
          // Real zmap and masscan runs in private network namespaces (root, apt packages).
          name: 'tools',
          include: ['tests/tools/**/*.test.ts'],
          globalSetup: ['tests/integration/global-setup.ts'],
          hookTimeout: 300_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'corpus',
          include: ['tests/corpus/**/*.test.ts'],
          globalSetup: ['tests/integration/global-setup.ts'],
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          globalSetup: ['tests/browser/global-setup.ts'],
          maxWorkers: 1,
          testTimeout: 60_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
