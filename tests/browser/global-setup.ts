/**
 * vitest globalSetup for tests/browser: fails at once, saying what to
 * install, when there is no Chromium (the suite never skips); then starts
 * darkscope's embedded ClickHouse like the integration suite does.
 */
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import engineSetup from '../integration/global-setup.js';
import { chromiumPath } from './helpers/browser.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const path = chromiumPath();
  if (!existsSync(path)) {
    throw new Error(`the browser suite needs Chromium at ${path}: apt-get install -y chromium (or set DARKSCOPE_CHROMIUM to a Chromium binary)`);
  }
  return engineSetup(project);
}
