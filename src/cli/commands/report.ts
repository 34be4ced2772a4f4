/** `darkscope report`: the summary, laid out like a NICTER observation report page. */
import { Command } from 'commander';
import { DEFAULT_TOP_COUNTRIES, DEFAULT_TOP_PORTS, summary } from '../../query/summary.js';
import { scanEventCounts } from '../../query/scan-event-counts.js';
import { summaryTable } from '../../query/result-tables.js';
import type { CliContext } from '../context.js';
import { reportMarkdown, reportText } from '../format/report-text.js';
import { addQueryOptions, intOption, rangeQueryFromOptions, withQueryContext, writeResult, type OutputFormat } from './query-options.js';

export function reportCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  const cmd = new Command('report')
    .description('Observation report: packets, sources, packets per darknet address, research share, class and protocol shares, top ports and countries, scan events per port and day')
    .option('--top-ports <n>', `ports listed (default ${DEFAULT_TOP_PORTS})`)
    .option('--top-countries <n>', `countries listed (default ${DEFAULT_TOP_COUNTRIES})`);
  addQueryOptions(cmd, { port: true });
  return cmd
    .addHelpText('after', `
Examples:
  darkscope report --from -30d
  darkscope report --from 2024-01-01 --to 2025-01-01 --exclude-label research --format md
  darkscope report --from -7d --country CN --format json`)
    .action(async (o: Record<string, unknown>) => {
      setExit(await withQueryContext(ctx, o, async (q) => {
        const input = rangeQueryFromOptions(o, q);
        const result = await summary(q, {
          ...input,
          topPorts: intOption(o, 'topPorts', 'top-ports', 1, 10_000),
          topCountries: intOption(o, 'topCountries', 'top-countries', 1, 10_000),
        });
        // Scan events know sensor, protocol, port and tool; the section says when other filters were left out.
        const { sensor, proto, port, tool } = input.filters;
        const events = await scanEventCounts(q, { range: input.range, filters: { sensor, proto, port, tool } });
        if (o.format === 'json') {
          ctx.stdout.write(`${JSON.stringify({ ...result, scanEvents: events }, null, 2)}\n`);
          return;
        }
        writeResult(ctx, o.format as OutputFormat, result, summaryTable, {
          table: (r) => reportText(r, events), md: (r) => reportMarkdown(r, events),
        });
      }));
    });
}
