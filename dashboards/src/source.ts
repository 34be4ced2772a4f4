/**
 * Source drill-down (one address, IPv4 or IPv6): the ports it touched, its
 * timeline, class and tool, country / ASN / label. Per-source day figures
 * come from source_total_1d (whole days) and raw packets (part days); what
 * needs hours or ports of one source (timeline by the hour, ports touched,
 * active hours) comes from raw packets, filtered on the address.
 */
import { DASHBOARD_UIDS } from './constants.js';
import { num, single, str, table, time, timeseries } from './clickhouse-query.js';
import { DashboardSpec } from './dashboard-spec.js';
import { portDashboardUrl, seriesPanel, statPanel, tablePanel } from './panels.js';
import { filterNote, measure, PACKETS, PORT_LABEL, seriesOverGrains, sourceDayRows, uniq, where, type Filter } from './sql.js';
import { ipVariable, sensorVariable } from './variables.js';

const FILTERS: readonly Filter[] = ['sensor', 'ip'];

export function sourceDashboard(): DashboardSpec {
  const d = new DashboardSpec({
    uid: DASHBOARD_UIDS.source,
    title: 'darkscope / Source drill-down',
    description: 'One source address: ports touched, timeline, class and tool fingerprints, country, ASN and label.',
    from: 'now-7d',
  })
    .variable(sensorVariable())
    .variable(ipVariable())
    .link('Overview', `/d/${DASHBOARD_UIDS.overview}`, 'Briefing page')
    .link('Port drill-down', `/d/${DASHBOARD_UIDS.port}`, 'One destination port');

  const dayNote = `${filterNote(FILTERS)} Whole UTC days from the per-source day rollup, the part days at either end of the range from raw packets (while they are kept).`;
  const rawNote = `${filterNote(FILTERS)} From raw packets, so only the part of the range they are kept for (DARKSCOPE_RETENTION_RAW_DAYS).`;
  d.row('Summary')
    .panel('Packets', dayNote, statPanel('short'), 6, 4,
      single(`SELECT sum(packets) AS total_packets\nFROM ${sourceDayRows([], FILTERS, ['packets'])}`, ['total_packets']))
    .panel('Distinct ports', `Distinct (protocol, port) pairs. ${dayNote}`, statPanel('short'), 6, 4,
      single(`SELECT ${uniq('ports')} AS port_count\nFROM ${sourceDayRows([], FILTERS, ['ports'])}`, ['port_count']))
    .panel('Darknet IPs hit', `Distinct destination addresses. ${dayNote}`, statPanel('short'), 6, 4,
      single(`SELECT ${uniq('destinations')} AS targets\nFROM ${sourceDayRows([], FILTERS, ['destinations'])}`, ['targets']))
    .panel('Active hours', `Hours with at least one packet. ${rawNote}`, statPanel('short'), 6, 4,
      single(`SELECT uniqExact(toStartOfHour(ts)) AS active_hours\nFROM packets\nWHERE ${where(PACKETS, FILTERS)}`, ['active_hours']));

  d.row('Activity')
    .panel('Timeline', `Packets and distinct ports per bucket: hours from raw packets for ranges up to 60 days that start while raw packets are kept, else days of the per-source day rollup. ${filterNote(FILTERS)}`, seriesPanel('short', ['ports']), 24, 8,
      timeseries(seriesOverGrains('source', FILTERS, [], (rows, bucket, w) => `SELECT ${bucket} AS time, ${measure.packets(rows)} AS packets, ${measure.ports(rows)} AS ports
FROM ${rows.table}
WHERE ${w}
GROUP BY time`), ['packets', 'ports']))
    .panel('Ports touched', `The 100 busiest ports of this source; click a port for its drill-down. ${rawNote}`,
      tablePanel({ port: { link: { title: 'Port drill-down', url: portDashboardUrl('${__data.fields.proto}', '${__data.fields.dport}', ['sensor']) } } }), 12, 10,
      table(`SELECT ${PORT_LABEL} AS port, proto, dport, p AS packets, fs AS first_seen, ls AS last_seen
FROM (
  SELECT proto, dport, count() AS p, min(ts) AS fs, max(ts) AS ls
  FROM packets
  WHERE ${where(PACKETS, FILTERS)}
  GROUP BY proto, dport
  ORDER BY p DESC, proto, dport
  LIMIT 100
)`, [str('port'), num('proto'), num('dport'), num('packets'), time('first_seen'), time('last_seen')]))
    .panel('Class and tool', `Packets by traffic class and tool fingerprint. ${dayNote}`, tablePanel(), 6, 10,
      table(`SELECT cl AS class, tl AS tool, p AS packets
FROM (
  SELECT toString(class) AS cl, toString(tool) AS tl, sum(packets) AS p
  FROM ${sourceDayRows(['class', 'tool'], FILTERS, ['packets'])}
  GROUP BY cl, tl
  ORDER BY p DESC, cl, tl
)`, [str('class'), str('tool'), num('packets')]))
    .panel('Country, ASN and label', `As enriched at ingest; "unknown" = no data, "-" = no label. ${dayNote}`, tablePanel(), 6, 10,
      table(`SELECT if(c = '', 'unknown', c) AS country, if(a = 0, 'unknown', concat('AS', toString(a))) AS asn, if(l = '', '-', l) AS label, p AS packets
FROM (
  SELECT country AS c, asn AS a, label AS l, sum(packets) AS p
  FROM ${sourceDayRows(['country', 'asn', 'label'], FILTERS, ['packets'])}
  GROUP BY c, a, l
  ORDER BY p DESC, c, a, l
  LIMIT 20
)`, [str('country'), str('asn'), str('label'), num('packets')]));
  return d;
}
