/**
 * The embedded engine's supervisor: a small process that outlives the
 * darkscope command that started it, keeps one engine process running on
 * the store, and records where it answers in DIR/state.json.
 *
 *   node supervisor-main.js DIR '{"maxMemoryBytes":0}'
 *
 * - Starts the engine (engine-main.ts) on the store's port (the one it had
 *   before when still free, else a free one), waits for /darkscope/health.
 * - Restarts an engine that exits, or that stops answering /darkscope/health
 *   (SELECT 1 in the engine) three times in a row: chdb turns a crash into a
 *   silent hang, so "alive" is not enough. Gives up (status failed) when the
 *   engine cannot run here (exit 3) or dies 5 times within a minute.
 * - SIGTERM / SIGINT: stops the engine (SIGTERM, SIGKILL after 20 s), records
 *   status stopped, exits 0.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { freePort } from '../processes.js';
import { ENGINE_EXIT_UNUSABLE, engineAnswers, engineDirPaths, ensureEngineDirs, readEngineState, storePassword, writeEngineState, type EngineState } from './engine-dir.js';
import { engineEntry } from './entry-points.js';

const HEALTH_EVERY_MS = 5_000;
const HEALTH_TIMEOUT_MS = 15_000;
const HEALTH_FAILURES_BEFORE_RESTART = 3;
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 20_000;
const MAX_DEATHS_PER_MINUTE = 5;

interface SupervisorOptions {
  /** 0: half of the machine's memory. */
  readonly maxMemoryBytes: number;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

const healthy = (url: string): Promise<boolean> => engineAnswers(url, HEALTH_TIMEOUT_MS);

async function main(): Promise<void> {
  const [dir, optionsText] = process.argv.slice(2);
  const log = pino({ base: { module: 'engine-supervisor', pid: process.pid } });
  if (dir === undefined) {
    log.fatal('usage: supervisor-main DIR [OPTIONS_JSON]');
    process.exit(2);
  }
  const options = JSON.parse(optionsText ?? '{}') as SupervisorOptions;
  const paths = engineDirPaths(dir);
  await ensureEngineDirs(paths);
  const password = await storePassword(paths); // made before the engine reads it
  // INSERT data a killed engine left behind.
  await rm(paths.tmp, { recursive: true, force: true });
  await ensureEngineDirs(paths);

  const previous = await readEngineState(paths);
  const port = previous !== null && previous.port > 0 && (await portFree(previous.port)) ? previous.port : await freePort();
  const url = `http://127.0.0.1:${port}`;
  const maxMemoryBytes = options.maxMemoryBytes > 0 ? options.maxMemoryBytes : Math.floor(totalmem() / 2);
  let state: EngineState = {
    status: 'starting', supervisorPid: process.pid, enginePid: 0, port, url, version: '', startedAt: new Date().toISOString(), restarts: 0,
  };
  const save = async (patch: Partial<EngineState>) => {
    state = { ...state, ...patch };
    await writeEngineState(paths, state);
  };
  await save({});

  let child: ChildProcess | null = null;
  let stopping = false;
  const deaths: number[] = [];

  function startEngine(): ChildProcess {
    const out = openSync(paths.engineLog, 'a');
    const entry = engineEntry();
    const c = spawn(process.execPath, [...entry.execArgv, entry.path, dir, String(port), String(maxMemoryBytes)], {
      stdio: ['ignore', out, out],
      env: { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '16' },
    });
    log.info({ enginePid: c.pid, port }, 'engine started');
    return c;
  }

  async function waitReady(c: ChildProcess): Promise<boolean> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (c.exitCode !== null || c.signalCode !== null) return false;
      if (await healthy(url)) return true;
      await sleep(100);
    }
    return false;
  }

  async function fail(reason: string): Promise<never> {
    log.error({ reason }, 'engine failed; giving up');
    await save({ status: 'failed', enginePid: 0, reason });
    process.exit(1);
  }

  async function run(): Promise<void> {
    for (;;) {
      const c = startEngine();
      child = c;
      const exited = new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code)));
      await save({ enginePid: c.pid ?? 0 });
      if (!(await waitReady(c))) {
        if (c.exitCode === ENGINE_EXIT_UNUSABLE) await fail(`the engine cannot run here (see ${paths.engineLog})`);
        if (c.exitCode === null) c.kill('SIGKILL');
      } else {
        const version = await fetch(`${url}/?query=SELECT%20version()`, { headers: { 'X-ClickHouse-User': 'default', 'X-ClickHouse-Key': password } })
          .then((r) => r.text()).catch(() => '');
        await save({ status: 'ready', version: version.trim(), reason: undefined });
        log.info({ url, version: version.trim() }, 'engine ready');
        // Watch it: exit, or three failed health checks in a row.
        let failures = 0;
        let exitCode: number | null | undefined;
        // The exit cuts the wait short through an abort, not by racing `exited`
        // every round: each race would leave a reaction on it for as long as
        // the engine lives.
        const wake = new AbortController();
        void exited.then((code) => { exitCode = code; wake.abort(); });
        while (exitCode === undefined && !stopping) {
          await sleep(HEALTH_EVERY_MS, undefined, { signal: wake.signal }).catch(() => undefined);
          if (exitCode !== undefined || stopping) break;
          failures = (await healthy(url)) ? 0 : failures + 1;
          if (failures >= HEALTH_FAILURES_BEFORE_RESTART) {
            log.error({ enginePid: c.pid }, 'engine does not answer its health check: killing it');
            await save({ reason: 'hung (no answer to its health check)' });
            c.kill('SIGKILL');
            break;
          }
        }
      }
      if (stopping) return;
      const code = await exited;
      if (stopping) return;
      const now = Date.now();
      deaths.push(now);
      while (deaths.length > 0 && deaths[0] < now - 60_000) deaths.shift();
      if (code === ENGINE_EXIT_UNUSABLE) await fail(`the engine cannot run here (see ${paths.engineLog})`);
      if (deaths.length >= MAX_DEATHS_PER_MINUTE) await fail(`the engine died ${deaths.length} times within a minute (see ${paths.engineLog})`);
      log.warn({ code, signal: c.signalCode }, 'engine ended; restarting it');
      await save({ status: 'restarting', enginePid: 0, restarts: state.restarts + 1, reason: state.reason ?? `exited (${c.signalCode ?? code})` });
      await sleep(200 * deaths.length);
    }
  }

  async function stop(signal: string): Promise<void> {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping the engine');
    const c = child;
    if (c !== null && c.exitCode === null && c.signalCode === null) {
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    await save({ status: 'stopped', enginePid: 0, reason: undefined });
    process.exit(0);
  }
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGHUP', () => { /* outlives the terminal that started it */ });
  await run();
}

void main();
