/**
 * The `darkscope` command. Every subcommand lives in commands/; this file
 * wires them, turns errors into one line with a stable code, and returns the
 * exit status (never a stack trace unless DARKSCOPE_DEBUG=1).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isDarkscopeError } from '../errors.js';
import { clickhouseCommand } from './commands/clickhouse.js';
import { clusterCommand } from './commands/cluster.js';
import { demoCommand } from './commands/demo.js';
import { dosCommand, scansCommand } from './commands/events.js';
import { ingestCommand } from './commands/ingest.js';
import { inspectCommand } from './commands/inspect.js';
import { portCommand, topPortsCommand } from './commands/ports.js';
import { reportCommand } from './commands/report.js';
import { migrateCommand, retentionCommand, rollupsCommand } from './commands/schema.js';
import { serveCommand } from './commands/serve.js';
import { sourceCommand, sourcesCommand } from './commands/sources.js';
import { trendsCommand } from './commands/trends.js';
import { processContext, type CliContext } from './context.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(ctx: CliContext, setExit: (code: number) => void): Command {
  const program = new Command('darkscope')
    .description('Darknet / network-telescope telemetry: ingest captures, NICTER-style rollups in ClickHouse, reports and an HTTP API')
    .version(version())
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .exitOverride();
  program.addCommand(inspectCommand(ctx, setExit));
  program.addCommand(ingestCommand(ctx, setExit));
  program.addCommand(migrateCommand(ctx, setExit));
  program.addCommand(retentionCommand(ctx, setExit));
  program.addCommand(rollupsCommand(ctx, setExit));
  program.addCommand(clickhouseCommand(ctx, setExit));
  program.addCommand(clusterCommand(ctx, setExit));
  program.addCommand(demoCommand(ctx, setExit));
  program.addCommand(serveCommand(ctx, setExit));
  program.addCommand(reportCommand(ctx, setExit));
  program.addCommand(topPortsCommand(ctx, setExit));
  program.addCommand(portCommand(ctx, setExit));
  program.addCommand(sourcesCommand(ctx, setExit));
  program.addCommand(sourceCommand(ctx, setExit));
  program.addCommand(trendsCommand(ctx, setExit));
  program.addCommand(scansCommand(ctx, setExit));
  program.addCommand(dosCommand(ctx, setExit));
  const wire = (c: Command): void => {
    c.exitOverride().configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) });
    c.commands.forEach(wire);
  };
  program.commands.forEach(wire);
  return program;
}

export async function main(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  let code = 0;
  const program = buildProgram(ctx, (c) => { code = c; });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; usage errors were already printed by commander.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (isDarkscopeError(e)) {
      ctx.stderr.write(`darkscope: ${e.toLine()}\n`);
      return e.status >= 500 ? 1 : 2;
    }
    const msg = e instanceof Error ? e.message : String(e);
    ctx.stderr.write(`darkscope: DARKSCOPE_E_INTERNAL: ${msg}. This is a bug; please report it with the command you ran.\n`);
    if (ctx.env.DARKSCOPE_DEBUG === '1' && e instanceof Error) ctx.stderr.write(`${e.stack}\n`);
    return 1;
  }
}
