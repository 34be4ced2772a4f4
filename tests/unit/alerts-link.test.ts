/**
 * Links from alerts to the Grafana port drill-down: the URL carries the
 * protocol, port, the rule's filters that the dashboard has variables for,
 * and the windows; the dashboard uid and variable names are the ones in the
 * committed dashboards/json/port.json.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALERT_DEFAULTS } from '../../src/alerts/config.js';
import { NO_LABEL_EXCLUDED, portDashboardLink } from '../../src/alerts/link.js';
import { parseFilters } from '../../src/query/filters.js';

const GRAFANA = { url: 'https://grafana.example/g', dashboardUid: 'darkscope-port' };
const FROM = Date.UTC(2024, 1, 11) / 1000;
const TO = Date.UTC(2024, 2, 11) / 1000;

function params(link: string | null): Array<[string, string]> {
  return [...new URL(link!).searchParams.entries()];
}

describe('portDashboardLink', () => {
  it('without grafana in alerts.yaml there is no link', () => {
    expect(portDashboardLink(null, { proto: 6, port: 23, filters: {}, from: FROM, to: TO })).toBeNull();
  });

  it('carries proto (number), port, the time range in ms, and "(none)" when nothing is excluded', () => {
    const link = portDashboardLink(GRAFANA, { proto: 6, port: 23, filters: {}, from: FROM, to: TO });
    expect(link).toBe(`https://grafana.example/g/d/darkscope-port?var-proto=6&var-port=23&var-exclude_label=(none)&from=${FROM * 1000}&to=${TO * 1000}`);
  });

  it('carries sensor, class, every excluded label and country; label, tool and asn have no variable', () => {
    const filters = parseFilters({ sensor: 'tokyo-1', class: 'scan', excludeLabel: ['research', 'cloud scanners'], country: 'cn', tool: 'mirai', asn: 4134, label: 'x' });
    const link = portDashboardLink(GRAFANA, { proto: 17, port: 53, filters, from: FROM, to: TO });
    expect(params(link)).toEqual([
      ['var-proto', '17'], ['var-port', '53'], ['var-sensor', 'tokyo-1'], ['var-class', 'scan'],
      ['var-exclude_label', 'research'], ['var-exclude_label', 'cloud scanners'], ['var-country', 'CN'],
      ['from', String(FROM * 1000)], ['to', String(TO * 1000)],
    ]);
    expect(link).toContain('var-exclude_label=cloud%20scanners&');
  });

  it('matches the committed port dashboard: uid and variable names', () => {
    const dashboard = JSON.parse(readFileSync('dashboards/json/port.json', 'utf8')) as { uid: string; templating: { list: Array<{ name: string; query?: unknown }> } };
    expect(dashboard.uid).toBe(ALERT_DEFAULTS.dashboardUid);
    const variables = new Set(dashboard.templating.list.map((v) => v.name));
    const link = portDashboardLink(GRAFANA, { proto: 6, port: 23, filters: parseFilters({ sensor: 's', class: 'scan', country: 'JP' }), from: FROM, to: TO });
    for (const [k] of params(link).filter(([k]) => k.startsWith('var-'))) expect(variables, k).toContain(k.slice(4));
    // "(none)" is a value the exclude_label variable offers, and proto takes protocol numbers
    const byName = new Map(dashboard.templating.list.map((v) => [v.name, v]));
    expect(String(byName.get('exclude_label')!.query)).toContain(NO_LABEL_EXCLUDED);
    expect(String(byName.get('proto')!.query)).toContain('TCP : 6');
  });
});
