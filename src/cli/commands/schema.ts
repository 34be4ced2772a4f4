/** `darkscope migrate`, `darkscope retention` and `darkscope rollups rebuild`: schema and data lifecycle. */
import { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { createLogger } from '../../logger.js';
import { migrate } from '../../store/migrate.js';
import { applyRetention } from '../../store/retention.js';
import { rebuildRollups } from '../../store/rollups-rebuild.js';
import type { CliContext } from '../context.js';
import { addStoreOptions, overridesFrom } from '../common-options.js';
import { cliConnectOptions, connectStore } from '../store-connection.js';

type Action = (ctx: CliContext, o: Record<string, unknown>) => Promise<number>;

function withStoreAction(ctx: CliContext, setExit: (c: number) => void, action: Action) {
  return async (o: Record<string, unknown>) => setExit(await action(ctx, o));
}

export function migrateCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  const cmd = new Command('migrate')
    .description('Create or upgrade the darkscope schema in ClickHouse (ingest and serve also do this on first use)')
    .option('--dry-run', 'print the SQL that would run, change nothing');
  return addStoreOptions(cmd).action(withStoreAction(ctx, setExit, async (c, o) => {
    const cfg = loadConfig(c.env, overridesFrom(o));
    const store = await connectStore(cfg, createLogger(cfg.logLevel, c.stderr), { migrate: false, ...cliConnectOptions(c) });
    try {
      const r = await migrate(store, { dryRun: o.dryRun === true });
      if (r.dryRun) {
        c.stdout.write(r.sql === '' ? `-- ${store.database} is up to date; nothing to run\n` : `${r.sql}\n`);
      } else if (r.applied.length === 0) {
        c.stderr.write(`${store.database}: schema up to date (${r.alreadyApplied.length} migrations applied earlier)\n`);
      } else {
        for (const m of r.applied) c.stderr.write(`${store.database}: applied ${String(m.version).padStart(4, '0')}_${m.name}\n`);
      }
      return 0;
    } finally {
      await store.close();
    }
  }));
}

export function retentionCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  const cmd = new Command('retention')
    .description('Drop raw-packet partitions older than --raw-days (and days of the first design\'s minute rollups, port_1m, older than --minute-days); hour and day rollups are kept')
    .option('--raw-days <n>', 'days of raw packets to keep (env DARKSCOPE_RETENTION_RAW_DAYS; default 30)')
    .option('--minute-days <n>', 'days of the first design\'s 1-minute rollups (port_1m, kept by migration 0008, no longer filled) to keep (env DARKSCOPE_RETENTION_MINUTE_DAYS; default 14)')
    .option('--dry-run', 'list what would be dropped, drop nothing');
  return addStoreOptions(cmd).action(withStoreAction(ctx, setExit, async (c, o) => {
    const cfg = loadConfig(c.env, overridesFrom(o));
    const store = await connectStore(cfg, createLogger(cfg.logLevel, c.stderr), { migrate: true, ...cliConnectOptions(c) });
    try {
      const r = await applyRetention(store, { rawDays: cfg.retention.rawDays, minuteDays: cfg.retention.minuteDays, dryRun: o.dryRun === true });
      const verb = r.dryRun ? 'would drop' : 'dropped';
      for (const d of r.dropped) c.stdout.write(`${verb} ${d.table} ${d.day} (${d.rows} rows)\n`);
      c.stderr.write(`retention: ${verb} ${r.dropped.length} partition(s); keeping ${cfg.retention.rawDays} days of raw packets and ${cfg.retention.minuteDays} days of the old minute rollups\n`);
      return 0;
    } finally {
      await store.close();
    }
  }));
}

export function rollupsCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  const rebuild = new Command('rebuild')
    .description('Recompute every rollup for whole UTC days [--from, --to) from the raw packets still retained')
    .requiredOption('--from <day>', 'first day, YYYY-MM-DD (inclusive)')
    .requiredOption('--to <day>', 'end day, YYYY-MM-DD (exclusive)')
    .option('--dry-run', 'show the plan, change nothing');
  addStoreOptions(rebuild).action(withStoreAction(ctx, setExit, async (c, o) => {
    const cfg = loadConfig(c.env, overridesFrom(o));
    const store = await connectStore(cfg, createLogger(cfg.logLevel, c.stderr), { migrate: true, ...cliConnectOptions(c) });
    try {
      const r = await rebuildRollups(store, { from: String(o.from), to: String(o.to), dryRun: o.dryRun === true });
      for (const d of r.days) c.stdout.write(`${d.day}: ${d.action.replace('_', ' ')} (${d.rawRows} raw rows)\n`);
      return 0;
    } finally {
      await store.close();
    }
  }));
  return new Command('rollups').description('Maintain the NICTER-style rollup tables').addCommand(rebuild);
}
