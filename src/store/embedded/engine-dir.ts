/**
 * The files of one embedded-engine store, all under one directory
 * (DARKSCOPE_HOME/engine for the CLI, a temporary directory for tests):
 *
 *   data/               the engine's databases (chdb owns it; one process at a time)
 *   tmp/                INSERT data spilled by the HTTP layer, removed after each insert
 *   credentials.json    the `default` user's password, made once (mode 0600)
 *   state.json          the running supervisor and engine: pids, port, url, status (mode 0600)
 *   start.lock          held while a process starts the supervisor
 *   log/supervisor.log, log/engine.log
 */

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive } from '../processes.js';

export interface EngineDirPaths {
  readonly dir: string;
  readonly data: string;
  readonly tmp: string;
  readonly credentials: string;
  readonly state: string;
  readonly lock: string;
  readonly log: string;
  readonly supervisorLog: string;
  readonly engineLog: string;
}

export function engineDirPaths(dir: string): EngineDirPaths {
  const log = join(dir, 'log');
  return {
    dir,
    data: join(dir, 'data'),
    tmp: join(dir, 'tmp'),
    credentials: join(dir, 'credentials.json'),
    state: join(dir, 'state.json'),
    lock: join(dir, 'start.lock'),
    log,
    supervisorLog: join(log, 'supervisor.log'),
    engineLog: join(log, 'engine.log'),
  };
}

export async function ensureEngineDirs(p: EngineDirPaths): Promise<void> {
  await mkdir(p.dir, { recursive: true, mode: 0o700 });
  await mkdir(p.data, { recursive: true });
  await mkdir(p.tmp, { recursive: true });
  await mkdir(p.log, { recursive: true });
}

export type EngineStatus = 'starting' | 'ready' | 'restarting' | 'failed' | 'stopped';

export interface EngineState {
  readonly status: EngineStatus;
  readonly supervisorPid: number;
  /** The engine process (0 while none runs). */
  readonly enginePid: number;
  readonly port: number;
  readonly url: string;
  /** The engine's version() once it answered. */
  readonly version: string;
  readonly startedAt: string;
  /** Times the supervisor restarted a dead or hung engine. */
  readonly restarts: number;
  /** Why the engine failed (status failed), or why it was last restarted. */
  readonly reason?: string;
}

async function writePrivate(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}

export async function readEngineState(p: EngineDirPaths): Promise<EngineState | null> {
  try {
    return JSON.parse(await readFile(p.state, 'utf8')) as EngineState;
  } catch {
    return null;
  }
}

export async function writeEngineState(p: EngineDirPaths, state: EngineState): Promise<void> {
  await writePrivate(p.state, state);
}

interface Credentials {
  readonly user: 'default';
  readonly password: string;
}

/**
 * The store's password: read, or made on the store's first start. `empty`
 * (test stores only) makes a store that takes no password.
 */
export async function storePassword(p: EngineDirPaths, opts: { empty?: boolean } = {}): Promise<string> {
  try {
    const c = JSON.parse(await readFile(p.credentials, 'utf8')) as Credentials;
    if (typeof c.password === 'string') return c.password;
  } catch {
    // not made yet
  }
  const password = opts.empty === true ? '' : randomBytes(24).toString('base64url');
  await writePrivate(p.credentials, { user: 'default', password } satisfies Credentials);
  return password;
}

/**
 * True when a recorded pid names a live process. A record holds 0 while no
 * engine runs, and signal 0 to pid 0 would ask about the whole process group.
 */
export function processAlive(pid: number): boolean {
  return Number.isInteger(pid) && pid > 0 && isAlive(pid);
}

/** The engine process's exit code for "cannot run here" (no chdb build, data directory locked): not retried. */
export const ENGINE_EXIT_UNUSABLE = 3;

/** True when the engine at `url` runs SELECT 1 (its /darkscope/health) within `timeoutMs`. */
export async function engineAnswers(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(`${url}/darkscope/health`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.text();
    return res.ok;
  } catch {
    return false;
  }
}
