import { defineConfig } from 'vitest/config';

// Two projects so unit tests never wait for (or need) a ClickHouse server:
// `npx vitest run` runs both; the integration project's globalSetup starts a
// private server (or uses DARKSCOPE_TEST_CLICKHOUSE_URL), see
// tests/integration/global-setup.ts.
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
          exclude: ['tests/integration/**', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          globalSetup: ['tests/integration/global-setup.ts'],
        },
      },
    ],
  },
});
