/**
 * The summary as a page people read, laid out like a NICTER observation
 * report: the period and filters, headline figures, class and protocol
 * shares, the top ports with their combined share, and the top countries.
 * Plain text for terminals, or Markdown.
 */
import type { ScanEventCountsResult } from '../../query/scan-event-counts.js';
import type { SummaryResult } from '../../query/summary.js';
import type { Table } from '../../query/result-tables.js';
import { fmtBytes } from './units.js';
import { fmtInt, fmtShare, fmtTime, renderMarkdown, renderText } from './table-text.js';

function describeFilters(f: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(f)) {
    if (k === 'excludeLabels') parts.push(`excluding ${(v as string[]).map((l) => JSON.stringify(l)).join(', ')}`);
    else parts.push(`${k} ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  }
  return parts.length > 0 ? parts.join('; ') : 'none (all traffic)';
}

function portsTable(r: SummaryResult): Table {
  const rows = r.topPorts.ports.map((p) => [p.rank, p.label, p.service, p.packets, p.share, p.sources, p.note]);
  return {
    columns: [
      { key: 'rank', title: '#', kind: 'id' }, { key: 'port', title: 'Port', kind: 'text' }, { key: 'service', title: 'Service', kind: 'text' },
      { key: 'packets', title: 'Packets', kind: 'count' }, { key: 'share', title: 'Share', kind: 'share' }, { key: 'sources', title: 'Sources', kind: 'count' },
      { key: 'note', title: 'Why scanners want it', kind: 'text' },
    ],
    rows,
  };
}

function countriesTable(r: SummaryResult): Table {
  return {
    columns: [
      { key: 'rank', title: '#', kind: 'id' }, { key: 'country', title: 'Country', kind: 'text' },
      { key: 'sources', title: 'Sources', kind: 'count' }, { key: 'packets', title: 'Packets', kind: 'count' }, { key: 'share', title: 'Share', kind: 'share' },
    ],
    rows: r.topCountries.map((c) => [c.rank, c.country, c.sources, c.packets, c.share]),
  };
}

function headline(r: SummaryResult): Array<[string, string]> {
  const t = r.totals;
  const out: Array<[string, string]> = [
    ['Packets observed', fmtInt(t.packets)],
    ['Bytes', fmtBytes(t.bytes)],
    ['Unique source addresses', fmtInt(t.sources)],
    ['Darknet addresses hit', darknetHit(t.destinations, r.darknet.size)],
    ['Packets per darknet address', r.darknet.packetsPerAddress === null ? 'unknown (ingest with --darknet to record the darknet size)' : r.darknet.packetsPerAddress.toFixed(1)],
    ['Research scans', `${fmtShare(r.research.share)} of packets (label "${r.research.label}", before label filters)`],
  ];
  return out;
}

function shares(items: Array<{ name: string; share: number }>): string {
  return items.length === 0 ? '-' : items.map((i) => `${i.name} ${fmtShare(i.share)}`).join('   ');
}

/**
 * Unique destinations are a HyperLogLog estimate (about 0.5% error) and also
 * count IPv6 destinations, so near full coverage the estimate can pass the
 * darknet's size: say "all" rather than print more addresses than exist.
 */
function darknetHit(estimate: number, size: number | null): string {
  if (size === null) return `${fmtInt(estimate)} (estimate)`;
  if (estimate >= size) return `all ${fmtInt(size)} (estimate ${fmtInt(estimate)})`;
  return `${fmtInt(estimate)} of ${fmtInt(size)} (estimate)`;
}

export function summaryText(r: SummaryResult): string {
  const period = `${fmtTime(r.range.from)} – ${fmtTime(r.range.to)} UTC (${r.grain} rollups)`;
  const h = headline(r);
  const w = Math.max(...h.map(([k]) => k.length));
  const n = r.topPorts.ports.length;
  const lines = [
    'darkscope observation report',
    '',
    `Period     ${period}`,
    `Filters    ${describeFilters(r.filters)}`,
    `Sensors    ${r.darknet.sensors.length > 0 ? r.darknet.sensors.join(', ') : '-'}`,
    '',
    ...h.map(([k, v]) => `${k.padEnd(w)}   ${v}`),
    '',
    `${'Traffic class'.padEnd(w)}   ${shares(r.classes.map((c) => ({ name: c.class, share: c.share })))}`,
    `${'Protocol'.padEnd(w)}   ${shares(r.protocols.map((p) => ({ name: p.name, share: p.share })))}`,
    '',
    `Top ${n} destination ports`,
    '',
    n > 0 ? renderText(portsTable(r), '  ') : '  (no packets)',
    '',
    `  Top ${n} ports: ${fmtShare(r.topPorts.share)} of packets; all other ports: ${fmtShare(r.topPorts.otherShare)}`,
    '',
    'Top countries by unique sources',
    '',
    r.topCountries.length > 0 ? renderText(countriesTable(r), '  ') : '  (no sources with a known country)',
  ];
  return `${lines.join('\n')}\n`;
}

export function summaryMarkdown(r: SummaryResult): string {
  const n = r.topPorts.ports.length;
  const lines = [
    '# darkscope observation report',
    '',
    `**Period:** ${fmtTime(r.range.from)} – ${fmtTime(r.range.to)} UTC (${r.grain} rollups)  `,
    `**Filters:** ${describeFilters(r.filters)}  `,
    `**Sensors:** ${r.darknet.sensors.length > 0 ? r.darknet.sensors.join(', ') : '-'}`,
    '',
    '| Figure | Value |',
    '| --- | ---: |',
    ...headline(r).map(([k, v]) => `| ${k} | ${v} |`),
    '',
    `**Traffic class:** ${shares(r.classes.map((c) => ({ name: c.class, share: c.share })))}  `,
    `**Protocol:** ${shares(r.protocols.map((p) => ({ name: p.name, share: p.share })))}`,
    '',
    `## Top ${n} destination ports`,
    '',
    renderMarkdown(portsTable(r)),
    '',
    `Top ${n} ports: ${fmtShare(r.topPorts.share)} of packets; all other ports: ${fmtShare(r.topPorts.otherShare)}.`,
    '',
    '## Top countries by unique sources',
    '',
    renderMarkdown(countriesTable(r)),
  ];
  return `${lines.join('\n')}\n`;
}

function scanEventsTable(e: ScanEventCountsResult): Table {
  return {
    columns: [
      { key: 'day', title: 'Day (UTC)', kind: 'text' }, { key: 'port', title: 'Port', kind: 'text' },
      { key: 'events', title: 'Scan events', kind: 'count' }, { key: 'sources', title: 'Sources', kind: 'count' },
    ],
    rows: e.days.map((d) => [d.day, d.label, d.events, d.sources]),
  };
}

function scanEventsTitle(e: ScanEventCountsResult, r: SummaryResult): string {
  const left = Object.keys(r.filters).filter((k) => !(k in e.filters));
  const note = left.length > 0 ? ` (filters ${left.join(', ')} not applied: events know sensor, proto, port and tool only)` : '';
  return `Scan events per port and day: horizontal scans of >= ${e.params.minAddresses} darknet addresses, ${e.params.expirySec} s expiry${note}`;
}

/** The report page: the summary, then the scan events per port and day. */
export function reportText(r: SummaryResult, e: ScanEventCountsResult): string {
  const section = e.days.length > 0 ? renderText(scanEventsTable(e), '  ') : '  (no scan events)';
  return `${summaryText(r)}\n${scanEventsTitle(e, r)}\n\n${section}\n`;
}

export function reportMarkdown(r: SummaryResult, e: ScanEventCountsResult): string {
  const section = e.days.length > 0 ? renderMarkdown(scanEventsTable(e)) : '(no scan events)';
  return `${summaryMarkdown(r)}\n## ${scanEventsTitle(e, r)}\n\n${section}\n`;
}
