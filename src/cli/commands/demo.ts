/**
 * `darkscope demo`: see darkscope work before reading any manual. Generates a
 * sample week of darknet traffic, ingests it into its own database with the
 * progress display, prints the observation report and the trends, then serves
 * the API (unless --no-serve).
 */
import { parseIntegerOption } from '../../integer-option.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { commandLogLevel, loadConfig } from '../../config.js';
import { demoLabels, demoScenario, DEMO_DARKNET, DEMO_DATABASE, DEMO_PACKETS, DEMO_SENSOR, DEMO_TREND_DAYS, DEMO_WEEK_SECONDS } from '../../demo/scenario.js';
import { createLogger } from '../../logger.js';
import { parseFilters } from '../../query/filters.js';
import { summary } from '../../query/summary.js';
import { trends } from '../../query/trends.js';
import { sql, sqlIdent } from '../../store/sql.js';
import { writeSynthCapture } from '../../synth/generator.js';
import type { CliContext } from '../context.js';
import { addStoreOptions, overridesFrom } from '../common-options.js';
import { summaryText } from '../format/report-text.js';
import { cliConnectOptions, connectStore } from '../store-connection.js';
import { runIngest } from './ingest.js';
import { withQueryContext } from './query-options.js';
import { runServe } from './serve.js';
import { trendsText } from './trends.js';

export function demoCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  const cmd = new Command('demo')
    .description(`Generate a sample week of darknet traffic, ingest it into the "${DEMO_DATABASE}" database, print the report and trends, and serve the API`)
    .option('--no-serve', 'stop after the report')
    .option('--packets <n>', `packets in the sample week (default ${DEMO_PACKETS})`)
    .option('--port <port>', 'API port (default 8080; 0 = any free port)')
    .option('--host <address>', 'API address (default 127.0.0.1)');
  addStoreOptions(cmd);
  return cmd
    .addHelpText('after', `
The sample capture and its labels file are written to DARKSCOPE_HOME/demo/
(default ~/.local/share/darkscope/demo). The "${DEMO_DATABASE}" database is
recreated on every run; nothing else is touched.`)
    .action(async (o: Record<string, unknown>) => {
      setExit(await runDemo(ctx, o));
    });
}

export async function runDemo(ctx: CliContext, o: Record<string, unknown>): Promise<number> {
  const database = typeof o.database === 'string' ? o.database : DEMO_DATABASE;
  const packets = o.packets === undefined ? DEMO_PACKETS : parseIntegerOption(o.packets, '--packets', 1000, 50_000_000);
  const cfg = loadConfig(ctx.env, { ...overridesFrom(o), database });
  const dir = join(cfg.home, 'demo');
  await mkdir(dir, { recursive: true });
  const capture = join(dir, 'darknet-week.pcap');
  const labels = join(dir, 'labels.csv');
  const scenario = demoScenario(Date.now(), packets);
  const start = scenario.startSec ?? 0;
  const end = start + DEMO_WEEK_SECONDS;
  const say = (s: string) => ctx.stderr.write(`${s}\n`);

  say(`darkscope demo: generating ${packets.toLocaleString('en-US')} packets of darknet traffic for ${new Date(start * 1000).toISOString().slice(0, 10)} to ${new Date(end * 1000).toISOString().slice(0, 10)} (sensor "${DEMO_SENSOR}", darknet ${DEMO_DARKNET})`);
  await writeFile(labels, demoLabels());
  await writeSynthCapture(capture, scenario);

  // A fresh database on every run: the demo's week moves with the clock.
  const logger = createLogger(commandLogLevel(cfg), ctx.stderr);
  const store = await connectStore(cfg, logger, { migrate: false, ...cliConnectOptions(ctx) });
  try {
    await store.command(sql`DROP DATABASE IF EXISTS ${sqlIdent(database)}`);
  } finally {
    await store.close();
  }

  say(`darkscope demo: ingesting ${capture} into database "${database}"`);
  const storeOpts = { clickhouseUrl: o.clickhouseUrl, user: o.user, password: o.password, logLevel: o.logLevel };
  const ingestCode = await runIngest(ctx, [capture], { ...storeOpts, database, sensor: DEMO_SENSOR, darknet: [DEMO_DARKNET], labels: [labels], format: 'auto' });
  if (ingestCode !== 0) return ingestCode;

  const queryOpts = { ...storeOpts, database };
  await withQueryContext(ctx, queryOpts, async (q) => {
    const report = await summary(q, { range: { from: start, to: end }, filters: parseFilters({}) });
    ctx.stdout.write(`\n${summaryText(report)}`);
    const t = await trends(q, { to: end, filters: parseFilters({}), params: { recentDays: DEMO_TREND_DAYS, baselineDays: DEMO_TREND_DAYS + 1 } });
    ctx.stdout.write(`\nTrends: the last ${DEMO_TREND_DAYS} days against the ${DEMO_TREND_DAYS + 1} days before\n${trendsText(t)}`);
  });
  if (o.serve === false) {
    say(`\ndarkscope demo: done. Explore further with: darkscope report --database ${database} --from ${new Date(start * 1000).toISOString().slice(0, 10)}`);
    return 0;
  }
  // The demo talks to a person: only warnings from the server log, unless --log-level says otherwise.
  return runServe(ctx, { ...queryOpts, logLevel: o.logLevel ?? 'warn', host: o.host, port: o.port ?? '8080' }, {
    onListening: (url) => {
      const from = new Date(start * 1000).toISOString().slice(0, 19) + 'Z';
      say([
        '',
        `darkscope demo: the API is serving the demo data (Ctrl-C to stop).`,
        `  Web view:           ${url}/#/?from=${from}`,
        `  API documentation:  ${url}/docs`,
        `  OpenAPI document:   ${url}/openapi.json`,
        '  Try:',
        `    curl '${url}/api/v1/summary?from=${from}'`,
        `    curl '${url}/api/v1/ports/top?from=${from}&limit=10&format=csv'`,
        `    curl '${url}/api/v1/ports/tcp/37215/series?from=${from}&interval=1h'`,
      ].join('\n'));
    },
  });
}
