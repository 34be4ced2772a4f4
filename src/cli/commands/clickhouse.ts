/** `darkscope clickhouse start|stop|status`: the local ClickHouse server darkscope manages for you. */
import { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { readServerState, startLocalServer, stopLocalServer } from '../../store/local-server.js';
import { answersPing, managedDataDir } from '../clickhouse-target.js';
import type { CliContext } from '../context.js';

export function clickhouseCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  const dir = () => managedDataDir(loadConfig(ctx.env));
  const start = new Command('start')
    .description('start the managed server (loopback only, free port) unless it already runs')
    .action(async () => {
      const cfg = loadConfig(ctx.env);
      const state = await readServerState(dir());
      if (state?.running) {
        ctx.stdout.write(`ClickHouse already running: ${state.url} (pid ${state.pid}, data in ${dir()})\n`);
        return setExit(0);
      }
      const s = await startLocalServer({ dataDir: dir(), bin: cfg.clickhouseBin ?? undefined, env: ctx.env as NodeJS.ProcessEnv, detached: true });
      ctx.stdout.write(`ClickHouse started: ${s.url} (pid ${s.pid}, ${s.binary}, data in ${dir()})\n`);
      setExit(0);
    });
  const stop = new Command('stop').description('stop the managed server').action(async () => {
    const r = await stopLocalServer(dir());
    ctx.stdout.write(r.stopped ? `ClickHouse stopped (pid ${r.pid})\n` : 'ClickHouse managed by darkscope was not running\n');
    setExit(0);
  });
  const status = new Command('status').description('show whether the managed server runs, and where (exit 3 when it does not)').action(async () => {
    const state = await readServerState(dir());
    if (state?.running && (await answersPing(state.url))) {
      ctx.stdout.write(`running: ${state.url} (pid ${state.pid}, started ${state.startedAt}, data in ${dir()})\n`);
      return setExit(0);
    }
    ctx.stdout.write(state === null ? `not running (no server started in ${dir()})\n` : `not running (stale record of pid ${state.pid} in ${dir()}; "darkscope clickhouse start" replaces it)\n`);
    setExit(3);
  });
  return new Command('clickhouse')
    .description('Manage the local ClickHouse server darkscope starts when no --clickhouse-url is given and nothing answers on localhost:8123 (data in DARKSCOPE_HOME, default ~/.local/share/darkscope)')
    .addCommand(start)
    .addCommand(stop)
    .addCommand(status);
}
