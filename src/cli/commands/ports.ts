/** `darkscope top-ports` and `darkscope port 23/tcp`. */
import { Command, Option } from 'commander';
import { parsePortSpec } from '../../query/filters.js';
import { INTERVALS, portSeries, type Interval, type PortSeriesResult } from '../../query/port-series.js';
import { portSeriesTable, topPortsTable } from '../../query/result-tables.js';
import { DEFAULT_TOP_PORTS_LIMIT, PORT_RANKINGS, topPorts, type PortRanking } from '../../query/top-ports.js';
import type { CliContext } from '../context.js';
import { fmtInt, fmtTime, pickColumns, renderText } from '../format/table-text.js';
import { addLimitOption, addQueryOptions, intOption, rangeQueryFromOptions, withQueryContext, writeResult, type OutputFormat } from './query-options.js';

export function topPortsCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  const cmd = new Command('top-ports')
    .description('Destination ports ranked by packets or unique sources, with share and service name')
    .addOption(new Option('--by <measure>', 'rank by').choices([...PORT_RANKINGS]).default('packets'));
  addLimitOption(cmd, DEFAULT_TOP_PORTS_LIMIT);
  addQueryOptions(cmd);
  return cmd
    .addHelpText('after', `
Examples:
  darkscope top-ports --from -24h
  darkscope top-ports --from -30d --by sources --exclude-label research --limit 50 --format csv`)
    .action(async (o: Record<string, unknown>) => {
      setExit(await withQueryContext(ctx, o, async (q) => {
        const result = await topPorts(q, { ...rangeQueryFromOptions(o, q), by: o.by as PortRanking, limit: intOption(o, 'limit', 'limit', 1, 10_000) });
        const narrow = (r: typeof result) => `${renderText(pickColumns(topPortsTable(r), ['rank', 'port_label', 'service', 'packets', 'share', 'sources', 'destinations', 'note']))}\n`;
        writeResult(ctx, o.format as OutputFormat, result, topPortsTable, { table: narrow });
      }));
    });
}

function seriesText(r: PortSeriesResult): string {
  const head = [
    `${r.label}${r.service !== '' ? ` (${r.service})` : ''}${r.note !== '' ? ` — ${r.note}` : ''}`,
    `${fmtTime(r.range.from)} – ${fmtTime(r.range.to)} UTC, every ${r.interval} (${r.grain} rollups)`,
    `total ${fmtInt(r.total.packets)} packets from ${fmtInt(r.total.sources)} sources; rank by packets ${r.rank === null ? '-' : `#${r.rank}`}`,
    '',
  ];
  return `${head.join('\n')}${renderText(portSeriesTable(r))}\n`;
}

export function portCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  const cmd = new Command('port')
    .description('One port over time: packets and unique sources per interval (zeros included), totals and rank')
    .argument('<port>', 'port and protocol, e.g. 23/tcp, 53/udp (tcp when omitted)')
    .addOption(new Option('--interval <interval>', 'bucket size; auto picks 1m up to 6 h, 5m up to 2 days (recent data), 1h up to 60 days, else 1d')
      .choices(['auto', ...INTERVALS]).default('auto'));
  addQueryOptions(cmd);
  return cmd
    .addHelpText('after', `
Examples:
  darkscope port 23/tcp --from -6h
  darkscope port 37215/tcp --from -90d --interval 1d --format csv`)
    .action(async (spec: string, o: Record<string, unknown>) => {
      setExit(await withQueryContext(ctx, o, async (q) => {
        const { proto, port } = parsePortSpec(spec);
        const result = await portSeries(q, { ...rangeQueryFromOptions({ ...o, proto: undefined }, q), proto, port, interval: o.interval as Interval | 'auto' });
        writeResult(ctx, o.format as OutputFormat, result, portSeriesTable, { table: seriesText });
      }));
    });
}
