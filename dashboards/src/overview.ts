/**
 * Overview: a NICTER-style briefing page. Totals and unique sources over
 * time, the top TCP and UDP ports with their shares, how concentrated traffic
 * is on the top 10 ports, the class mix, the research-scanner share, the top
 * countries by unique hosts, and packets per darknet address.
 */
import { DASHBOARD_UIDS } from './constants.js';
import { single, table, timeseries, num, str } from './clickhouse-query.js';
import { DashboardSpec } from './dashboard-spec.js';
import { barsPanel, piePanel, portDashboardUrl, seriesPanel, statPanel, tablePanel } from './panels.js';
import { COUNTRY_1H, filterNote, measure, PORT_1H, RANGE_SECONDS, SCAN_EVENTS_PER_PORT_AND_DAY, seriesOverGrains, uniq, where, type Filter } from './sql.js';
import { classVariable, countryVariable, excludeLabelVariable, portFilterVariable, protoVariable, sensorVariable } from './variables.js';

/** Filters every port-rollup panel here applies. */
const PORT_FILTERS: readonly Filter[] = ['sensor', 'proto', 'port', 'class', 'excludeLabel'];
const SENSOR_SQL = '$__conditionalAll(sensor IN (${sensor:singlequote}), $sensor)';

/** Current darknet size per sensor (newest row of the sensors table). */
const SENSOR_SIZES = `SELECT sensor, argMax(darknet_size, updated_at) AS darknet_size\n  FROM sensors\n  WHERE ${SENSOR_SQL}\n  GROUP BY sensor`;

function topPorts(proto: 6 | 17): string {
  const filters: Filter[] = ['sensor', 'port', 'class', 'excludeLabel'];
  const w = where(PORT_1H, filters, [`proto = ${proto}`]);
  return `SELECT dport, p AS packets, s AS sources, p / greatest((SELECT sum(packets) FROM port_1h WHERE ${w}), 1) AS share
FROM (
  SELECT dport, sum(packets) AS p, ${uniq('sources')} AS s
  FROM port_1h
  WHERE ${w}
  GROUP BY dport
  ORDER BY p DESC, dport
  LIMIT 10
)`;
}

export function overviewDashboard(): DashboardSpec {
  const d = new DashboardSpec({
    uid: DASHBOARD_UIDS.overview,
    title: 'darkscope / Overview',
    description: 'NICTER-style briefing: packets and unique sources, top ports and their shares, class mix, research scanners, countries, packets per darknet IP.',
    from: 'now-7d',
  })
    .variable(sensorVariable())
    .variable(protoVariable())
    .variable(portFilterVariable())
    .variable(classVariable())
    .variable(excludeLabelVariable())
    .variable(countryVariable())
    .link('Port drill-down', `/d/${DASHBOARD_UIDS.port}`, 'Packets, sources, tools, countries and ASNs of one port')
    .link('Trends', `/d/${DASHBOARD_UIDS.trends}`, 'Current spikes and new ports');

  const portNote = `${filterNote(PORT_FILTERS)} Country does not apply: the port rollups have no country.`;

  d.row('Summary')
    .panel('Packets', `Packets in the range (hourly port rollup). ${portNote}`, statPanel('short'), 6, 4,
      single(`SELECT sum(packets) AS packets\nFROM port_1h\nWHERE ${where(PORT_1H, PORT_FILTERS)}`, ['packets']))
    .panel('Unique sources', `Distinct source addresses in the range (HyperLogLog, within 1%). ${portNote}`, statPanel('short'), 6, 4,
      single(`SELECT ${uniq('sources')} AS sources\nFROM port_1h\nWHERE ${where(PORT_1H, PORT_FILTERS)}`, ['sources']))
    .panel('Packets per darknet IP', `Packets in the range divided by the darknet size of the selected sensors (sensors table, set by ingest --darknet); 0 when no size is known. ${portNote}`, statPanel('short'), 6, 4,
      single(`SELECT if(size = 0, 0, packets / size) AS packets_per_darknet_ip
FROM (
  SELECT sum(packets) AS packets,
    (SELECT toFloat64(sum(darknet_size)) FROM (${SENSOR_SIZES})) AS size
  FROM port_1h
  WHERE ${where(PORT_1H, PORT_FILTERS)}
)`, ['packets_per_darknet_ip']))
    .panel('Research-scan share', `Share of packets from sources labelled "research" (ignores the exclude-labels filter). ${filterNote(['sensor', 'proto', 'port', 'class'])}`, statPanel('percentunit'), 6, 4,
      single(`SELECT sumIf(packets, label = 'research') / greatest(sum(packets), 1) AS research_share\nFROM port_1h\nWHERE ${where(PORT_1H, ['sensor', 'proto', 'port', 'class'])}`, ['research_share']));

  d.row('Traffic')
    .panel('Packets and unique sources', `Per bucket of the panel interval: minutes from raw packets for ranges up to 6 hours (while raw packets are kept), else hours or, beyond 60 days, days of the hourly port rollup. ${portNote}`, seriesPanel('short', ['sources']), 24, 8,
      timeseries(seriesOverGrains('port', PORT_FILTERS, [], (rows, bucket, w) => `SELECT ${bucket} AS time, ${measure.packets(rows)} AS packets, ${measure.sources(rows)} AS sources
FROM ${rows.table}
WHERE ${w}
GROUP BY time`), ['packets', 'sources']));

  const portLink = (proto: string) => ({ title: 'Port drill-down', url: portDashboardUrl(proto, '${__data.fields.dport}') });
  d.row('Ports')
    .panel('Top 10 TCP ports', `Share = packets of the port / all TCP packets. ${filterNote(['sensor', 'port', 'class', 'excludeLabel'])}`,
      tablePanel({ dport: { link: portLink('6') }, share: { unit: 'percentunit' } }), 8, 9,
      table(topPorts(6), [num('dport'), num('packets'), num('sources'), num('share')]))
    .panel('Top 10 UDP ports', `Share = packets of the port / all UDP packets. ${filterNote(['sensor', 'port', 'class', 'excludeLabel'])}`,
      tablePanel({ dport: { link: portLink('17') }, share: { unit: 'percentunit' } }), 8, 9,
      table(topPorts(17), [num('dport'), num('packets'), num('sources'), num('share')]))
    .panel('Top 10 ports vs others', `Packets to the 10 busiest (protocol, port) pairs against all other ports. ${portNote}`, piePanel('short'), 8, 9,
      single(`SELECT
  sumIf(packets, (proto, dport) IN (
    SELECT proto, dport
    FROM port_1h
    WHERE ${where(PORT_1H, PORT_FILTERS)}
    GROUP BY proto, dport
    ORDER BY sum(packets) DESC, proto, dport
    LIMIT 10
  )) AS top_10_ports,
  sum(packets) - top_10_ports AS other_ports
FROM port_1h
WHERE ${where(PORT_1H, PORT_FILTERS)}`, ['top_10_ports', 'other_ports']));

  const countryFilters: Filter[] = ['sensor', 'proto', 'class', 'excludeLabel', 'country'];
  d.row('Sources')
    .panel('Class mix', `Packets by traffic class: scan, backscatter (replies to spoofed floods), other. ${filterNote(['sensor', 'proto', 'port', 'excludeLabel'])}`, piePanel('short'), 6, 9,
      single(`SELECT
  sumIf(packets, class = 'scan') AS scan,
  sumIf(packets, class = 'backscatter') AS backscatter,
  sumIf(packets, class = 'other') AS other
FROM port_1h
WHERE ${where(PORT_1H, ['sensor', 'proto', 'port', 'excludeLabel'])}`, ['scan', 'backscatter', 'other']))
    .panel('Top countries by unique hosts', `Distinct sources per country (hourly country rollup); "unknown" = no geolocation. ${filterNote(countryFilters)} Port does not apply: the country rollups have no port.`, barsPanel('country', 'short'), 10, 9,
      table(`SELECT if(c = '', 'unknown', c) AS country, h AS hosts
FROM (
  SELECT country AS c, ${uniq('sources')} AS h
  FROM country_1h
  WHERE ${where(COUNTRY_1H, countryFilters)}
  GROUP BY c
  ORDER BY h DESC, c
  LIMIT 10
)`, [str('country'), num('hosts')]))
    .panel('Packets per darknet IP by sensor', `darknet_size from the sensors table (ingest --darknet); per day = over the length of the range. ${portNote}`, tablePanel(), 8, 9,
      table(`SELECT
  sensor,
  darknet_size,
  packets,
  if(darknet_size = 0, 0, packets / darknet_size) AS packets_per_ip,
  if(darknet_size = 0, 0, packets / darknet_size / greatest(${RANGE_SECONDS} / 86400, 1 / 24)) AS packets_per_ip_per_day
FROM (
  SELECT sensor, sum(packets) AS packets
  FROM port_1h
  WHERE ${where(PORT_1H, PORT_FILTERS)}
  GROUP BY sensor
) AS seen
ANY LEFT JOIN (
  ${SENSOR_SIZES}
) AS sizes USING sensor
ORDER BY sensor`, [str('sensor'), num('darknet_size'), num('packets'), num('packets_per_ip'), num('packets_per_ip_per_day')]));
  d.row('Scan events')
    .panel('Scan events per port and day', 'Horizontal scan events (one source, protocol and port; a gap over 480 s ends one; at least 100 darknet addresses: '
      + 'Durumeric et al. 2014) starting each day, the 10 busiest ports per day, with their distinct sources; from raw scan packets (so only while they are kept), '
      + `as darkscope scans and the report count them. ${filterNote(['sensor', 'proto'])}`, tablePanel(), 24, 9,
    table(SCAN_EVENTS_PER_PORT_AND_DAY, [str('day'), str('port_label'), num('events'), num('sources')]));
  return d;
}
