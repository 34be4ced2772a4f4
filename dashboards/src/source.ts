/**
 * Source drill-down (one address, IPv4 or IPv6): the ports it touched, its
 * timeline, class and tool, country / ASN / label. Reads the per-source
 * rollups (source_1h, source_1d).
 */
import { DASHBOARD_UIDS } from './constants.js';
import { num, single, str, table, time, timeseries } from './clickhouse-query.js';
import { DashboardSpec } from './dashboard-spec.js';
import { portDashboardUrl, seriesPanel, statPanel, tablePanel } from './panels.js';
import { filterNote, PORT_LABEL, seriesOverGrains, uniq, where, type Filter } from './sql.js';
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

  const note = `${filterNote(FILTERS)} Hourly per-source rollup.`;
  d.row('Summary')
    .panel('Packets', note, statPanel('short'), 6, 4,
      single(`SELECT sum(packets) AS packets\nFROM source_1h\nWHERE ${where('source', FILTERS)}`, ['packets']))
    .panel('Distinct ports', `Distinct (protocol, port) pairs. ${note}`, statPanel('short'), 6, 4,
      single(`SELECT uniqExact(proto, dport) AS ports\nFROM source_1h\nWHERE ${where('source', FILTERS)}`, ['ports']))
    .panel('Darknet IPs hit', `Distinct destination addresses. ${note}`, statPanel('short'), 6, 4,
      single(`SELECT ${uniq('destinations')} AS targets\nFROM source_1h\nWHERE ${where('source', FILTERS)}`, ['targets']))
    .panel('Active hours', `Hours with at least one packet. ${note}`, statPanel('short'), 6, 4,
      single(`SELECT uniqExact(t) AS active_hours\nFROM source_1h\nWHERE ${where('source', FILTERS)}`, ['active_hours']));

  d.row('Activity')
    .panel('Timeline', `Packets and distinct ports per bucket (hour or day rollup depending on the range). ${filterNote(FILTERS)}`, seriesPanel('short', ['ports']), 24, 8,
      timeseries(seriesOverGrains('source', (tbl, bucket, grain) => `SELECT ${bucket} AS time, sum(packets) AS packets, uniqExact(proto, dport) AS ports
FROM ${tbl}
WHERE ${where('source', FILTERS, [grain])}
GROUP BY time`), ['packets', 'ports']))
    .panel('Ports touched', `The 100 busiest ports of this source; click a port for its drill-down. ${note}`,
      tablePanel({ port: { link: { title: 'Port drill-down', url: portDashboardUrl('${__data.fields.proto}', '${__data.fields.dport}', ['sensor']) } } }), 12, 10,
      table(`SELECT ${PORT_LABEL} AS port, proto, dport, p AS packets, fs AS first_seen, ls AS last_seen
FROM (
  SELECT proto, dport, sum(packets) AS p, minMerge(first_seen) AS fs, maxMerge(last_seen) AS ls
  FROM source_1h
  WHERE ${where('source', FILTERS)}
  GROUP BY proto, dport
  ORDER BY p DESC, proto, dport
  LIMIT 100
)`, [str('port'), num('proto'), num('dport'), num('packets'), time('first_seen'), time('last_seen')]))
    .panel('Class and tool', `Packets by traffic class and tool fingerprint. ${note}`, tablePanel(), 6, 10,
      table(`SELECT cl AS class, tl AS tool, p AS packets
FROM (
  SELECT toString(class) AS cl, toString(tool) AS tl, sum(packets) AS p
  FROM source_1h
  WHERE ${where('source', FILTERS)}
  GROUP BY cl, tl
  ORDER BY p DESC, cl, tl
)`, [str('class'), str('tool'), num('packets')]))
    .panel('Country, ASN and label', `As enriched at ingest; "unknown" = no data, "-" = no label. ${note}`, tablePanel(), 6, 10,
      table(`SELECT if(c = '', 'unknown', c) AS country, if(a = 0, 'unknown', concat('AS', toString(a))) AS asn, if(l = '', '-', l) AS label, p AS packets
FROM (
  SELECT country AS c, asn AS a, label AS l, sum(packets) AS p
  FROM source_1h
  WHERE ${where('source', FILTERS)}
  GROUP BY c, a, l
  ORDER BY p DESC, c, a, l
  LIMIT 20
)`, [str('country'), str('asn'), str('label'), num('packets')]));
  return d;
}
