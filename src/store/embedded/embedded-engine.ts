/**
 * darkscope's embedded ClickHouse, from the side of a darkscope command:
 * find the store's running engine, or start its supervisor (detached, so it
 * outlives the command and other commands share it), stop it, report on it.
 *
 * Several commands may start at once (`serve` while `ingest` runs): the one
 * that takes DIR/start.lock starts the supervisor, the others wait for it to
 * record the engine ready.
 */

import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { DarkscopeError } from '../../errors.js';
import { engineAnswers, engineDirPaths, ensureEngineDirs, processAlive, readEngineState, storePassword, type EngineDirPaths, type EngineState } from './engine-dir.js';
import { supervisorEntry } from './entry-points.js';

export interface EmbeddedEngineOptions {
  /** The store's directory (DARKSCOPE_HOME/engine for the CLI). */
  readonly dir: string;
  /** max_server_memory_usage, bytes; 0 = half of the machine's memory. */
  readonly maxMemoryBytes?: number;
  /** Environment of the supervisor and engine (TZ, UV_THREADPOOL_SIZE); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Test stores only: a store that takes no password. */
  readonly emptyPassword?: boolean;
  /** How long to wait for the engine to answer (default 120 s: a first start on a slow disk). */
  readonly readyTimeoutMs?: number;
}

export interface EmbeddedEngine {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly state: EngineState;
  /** True when this call started it. */
  readonly started: boolean;
}

/** The platforms chdb 3.4.0 ships an engine for. */
export function embeddedEngineSupported(platform = process.platform, arch = process.arch): { ok: boolean; why: string } {
  const name = `${platform}-${arch}`;
  if (platform === 'darwin' && (arch === 'x64' || arch === 'arm64')) return { ok: true, why: name };
  if (platform === 'linux' && (arch === 'x64' || arch === 'arm64')) {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
    if (report?.header?.glibcVersionRuntime === undefined) return { ok: false, why: `${name} without glibc (musl)` };
    return { ok: true, why: name };
  }
  return { ok: false, why: name };
}

function unavailable(why: string): DarkscopeError {
  return new DarkscopeError('ENGINE_UNAVAILABLE',
    `darkscope's embedded ClickHouse has no build for this machine (${why}; builds exist for linux x64/arm64 with glibc and macOS x64/arm64)`, { platform: why });
}

const answers = (state: EngineState): Promise<boolean> => engineAnswers(state.url, 5_000);

async function logTail(path: string, lines = 8): Promise<string> {
  try {
    const text = await readFile(path, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).map((l) => {
      try {
        const j = JSON.parse(l) as { msg?: string; err?: string };
        return j.err !== undefined ? `${j.msg ?? ''}: ${j.err}` : (j.msg ?? l);
      } catch {
        return l;
      }
    }).join(' | ');
  } catch {
    return '';
  }
}

/** The running engine of a store, or null (not started, stopped, or not answering). */
export async function runningEngine(dir: string): Promise<EngineState | null> {
  const p = engineDirPaths(dir);
  const state = await readEngineState(p);
  if (state === null || !processAlive(state.supervisorPid) || state.status === 'stopped' || state.status === 'failed') return null;
  return (await answers(state)) ? state : null;
}

async function takeLock(p: EngineDirPaths): Promise<boolean> {
  try {
    const fd = openSync(p.lock, 'wx', 0o600);
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const holder = Number((await readFile(p.lock, 'utf8').catch(() => '')).trim());
    if (!processAlive(holder)) {
      await rm(p.lock, { force: true }); // its starter died
      return takeLock(p);
    }
    return false;
  }
}

async function waitReady(p: EngineDirPaths, timeoutMs: number, supervisorPid: number | null): Promise<EngineState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await readEngineState(p);
    if (state !== null && (supervisorPid === null || state.supervisorPid === supervisorPid)) {
      if (state.status === 'failed') {
        throw new DarkscopeError('ENGINE_START', `darkscope's embedded ClickHouse did not start: ${state.reason ?? 'see the log'} (${await logTail(p.engineLog)})`, { log: p.engineLog });
      }
      if (state.status === 'ready' && processAlive(state.supervisorPid) && (await answers(state))) return state;
    }
    if (supervisorPid !== null && !processAlive(supervisorPid)) {
      throw new DarkscopeError('ENGINE_START', `darkscope's embedded ClickHouse supervisor exited at start (${await logTail(p.supervisorLog)})`, { log: p.supervisorLog });
    }
    if (Date.now() > deadline) {
      throw new DarkscopeError('ENGINE_START', `darkscope's embedded ClickHouse did not answer within ${Math.round(timeoutMs / 1000)} s (${await logTail(p.engineLog)})`, { log: p.engineLog });
    }
    await sleep(100);
  }
}

/** The store's engine, started when it is not running. */
export async function ensureEmbeddedEngine(options: EmbeddedEngineOptions): Promise<EmbeddedEngine> {
  const p = engineDirPaths(options.dir);
  const connection = async (state: EngineState, started: boolean): Promise<EmbeddedEngine> =>
    ({ url: state.url, username: 'default', password: await storePassword(p), state, started });
  const running = await runningEngine(options.dir);
  if (running !== null) return connection(running, false);
  const support = embeddedEngineSupported();
  if (!support.ok) throw unavailable(support.why);
  await ensureEngineDirs(p);
  await storePassword(p, { empty: options.emptyPassword });
  const timeoutMs = options.readyTimeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  while (!(await takeLock(p))) {
    // Another command is starting it.
    const state = await readEngineState(p);
    if (state?.status === 'ready' && (await answers(state))) return connection(state, false);
    if (Date.now() > deadline) throw new DarkscopeError('ENGINE_START', `another darkscope process holds ${p.lock} and the engine did not come up; remove the file if no darkscope command is running`);
    await sleep(100);
  }
  try {
    const again = await runningEngine(options.dir);
    if (again !== null) return connection(again, false);
    const previous = await readEngineState(p);
    if (previous !== null && processAlive(previous.supervisorPid)) {
      // A supervisor that no longer answers: end it before starting another on the same data.
      await stopPids(previous, 10_000);
    }
    const entry = supervisorEntry();
    const log = openSync(p.supervisorLog, 'a');
    const child = spawn(process.execPath, [...entry.execArgv, entry.path, options.dir, JSON.stringify({ maxMemoryBytes: options.maxMemoryBytes ?? 0 })], {
      detached: true,
      stdio: ['ignore', log, log],
      env: options.env ?? process.env,
    });
    closeSync(log);
    child.unref();
    const state = await waitReady(p, timeoutMs, child.pid ?? null);
    return connection(state, true);
  } finally {
    await rm(p.lock, { force: true });
  }
}

async function stopPids(state: EngineState, timeoutMs: number): Promise<void> {
  const signal = (pid: number, s: NodeJS.Signals) => { try { process.kill(pid, s); } catch { /* gone */ } };
  signal(state.supervisorPid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (processAlive(state.supervisorPid) && Date.now() < deadline) await sleep(50);
  if (processAlive(state.supervisorPid)) signal(state.supervisorPid, 'SIGKILL');
  // The engine follows its supervisor; one left behind (supervisor killed) must not keep the data locked.
  if (state.enginePid > 0 && processAlive(state.enginePid)) {
    signal(state.enginePid, 'SIGTERM');
    const d2 = Date.now() + timeoutMs;
    while (processAlive(state.enginePid) && Date.now() < d2) await sleep(50);
    if (processAlive(state.enginePid)) signal(state.enginePid, 'SIGKILL');
  }
}

/** Stops the store's engine and supervisor; false when none was running. */
export async function stopEmbeddedEngine(dir: string, options: { timeoutMs?: number } = {}): Promise<{ stopped: boolean; state: EngineState | null }> {
  const p = engineDirPaths(dir);
  const state = await readEngineState(p);
  if (state === null || (!processAlive(state.supervisorPid) && !processAlive(state.enginePid))) return { stopped: false, state };
  // Read again right before: the supervisor may have restarted the engine under a new pid.
  await stopPids((await readEngineState(p)) ?? state, options.timeoutMs ?? 30_000);
  return { stopped: true, state };
}
