/**
 * `darkscope ingest INPUT...`: streams captures and summary files into
 * ClickHouse (raw packets + rollups), resumable after a crash.
 */
import { Command, Option } from 'commander';
import { commandLogLevel, loadConfig } from '../../config.js';
import { expandInputs, type InputFormat } from '../../ingest/input/index.js';
import { ingestInputs, type IngestSummary } from '../../ingest/pipeline.js';
import { createLogger } from '../../logger.js';
import { BatchWriter } from '../../store/batch-writer.js';
import { saveSensorDarknets } from '../../store/sensors.js';
import type { CliContext } from '../context.js';
import { addEnrichOptions, addStoreOptions, collect, overridesFrom } from '../common-options.js';
import { classifiersFromConfig } from '../../ingest/classifiers.js';
import { fmtCount, fmtDuration } from '../format/units.js';
import { ProgressDisplay } from '../progress-display.js';
import { cliConnectOptions, connectStore } from '../store-connection.js';

export function ingestCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  const cmd = new Command('ingest')
    .description('Load captures or packet-summary files into ClickHouse (raw packets and NICTER-style rollups); safe to rerun after a crash')
    .argument('<input...>', 'pcap, pcapng, gzip-compressed capture, summary file (jsonl, csv, nict2022), directory of rotated captures (name order), or - for stdin')
    .option('--sensor <name>', 'sensor name stored with every packet (env DARKSCOPE_SENSOR; default "default")')
    .option('--darknet <cidr>', 'address space this sensor observes, e.g. 198.18.0.0/15, for packets-per-darknet-IP figures; repeatable (env DARKSCOPE_DARKNET, comma-separated)', collect)
    .addOption(new Option('--format <format>', 'input format; auto sniffs magic bytes and the first line').choices(['auto', 'capture', 'jsonl', 'csv', 'nict2022']).default('auto'))
    .option('--batch-rows <n>', 'rows per insert (env DARKSCOPE_BATCH_ROWS; default 200000)')
    .option('--batch-age-ms <ms>', 'flush a batch this old on live inputs such as stdin (env DARKSCOPE_BATCH_AGE_MS; default 1000)')
    .option('--max-in-flight <n>', 'batches being written at once; the reader waits beyond that (env DARKSCOPE_MAX_IN_FLIGHT; default 2)');
  addEnrichOptions(cmd);
  addStoreOptions(cmd);
  return cmd
    .addHelpText('after', `
Resume: progress is saved in ClickHouse after every stored batch. Running the
same command again after a crash continues where it stopped (nothing lost,
nothing stored twice); a file already complete is skipped with a message.

Examples:
  darkscope ingest capture.pcap
  darkscope ingest --sensor tokyo-1 --darknet 198.18.0.0/15 /var/spool/darknet/
  tcpdump -i eth1 -w - | darkscope ingest --sensor live -`)
    .action(async (inputs: string[], o: Record<string, unknown>) => {
      setExit(await runIngest(ctx, inputs, o));
    });
}

export async function runIngest(ctx: CliContext, inputs: string[], o: Record<string, unknown>): Promise<number> {
  const cfg = loadConfig(ctx.env, overridesFrom(o));
  const logger = createLogger(commandLogLevel(cfg), ctx.stderr).child({ module: 'ingest' });
  const specs = await expandInputs(inputs);
  const classifiers = await classifiersFromConfig(cfg.ingest);
  const store = await connectStore(cfg, logger, { migrate: true, ...cliConnectOptions(ctx) });
  try {
    if (cfg.ingest.darknets.length > 0) await saveSensorDarknets(store, cfg.ingest.sensor, cfg.ingest.darknets);
    const display = new ProgressDisplay({ out: ctx.stderr, tty: ctx.isTTY, totalBytes: specs.reduce((a, s) => a + s.size, 0) });
    const summary = await ingestInputs(specs, { store, writer: new BatchWriter(store), classifiers, logger, stdin: ctx.stdin, observer: display }, {
      sensor: cfg.ingest.sensor,
      batchRows: cfg.ingest.batchRows,
      batchAgeMs: cfg.ingest.batchAgeMs,
      maxInFlight: cfg.ingest.maxInFlight,
      format: o.format as InputFormat,
    });
    display.finish();
    ctx.stderr.write(`${summaryText(summary, store.database, cfg.ingest.sensor)}\n`);
    return 0;
  } finally {
    await store.close();
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
