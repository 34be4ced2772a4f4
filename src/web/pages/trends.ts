/** Trends: spikes and new ports with their scores and baselines; alerts when serve runs with --alerts. */
import type { Alert, Alerts, Trends } from '../api-types.js';
import type { ShownTable } from '../csv.js';
import { h, table } from '../dom.js';
import { formatScore, formatTime } from '../format.js';
import type { Page } from '../page.js';
import { trendParams } from '../state.js';
import { portLink, section, TREND_COLUMNS, trendRows, trendTable } from './common.js';


export const trendsPage: Page = async (ctx) => {
  const { api, state, signal } = ctx;
  const [trends, alerts] = await Promise.all([
    api.get<Trends>('trends', trendParams(state.filters, ctx.nowSec), signal),
    ctx.alertsOn ? api.get<Alerts>('alerts', new URLSearchParams({ limit: '50' }), signal) : null,
  ]);
  const spikesShown: ShownTable = { name: 'spikes', columns: TREND_COLUMNS, rows: trendRows(trends.spikes) };
  const newShown: ShownTable = { name: 'new-ports', columns: TREND_COLUMNS, rows: trendRows(trends.newPorts) };
  const w = trends.windows;
  const alertCols = [
    { title: 'alert', key: 'id', cell: (a: Alert) => a.id, value: (a: Alert) => a.id },
    { title: 'port', cell: (a: Alert) => portLink(state, a.proto, a.port, a.label) },
    { title: 'state', key: 'state', cell: (a: Alert) => a.state, value: (a: Alert) => a.state },
    { title: 'trend score', cell: (a: Alert) => formatScore(a.scores.trendScore), numeric: true },
    { title: 'z-score', cell: (a: Alert) => formatScore(a.scores.zScore), numeric: true },
    { title: 'fired', cell: (a: Alert) => formatTime(a.firedAt) },
  ];
  const alertsNode = alerts === null
    ? h('p', { class: 'empty', 'data-field': 'alerts-off' }, 'Alerts are off on this server: start it with `darkscope serve --alerts alerts.yaml` to evaluate spike and new-port rules.')
    : h('div', null,
      h('h3', null, `Firing now (${alerts.firing.length})`),
      table<Alert>('alerts-firing', alertCols, alerts.firing, 'No alert is firing.'),
      h('h3', null, 'Recent notifications'),
      table<Alerts['recent'][number]>('alerts-recent', [
        { title: 'at', cell: (e) => formatTime(e.at) },
        { title: 'event', cell: (e) => e.event },
        { title: 'alert', cell: (e) => e.alert.id },
        { title: 'port', cell: (e) => portLink(state, e.alert.proto, e.alert.port, e.alert.label) },
      ], alerts.recent, 'None yet.'));
  const alertsShown: ShownTable | null = alerts === null ? null : {
    name: 'alerts-firing',
    columns: ['id', 'rule', 'kind', 'state', 'port', 'trend_score', 'z_score', 'fired_at'],
    rows: alerts.firing.map((a) => [a.id, a.rule, a.kind, a.state, a.label, a.scores.trendScore, a.scores.zScore, a.firedAt]),
  };
  const node = h('div', { class: 'page trends' },
    h('div', { class: 'page-head' }, h('h1', null, 'Trends'),
      h('p', { class: 'range', 'data-range': `${w.recent.from}/${w.recent.to}` },
        `Recent: ${formatTime(w.recent.from)} – ${formatTime(w.recent.to)} (${trends.params.recentDays} day(s), the range's length). `
        + `Baseline: ${formatTime(w.baseline.from)} – ${formatTime(w.baseline.to)} (${trends.params.baselineDays} days). ${trends.grain} rollups.`),
      h('p', { class: 'muted' }, `A spike rose with a trend score ≥ ${trends.params.trendThreshold} (DShield: sources and targets against their baseline means) `
        + `or a robust z-score ≥ ${trends.params.zThreshold} (packets a day against the baseline's median). A new port had no packets in the baseline.`)),
    section('spikes', `Spikes (${trends.spikes.length})`, spikesShown, trendTable(state, 'spikes', trends.spikes, 'No port departs from its baseline.')),
    section('new-ports', `New ports (${trends.newPorts.length})`, newShown, trendTable(state, 'new-ports', trends.newPorts, 'No new port.')),
    section('alerts', 'Alerts', alertsShown, alertsNode));
  return {
    title: 'Trends', node,
    tables: alertsShown === null ? [spikesShown, newShown] : [spikesShown, newShown, alertsShown],
    json: { trends, alerts },
    charts: [],
  };
};
