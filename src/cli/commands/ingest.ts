/**
 * `darkscope ingest INPUT...`: streams captures and summary files into
 * ClickHouse (raw packets + rollups), resumable after a crash;
 * `ingest --watch DIR` follows a capture directory until stopped.
 *
 * SIGINT/SIGTERM stop gracefully: the batch being filled is stored and its
 * progress saved, then the command exits (0 for --watch and stdin, whose
 * inputs never end; 130/143 when files were left unfinished: run the same
 * command again to resume). A second signal exits at once.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { commandLogLevel, loadConfig, type Config } from '../../config.js';
import { DarkscopeError } from '../../errors.js';
import { createIngestMetrics } from '../../ingest/ingest-metrics.js';
import { expandInputs, type InputFormat, type InputSpec } from '../../ingest/input/index.js';
import { fanOut } from '../../ingest/observers.js';
import { ingestInputs, type IngestDeps, type IngestObserver, type IngestOptions, type IngestSummary } from '../../ingest/pipeline.js';
import { prepareAfterAction } from '../../ingest/watch/after-action.js';
import { watchDirectory, type WatchObserver, type WatchSummary } from '../../ingest/watch/watcher.js';
import { createLogger } from '../../logger.js';
import { BatchWriter } from '../../store/batch-writer.js';
import { saveSensorDarknets } from '../../store/sensors.js';
import type { CliContext } from '../context.js';
import { addEnrichOptions, addStoreOptions, collect, overridesFrom } from '../common-options.js';
import { classifiersFromConfig } from '../../ingest/classifiers.js';
import { fmtCount, fmtDuration } from '../format/units.js';
import { startMetricsServer, type MetricsServer } from '../metrics-server.js';
import { ProgressDisplay } from '../progress-display.js';
import { processStopSignal, type StopSignal } from '../stop-signal.js';
import { cliConnectOptions, connectStore } from '../store-connection.js';
import { WatchDisplay } from '../watch-display.js';

export function ingestCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  const cmd = new Command('ingest')
    .description('Load captures or packet-summary files into ClickHouse (raw packets and NICTER-style rollups); safe to rerun after a crash')
    .argument('<input...>', 'pcap, pcapng, gzip-compressed capture, summary file (jsonl, csv, nict2022), directory of rotated captures (name order), or - for stdin; with --watch: one directory')
    .option('--sensor <name>', 'sensor name stored with every packet (env DARKSCOPE_SENSOR; default "default")')
    .option('--darknet <cidr>', 'address space this sensor observes, e.g. 198.18.0.0/15, for packets-per-darknet-IP figures; repeatable (env DARKSCOPE_DARKNET, comma-separated)', collect)
    .addOption(new Option('--format <format>', 'input format; auto sniffs magic bytes and the first line').choices(['auto', 'capture', 'jsonl', 'csv', 'nict2022']).default('auto'))
    .option('--batch-rows <n>', 'rows per insert (env DARKSCOPE_BATCH_ROWS; default 200000)')
    .option('--batch-age-ms <ms>', 'flush a batch this old on live inputs such as stdin (env DARKSCOPE_BATCH_AGE_MS; default 1000)')
    .option('--max-in-flight <n>', 'batches being written at once; the reader waits beyond that (env DARKSCOPE_MAX_IN_FLIGHT; default 2)')
    .option('--watch', 'follow the directory: ingest every file that appears in it, in name order, once complete; runs until SIGINT/SIGTERM')
    .option('--quiet-ms <ms>', '--watch: a file unchanged this long is complete even if the writer has not moved on to a newer one (env DARKSCOPE_QUIET_MS; default 30000)')
    .option('--poll-ms <ms>', '--watch: list the directory this often besides change notifications (env DARKSCOPE_POLL_MS; default 2000)')
    .option('--after <action>', '--watch: keep, delete or move:DIR a file once every packet of it is stored and no more writes are expected (env DARKSCOPE_AFTER; default keep)')
    .option('--metrics-port <port>', 'serve Prometheus metrics (packets, files waiting, lag, inserts, retries, skips) on this port while ingesting (env DARKSCOPE_METRICS_PORT; 0 = any free port)')
    .option('--metrics-host <address>', 'address for --metrics-port (env DARKSCOPE_METRICS_HOST; default 127.0.0.1)');
  addEnrichOptions(cmd);
  addStoreOptions(cmd);
  return cmd
    .addHelpText('after', `
Resume: progress is saved in ClickHouse after every stored batch. Running the
same command again after a crash continues where it stopped (nothing lost,
nothing stored twice); a file already complete is skipped with a message.

Live sensors: --watch follows a directory a capture writer rotates into
(tcpdump -G/-C) and ingests each file once the writer has moved on to a newer
one or it has been quiet for --quiet-ms; a file that grows later is read on
from where it stopped. Killed at any moment, a watcher started again stores
every packet once. A stream on stdin is stored a batch at a time (at most
--batch-age-ms old): a crash loses the batch being filled, so rotate files
where nothing may be lost. SIGINT/SIGTERM store the batch being filled first.

Examples:
  darkscope ingest capture.pcap
  darkscope ingest --sensor tokyo-1 --darknet 198.18.0.0/15 /var/spool/darknet/
  darkscope ingest --watch --sensor tokyo-1 --after move:/var/spool/darknet/done --metrics-port 9464 /var/spool/darknet
  tcpdump -i eth1 -U -w - | darkscope ingest --sensor live -`)
    .action(async (inputs: string[], o: Record<string, unknown>) => {
      setExit(await runIngest(ctx, inputs, o));
    });
}

export async function runIngest(ctx: CliContext, inputs: string[], o: Record<string, unknown>): Promise<number> {
  const cfg = loadConfig(ctx.env, overridesFrom(o));
  const watch = o.watch === true;
  // A watcher's events are worth a log line each where no terminal shows them (systemd, docker).
  const logger = createLogger(commandLogLevel(cfg, watch && !ctx.isTTY ? 'info' : 'warn'), ctx.stderr).child({ module: 'ingest' });
  if (watch) await checkWatchArgs(inputs, cfg);
  const specs = watch ? [] : await expandInputs(inputs);
  const classifiers = await classifiersFromConfig(cfg.ingest);
  const metricsAt = cfg.ingest.metrics;
  const metrics = metricsAt === null ? null : createIngestMetrics();
  const metricsServer: MetricsServer | null = metrics === null || metricsAt === null ? null : await startMetricsServer(metrics.registry, metricsAt.host, metricsAt.port);
  if (metricsServer !== null) ctx.stderr.write(`metrics on ${metricsServer.url}/metrics\n`);
  const stop = processStopSignal({ forceOnSecond: true });
  try {
    const store = await connectStore(cfg, logger, { migrate: true, ...cliConnectOptions(ctx) });
    try {
      if (cfg.ingest.darknets.length > 0) await saveSensorDarknets(store, cfg.ingest.sensor, cfg.ingest.darknets);
      const deps = { store, writer: new BatchWriter(store), classifiers, logger, stdin: ctx.stdin };
      const opts: IngestOptions = {
        sensor: cfg.ingest.sensor,
        batchRows: cfg.ingest.batchRows,
        batchAgeMs: cfg.ingest.batchAgeMs,
        maxInFlight: cfg.ingest.maxInFlight,
        format: o.format as InputFormat,
        signal: stop.signal,
      };
      if (watch) return await runWatch(ctx, inputs[0], cfg, deps, opts, stop, metrics?.observer);
      return await runOnce(ctx, specs, cfg, deps, opts, stop, metrics?.observer);
    } finally {
      await store.close();
    }
  } finally {
    stop.dispose();
    await metricsServer?.close();
  }
}

async function runOnce(
  ctx: CliContext, specs: InputSpec[], cfg: Readonly<Config>, deps: Omit<IngestDeps, 'observer'>, opts: IngestOptions,
  stop: StopSignal, metrics: (IngestObserver & WatchObserver) | undefined,
): Promise<number> {
  const stream = specs.some((s) => s.kind === 'stdin');
  const display = new ProgressDisplay({ out: ctx.stderr, tty: ctx.isTTY, totalBytes: specs.reduce((a, s) => a + s.size, 0) });
  const summary = await ingestInputs(specs, { ...deps, observer: fanOut<IngestObserver>(display, metrics) }, opts);
  display.finish();
  // A stream stopped by a signal may have a read pending: end it, or the process would wait for more input.
  if (stream && stop.signal.aborted) endStream(ctx.stdin);
  ctx.stderr.write(`${summaryText(summary, deps.store.database, cfg.ingest.sensor)}\n`);
  if (!stop.signal.aborted) return 0;
  const why = String(stop.signal.reason);
  // A stream ends when it is stopped; files left unread are work to resume.
  const unfinished = summary.interrupted && !stream;
  ctx.stderr.write(`stopped by ${why}: the batch being filled was stored${unfinished ? '; run the same command again to read the rest' : ''}\n`);
  return unfinished ? (why === 'SIGINT' ? 130 : 143) : 0;
}

async function runWatch(
  ctx: CliContext, dir: string, cfg: Readonly<Config>, deps: Omit<IngestDeps, 'observer'>, opts: IngestOptions,
  stop: StopSignal, metrics: (IngestObserver & WatchObserver) | undefined,
): Promise<number> {
  await prepareAfterAction(cfg.ingest.after);
  const display = new WatchDisplay({ out: ctx.stderr, tty: ctx.isTTY, logger: deps.logger, what: dir });
  const observer = fanOut<IngestObserver & WatchObserver>(display, metrics);
  ctx.stderr.write(`watching ${dir} (sensor "${cfg.ingest.sensor}", database ${deps.store.database}); a file is read once the writer moves on or after ${cfg.ingest.quietMs / 1000} s quiet; SIGINT/SIGTERM to stop\n`);
  const summary: WatchSummary = await watchDirectory({ ...deps, observer, watchObserver: observer }, {
    ...opts, dir, quietMs: cfg.ingest.quietMs, pollMs: cfg.ingest.pollMs, after: cfg.ingest.after, signal: stop.signal,
  });
  display.finish();
  ctx.stderr.write(`${summaryText(summary, deps.store.database, cfg.ingest.sensor)}\n`);
  ctx.stderr.write(`stopped by ${String(stop.signal.reason)}: ${summary.filesDone} file(s) done${summary.filesFailed > 0 ? `, ${summary.filesFailed} failed (see above)` : ''}; progress is saved, the next start goes on from here\n`);
  return 0;
}

function endStream(stdin: AsyncIterable<Uint8Array>): void {
  const s = stdin as { destroy?: () => void };
  if (typeof s.destroy === 'function') s.destroy();
}

/** --watch takes one existing directory, and no stdin. */
async function checkWatchArgs(inputs: readonly string[], cfg: Readonly<Config>): Promise<void> {
  if (inputs.length !== 1 || inputs[0] === '-') {
    throw new DarkscopeError('BAD_CONFIG', `--watch follows one directory; got ${inputs.length === 1 ? '"-"' : `${inputs.length} inputs`} (for a stream use "ingest -" without --watch)`);
  }
  const dir = inputs[0];
  const st = await stat(dir).catch((e: NodeJS.ErrnoException) => {
    throw new DarkscopeError(e.code === 'ENOENT' ? 'INPUT_NOT_FOUND' : 'INPUT_UNREADABLE', `cannot follow "${dir}" (${e.code ?? e.message})`, { file: dir });
  });
  if (!st.isDirectory()) throw new DarkscopeError('INPUT_UNREADABLE', `--watch follows a directory; "${dir}" is not one`, { file: dir });
  if (cfg.ingest.after.kind === 'move' && resolve(cfg.ingest.after.dir) === resolve(dir)) {
    throw new DarkscopeError('BAD_CONFIG', `--after move:${cfg.ingest.after.dir} names the followed directory itself; move files to another directory`);
  }
}

export function summaryText(s: IngestSummary, database: string, sensor: string): string {
  const skipped = Object.values(s.skipped).reduce((a, b) => a + b, 0);
  const reasons = Object.entries(s.skipped).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
  const rate = s.elapsedMs > 0 ? (s.stored / s.elapsedMs) * 1000 : 0;
  return [
    `ingest complete: ${s.inputs} input${s.inputs === 1 ? '' : 's'}${s.inputsSkipped > 0 ? ` (${s.inputsSkipped} already ingested)` : ''} into ${database}, sensor "${sensor}"`,
    `  packets read ${s.decoded}, stored ${s.stored}${s.alreadyStored > 0 ? `, already stored before ${s.alreadyStored}` : ''}, skipped ${skipped}${skipped > 0 ? ` (${reasons})` : ''}`,
    `  batches ${s.batches}, retries ${s.retries}, elapsed ${fmtDuration(s.elapsedMs)}, ${fmtCount(rate)} packets/s`,
    ...(s.truncatedInputs.length > 0 ? [`  truncated inputs (everything before the cut was stored): ${s.truncatedInputs.join(', ')}`] : []),
  ].join('\n');
}
