/**
 * Which ClickHouse a command talks to. An explicit --clickhouse-url or
 * DARKSCOPE_CLICKHOUSE_URL always wins (your own server or cluster).
 * Otherwise darkscope's embedded ClickHouse, the store in
 * DARKSCOPE_HOME/engine, started on first need and shared by every command
 * (`darkscope clickhouse start|stop|status` manage it explicitly).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { ensureEmbeddedEngine } from '../store/embedded/embedded-engine.js';

/** The embedded engine's store. */
export function engineDir(cfg: Config): string {
  return join(cfg.home, 'engine');
}

/**
 * Where darkscope releases before the embedded engine kept the ClickHouse
 * 18.16 server they started themselves. darkscope leaves it untouched.
 */
export function legacyServerDir(cfg: Config): string {
  return join(cfg.home, 'clickhouse');
}

export interface ClickHouseTarget {
  readonly url: string;
  readonly source: 'explicit' | 'embedded-running' | 'embedded-started';
  /** Credentials of the embedded store (null: the configured user and password). */
  readonly credentials: { readonly username: string; readonly password: string } | null;
}

export interface ResolveOptions {
  /** Environment of the engine when it must be started (TZ, UV_THREADPOOL_SIZE). */
  readonly env?: NodeJS.ProcessEnv;
}

export async function resolveClickHouse(cfg: Config, log: Logger, opts: ResolveOptions = {}): Promise<ClickHouseTarget> {
  if (cfg.clickhouse.explicitUrl !== null) return { url: cfg.clickhouse.explicitUrl, source: 'explicit', credentials: null };
  const engine = await ensureEmbeddedEngine({ dir: engineDir(cfg), maxMemoryBytes: cfg.engine.maxMemoryBytes, env: opts.env });
  if (engine.started) log.info({ url: engine.url, dir: engineDir(cfg) }, 'started darkscope\'s embedded ClickHouse');
  return {
    url: engine.url,
    source: engine.started ? 'embedded-started' : 'embedded-running',
    credentials: { username: engine.username, password: engine.password },
  };
}

/** A line for users who still have the store of the ClickHouse server earlier darkscope releases started. */
export function legacyStoreNotice(cfg: Config): string | null {
  const dir = legacyServerDir(cfg);
  if (!existsSync(join(dir, 'config.xml'))) return null;
  return `darkscope: the ClickHouse 18.16 store earlier darkscope releases managed is still in ${dir} and is left untouched; ` +
    `to read it, start that server (clickhouse-server --config-file=${join(dir, 'config.xml')}) and pass its URL with --clickhouse-url`;
}
