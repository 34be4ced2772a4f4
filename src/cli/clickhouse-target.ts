/**
 * Which ClickHouse a command talks to. An explicit --clickhouse-url or
 * DARKSCOPE_CLICKHOUSE_URL always wins. Otherwise: a server answering on
 * localhost:8123, else the darkscope-managed local server (under
 * DARKSCOPE_HOME/clickhouse), started on first need when a server binary is
 * installed. `darkscope clickhouse start|stop|status` manage it explicitly.
 */
import { join } from 'node:path';
import { DEFAULT_CLICKHOUSE_URL, type Config } from '../config.js';
import type { Logger } from '../logger.js';
import { readServerState, startLocalServer } from '../store/local-server.js';

export function managedDataDir(cfg: Config): string {
  return join(cfg.home, 'clickhouse');
}

/** True when something answers `Ok.` on the ClickHouse /ping endpoint at `url`. */
export async function answersPing(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const res = await fetch(new URL('/ping', url), { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok && (await res.text()).trim() === 'Ok.';
  } catch {
    return false;
  }
}

export interface ClickHouseTarget {
  readonly url: string;
  readonly source: 'explicit' | 'localhost' | 'managed-running' | 'managed-started';
}

export interface ResolveOptions {
  /** Start the managed server when nothing else answers (default true). */
  readonly start?: boolean;
  /** Environment used to look for the server binary (PATH). */
  readonly env?: NodeJS.ProcessEnv;
}

export async function resolveClickHouse(cfg: Config, log: Logger, opts: ResolveOptions = {}): Promise<ClickHouseTarget> {
  if (cfg.clickhouse.explicitUrl !== null) return { url: cfg.clickhouse.explicitUrl, source: 'explicit' };
  if (await answersPing(DEFAULT_CLICKHOUSE_URL)) return { url: DEFAULT_CLICKHOUSE_URL, source: 'localhost' };
  const dataDir = managedDataDir(cfg);
  const state = await readServerState(dataDir);
  if (state?.running && (await answersPing(state.url))) return { url: state.url, source: 'managed-running' };
  if (opts.start === false) return { url: DEFAULT_CLICKHOUSE_URL, source: 'localhost' };
  log.info({ dataDir }, 'no ClickHouse on localhost:8123; starting a local server managed by darkscope');
  const server = await startLocalServer({ dataDir, bin: cfg.clickhouseBin ?? undefined, env: opts.env, detached: true });
  return { url: server.url, source: 'managed-started' };
}
