/**
 * Links from an alert to Grafana's port drill-down (dashboards/json/port.json):
 *
 *   <grafana.url>/d/<dashboardUid>?var-proto=6&var-port=23&var-sensor=tokyo-1
 *     &var-exclude_label=research&from=<ms>&to=<ms>
 *
 * The dashboard's variables are proto (protocol number), port, sensor,
 * class, exclude_label and country; the rule's filters that have a variable
 * travel along, and exclude_label is always set (to "(none)" when the rule
 * excludes nothing) because the dashboard excludes "research" by default.
 * The time range covers the baseline and the recent window, so the spike
 * shows against what came before. Filters without a variable (label, tool,
 * asn) cannot be carried.
 */
import type { QueryFilters } from '../query/filters.js';
import type { GrafanaLinkConfig } from './config.js';

/** The dashboard's "exclude nothing" value (dashboards/src/variables.ts NO_LABEL_EXCLUDED). */
export const NO_LABEL_EXCLUDED = '(none)';

export interface LinkTarget {
  readonly proto: number;
  readonly port: number;
  readonly filters: QueryFilters;
  /** Epoch seconds: start of the baseline window and end of the recent one. */
  readonly from: number;
  readonly to: number;
}

export function portDashboardLink(grafana: GrafanaLinkConfig | null, t: LinkTarget): string | null {
  if (grafana === null) return null;
  const q: Array<[string, string]> = [['var-proto', String(t.proto)], ['var-port', String(t.port)]];
  if (t.filters.sensor !== undefined) q.push(['var-sensor', t.filters.sensor]);
  if (t.filters.class !== undefined) q.push(['var-class', t.filters.class]);
  const excluded = t.filters.excludeLabels ?? [];
  for (const l of excluded.length > 0 ? excluded : [NO_LABEL_EXCLUDED]) q.push(['var-exclude_label', l]);
  if (t.filters.country !== undefined) q.push(['var-country', t.filters.country]);
  q.push(['from', String(t.from * 1000)], ['to', String(t.to * 1000)]);
  // encodeURIComponent, not URLSearchParams: a space must be %20, never "+".
  const query = q.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return `${grafana.url}/d/${encodeURIComponent(grafana.dashboardUid)}?${query}`;
}
