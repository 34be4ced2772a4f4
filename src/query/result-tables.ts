/**
 * Flat tables of query results, shared by the API's `format=csv` and the
 * CLI's table / csv / md output, so both print the same columns. Cells keep
 * their raw values (shares as fractions 0..1); each column says what kind of
 * value it holds so a renderer can format it (percentages, digit groups).
 */
import type { DosAttacksResult } from './dos-attacks.js';
import type { PortSeriesResult } from './port-series.js';
import type { ScanEventsResult } from './scan-events.js';
import type { SourceProfileResult } from './source-profile.js';
import type { SummaryResult } from './summary.js';
import type { TopPortsResult } from './top-ports.js';
import type { TopSourcesResult } from './top-sources.js';
import type { TrendsResult } from './trends.js';

/** count: digit groups; id: an integer shown as is (port, ASN, rank); share: 0..1; score: decimals. */
export type ColumnKind = 'text' | 'count' | 'id' | 'share' | 'score' | 'time';
export type Cell = string | number | null;

export interface Column {
  /** CSV header and JSON-ish name. */
  readonly key: string;
  /** Heading for people (table, md). */
  readonly title: string;
  readonly kind: ColumnKind;
}

export interface Table {
  readonly columns: readonly Column[];
  readonly rows: ReadonlyArray<readonly Cell[]>;
}

function c(key: string, title: string, kind: ColumnKind = 'text'): Column {
  return { key, title, kind };
}

/** RFC 4180 CSV with a header line, CRLF line ends; null is an empty field. */
export function toCsv(table: Table): string {
  const field = (v: Cell): string => {
    if (v === null) return '';
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [table.columns.map((col) => field(col.key)).join(',')];
  for (const r of table.rows) lines.push(r.map(field).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

const PORT_COLUMNS = [c('rank', '#', 'id'), c('port_label', 'Port'), c('proto', 'Proto', 'id'), c('port', 'Number', 'id'), c('service', 'Service')];

export function topPortsTable(r: TopPortsResult): Table {
  return {
    columns: [...PORT_COLUMNS, c('packets', 'Packets', 'count'), c('share', 'Share', 'share'), c('sources', 'Sources', 'count'),
      c('destinations', 'Destinations', 'count'), c('bytes', 'Bytes', 'count'), c('note', 'Note')],
    rows: r.ports.map((p) => [p.rank, p.label, p.proto, p.port, p.service, p.packets, p.share, p.sources, p.destinations, p.bytes, p.note]),
  };
}

export function portSeriesTable(r: PortSeriesResult): Table {
  return {
    columns: [c('t', 'Time (UTC)', 'time'), c('packets', 'Packets', 'count'), c('sources', 'Sources', 'count')],
    rows: r.points.map((p) => [p.t, p.packets, p.sources]),
  };
}

export function topSourcesTable(r: TopSourcesResult): Table {
  return {
    columns: [c('rank', '#', 'id'), c('ip', 'Source'), c('packets', 'Packets', 'count'), c('ports', 'Ports', 'count'),
      c('destinations', 'Destinations', 'count'), c('first_seen', 'First seen', 'time'), c('last_seen', 'Last seen', 'time'),
      c('scan', 'Scan', 'count'), c('backscatter', 'Backscatter', 'count'), c('other', 'Other', 'count'),
      c('tools', 'Tools'), c('country', 'Country'), c('asn', 'ASN', 'id'), c('label', 'Label')],
    rows: r.sources.map((s) => [s.rank, s.ip, s.packets, s.ports, s.destinations, s.firstSeen, s.lastSeen,
      s.classes.scan, s.classes.backscatter, s.classes.other, s.tools.join(' '), s.country, s.asn, s.label]),
  };
}

export function sourcePortsTable(r: SourceProfileResult): Table {
  return {
    columns: [c('port_label', 'Port'), c('service', 'Service'), c('packets', 'Packets', 'count'),
      c('first_seen', 'First seen', 'time'), c('last_seen', 'Last seen', 'time')],
    rows: r.ports.map((p) => [p.label, p.service, p.packets, p.firstSeen, p.lastSeen]),
  };
}

export function trendsTable(r: TrendsResult): Table {
  const row = (kind: string) => (e: TrendsResult['spikes'][number]): Cell[] => [kind, e.rank, e.label, e.proto, e.port, e.service,
    e.recent.packets, e.recent.sources, e.recent.targets, e.baseline.packets, e.baseline.sources, e.baseline.targets,
    e.trendScore, e.zScore, e.reasons.join(' ')];
  return {
    columns: [c('kind', 'Kind'), c('rank', '#', 'id'), c('port_label', 'Port'), c('proto', 'Proto', 'id'), c('port', 'Number', 'id'),
      c('service', 'Service'), c('recent_packets', 'Packets/day', 'score'), c('recent_sources', 'Sources/day', 'score'),
      c('recent_targets', 'Targets/day', 'score'), c('baseline_packets', 'Base packets (median)', 'score'),
      c('baseline_sources', 'Base sources', 'score'), c('baseline_targets', 'Base targets', 'score'),
      c('trend_score', 'Trend', 'score'), c('z_score', 'z', 'score'), c('reasons', 'Why')],
    rows: [...r.spikes.map(row('spike')), ...r.newPorts.map(row('new'))],
  };
}

/**
 * The summary as one long table (section, key, packets, share, sources):
 * totals, classes, protocols, top ports with the "other ports" remainder, and
 * top countries.
 */
export function summaryTable(r: SummaryResult): Table {
  const total = r.totals.packets;
  const rows: Cell[][] = [
    ['total', 'all', total, total > 0 ? 1 : 0, r.totals.sources],
    ['total', r.research.label, r.research.packets, r.research.share, null],
    ...r.classes.map((x): Cell[] => ['class', x.class, x.packets, x.share, null]),
    ...r.protocols.map((x): Cell[] => ['protocol', x.name, x.packets, x.share, null]),
    ...r.topPorts.ports.map((p): Cell[] => ['port', p.label, p.packets, p.share, p.sources]),
    ['port', 'other ports', total - r.topPorts.ports.reduce((a, p) => a + p.packets, 0), r.topPorts.otherShare, null],
    ...r.topCountries.map((x): Cell[] => ['country', x.country, x.packets, x.share, x.sources]),
  ];
  return {
    columns: [c('section', 'Section'), c('key', 'Key'), c('packets', 'Packets', 'count'), c('share', 'Share', 'share'), c('sources', 'Sources', 'count')],
    rows,
  };
}

export function scanEventsTable(r: ScanEventsResult): Table {
  return {
    columns: [c('start', 'Start', 'time'), c('end', 'End', 'time'), c('type', 'Type'), c('source', 'Source'), c('ports', 'Ports'),
      c('port_count', 'Port count', 'count'), c('packets', 'Packets', 'count'), c('addresses', 'Addresses', 'count'),
      c('rate', 'Packets/s', 'score'), c('ipv4_rate', 'IPv4 packets/s', 'score'), c('ipv4_coverage', 'IPv4 covered', 'share'),
      c('tool', 'Tool'), c('country', 'Country'), c('asn', 'ASN', 'id'), c('label', 'Label'), c('sensor', 'Sensor')],
    rows: r.events.map((e) => [e.start, e.end, e.type, e.source, e.portLabel, e.portCount, e.packets, e.addresses,
      e.rate, e.ipv4Rate, e.ipv4Coverage, e.tool, e.country, e.asn, e.label, e.sensor]),
  };
}

export function dosAttacksTable(r: DosAttacksResult): Table {
  return {
    columns: [c('start', 'Start', 'time'), c('end', 'End', 'time'), c('victim', 'Victim'), c('proto', 'Proto', 'id'),
      c('ports', 'Victim ports'), c('packets', 'Packets', 'count'), c('addresses', 'Addresses', 'count'),
      c('peak_rate', 'Peak packets/s', 'score'), c('mean_rate', 'Mean packets/s', 'score'), c('victim_rate', 'Victim packets/s', 'score'),
      c('country', 'Country'), c('asn', 'ASN', 'id'), c('sensor', 'Sensor')],
    rows: r.attacks.map((a) => [a.start, a.end, a.victim, a.proto, a.ports.join(' '), a.packets, a.addresses,
      a.peakRate, a.meanRate, a.victimRate, a.country, a.asn, a.sensor]),
  };
}
