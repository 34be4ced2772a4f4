/**
 * A port (23/TCP, 37215/TCP, ...): packets and unique sources over time at
 * the range's grain, its rank, service and why scanners want it, its top
 * sources, and its trend scores when it is a spike or a new port.
 */
import type { PortSeries, TopSources, TrendEntry, Trends } from '../api-types.js';
import { timeChart } from '../chart.js';
import type { ShownTable } from '../csv.js';
import { figure, h, table } from '../dom.js';
import { formatAsn, formatCount, formatTime, orDash } from '../format.js';
import { linkTo, seriesPath, type Page } from '../page.js';
import { rangeParams, trendParams } from '../state.js';
import { rangeLine, section, TREND_COLUMNS, trendRows, trendTable } from './common.js';

type Source = TopSources['sources'][number];

export const portPage: Page = async (ctx) => {
  const { api, state, signal } = ctx;
  if (state.view.page !== 'port') throw new Error('portPage needs a port view');
  const { proto, port } = state.view;
  const params = rangeParams(state.filters);
  const sourceParams = new URLSearchParams(params);
  sourceParams.set('proto', proto);
  sourceParams.set('port', String(port));
  sourceParams.set('limit', '20');
  const tp = trendParams(state.filters, ctx.nowSec);
  tp.set('proto', proto);
  tp.set('limit', '10000');
  const [series, sources, trends] = await Promise.all([
    api.get<PortSeries>(seriesPath(proto, port), params, signal),
    api.get<TopSources>('sources/top', sourceParams, signal),
    api.get<Trends>('trends', tp, signal),
  ]);
  const mine = (e: TrendEntry) => e.proto === series.proto && e.port === series.port;
  const trendEntries = [...trends.spikes.filter(mine), ...trends.newPorts.filter(mine)];

  const chart = timeChart('port-series', series.points.map((p) => p.t), [
    { label: 'packets', values: series.points.map((p) => p.packets) },
    { label: 'unique sources', values: series.points.map((p) => p.sources), scale: 'y2' },
  ]);
  const seriesShown: ShownTable = { name: `port-${series.label.replace('/', '-')}-series`, columns: ['t', 'packets', 'sources'], rows: series.points.map((p) => [p.t, p.packets, p.sources]) };
  const sourcesShown: ShownTable = {
    name: `port-${series.label.replace('/', '-')}-sources`,
    columns: ['rank', 'ip', 'packets', 'ports', 'destinations', 'first_seen', 'last_seen', 'tools', 'country', 'asn', 'label'],
    rows: sources.sources.map((s) => [s.rank, s.ip, s.packets, s.ports, s.destinations, s.firstSeen, s.lastSeen, s.tools.join(' '), s.country, s.asn, s.label]),
  };
  const trendShown: ShownTable = { name: `port-${series.label.replace('/', '-')}-trends`, columns: TREND_COLUMNS, rows: trendRows(trendEntries) };
  const windowText = `last ${trends.params.recentDays} day(s) to ${formatTime(trends.windows.recent.to)} against the ${trends.params.baselineDays} days before`;

  const node = h('div', { class: 'page port' },
    h('div', { class: 'page-head' },
      h('h1', null, series.label, series.service === '' ? null : h('span', { class: 'service' }, ` ${series.service}`)),
      rangeLine(series.range, series.grain, ` · ${series.interval} buckets`),
      series.description === '' ? null : h('p', { class: 'muted' }, `IANA: ${series.description}`),
      h('p', { class: 'why', 'data-field': 'note' }, series.note === '' ? 'darkscope has no note on why scanners want this port.' : series.note)),
    h('div', { class: 'figures' },
      figure('packets', 'packets', series.total.packets, formatCount(series.total.packets)),
      figure('sources', 'unique sources', series.total.sources, formatCount(series.total.sources)),
      figure('rank', 'rank by packets', series.rank, series.rank === null ? '–' : `#${series.rank}`)),
    section('series', 'Packets and unique sources over time', seriesShown, chart.node),
    section('trend', 'Trend scores', trendShown,
      h('p', { class: 'muted' }, windowText, '. ', h('a', { href: linkTo(state, { page: 'trends' }) }, 'All trends')),
      trendEntries.length === 0
        ? h('p', { class: 'empty', 'data-table': 'port-trend' }, `${series.label} is neither a spike nor a new port in this window.`)
        : trendTable(state, 'port-trend', trendEntries, '')),
    section('sources', 'Top sources', sourcesShown,
      table<Source>('port-sources', [
        { title: '#', cell: (s) => String(s.rank), numeric: true },
        { title: 'source', key: 'ip', cell: (s) => h('a', { href: linkTo(state, { page: 'source', ip: s.ip }) }, s.ip), value: (s) => s.ip },
        { title: 'packets', key: 'packets', cell: (s) => formatCount(s.packets), value: (s) => s.packets, numeric: true },
        { title: 'destinations', cell: (s) => formatCount(s.destinations), value: (s) => s.destinations, numeric: true },
        { title: 'first seen', cell: (s) => formatTime(s.firstSeen) },
        { title: 'last seen', cell: (s) => formatTime(s.lastSeen) },
        { title: 'tool', cell: (s) => s.tools.length === 0 ? '–' : s.tools.join(', ') },
        { title: 'country', cell: (s) => orDash(s.country) },
        { title: 'ASN', cell: (s) => formatAsn(s.asn) },
        { title: 'label', key: 'label', cell: (s) => orDash(s.label), value: (s) => s.label },
      ], sources.sources, `No source sent packets to ${series.label} in this range.`)));

  return { title: series.label, node, tables: [seriesShown, sourcesShown, trendShown], json: { series, sources, trends: { ...trends, spikes: trends.spikes.filter(mine), newPorts: trends.newPorts.filter(mine) } }, charts: [chart] };
};
