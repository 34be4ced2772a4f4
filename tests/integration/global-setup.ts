/**
 * vitest globalSetup for tests/integration on darkscope's embedded ClickHouse
 * (chdb, ClickHouse 26.x; installed by `npm ci`): starts an engine on a
 * temporary store, provides `clickhouseUrl` and `clickhouseEngine`, stops it
 * at teardown. The same files run on a ClickHouse server with
 * global-setup-server.ts (`npm run test:full`).
 *
 * Like the server harness, the engine runs in a non-UTC zone
 * (Asia/Kathmandu): darkscope must bucket every time in UTC regardless.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureEmbeddedEngine, stopEmbeddedEngine } from '../../src/store/embedded/embedded-engine.js';
import { TEST_SERVER_TIMEZONE } from './global-setup-server.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'darkscope-engine-'));
  const engine = await ensureEmbeddedEngine({ dir, emptyPassword: true, env: { ...process.env, TZ: TEST_SERVER_TIMEZONE } });
  project.provide('clickhouseUrl', engine.url);
  project.provide('clickhouseEngine', 'embedded');
  return async () => {
    await stopEmbeddedEngine(dir);
    await rm(dir, { recursive: true, force: true });
  };
}
