/**
 * Grafana alert rules (file provisioning) for port spikes and new ports, on
 * the same trend SQL as the Trends dashboard but with fixed parameters
 * (alert queries cannot use dashboard variables).
 *
 * Each rule's query is table-format with string columns (port, proto, dport)
 * and ONE numeric column, so Grafana makes one alert instance per port; a
 * threshold expression decides which instances fire. The query's time range
 * ends INGEST_LAG_S before now, and the recent window ends at the whole hour
 * before that, so an hour still being ingested never counts.
 *
 * Built with the foundation SDK's alerting and expression builders (typed),
 * then mapped to the provisioning file format (groups → rules with uid,
 * condition, data, ...), which differs from the HTTP API's Rule model.
 */
import * as alerting from '@grafana/grafana-foundation-sdk/alerting';
import { TypeThresholdBuilder } from '@grafana/grafana-foundation-sdk/expr';
import { ClickHouseQuery, num, str } from './clickhouse-query.js';
import { DASHBOARD_UIDS, DATASOURCE_UID } from './constants.js';
import { NEW_PORT_CONDITION, trendScoresSql } from './trend-scores.js';

/** Contact point the rules notify (dashboards/provisioning/alerting/contact-points.yaml). */
export const CONTACT_POINT = 'darkscope-alerts';
export const ALERT_FOLDER = 'darkscope';
/** Allowance for ingest lag: the query's range ends this long before now. */
export const INGEST_LAG_S = 900;
/** Baseline days, least sources, thresholds of the provisioned rules. */
export const ALERT_BASELINE_DAYS = 14;
export const SPIKE_Z = 3.5;
export const NEW_PORT_MIN_SOURCES = 20;

/** Scan traffic only (backscatter spikes are DDoS victims, not scanning), research scanners left out. */
const ALERT_CONDITIONS = ["class = 'scan'", "label != 'research'"];
const RANGE_S = (ALERT_BASELINE_DAYS + 2) * 86_400;

function trendSql(minSources: number): string {
  return trendScoresSql({ baselineDays: String(ALERT_BASELINE_DAYS), minSources: String(minSources), conditions: ALERT_CONDITIONS });
}

export const SPIKE_ALERT_QUERY = new ClickHouseQuery(`SELECT port, toString(proto) AS proto_number, toString(dport) AS port_number, robust_z
FROM (
${trendSql(10)}
)
WHERE baseline_days_seen > 0 AND recent_sources > baseline_sources
ORDER BY robust_z DESC, port
LIMIT 200`, { kind: 'table', columns: [str('port'), str('proto_number'), str('port_number'), num('robust_z')] });

export const NEW_PORT_ALERT_QUERY = new ClickHouseQuery(`SELECT port, toString(proto) AS proto_number, toString(dport) AS port_number, recent_sources
FROM (
${trendSql(5)}
)
WHERE ${NEW_PORT_CONDITION}
ORDER BY recent_sources DESC, port
LIMIT 200`, { kind: 'table', columns: [str('port'), str('proto_number'), str('port_number'), num('recent_sources')] });

const PORT_LINK = `/d/${DASHBOARD_UIDS.port}?var-proto={{ $labels.proto_number }}&var-port={{ $labels.port_number }}`;

interface RuleDef {
  readonly uid: string;
  readonly title: string;
  readonly query: ClickHouseQuery;
  readonly threshold: number;
  readonly summary: string;
  readonly description: string;
}

const RULES: readonly RuleDef[] = [
  {
    uid: 'darkscope-port-spike',
    title: 'darkscope: port spike',
    query: SPIKE_ALERT_QUERY,
    threshold: SPIKE_Z,
    summary: 'Port {{ $labels.port }} is spiking (robust z {{ humanize $values.A.Value }})',
    description: `Unique scan sources on {{ $labels.port }} in the last 24 whole hours are far above the daily median of the ${ALERT_BASELINE_DAYS} days before (robust z-score > ${SPIKE_Z}; research-labelled sources excluded). Trends: /d/${DASHBOARD_UIDS.trends} — port: ${PORT_LINK}`,
  },
  {
    uid: 'darkscope-new-port',
    title: 'darkscope: new port',
    query: NEW_PORT_ALERT_QUERY,
    threshold: NEW_PORT_MIN_SOURCES,
    summary: 'New port {{ $labels.port }}: {{ humanize $values.A.Value }} sources',
    description: `{{ $labels.port }} had no scan traffic on any of the ${ALERT_BASELINE_DAYS} baseline days and more than ${NEW_PORT_MIN_SOURCES} unique sources in the last 24 whole hours. Port: ${PORT_LINK}`,
  },
];

function buildRule(r: RuleDef): alerting.Rule {
  return new alerting.RuleBuilder(r.title)
    .uid(r.uid)
    .condition('C')
    .withQuery(new alerting.QueryBuilder('A')
      .datasourceUid(DATASOURCE_UID)
      .relativeTimeRange({ from: RANGE_S, to: INGEST_LAG_S })
      .model(r.query.refId('A')))
    .withQuery(new alerting.QueryBuilder('C')
      .datasourceUid('__expr__')
      .model(new TypeThresholdBuilder()
        .refId('C')
        .expression('A')
        .conditions([{ evaluator: { type: 'gt', params: [r.threshold] } }])))
    .noDataState('OK')
    .execErrState('Error')
    .forDuration('15m')
    .annotations({ summary: r.summary, description: r.description })
    .labels({ source: 'darkscope', severity: 'warning' })
    .isPaused(false)
    .notificationSettings(new alerting.NotificationSettingsBuilder().receiver(CONTACT_POINT).groupBy(['alertname', 'port']))
    .build();
}

/** Drops functions (the SDK's variant markers) and undefined values. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The provisioning file content (`apiVersion: 1`, `groups: [...]`). */
export function alertRulesProvisioning(): Record<string, unknown> {
  const rules = RULES.map((def) => {
    const r = buildRule(def);
    return plain({
      uid: r.uid,
      title: r.title,
      condition: r.condition,
      data: r.data.map((q) => ({
        refId: q.refId,
        ...(q.relativeTimeRange === undefined ? {} : { relativeTimeRange: q.relativeTimeRange }),
        datasourceUid: q.datasourceUid,
        model: q.model,
      })),
      noDataState: r.noDataState,
      execErrState: r.execErrState,
      for: r.for,
      annotations: r.annotations,
      labels: r.labels,
      isPaused: r.isPaused,
      notification_settings: r.notification_settings,
    });
  });
  return { apiVersion: 1, groups: [{ orgId: 1, name: 'darkscope-port-trends', folder: ALERT_FOLDER, interval: '5m', rules }] };
}

/** The rule queries with their expected shapes (for the integration test). */
export function alertQueries(): ReadonlyArray<{ readonly uid: string; readonly query: ClickHouseQuery }> {
  return RULES.map((r) => ({ uid: r.uid, query: r.query }));
}
