/**
 * Names every generated file and the docker-compose stack agree on: the
 * datasource uid, the plugin version the queries are written for, and the
 * dashboard uids (links between dashboards use these).
 */

/** uid of the provisioned ClickHouse datasource (dashboards/provisioning/datasources/clickhouse.yaml). */
export const DATASOURCE_UID = 'darkscope-clickhouse';
export const DATASOURCE_TYPE = 'grafana-clickhouse-datasource';
export const DATASOURCE = Object.freeze({ type: DATASOURCE_TYPE, uid: DATASOURCE_UID });

/**
 * The plugin version the targets are written for (v4 query model: editorType
 * "sql", queryType "timeseries"/"table", format 0/1). docker-compose.yml pins
 * the same version in GF_PLUGINS_PREINSTALL_SYNC; a unit test checks they match.
 */
export const PLUGIN_VERSION = '4.20.0';

export const DASHBOARD_UIDS = Object.freeze({
  overview: 'darkscope-overview',
  port: 'darkscope-port',
  source: 'darkscope-source',
  trends: 'darkscope-trends',
});

/** Tag on every darkscope dashboard (the "darkscope" dashboard-links dropdown lists them). */
export const DASHBOARD_TAG = 'darkscope';
