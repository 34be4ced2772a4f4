/** `darkscope sources` and `darkscope source 192.0.2.7`. */
import { Command, Option } from 'commander';
import { sourceProfile, type SourceProfileResult } from '../../query/source-profile.js';
import { sourcePortsTable, topSourcesTable } from '../../query/result-tables.js';
import { DEFAULT_TOP_SOURCES_LIMIT, SOURCE_RANKINGS, topSources, type SourceRanking } from '../../query/top-sources.js';
import type { CliContext } from '../context.js';
import { fmtInt, fmtShare, fmtTime, pickColumns, renderMarkdown, renderText } from '../format/table-text.js';
import { fmtBytes } from '../format/units.js';
import { addLimitOption, addQueryOptions, intOption, rangeQueryFromOptions, withQueryContext, writeResult, type OutputFormat } from './query-options.js';

export function sourcesCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  const cmd = new Command('sources')
    .description('The sources that sent the most (optionally to one port): packets, ports, first/last seen, class mix, tools, country, ASN, label')
    .addOption(new Option('--by <measure>', 'rank by').choices([...SOURCE_RANKINGS]).default('packets'));
  addLimitOption(cmd, DEFAULT_TOP_SOURCES_LIMIT);
  addQueryOptions(cmd, { port: true });
  return cmd
    .addHelpText('after', `
Examples:
  darkscope sources --from -24h
  darkscope sources --from -7d --port 23/tcp --exclude-label research`)
    .action(async (o: Record<string, unknown>) => {
      setExit(await withQueryContext(ctx, o, async (q) => {
        const result = await topSources(q, { ...rangeQueryFromOptions(o, q), by: o.by as SourceRanking, limit: intOption(o, 'limit', 'limit', 1, 10_000) });
        const narrow = (r: typeof result) => `${renderText(pickColumns(topSourcesTable(r),
          ['rank', 'ip', 'packets', 'ports', 'destinations', 'first_seen', 'last_seen', 'tools', 'country', 'asn', 'label']))}\n`;
        writeResult(ctx, o.format as OutputFormat, result, topSourcesTable, { table: narrow });
      }));
    });
}

function profileLines(r: SourceProfileResult): string[] {
  const t = r.totals;
  const total = t.packets;
  const classes = (['scan', 'backscatter', 'other'] as const).filter((c) => t.classes[c] > 0).map((c) => `${c} ${fmtShare(total > 0 ? t.classes[c] / total : 0)}`);
  return [
    `Source     ${r.ip} (IPv${r.ipVersion})`,
    `Period     ${fmtTime(r.range.from)} – ${fmtTime(r.range.to)} UTC (${r.grain} rollups)`,
    ...(r.found
      ? [
        `Seen       ${fmtTime(t.firstSeen ?? '')} – ${fmtTime(t.lastSeen ?? '')} UTC`,
        `Packets    ${fmtInt(t.packets)} (${fmtBytes(t.bytes)}) to ${fmtInt(t.destinations)} darknet addresses on ${fmtInt(t.ports)} ports`,
        `Class      ${classes.join('   ') || '-'}`,
        `Tools      ${t.tools.length > 0 ? t.tools.join(', ') : 'none recognised'}`,
        `Origin     ${t.country !== '' ? t.country : 'country unknown'}, ${t.asn !== 0 ? `AS${t.asn}` : 'ASN unknown'}`,
        `Label      ${t.label !== '' ? t.label : '-'}`,
      ]
      : ['', 'No packets from this source in the range.']),
  ];
}

function fingerprintRows(r: SourceProfileResult) {
  return {
    columns: [
      { key: 'ttl', title: 'TTL', kind: 'id' as const }, { key: 'window', title: 'TCP window', kind: 'id' as const },
      { key: 'flags', title: 'Flags', kind: 'text' as const }, { key: 'options', title: 'Options', kind: 'text' as const },
      { key: 'packets', title: 'Packets', kind: 'count' as const },
    ],
    rows: r.fingerprints.top.map((f) => [f.ttl, f.tcpWindow, f.tcpFlagsText, f.tcpOptions ? 'yes' : 'no', f.packets]),
  };
}

function activeTimeline(r: SourceProfileResult) {
  return {
    columns: [{ key: 't', title: `Time (UTC, per ${r.timeline.interval})`, kind: 'time' as const }, { key: 'packets', title: 'Packets', kind: 'count' as const }],
    rows: r.timeline.points.filter((p) => p.packets > 0).map((p) => [p.t, p.packets]),
  };
}

function profileText(r: SourceProfileResult): string {
  const out = profileLines(r);
  if (r.found) {
    out.push('', 'Ports', '', renderText(pickColumns(sourcePortsTable(r), ['port_label', 'service', 'packets', 'first_seen', 'last_seen']), '  '));
    out.push('', 'Active buckets', '', renderText(activeTimeline(r), '  '));
    out.push('', r.fingerprints.range === null
      ? 'Fingerprints: none (the range is older than raw-packet retention)'
      : `Fingerprints (raw packets ${fmtTime(r.fingerprints.range.from)} – ${fmtTime(r.fingerprints.range.to)} UTC)`);
    if (r.fingerprints.top.length > 0) out.push('', renderText(fingerprintRows(r), '  '));
  }
  return `${out.join('\n')}\n`;
}

function profileMarkdown(r: SourceProfileResult): string {
  const out = [`# Source ${r.ip}`, '', ...profileLines(r).slice(1).map((l) => `${l}  `)];
  if (r.found) {
    out.push('', '## Ports', '', renderMarkdown(sourcePortsTable(r)), '', '## Activity', '', renderMarkdown(activeTimeline(r)));
    if (r.fingerprints.top.length > 0) out.push('', '## Fingerprints', '', renderMarkdown(fingerprintRows(r)));
  }
  return `${out.join('\n')}\n`;
}

export function sourceCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  const cmd = new Command('source')
    .description('Profile of one source address: totals, ports touched, timeline, header fingerprints, country/ASN, label')
    .argument('<ip>', 'IPv4 or IPv6 address')
    .option('--ports-limit <n>', 'ports listed (default 100)')
    .option('--no-fingerprints', 'skip reading raw packets for header fingerprints');
  addQueryOptions(cmd, { port: true });
  return cmd
    .addHelpText('after', `
Examples:
  darkscope source 192.0.2.7 --from -7d
  darkscope source 2001:db8::1 --from -30d --format json`)
    .action(async (ip: string, o: Record<string, unknown>) => {
      setExit(await withQueryContext(ctx, o, async (q) => {
        const result = await sourceProfile(q, {
          ...rangeQueryFromOptions(o, q), ip,
          portsLimit: intOption(o, 'portsLimit', 'ports-limit', 1, 10_000),
          fingerprints: o.fingerprints !== false,
        });
        writeResult(ctx, o.format as OutputFormat, result, sourcePortsTable, { table: profileText, md: profileMarkdown });
      }));
    });
}
