/** `darkscope scans` (scan events) and `darkscope dos` (DoS attacks from backscatter). */
import { Command, Option } from 'commander';
import {
  DEFAULT_DOS_LIMIT, DEFAULT_DOS_MIN_DURATION_SEC, DEFAULT_DOS_MIN_PACKETS, DEFAULT_DOS_MIN_PEAK_PER_MINUTE, DEFAULT_DOS_TIMEOUT_SEC, dosAttacks,
  type DosAttacksResult,
} from '../../query/dos-attacks.js';
import { MAX_GAP_SEC, MIN_GAP_SEC } from '../../query/activity-events.js';
import { SCAN_TOOLS } from '../../query/filters.js';
import { rangeQueryFrom, type RangeQuery } from '../../query/plan.js';
import { dosAttacksTable, scanEventsTable } from '../../query/result-tables.js';
import {
  DEFAULT_SCAN_EVENTS_LIMIT, DEFAULT_SCAN_EXPIRY_SEC, DEFAULT_SCAN_MIN_ADDRESSES, DEFAULT_STROBE_MIN_PORTS, DEFAULT_VERTICAL_MIN_PORTS,
  SCAN_TYPES, scanEvents, type ScanEventsResult, type ScanType,
} from '../../query/scan-events.js';
import type { QueryContext } from '../../query/runner.js';
import type { CliContext } from '../context.js';
import { addStoreOptions } from '../common-options.js';
import { fmtTime, pickColumns, renderText } from '../format/table-text.js';
import { addLimitOption, addRangeOptions, intOption, protoAndPort, withQueryContext, writeResult, type OutputFormat } from './query-options.js';

const MAX_COUNT = 4_294_967_295;

/** --sensor, --proto, --port (23/tcp works) and the output format, as the other report commands name them. */
function addEventOptions(cmd: Command, tool: boolean): Command {
  addRangeOptions(cmd);
  cmd.option('--sensor <name>', 'only this sensor')
    .option('--proto <proto>', 'tcp, udp, icmp, icmpv6 or a protocol number')
    .option('--port <port>', 'only events touching this port (with --proto; 23/tcp also works)');
  if (tool) cmd.addOption(new Option('--tool <tool>', 'only events whose packets are mostly from this scan tool').choices([...SCAN_TOOLS]));
  cmd.addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv', 'md']).default('table'));
  return cmd;
}

/** The range and the filters events apply (sensor, proto, port, tool). */
function eventRange(o: Record<string, unknown>, q: QueryContext): RangeQuery {
  const s = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  return rangeQueryFrom({ from: s('from'), to: s('to'), sensor: s('sensor'), ...protoAndPort(o), tool: s('tool') }, q);
}

function scansText(r: ScanEventsResult): string {
  const p = r.params;
  const head = [
    `Scan events starting ${fmtTime(r.range.from)} – ${fmtTime(r.range.to)} UTC: ${r.events.length}`,
    `Expiry ${p.expirySec} s, at least ${p.minAddresses} darknet addresses; strobe >= ${p.strobeMinPorts} ports, vertical >= ${p.verticalMinPorts} ports on fewer addresses`,
    '',
  ];
  const cols = ['start', 'end', 'type', 'source', 'ports', 'packets', 'addresses', 'rate', 'ipv4_coverage', 'tool', 'country', 'asn', 'label'];
  return `${head.join('\n')}\n${r.events.length > 0 ? renderText(pickColumns(scanEventsTable(r), cols)) : '  none'}\n`;
}

function dosText(r: DosAttacksResult): string {
  const p = r.params;
  const head = [
    `DoS attacks (from backscatter) starting ${fmtTime(r.range.from)} – ${fmtTime(r.range.to)} UTC: ${r.attacks.length}`,
    `Timeout ${p.timeoutSec} s; at least ${p.minPackets} packets, ${p.minDurationSec} s and ${p.minPeakPerMinute} packets in the busiest minute`,
    '',
  ];
  const cols = ['start', 'end', 'victim', 'proto', 'ports', 'packets', 'addresses', 'peak_rate', 'mean_rate', 'victim_rate', 'country', 'asn'];
  return `${head.join('\n')}\n${r.attacks.length > 0 ? renderText(pickColumns(dosAttacksTable(r), cols)) : '  none'}\n`;
}

function types(o: Record<string, unknown>): ScanType[] | undefined {
  const v = o.type;
  return Array.isArray(v) && v.length > 0 ? (v as ScanType[]) : undefined;
}

export function scansCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  const cmd = new Command('scans')
    .description('Scan events: horizontal, strobe and vertical scans per source, with start, end, rate, IPv4 coverage and tool')
    .addOption(new Option('--type <type>', 'event type; repeatable (default all)').choices([...SCAN_TYPES]).argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]))
    .option('--expiry <sec>', `a scan ends after this long without a packet (${MIN_GAP_SEC}..${MAX_GAP_SEC}, default ${DEFAULT_SCAN_EXPIRY_SEC}, Durumeric et al. 2014)`)
    .option('--min-addresses <n>', `distinct darknet addresses a scan reaches (default ${DEFAULT_SCAN_MIN_ADDRESSES})`)
    .option('--strobe-min-ports <n>', `ports of a strobe scan (default ${DEFAULT_STROBE_MIN_PORTS})`)
    .option('--vertical-min-ports <n>', `ports of a vertical scan (default ${DEFAULT_VERTICAL_MIN_PORTS})`);
  addLimitOption(cmd, DEFAULT_SCAN_EVENTS_LIMIT);
  addEventOptions(cmd, true);
  addStoreOptions(cmd);
  return cmd
    .addHelpText('after', `
Examples:
  darkscope scans --from -7d
  darkscope scans --from -30d --port 23/tcp --tool masscan --format csv`)
    .action(async (o: Record<string, unknown>) => {
      setExit(await withQueryContext(ctx, o, async (q) => {
        const result = await scanEvents(q, {
          ...eventRange(o, q), types: types(o),
          expirySec: intOption(o, 'expiry', 'expiry', MIN_GAP_SEC, MAX_GAP_SEC),
          minAddresses: intOption(o, 'minAddresses', 'min-addresses', 1, MAX_COUNT),
          strobeMinPorts: intOption(o, 'strobeMinPorts', 'strobe-min-ports', 1, MAX_COUNT),
          verticalMinPorts: intOption(o, 'verticalMinPorts', 'vertical-min-ports', 1, MAX_COUNT),
          limit: intOption(o, 'limit', 'limit', 1, 10_000),
        });
        writeResult(ctx, o.format as OutputFormat, result, scanEventsTable, { table: scansText });
      }));
    });
}

export function dosCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  const cmd = new Command('dos')
    .description('DoS attacks inferred from backscatter: victim, ports, start, end, peak and mean rate, rate extrapolated to the victim')
    .option('--timeout <sec>', `an attack ends after this long without backscatter (${MIN_GAP_SEC}..${MAX_GAP_SEC}, default ${DEFAULT_DOS_TIMEOUT_SEC}, corsaro dos)`)
    .option('--min-packets <n>', `backscatter packets an attack needs (default ${DEFAULT_DOS_MIN_PACKETS})`)
    .option('--min-duration <sec>', `seconds an attack lasts at least (default ${DEFAULT_DOS_MIN_DURATION_SEC})`)
    .option('--min-peak-per-minute <n>', `packets in its busiest minute (default ${DEFAULT_DOS_MIN_PEAK_PER_MINUTE})`);
  addLimitOption(cmd, DEFAULT_DOS_LIMIT);
  addEventOptions(cmd, false);
  addStoreOptions(cmd);
  return cmd
    .addHelpText('after', `
Examples:
  darkscope dos --from -7d
  darkscope dos --from -24h --port 80/tcp --format json`)
    .action(async (o: Record<string, unknown>) => {
      setExit(await withQueryContext(ctx, o, async (q) => {
        const result = await dosAttacks(q, {
          ...eventRange(o, q),
          timeoutSec: intOption(o, 'timeout', 'timeout', MIN_GAP_SEC, MAX_GAP_SEC),
          minPackets: intOption(o, 'minPackets', 'min-packets', 1, MAX_COUNT),
          minDurationSec: intOption(o, 'minDuration', 'min-duration', 0, MAX_COUNT),
          minPeakPerMinute: intOption(o, 'minPeakPerMinute', 'min-peak-per-minute', 0, MAX_COUNT),
          limit: intOption(o, 'limit', 'limit', 1, 10_000),
        });
        writeResult(ctx, o.format as OutputFormat, result, dosAttacksTable, { table: dosText });
      }));
    });
}
