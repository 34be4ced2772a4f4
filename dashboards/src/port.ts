/**
 * Port drill-down (default 23/TCP; the overview's port tables link here):
 * packets and unique sources over time, tool fingerprints (Mirai, ZMap,
 * Masscan), top sources, countries and ASNs of one destination port.
 */
import { DASHBOARD_UIDS } from './constants.js';
import { num, single, str, table, time, timeseries } from './clickhouse-query.js';
import { DashboardSpec } from './dashboard-spec.js';
import { barsPanel, piePanel, seriesPanel, sourceDashboardUrl, statPanel, tablePanel } from './panels.js';
import { filterNote, measure, PACKETS, PORT_1H, seriesOverGrains, SOURCE_TEXT, uniq, uniqIf, where, type Filter } from './sql.js';
import { classVariable, countryVariable, excludeLabelVariable, portVariable, protoSingleVariable, sensorVariable } from './variables.js';

const PORT_FILTERS: readonly Filter[] = ['sensor', 'protoExact', 'portExact', 'class', 'excludeLabel'];
const SOURCE_FILTERS: readonly Filter[] = [...PORT_FILTERS, 'country'];
const TOOLS = ['mirai', 'zmap', 'masscan', 'none'] as const;

export function portDashboard(): DashboardSpec {
  const d = new DashboardSpec({
    uid: DASHBOARD_UIDS.port,
    title: 'darkscope / Port drill-down',
    description: 'One destination port: packets and unique sources over time, tool fingerprints, top sources, countries and ASNs.',
    from: 'now-7d',
  })
    .variable(sensorVariable())
    .variable(protoSingleVariable())
    .variable(portVariable('23'))
    .variable(classVariable())
    .variable(excludeLabelVariable())
    .variable(countryVariable())
    .link('Overview', `/d/${DASHBOARD_UIDS.overview}`, 'Briefing page')
    .link('Trends', `/d/${DASHBOARD_UIDS.trends}`, 'Current spikes and new ports');

  const portNote = `${filterNote(PORT_FILTERS)} Country does not apply: the port rollups have no country.`;
  const sourceNote = `${filterNote(SOURCE_FILTERS)} Read from raw packets (the range to the second), so only while they are kept (DARKSCOPE_RETENTION_RAW_DAYS).`;

  d.row('Summary')
    .panel('Packets', portNote, statPanel('short'), 6, 4,
      single(`SELECT sum(packets) AS packets\nFROM port_1h\nWHERE ${where(PORT_1H, PORT_FILTERS)}`, ['packets']))
    .panel('Unique sources', portNote, statPanel('short'), 6, 4,
      single(`SELECT ${uniq('sources')} AS sources\nFROM port_1h\nWHERE ${where(PORT_1H, PORT_FILTERS)}`, ['sources']))
    .panel('Darknet IPs hit', `Distinct destination addresses. ${portNote}`, statPanel('short'), 6, 4,
      single(`SELECT ${uniq('destinations')} AS targets\nFROM port_1h\nWHERE ${where(PORT_1H, PORT_FILTERS)}`, ['targets']))
    .panel('Share of all packets', `Packets to this port / packets to every port. ${filterNote(['sensor', 'class', 'excludeLabel'])}`, statPanel('percentunit'), 6, 4,
      single(`SELECT sumIf(packets, proto = toUInt8OrZero(\${proto:singlequote}) AND dport = toUInt16OrZero(\${port:singlequote})) / greatest(sum(packets), 1) AS share
FROM port_1h
WHERE ${where(PORT_1H, ['sensor', 'class', 'excludeLabel'])}`, ['share']));

  d.row('Over time')
    .panel('Packets and unique sources', `Minutes from raw packets for ranges up to 6 hours (while raw packets are kept), else hours or, beyond 60 days, days of the hourly port rollup. ${portNote}`, seriesPanel('short', ['sources']), 12, 8,
      timeseries(seriesOverGrains('port', PORT_FILTERS, [], (rows, bucket, w) => `SELECT ${bucket} AS time, ${measure.packets(rows)} AS packets, ${measure.sources(rows)} AS sources
FROM ${rows.table}
WHERE ${w}
GROUP BY time`), ['packets', 'sources']))
    .panel('Packets by tool fingerprint', `Mirai (TCP seq = destination), ZMap (IP id 54321), Masscan (IP id = dst ^ dport ^ seq); none = no fingerprint. ${portNote}`, seriesPanel('short', [], true), 12, 8,
      timeseries(seriesOverGrains('port', PORT_FILTERS, ['tool'], (rows, bucket, w) => `SELECT ${bucket} AS time,
  ${TOOLS.map((t) => `${measure.packetsIf(rows, `tool = '${t}'`)} AS ${t}`).join(',\n  ')}
FROM ${rows.table}
WHERE ${w}
GROUP BY time`), TOOLS));

  d.row('Sources')
    .panel('Unique sources by tool', `Distinct sources per fingerprint (a source seen with two tools counts in both). ${portNote}`, piePanel('short'), 6, 10,
      single(`SELECT
  ${TOOLS.map((t) => `${uniqIf('sources', `tool = '${t}'`)} AS ${t}`).join(',\n  ')}
FROM port_1h
WHERE ${where(PORT_1H, PORT_FILTERS)}`, TOOLS))
    .panel('Top sources', `The 20 busiest sources of this port. ${sourceNote}`,
      tablePanel({ source: { link: { title: 'Source drill-down', url: sourceDashboardUrl('${__data.fields.source}') } } }), 18, 10,
      table(`SELECT ${SOURCE_TEXT} AS source, p AS packets, d AS targets, fs AS first_seen, ls AS last_seen, c AS country, a AS asn, tools
FROM (
  SELECT ip_version, src, src6,
    count() AS p,
    ${measure.destinations(PACKETS)} AS d,
    min(ts) AS fs,
    max(ts) AS ls,
    argMax(country, ts) AS c,
    argMax(asn, ts) AS a,
    arrayStringConcat(arraySort(groupUniqArray(toString(tool))), ',') AS tools
  FROM packets
  WHERE ${where(PACKETS, SOURCE_FILTERS)}
  GROUP BY ip_version, src, src6
  ORDER BY p DESC, ip_version, src, src6
  LIMIT 20
)`, [str('source'), num('packets'), num('targets'), time('first_seen'), time('last_seen'), str('country'), num('asn'), str('tools')]))
    .panel('Countries', `Distinct sources per country; "unknown" = no geolocation. ${sourceNote}`, barsPanel('country', 'short'), 12, 9,
      table(`SELECT if(c = '', 'unknown', c) AS country, s AS sources, p AS packets
FROM (
  SELECT country AS c, uniqExact(ip_version, src, src6) AS s, count() AS p
  FROM packets
  WHERE ${where(PACKETS, SOURCE_FILTERS)}
  GROUP BY c
  ORDER BY s DESC, c
  LIMIT 15
)`, [str('country'), num('sources'), num('packets')]))
    .panel('ASNs', `Distinct sources per origin AS; "unknown" = no ASN data. ${sourceNote}`, tablePanel(), 12, 9,
      table(`SELECT if(a = 0, 'unknown', concat('AS', toString(a))) AS asn, s AS sources, p AS packets
FROM (
  SELECT asn AS a, uniqExact(ip_version, src, src6) AS s, count() AS p
  FROM packets
  WHERE ${where(PACKETS, SOURCE_FILTERS)}
  GROUP BY a
  ORDER BY s DESC, a
  LIMIT 15
)`, [str('asn'), num('sources'), num('packets')]));
  return d;
}
