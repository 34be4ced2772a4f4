/**
 * What the report commands (report, top-ports, port, sources, source, trends)
 * share: the range and filter options (the same names as the API's
 * parameters), the output format, and opening a read-only query context on
 * the store. They call the query layer directly, not the HTTP API.
 */
import { parseIntegerOption } from '../../integer-option.js';
import { Command, Option } from 'commander';
import { commandLogLevel, loadConfig, type Config } from '../../config.js';
import { createLogger } from '../../logger.js';
import { SCAN_TOOLS, TRAFFIC_CLASSES } from '../../query/filters.js';
import { rangeQueryFrom, type RangeQuery } from '../../query/plan.js';
import { queryContext, type QueryContext } from '../../query/runner.js';
import type { Table } from '../../query/result-tables.js';
import type { CliContext } from '../context.js';
import { addStoreOptions, overridesFrom } from '../common-options.js';
import { renderTable } from '../format/table-text.js';
import { cliConnectOptions, connectStore } from '../store-connection.js';

export type OutputFormat = 'table' | 'json' | 'csv' | 'md';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'csv', 'md'];

/** Collects a repeatable option as given (no comma splitting: labels may contain commas). */
export function collectRaw(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function addRangeOptions(cmd: Command): Command {
  return cmd
    .option('--from <time>', 'start: ISO 8601 (2024-03-01, 2024-03-01T12:00:00Z) or relative (-24h, -30d, -2w); default -24h')
    .option('--to <time>', 'end (exclusive): ISO 8601, relative, or now (default)');
}

export function addFilterOptions(cmd: Command, opts: { port?: boolean } = {}): Command {
  cmd
    .option('--sensor <name>', 'only this sensor')
    .option('--proto <proto>', 'tcp, udp, icmp, icmpv6, sctp or a protocol number')
    .addOption(new Option('--class <class>', 'traffic class').choices([...TRAFFIC_CLASSES]))
    .addOption(new Option('--tool <tool>', 'scan tool recognised from headers').choices([...SCAN_TOOLS]))
    .option('--label <label>', 'only sources with exactly this label ("" = unlabelled)')
    .option('--exclude-label <label>', 'leave out sources with this label, e.g. research; repeatable', collectRaw)
    .option('--country <cc>', 'ISO 3166 alpha-2 country of the source, e.g. CN')
    .option('--asn <n>', 'AS number of the source, e.g. 4134');
  if (opts.port === true) cmd.option('--port <port>', 'only this destination port (with --proto; 23/tcp also works)');
  return cmd;
}

function addOutputOptions(cmd: Command, formats: readonly OutputFormat[] = OUTPUT_FORMATS): Command {
  return cmd.addOption(new Option('--format <format>', 'output format').choices([...formats]).default('table'));
}

export function addLimitOption(cmd: Command, def: number): Command {
  return cmd.option('--limit <n>', `rows to show (default ${def})`);
}

/** A positive integer option (commander gives strings). */
export function intOption(o: Record<string, unknown>, name: string, flag: string, min: number, max: number): number | undefined {
  const v = o[name];
  if (v === undefined) return undefined;
  return parseIntegerOption(v, `--${flag}`, min, max, 'BAD_REQUEST');
}

/** --proto and --port, where `--port 23/tcp` also sets the protocol (unless --proto is given). */
export function protoAndPort(o: Record<string, unknown>): { proto?: string; port?: string } {
  const proto = typeof o.proto === 'string' ? o.proto : undefined;
  const port = typeof o.port === 'string' ? o.port : undefined;
  const spec = port !== undefined ? /^(\d{1,5})\/([A-Za-z0-9]+)$/.exec(port) : null;
  return spec ? { port: spec[1], proto: proto ?? spec[2] } : { proto, port };
}

/** Commander's options → the range and filters of the query layer. */
export function rangeQueryFromOptions(o: Record<string, unknown>, q: QueryContext): RangeQuery {
  const s = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const { proto, port } = protoAndPort(o);
  return rangeQueryFrom({
    from: s('from'), to: s('to'), sensor: s('sensor'), proto, port, class: s('class'), tool: s('tool'),
    label: s('label'), excludeLabel: Array.isArray(o.excludeLabel) ? (o.excludeLabel as string[]) : undefined,
    country: s('country'), asn: s('asn'),
  }, q);
}

/** Loads the config, opens the store (no migrations: these commands only read) and runs `fn`. */
export async function withQueryContext(ctx: CliContext, o: Record<string, unknown>, fn: (q: QueryContext, cfg: Readonly<Config>) => Promise<void>): Promise<number> {
  // --sensor here is a filter, not the ingest sensor name the config validates.
  const cfg = loadConfig(ctx.env, { ...overridesFrom(o), sensor: undefined });
  const logger = createLogger(commandLogLevel(cfg), ctx.stderr).child({ module: 'query' });
  const store = await connectStore(cfg, logger, { migrate: false, ...cliConnectOptions(ctx) });
  try {
    await fn(queryContext(cfg, store), cfg);
    return 0;
  } finally {
    await store.close();
  }
}

/** Writes a result: JSON as the API returns it, otherwise through its table (or a custom text for `table`/`md`). */
export function writeResult<R>(ctx: CliContext, format: OutputFormat, result: R, table: (r: R) => Table, text?: { table?: (r: R) => string; md?: (r: R) => string }): void {
  if (format === 'json') {
    ctx.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else if (format === 'table' && text?.table !== undefined) {
    ctx.stdout.write(text.table(result));
  } else if (format === 'md' && text?.md !== undefined) {
    ctx.stdout.write(text.md(result));
  } else {
    ctx.stdout.write(renderTable(table(result), format));
  }
}

/** Adds the range, filter, output and store options in the order --help shows them. */
export function addQueryOptions(cmd: Command, opts: { port?: boolean; formats?: readonly OutputFormat[] } = {}): Command {
  addRangeOptions(cmd);
  addFilterOptions(cmd, opts);
  addOutputOptions(cmd, opts.formats);
  return addStoreOptions(cmd);
}
