/**
 * Trends: ports spiking now and ports new in the recent window, with their
 * scores (see trend-scores.ts for the windows and the formulas).
 */
import { DASHBOARD_UIDS } from './constants.js';
import { num, single, str, table } from './clickhouse-query.js';
import { DashboardSpec } from './dashboard-spec.js';
import { portDashboardUrl, statPanel, tablePanel } from './panels.js';
import { filterNote, FILTER_SQL, type Filter } from './sql.js';
import { NEW_PORT_CONDITION, spikeCondition, trendScoresSql } from './trend-scores.js';
import { classVariable, excludeLabelVariable, numberChoiceVariable, sensorVariable } from './variables.js';

const FILTERS: readonly Filter[] = ['sensor', 'class', 'excludeLabel'];

/** The dashboard's trend parameters come from its variables, cast so a bad value cannot break the SQL. */
export const DASHBOARD_TREND_SQL = trendScoresSql({
  baselineDays: 'toUInt32OrZero(${baseline_days:singlequote})',
  minSources: 'toUInt32OrZero(${min_sources:singlequote})',
  conditions: FILTERS.map((f) => FILTER_SQL[f]),
});
const Z_SQL = 'toFloat64OrZero(${z:singlequote})';

export function trendsDashboard(): DashboardSpec {
  const d = new DashboardSpec({
    uid: DASHBOARD_UIDS.trends,
    title: 'darkscope / Trends',
    description: 'Ports spiking now and new ports: the 24 whole hours before the range end against the daily mean of the baseline days before them. '
      + 'Scores: DShield trend score sqrt((S-s)^2/s + (T-t)^2/t) on unique sources S and targets T (s, t = baseline daily means); '
      + 'robust z = (S - median) / (1.4826 * MAD) of the daily unique sources.',
    from: 'now-30d',
  })
    .variable(sensorVariable())
    .variable(classVariable())
    .variable(excludeLabelVariable())
    .variable(numberChoiceVariable('baseline_days', 'Baseline days', ['7', '14', '28'], '14', 'Whole UTC days before the recent window that form the baseline.'))
    .variable(numberChoiceVariable('min_sources', 'Min. sources', ['5', '10', '25', '50', '100'], '10', 'Ports with fewer unique sources in the recent window are not listed.'))
    .variable(numberChoiceVariable('z', 'Spike z', ['3', '3.5', '5', '8'], '3.5', 'Least robust z-score of a spike.'))
    .link('Overview', `/d/${DASHBOARD_UIDS.overview}`, 'Briefing page')
    .link('Port drill-down', `/d/${DASHBOARD_UIDS.port}`, 'One destination port');

  const note = `Windows end at the range's end ("to"); the range start is not used. ${filterNote(FILTERS)}`;
  const portLink = { title: 'Port drill-down', url: portDashboardUrl('${__data.fields.proto}', '${__data.fields.dport}') };

  d.row('Now')
    .panel('Ports spiking', `Ports whose robust z-score is at least $z. ${note}`, statPanel('short'), 12, 4,
      single(`SELECT count() AS spiking_ports\nFROM (\n${DASHBOARD_TREND_SQL}\n)\nWHERE ${spikeCondition(Z_SQL)}`, ['spiking_ports']))
    .panel('Ports new', `Ports with at least $min_sources sources now and none on any baseline day. ${note}`, statPanel('short'), 12, 4,
      single(`SELECT count() AS new_ports\nFROM (\n${DASHBOARD_TREND_SQL}\n)\nWHERE ${NEW_PORT_CONDITION}`, ['new_ports']));

  d.row('Details')
    .panel('Current spikes', `Sorted by DShield trend score. recent = last 24 whole hours; baseline = daily mean. ${note}`,
      tablePanel({ port: { link: portLink }, ratio: { unit: 'x' } }), 24, 10,
      table(`SELECT port, proto, dport, recent_sources, baseline_sources, ratio, robust_z, dshield_score, recent_targets, baseline_targets, recent_packets
FROM (
${DASHBOARD_TREND_SQL}
)
WHERE ${spikeCondition(Z_SQL)}
ORDER BY dshield_score DESC, proto, dport
LIMIT 50`, [str('port'), num('proto'), num('dport'), num('recent_sources'), num('baseline_sources'), num('ratio'), num('robust_z'), num('dshield_score'), num('recent_targets'), num('baseline_targets'), num('recent_packets')]))
    .panel('New ports', `No traffic on any baseline day; sorted by recent unique sources. ${note}`,
      tablePanel({ port: { link: portLink } }), 24, 10,
      table(`SELECT port, proto, dport, recent_sources, recent_targets, recent_packets, dshield_score
FROM (
${DASHBOARD_TREND_SQL}
)
WHERE ${NEW_PORT_CONDITION}
ORDER BY recent_sources DESC, proto, dport
LIMIT 50`, [str('port'), num('proto'), num('dport'), num('recent_sources'), num('recent_targets'), num('recent_packets'), num('dshield_score')]));
  return d;
}
