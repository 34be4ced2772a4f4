/** Pieces the pages share: sections with a CSV button, the range line, trend tables. */
import type { Range, TrendEntry } from '../api-types.js';
import { toCsv, type ShownTable } from '../csv.js';
import { h, table, type Child } from '../dom.js';
import { saveFile } from '../download.js';
import { formatRange, formatScore } from '../format.js';
import { linkTo, portView } from '../page.js';
import type { ViewState } from '../state.js';

export function csvButton(t: ShownTable): HTMLElement {
  const b = h('button', { type: 'button', class: 'small', 'data-download': t.name, title: `Download this table as CSV (${t.rows.length} rows)` }, 'CSV');
  b.addEventListener('click', () => saveFile(`darkscope-${t.name}.csv`, 'text/csv;charset=utf-8', toCsv(t)));
  return b;
}

export function section(name: string, title: string, shown: ShownTable | null, ...content: Child[]): HTMLElement {
  return h('section', { class: 'card', 'data-section': name },
    h('header', { class: 'card-head' }, h('h2', null, title), shown === null ? null : csvButton(shown)),
    ...content);
}

export function rangeLine(r: Range, grain: string, extra = ''): HTMLElement {
  return h('p', { class: 'range', 'data-range': `${r.from}/${r.to}` }, `${formatRange(r)} · ${grain} rollups${extra}`);
}

export function portLink(state: ViewState, proto: number, port: number, label: string): HTMLElement {
  return h('a', { href: linkTo(state, portView(proto, port)), 'data-port': label }, label);
}

const reasonText: Readonly<Record<string, string>> = { trend: 'trend score', zscore: 'z-score', new: 'new port' };

export function trendRows(entries: readonly TrendEntry[]): ShownTable['rows'] {
  return entries.map((e) => [e.rank, e.label, e.service, e.recent.packets, e.recent.sources, e.recent.targets, e.baseline.packets, e.baseline.sources,
    e.baseline.targets, e.trendScore, e.zScore, e.reasons.join(' ')]);
}

export const TREND_COLUMNS = ['rank', 'port', 'service', 'recent_packets_per_day', 'recent_sources_per_day', 'recent_targets_per_day',
  'baseline_packets_per_day', 'baseline_sources_per_day', 'baseline_targets_per_day', 'trend_score', 'z_score', 'reasons'];

/** Spikes or new ports, with scores and baselines. `compact` leaves out targets (overview). */
export function trendTable(state: ViewState, name: string, entries: readonly TrendEntry[], empty: string, compact = false): HTMLElement {
  return table<TrendEntry>(name, [
    { title: '#', cell: (e) => String(e.rank), numeric: true },
    { title: 'port', key: 'port', cell: (e) => portLink(state, e.proto, e.port, e.label), value: (e) => e.label },
    { title: 'service', cell: (e) => e.service === '' ? '–' : e.service },
    { title: 'packets/day', key: 'recentPackets', cell: (e) => formatScore(e.recent.packets), value: (e) => e.recent.packets, numeric: true },
    { title: 'baseline median', key: 'baselinePackets', cell: (e) => formatScore(e.baseline.packets), value: (e) => e.baseline.packets, numeric: true },
    { title: 'sources/day', key: 'recentSources', cell: (e) => formatScore(e.recent.sources), value: (e) => e.recent.sources, numeric: true },
    { title: 'baseline mean', cell: (e) => formatScore(e.baseline.sources), numeric: true },
    ...(compact ? [] : [
      { title: 'targets/day', cell: (e: TrendEntry) => formatScore(e.recent.targets), numeric: true },
      { title: 'baseline mean', cell: (e: TrendEntry) => formatScore(e.baseline.targets), numeric: true },
    ]),
    { title: 'trend score', key: 'trendScore', cell: (e) => formatScore(e.trendScore), value: (e) => e.trendScore ?? '', numeric: true },
    { title: 'z-score', key: 'zScore', cell: (e) => formatScore(e.zScore), value: (e) => e.zScore, numeric: true },
    { title: 'why', cell: (e) => e.reasons.map((r) => reasonText[r] ?? r).join(', ') },
  ], entries, empty);
}
