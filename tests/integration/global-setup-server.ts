/**
 * vitest globalSetup for tests/integration on a ClickHouse server (`npm run test:full`): provides `clickhouseUrl`.
 *
 * - DARKSCOPE_TEST_CLICKHOUSE_URL set → use that server as is.
 * - otherwise → start a private server (tests/support/local-server.ts) in a temp
 *   directory and stop it at teardown. The binary comes from
 *   DARKSCOPE_CLICKHOUSE_BIN, `clickhouse` / `clickhouse-server` on PATH, or
 *   /usr/sbin/clickhouse-server. No binary → the run fails (never skips).
 *
 * The private server deliberately runs with a non-UTC default time zone
 * (Asia/Kathmandu, UTC+05:45): production servers run in whatever zone their
 * host has, and darkscope must store and bucket every time in UTC regardless.
 * A query that silently depends on the server's zone fails here.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { isDarkscopeError } from '../../src/errors.js';
import { startLocalServer } from '../support/local-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the ClickHouse server for integration tests, e.g. http://127.0.0.1:41234 */
    clickhouseUrl: string;
    /** Which engine the suite runs on: darkscope's embedded ClickHouse or a ClickHouse server. */
    clickhouseEngine: 'embedded' | 'server';
  }
}

export const TEST_SERVER_TIMEZONE = 'Asia/Kathmandu';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.DARKSCOPE_TEST_CLICKHOUSE_URL;
  if (external !== undefined && external !== '') {
    project.provide('clickhouseUrl', external.replace(/\/$/, ''));
    project.provide('clickhouseEngine', 'server');
    return undefined;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'darkscope-clickhouse-'));
  let server;
  try {
    server = await startLocalServer({
      dataDir,
      bin: process.env.DARKSCOPE_CLICKHOUSE_BIN,
      env: process.env,
      timezone: TEST_SERVER_TIMEZONE,
    });
  } catch (e) {
    await rm(dataDir, { recursive: true, force: true });
    if (isDarkscopeError(e) && e.code === 'DARKSCOPE_E_NO_CLICKHOUSE_BINARY') {
      throw new Error(
        'Integration tests need a ClickHouse server and none was found.\n' +
        '  Install one:  apt-get update && apt-get install -y clickhouse-server\n' +
        '  or point DARKSCOPE_CLICKHOUSE_BIN at a `clickhouse` binary,\n' +
        '  or set DARKSCOPE_TEST_CLICKHOUSE_URL=http://host:8123 to use a running server.\n' +
        `  (${e.message})`,
      );
    }
    throw e;
  }
  project.provide('clickhouseUrl', server.url);
  project.provide('clickhouseEngine', 'server');
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
