/**
 * The embedded engine process: chdb on DIR/data behind the HTTP interface on
 * 127.0.0.1:PORT. Started (and restarted) by the supervisor
 * (supervisor-main.ts), never by hand:
 *
 *   node engine-main.js DIR PORT MAX_MEMORY_BYTES
 *
 * Its standard input is /dev/null (chdb reads a piped stdin on inserts
 * without data). UV_THREADPOOL_SIZE is raised by the supervisor: chdb runs
 * its queries on libuv's pool, which fs and crypto share.
 * SIGTERM / SIGINT: stop accepting, let running requests finish (10 s), close
 * the engine, exit 0. Exit 3: the engine cannot run on this machine.
 */

import { pino } from 'pino';
import { ENGINE_EXIT_UNUSABLE, engineDirPaths, storePassword } from './engine-dir.js';
import { createEngineHttpServer } from './engine-http.js';

async function main(): Promise<void> {
  const [dir, portText, memoryText] = process.argv.slice(2);
  const log = pino({ base: { module: 'engine', pid: process.pid } });
  if (dir === undefined || portText === undefined) {
    log.fatal('usage: engine-main DIR PORT [MAX_MEMORY_BYTES]');
    process.exit(2);
  }
  const paths = engineDirPaths(dir);
  let openChdbEngine;
  try {
    ({ openChdbEngine } = await import('./chdb-engine.js'));
  } catch (e) {
    log.fatal({ err: (e as Error).message, platform: process.platform, arch: process.arch },
      `chdb has no build that loads on this machine (${process.platform}-${process.arch}): darkscope's embedded ClickHouse needs linux x64/arm64 with glibc or macOS`);
    process.exit(ENGINE_EXIT_UNUSABLE);
  }
  let engine;
  try {
    engine = await openChdbEngine({ dataDir: paths.data, maxMemoryBytes: Number(memoryText ?? 0) });
  } catch (e) {
    log.fatal({ err: (e as Error).message, dataDir: paths.data }, 'cannot open the engine on its data directory (is another process using it?)');
    process.exit(ENGINE_EXIT_UNUSABLE);
  }
  // chdb's crash handlers would turn an abort into a silent hang: restore a real exit for SIGABRT.
  process.on('SIGABRT', () => process.exit(134));
  const password = await storePassword(paths);
  const http = createEngineHttpServer({
    engine,
    password,
    tmpDir: paths.tmp,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    log,
  });
  await new Promise<void>((resolve, reject) => {
    http.server.once('error', reject);
    http.server.listen(Number(portText), '127.0.0.1', () => resolve());
  }).catch((e: unknown) => {
    log.fatal({ err: (e as Error).message, port: portText }, 'cannot listen');
    process.exit(1);
  });
  log.info({ port: Number(portText), version: engine.version, dataDir: paths.data }, 'engine ready');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, running: http.running() }, 'stopping');
    void http.close(10_000).then(() => {
      engine.close();
      log.info('stopped');
      process.exit(0);
    });
  };
  // The supervisor watches this process; when it is gone nobody would, and the data directory would stay locked.
  const parent = process.ppid;
  setInterval(() => { if (process.ppid !== parent) stop('supervisor gone'); }, 1000).unref();
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
