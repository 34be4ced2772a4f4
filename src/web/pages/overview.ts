/**
 * Overview: the observation report for the range (summary), a sparkline per
 * top port (its series), and the current spikes and new ports (trends).
 * The report shows as soon as the summary answers; sparklines and trends
 * fill in as their answers come (`pending`).
 */
import type { PortSeries, Summary, Trends } from '../api-types.js';
import { sparkline, type ChartHandle } from '../chart.js';
import type { ShownTable } from '../csv.js';
import { figure, h, shareBar, shareCell, table } from '../dom.js';
import { formatBytes, formatCount, formatScore, formatShare, formatTime, orDash } from '../format.js';
import { linkTo, seriesPath, type Page } from '../page.js';
import { rangeParams, trendParams } from '../state.js';
import { portLink, rangeLine, section, TREND_COLUMNS, trendRows, trendTable } from './common.js';

type TopPort = Summary['topPorts']['ports'][number];

export const overviewPage: Page = async (ctx) => {
  const { api, state, signal } = ctx;
  const params = rangeParams(state.filters);
  // The report first: the heavier trends query starts once it is in, with the sparklines.
  const report = await api.get<Summary>('summary', params, signal);
  const trendsAnswer = api.get<Trends>('trends', trendParams(state.filters, ctx.nowSec), signal);
  const json: Record<string, unknown> = { summary: report };
  const charts: ChartHandle[] = [];
  const sparkCells = report.topPorts.ports.map(() => h('div', { class: 'spark-slot' }));
  const sparks = Promise.all(report.topPorts.ports.map(async (p, i) => {
    const s = await api.get<PortSeries>(seriesPath(p.proto, p.port), params, signal);
    if (signal.aborted) return s; // the view was left: draw nothing that no one disposes
    const c = sparkline(`spark-${s.label}`, s.points.map((x) => x.t), s.points.map((x) => x.packets));
    charts.push(c);
    sparkCells[i].replaceWith(c.node);
    return s;
  })).then((series) => { json.series = series; });

  const t = report.totals;
  const figures = h('div', { class: 'figures' },
    figure('packets', 'packets', t.packets, formatCount(t.packets)),
    figure('sources', 'unique sources', t.sources, formatCount(t.sources)),
    figure('destinations', 'darknet addresses hit', t.destinations, formatCount(t.destinations)),
    figure('packetsPerAddress', 'packets per darknet address', report.darknet.packetsPerAddress,
      report.darknet.packetsPerAddress === null ? '–' : formatScore(report.darknet.packetsPerAddress),
      report.darknet.size === null ? 'darknet size unknown for a sensor in the range' : `darknet of ${formatCount(report.darknet.size)} addresses`),
    figure('researchShare', `research scans ("${report.research.label}")`, report.research.share, formatShare(report.research.share)),
    figure('bytes', 'bytes', t.bytes, formatBytes(t.bytes)));

  const portRows = report.topPorts.ports;
  const portsShown: ShownTable = {
    name: 'top-ports',
    columns: ['rank', 'port', 'service', 'packets', 'share', 'sources', 'note'],
    rows: portRows.map((p) => [p.rank, p.label, p.service, p.packets, p.share, p.sources, p.note]),
  };
  const countriesShown: ShownTable = {
    name: 'top-countries',
    columns: ['rank', 'country', 'packets', 'share', 'sources'],
    rows: report.topCountries.map((c) => [c.rank, c.country, c.packets, c.share, c.sources]),
  };
  const mixShown: ShownTable = {
    name: 'mix',
    columns: ['kind', 'key', 'packets', 'share'],
    rows: [...report.classes.map((c) => ['class', c.class, c.packets, c.share]), ...report.protocols.map((p) => ['protocol', p.name, p.packets, p.share])],
  };

  const trendsSlot = h('div', { class: 'trends-slot' }, h('p', { class: 'muted' }, 'Loading spikes and new ports…'));
  const node = h('div', { class: 'page overview' },
    h('div', { class: 'page-head' }, h('h1', null, 'Observation report'),
      rangeLine(report.range, report.grain, report.darknet.sensors.length > 0 ? ` · sensors: ${report.darknet.sensors.join(', ')}` : '')),
    figures,
    section('mix', 'Traffic mix', mixShown,
      h('h3', null, 'by class'), shareBar('classes', report.classes.map((c) => ({ key: c.class, label: c.class, share: c.share }))),
      h('h3', null, 'by protocol'), shareBar('protocols', report.protocols.map((p) => ({ key: p.name, label: p.name, share: p.share })))),
    h('div', { class: 'columns' },
      section('top-ports', 'Top destination ports', portsShown,
        table<TopPort & { i: number }>('top-ports', [
          { title: '#', cell: (p) => String(p.rank), numeric: true },
          { title: 'port', key: 'port', cell: (p) => portLink(state, p.proto, p.port, p.label), value: (p) => p.label },
          { title: 'service', cell: (p) => orDash(p.service) },
          { title: 'packets', key: 'packets', cell: (p) => formatCount(p.packets), value: (p) => p.packets, numeric: true },
          { title: 'share', key: 'share', cell: (p) => shareCell(p.share, formatShare(p.share)), value: (p) => p.share, numeric: true },
          { title: 'sources', key: 'sources', cell: (p) => formatCount(p.sources), value: (p) => p.sources, numeric: true },
          { title: 'over the range', cell: (p) => sparkCells[p.i] },
          { title: 'why scanners want it', cell: (p) => h('span', { class: 'note' }, p.note === '' ? orDash(p.description) : p.note) },
        ], portRows.map((p, i) => ({ ...p, i })), 'No packets in this range.'),
        h('p', { class: 'muted', 'data-metric': 'otherShare', 'data-value': String(report.topPorts.otherShare) },
          `These ${portRows.length} ports: ${formatShare(report.topPorts.share)} of packets; every other port: ${formatShare(report.topPorts.otherShare)}.`)),
      section('top-countries', 'Top source countries', countriesShown,
        table<Summary['topCountries'][number]>('top-countries', [
          { title: '#', cell: (c) => String(c.rank), numeric: true },
          { title: 'country', key: 'country', cell: (c) => orDash(c.country), value: (c) => c.country },
          { title: 'packets', key: 'packets', cell: (c) => formatCount(c.packets), value: (c) => c.packets, numeric: true },
          { title: 'share', key: 'share', cell: (c) => shareCell(c.share, formatShare(c.share)), value: (c) => c.share, numeric: true },
          { title: 'sources', key: 'sources', cell: (c) => formatCount(c.sources), value: (c) => c.sources, numeric: true },
        ], report.topCountries, 'No sources with a known country in this range.'))),
    trendsSlot);

  const tables: ShownTable[] = [portsShown, countriesShown, mixShown];
  const trendsShown = trendsAnswer.then((trends) => {
    json.trends = trends;
    const spikesShown: ShownTable = { name: 'spikes', columns: TREND_COLUMNS, rows: trendRows(trends.spikes) };
    const newShown: ShownTable = { name: 'new-ports', columns: TREND_COLUMNS, rows: trendRows(trends.newPorts) };
    tables.push(spikesShown, newShown);
    trendsSlot.replaceChildren(
      section('spikes', `Spikes (${trends.spikes.length})`, spikesShown,
        h('p', { class: 'muted' }, `Last ${trends.params.recentDays} day(s) to ${formatTime(trends.windows.recent.to)} against the ${trends.params.baselineDays} days before. `,
          h('a', { href: linkTo(state, { page: 'trends' }) }, 'All trends')),
        trendTable(state, 'spikes', trends.spikes, 'No port departs from its baseline.', true)),
      section('new-ports', `New ports (${trends.newPorts.length})`, newShown,
        trendTable(state, 'new-ports', trends.newPorts, 'No new port.', true)));
  });

  return {
    title: 'Overview',
    node,
    tables,
    json,
    charts,
    sensors: report.darknet.sensors,
    pending: Promise.all([sparks, trendsShown]).then(() => undefined),
  };
};
