/** A source: totals, ports touched, timeline, header fingerprints, country/ASN, label. */
import type { SourceProfile } from '../api-types.js';
import { timeChart, type ChartHandle } from '../chart.js';
import type { ShownTable } from '../csv.js';
import { figure, h, shareBar, table } from '../dom.js';
import { formatAsn, formatBytes, formatCount, formatTime, orDash } from '../format.js';
import type { Page } from '../page.js';
import { rangeParams } from '../state.js';
import { portLink, rangeLine, section } from './common.js';

type ProfilePort = SourceProfile['ports'][number];
type Fingerprint = SourceProfile['fingerprints']['top'][number];

export const sourcePage: Page = async (ctx) => {
  const { api, state, signal } = ctx;
  if (state.view.page !== 'source') throw new Error('sourcePage needs a source view');
  const p = await api.get<SourceProfile>(`sources/${encodeURIComponent(state.view.ip)}`, rangeParams(state.filters), signal);
  const t = p.totals;
  const charts: ChartHandle[] = [];
  const head = h('div', { class: 'page-head' }, h('h1', null, p.ip), rangeLine(p.range, p.grain));
  if (!p.found) {
    return {
      title: p.ip,
      node: h('div', { class: 'page source' }, head, h('p', { class: 'empty', 'data-field': 'not-found' }, `No packets from ${p.ip} in this range with these filters.`)),
      tables: [], json: { profile: p }, charts,
    };
  }
  const timeline = timeChart('source-timeline', p.timeline.points.map((x) => x.t), [{ label: 'packets', values: p.timeline.points.map((x) => x.packets) }], 220);
  charts.push(timeline);
  const portsShown: ShownTable = {
    name: `source-${p.ip.replace(/:/g, '_')}-ports`,
    columns: ['port', 'service', 'packets', 'first_seen', 'last_seen', 'note'],
    rows: p.ports.map((x) => [x.label, x.service, x.packets, x.firstSeen, x.lastSeen, x.note]),
  };
  const timelineShown: ShownTable = { name: `source-${p.ip.replace(/:/g, '_')}-timeline`, columns: ['t', 'packets'], rows: p.timeline.points.map((x) => [x.t, x.packets]) };
  const fpShown: ShownTable = {
    name: `source-${p.ip.replace(/:/g, '_')}-fingerprints`,
    columns: ['ttl', 'tcp_window', 'tcp_flags', 'tcp_options', 'packets'],
    rows: p.fingerprints.top.map((f) => [f.ttl, f.tcpWindow, f.tcpFlagsText, f.tcpOptions, f.packets]),
  };
  const classTotal = t.classes.scan + t.classes.backscatter + t.classes.other;
  const node = h('div', { class: 'page source' }, head,
    h('dl', { class: 'facts' },
      h('dt', null, 'country'), h('dd', { 'data-field': 'country' }, orDash(t.country)),
      h('dt', null, 'ASN'), h('dd', { 'data-field': 'asn' }, formatAsn(t.asn)),
      h('dt', null, 'label'), h('dd', { 'data-field': 'label' }, orDash(t.label)),
      h('dt', null, 'tools'), h('dd', { 'data-field': 'tools' }, t.tools.length === 0 ? '–' : t.tools.join(', ')),
      h('dt', null, 'first seen'), h('dd', { 'data-field': 'firstSeen' }, formatTime(t.firstSeen)),
      h('dt', null, 'last seen'), h('dd', { 'data-field': 'lastSeen' }, formatTime(t.lastSeen))),
    h('div', { class: 'figures' },
      figure('packets', 'packets', t.packets, formatCount(t.packets)),
      figure('ports', 'ports touched', t.ports, formatCount(t.ports)),
      figure('destinations', 'darknet addresses hit', t.destinations, formatCount(t.destinations)),
      figure('bytes', 'bytes', t.bytes, formatBytes(t.bytes))),
    classTotal === 0 ? null : section('classes', 'Traffic class', null,
      shareBar('classes', (['scan', 'backscatter', 'other'] as const).map((c) => ({ key: c, label: c, share: t.classes[c] / classTotal })))),
    section('timeline', `Packets over time (${p.timeline.interval} buckets)`, timelineShown, timeline.node),
    section('ports', `Ports (${formatCount(t.ports)})`, portsShown,
      table<ProfilePort>('source-ports', [
        { title: 'port', key: 'port', cell: (x) => portLink(state, x.proto, x.port, x.label), value: (x) => x.label },
        { title: 'service', cell: (x) => orDash(x.service) },
        { title: 'packets', key: 'packets', cell: (x) => formatCount(x.packets), value: (x) => x.packets, numeric: true },
        { title: 'first seen', cell: (x) => formatTime(x.firstSeen) },
        { title: 'last seen', cell: (x) => formatTime(x.lastSeen) },
        { title: 'why scanners want it', cell: (x) => h('span', { class: 'note' }, orDash(x.note)) },
      ], p.ports, 'No ports.')),
    section('fingerprints', 'Header fingerprints', fpShown,
      h('p', { class: 'muted' }, p.fingerprints.range === null ? 'Raw packets of this range are no longer kept: no fingerprints.' : `From raw packets, ${formatTime(p.fingerprints.range.from)} to ${formatTime(p.fingerprints.range.to)}.`),
      table<Fingerprint>('source-fingerprints', [
        { title: 'TTL', cell: (f) => String(f.ttl), numeric: true },
        { title: 'TCP window', cell: (f) => String(f.tcpWindow), numeric: true },
        { title: 'TCP flags', cell: (f) => orDash(f.tcpFlagsText) },
        { title: 'TCP options', cell: (f) => (f.tcpOptions ? 'yes' : 'no') },
        { title: 'packets', key: 'packets', cell: (f) => formatCount(f.packets), value: (f) => f.packets, numeric: true },
      ], p.fingerprints.top, 'No fingerprints.')));
  return { title: p.ip, node, tables: [portsShown, timelineShown, fpShown], json: { profile: p }, charts };
};
