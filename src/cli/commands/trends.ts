/** `darkscope trends`: ports departing from their own baseline, and new ports. */
import { Command, Option } from 'commander';
import { DarkscopeError } from '../../errors.js';
import { parseFilters } from '../../query/filters.js';
import { trendsTable } from '../../query/result-tables.js';
import { parseTime } from '../../query/time-range.js';
import { DEFAULT_TREND_PARAMS as D, trends, type TrendsResult } from '../../query/trends.js';
import type { CliContext } from '../context.js';
import { fmtTime, pickColumns, renderText } from '../format/table-text.js';
import { addStoreOptions } from '../common-options.js';
import { addFilterOptions, intOption, withQueryContext, writeResult, type OutputFormat } from './query-options.js';

function num(o: Record<string, unknown>, name: string, flag: string): number | undefined {
  const v = o[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new DarkscopeError('BAD_REQUEST', `--${flag} must be a number >= 0, got "${String(v)}"`);
  return n;
}

export function trendsText(r: TrendsResult): string {
  const cols = ['rank', 'port_label', 'service', 'recent_packets', 'baseline_packets', 'recent_sources', 'baseline_sources', 'trend_score', 'z_score', 'reasons'];
  const table = trendsTable(r);
  const part = (kind: string) => pickColumns({ columns: table.columns, rows: table.rows.filter((row) => row[0] === kind) }, cols);
  const lines = [
    `Recent window    ${fmtTime(r.windows.recent.from)} – ${fmtTime(r.windows.recent.to)} UTC`,
    `Baseline window  ${fmtTime(r.windows.baseline.from)} – ${fmtTime(r.windows.baseline.to)} UTC (${r.grain} rollups)`,
    `Spike when trend score >= ${r.params.trendThreshold} (and rising) or z >= ${r.params.zThreshold}; ports need >= ${r.params.minPackets} packets/day, new ports >= ${r.params.minSources} sources/day`,
    '',
    `Spikes (${r.spikes.length})`,
    '',
    r.spikes.length > 0 ? renderText(part('spike'), '  ') : '  none',
    '',
    `New ports (${r.newPorts.length})`,
    '',
    r.newPorts.length > 0 ? renderText(part('new'), '  ') : '  none',
  ];
  return `${lines.join('\n')}\n`;
}

export function trendsCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  const cmd = new Command('trends')
    .description('Ports whose recent activity departs from their own baseline (DShield trend score, robust z-score), and new ports')
    .option('--to <time>', 'end of the recent window (default: today 00:00 UTC)')
    .option('--recent-days <n>', `days in the recent window (default ${D.recentDays})`)
    .option('--baseline-days <n>', `days in the baseline window before it (default ${D.baselineDays})`)
    .option('--trend-threshold <x>', `trend score that makes a spike (default ${D.trendThreshold})`)
    .option('--z-threshold <x>', `robust z-score that makes a spike (default ${D.zThreshold})`)
    .option('--min-packets <n>', `packets a day a port needs in the recent window (default ${D.minPackets})`)
    .option('--min-sources <n>', `sources a day a new port needs (default ${D.minSources})`)
    .option('--limit <n>', `spikes and new ports listed, each (default ${D.limit})`);
  addFilterOptions(cmd);
  cmd.addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv', 'md']).default('table'));
  addStoreOptions(cmd);
  return cmd
    .addHelpText('after', `
Examples:
  darkscope trends
  darkscope trends --to 2020-12-01 --baseline-days 28 --exclude-label research`)
    .action(async (o: Record<string, unknown>) => {
      setExit(await withQueryContext(ctx, o, async (q) => {
        const result = await trends(q, {
          to: typeof o.to === 'string' ? parseTime(o.to, q.now(), 'to') : undefined,
          filters: parseFilters({
            sensor: o.sensor as string | undefined, proto: o.proto as string | undefined, class: o.class as string | undefined,
            tool: o.tool as string | undefined, label: o.label as string | undefined, excludeLabel: o.excludeLabel as string[] | undefined,
            country: o.country as string | undefined, asn: o.asn as string | undefined,
          }),
          params: {
            recentDays: intOption(o, 'recentDays', 'recent-days', 1, 30),
            baselineDays: intOption(o, 'baselineDays', 'baseline-days', 2, 365),
            trendThreshold: num(o, 'trendThreshold', 'trend-threshold'),
            zThreshold: num(o, 'zThreshold', 'z-threshold'),
            minPackets: intOption(o, 'minPackets', 'min-packets', 0, 1e12),
            minSources: intOption(o, 'minSources', 'min-sources', 0, 1e9),
            limit: intOption(o, 'limit', 'limit', 1, 10_000),
          },
        });
        writeResult(ctx, o.format as OutputFormat, result, trendsTable, { table: trendsText });
      }));
    });
}
