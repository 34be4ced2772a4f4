/**
 * `darkscope inspect FILE...`: like `tcpdump -r` for darknet work. Decodes,
 * classifies and enriches every packet and prints it (table or JSON lines on
 * stdout), then a per-input summary on stderr.
 */
import { parseIntegerOption } from '../../integer-option.js';
import { Command, Option } from 'commander';
import { loadConfig } from '../../config.js';
import { isDarkscopeError } from '../../errors.js';
import type { ClassifiedPacket } from '../../ingest/packet.js';
import { expandInputs, openInput, packetSource, type InputFormat, type InputStats } from '../../ingest/input/index.js';
import type { CliContext } from '../context.js';
import { classifiersFromConfig } from '../../ingest/classifiers.js';
import { inputStatsJson, inputStatsText } from '../format/input-stats.js';
import { packetJson, packetRow, TABLE_HEADER } from '../format/packet-text.js';
import { LineWriter } from '../output.js';
import { addEnrichOptions } from '../common-options.js';

interface InspectOptions {
  json?: boolean;
  statsJson?: boolean;
  quiet?: boolean;
  count?: string;
  format: InputFormat;
  labels?: string[];
  enrich: boolean;
  geoip?: string;
  asnDb?: string;
}

export function inspectCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  const cmd = new Command('inspect')
    .description('Decode and classify the packets of captures or summary files, like tcpdump -r for darknet traffic')
    .argument('<input...>', 'pcap, pcapng or gzip-compressed capture, summary file (jsonl, csv, nict2022), directory of rotated captures, or - for stdin')
    .option('--json', 'print one JSON object per packet (ts, src, dst, proto, sport, dport, flags, class, tool, country, asn, ...) instead of a table')
    .option('--stats-json', 'print the end-of-input summary as one JSON object per input on stderr (records, decoded, skipped by reason, truncated, format, linktypes)')
    .option('-q, --quiet', 'print no packets, only the summary')
    .option('-c, --count <n>', 'stop after printing n packets (the summary then covers what was read)')
    .addOption(new Option('--format <format>', 'input format; auto sniffs magic bytes and the first line').choices(['auto', 'capture', 'jsonl', 'csv', 'nict2022']).default('auto'))
  return addEnrichOptions(cmd)
    .addHelpText('after', `
Exit status: 0 when every input was read (even with skipped packets or a
truncated tail), 2 when an input is not a capture or summary file at all.

Examples:
  darkscope inspect capture.pcap
  darkscope inspect --json rotated/ | jq -r 'select(.class=="scan") | .dport'
  tcpdump -w - -i eth1 | darkscope inspect -
  darkscope inspect -q --stats-json capture.pcapng.gz`)
    .action(async (inputs: string[], opts: InspectOptions) => {
      setExit(await runInspect(ctx, inputs, opts));
    });
}

export async function runInspect(ctx: CliContext, inputs: string[], opts: InspectOptions): Promise<number> {
  const cfg = loadConfig(ctx.env, { labels: opts.labels, enrich: opts.enrich, geoip: opts.geoip, asnDb: opts.asnDb });
  const limit = opts.count === undefined ? Infinity : parseCount(opts.count);
  const classifiers = await classifiersFromConfig(cfg.ingest);
  const out = new LineWriter(ctx.stdout);
  const err = new LineWriter(ctx.stderr, 0);
  const specs = await expandInputs(inputs);
  let printed = 0;
  let exit = 0;
  if (!opts.json && !opts.quiet) await out.line(TABLE_HEADER);
  for (const spec of specs) {
    let stats: InputStats | null = null;
    try {
      const input = await openInput(spec, { format: opts.format, stdin: ctx.stdin });
      const classify = classifiers.forInput(input);
      const source = packetSource(input);
      stats = source.stats;
      for await (const batch of source.batches()) {
        for (const p of batch) {
          const c = classify(p) as ClassifiedPacket;
          if (opts.quiet || printed >= limit) continue;
          await out.line(opts.json ? JSON.stringify(packetJson(c)) : packetRow(c));
          printed++;
        }
        if (printed >= limit || out.closed) break;
      }
    } catch (e) {
      if (!isDarkscopeError(e)) throw e;
      await err.line(`darkscope: ${e.toLine()}`);
      exit = 2;
    }
    if (stats !== null) await err.line(opts.statsJson ? JSON.stringify(inputStatsJson(stats)) : inputStatsText(stats));
    if (printed >= limit || out.closed) break;
  }
  await out.flush();
  return exit;
}

function parseCount(v: string): number {
  return parseIntegerOption(v, '--count', 1, Number.MAX_SAFE_INTEGER);
}
