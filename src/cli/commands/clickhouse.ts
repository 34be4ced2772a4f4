/** `darkscope clickhouse start|stop|status`: darkscope's embedded ClickHouse (the store in DARKSCOPE_HOME/engine). */
import { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { engineDirPaths, readEngineState } from '../../store/embedded/engine-dir.js';
import { ensureEmbeddedEngine, runningEngine, stopEmbeddedEngine } from '../../store/embedded/embedded-engine.js';
import { engineDir, legacyStoreNotice } from '../clickhouse-target.js';
import type { CliContext } from '../context.js';

export function clickhouseCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  const start = new Command('start')
    .description('start the embedded ClickHouse (127.0.0.1, a free port, a password made for the store) unless it already runs')
    .action(async () => {
      const cfg = loadConfig(ctx.env);
      const dir = engineDir(cfg);
      const e = await ensureEmbeddedEngine({ dir, maxMemoryBytes: cfg.engine.maxMemoryBytes, env: ctx.env as NodeJS.ProcessEnv });
      const what = e.started ? 'started' : 'already running';
      ctx.stdout.write(`embedded ClickHouse ${e.state.version} ${what}: ${e.url} (supervisor pid ${e.state.supervisorPid}, engine pid ${e.state.enginePid}, data in ${dir})\n`);
      ctx.stdout.write(`  SQL with curl: curl -u default:$(node -p "require('${engineDirPaths(dir).credentials}').password") '${e.url}/?query=SELECT+version()'\n`);
      const legacy = legacyStoreNotice(cfg);
      if (legacy !== null) ctx.stderr.write(`${legacy}\n`);
      setExit(0);
    });
  const stop = new Command('stop').description('stop the embedded ClickHouse (running queries get 10 s to finish)').action(async () => {
    const r = await stopEmbeddedEngine(engineDir(loadConfig(ctx.env)));
    ctx.stdout.write(r.stopped ? `embedded ClickHouse stopped (supervisor pid ${r.state?.supervisorPid})\n` : 'embedded ClickHouse was not running\n');
    setExit(0);
  });
  const status = new Command('status').description('show whether the embedded ClickHouse runs, and where (exit 3 when it does not)').action(async () => {
    const dir = engineDir(loadConfig(ctx.env));
    const state = await runningEngine(dir);
    if (state !== null) {
      ctx.stdout.write(`running: ${state.url} (ClickHouse ${state.version}, supervisor pid ${state.supervisorPid}, engine pid ${state.enginePid}, ` +
        `started ${state.startedAt}, ${state.restarts} restart(s), data in ${dir})\n`);
      return setExit(0);
    }
    const last = await readEngineState(engineDirPaths(dir));
    ctx.stdout.write(last === null ? `not running (no store started in ${dir})\n`
      : `not running (last ${last.status}${last.reason !== undefined ? `: ${last.reason}` : ''}; data in ${dir}; any command, or "darkscope clickhouse start", starts it)\n`);
    setExit(3);
  });
  return new Command('clickhouse')
    .description('Manage darkscope\'s embedded ClickHouse, used when no --clickhouse-url / DARKSCOPE_CLICKHOUSE_URL is given (data in DARKSCOPE_HOME/engine, default ~/.local/share/darkscope/engine)')
    .addCommand(start)
    .addCommand(stop)
    .addCommand(status);
}
