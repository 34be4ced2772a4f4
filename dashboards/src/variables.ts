/**
 * Template variables of the darkscope dashboards. Names match the filters in
 * sql.ts (`${sensor:singlequote}`, `$proto`, ...). Query variables run on the
 * pinned ClickHouse datasource; their SQL is tested like panel SQL.
 */
import {
  CustomVariableBuilder,
  QueryVariableBuilder,
  TextBoxVariableBuilder,
  VariableRefresh,
  VariableSort,
  type VariableOption,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DATASOURCE } from './constants.js';
import { DAYS_OVERLAPPING, SOURCE_TEXT } from './sql.js';

const ALL: VariableOption = { selected: true, text: ['All'], value: ['$__all'] };

/** `text : value` pairs of a custom variable, and its options as Grafana saves them. */
function customOptions(pairs: ReadonlyArray<readonly [string, string]>, selected: readonly string[]): { query: string; options: VariableOption[] } {
  return {
    query: pairs.map(([text, value]) => (text === value ? value : `${text} : ${value}`)).join(','),
    options: pairs.map(([text, value]) => ({ selected: selected.includes(value), text, value })),
  };
}

function queryVariable(name: string, label: string, sql: string): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource({ ...DATASOURCE })
    .query(sql)
    .definition(sql);
}

/** Sensors seen in the daily port rollup (multi, All). */
export function sensorVariable(): QueryVariableBuilder {
  return queryVariable('sensor', 'Sensor', 'SELECT DISTINCT sensor FROM port_total_1d ORDER BY sensor')
    .multi(true)
    .includeAll(true)
    .current(ALL)
    .refresh(VariableRefresh.OnDashboardLoad)
    .sort(VariableSort.AlphabeticalAsc);
}

const PROTOCOLS = [['TCP', '6'], ['UDP', '17'], ['ICMP', '1'], ['ICMPv6', '58']] as const;

/** IP protocols (multi, All; values are protocol numbers). */
export function protoVariable(): CustomVariableBuilder {
  const { query, options } = customOptions(PROTOCOLS, []);
  return new CustomVariableBuilder('proto')
    .label('Protocol')
    .values(query)
    .options(options)
    .multi(true)
    .includeAll(true)
    .current(ALL);
}

/** One IP protocol (the port drill-down), TCP by default. */
export function protoSingleVariable(): CustomVariableBuilder {
  const { query, options } = customOptions(PROTOCOLS, ['6']);
  return new CustomVariableBuilder('proto')
    .label('Protocol')
    .values(query)
    .options(options)
    .current({ selected: true, text: 'TCP', value: '6' });
}

/** Destination port as text; '' (the default here) means every port. */
export function portFilterVariable(): TextBoxVariableBuilder {
  return new TextBoxVariableBuilder('port')
    .label('Port (empty = all)')
    .defaultValue('')
    .current({ selected: false, text: '', value: '' });
}

/** The drill-down's destination port, 23 by default. */
export function portVariable(defaultPort: string): TextBoxVariableBuilder {
  return new TextBoxVariableBuilder('port')
    .label('Port')
    .defaultValue(defaultPort)
    .current({ selected: false, text: defaultPort, value: defaultPort });
}

/** Traffic classes (multi, All). */
export function classVariable(): CustomVariableBuilder {
  const { query, options } = customOptions([['scan', 'scan'], ['backscatter', 'backscatter'], ['other', 'other']], []);
  return new CustomVariableBuilder('class')
    .label('Class')
    .values(query)
    .options(options)
    .multi(true)
    .includeAll(true)
    .current(ALL);
}

/**
 * Labels to leave out, "research" by default. "(none)" leaves nothing out (a
 * label is [A-Za-z0-9_.:-], so it can never be a real label); "research" is
 * always offered, whether or not any source carries it yet.
 */
export const NO_LABEL_EXCLUDED = '(none)';
export function excludeLabelVariable(): QueryVariableBuilder {
  const sql = `SELECT label FROM (\n  SELECT 'research' AS label\n  UNION ALL SELECT '${NO_LABEL_EXCLUDED}'\n  UNION ALL SELECT DISTINCT label FROM mix_1d WHERE label != ''\n)\nGROUP BY label\nORDER BY label`;
  return queryVariable('exclude_label', 'Exclude labels', sql)
    .description('Sources carrying these labels (from --labels files) are left out; pick (none) to keep everything.')
    .multi(true)
    .current({ selected: true, text: ['research'], value: ['research'] })
    .refresh(VariableRefresh.OnDashboardLoad);
}

/** Source countries seen (multi, All). */
export function countryVariable(): QueryVariableBuilder {
  return queryVariable('country', 'Country', "SELECT DISTINCT country FROM country_1d WHERE country != '' ORDER BY country")
    .description('Applies to panels that read raw packets or the country rollups (the port rollups have no country); each panel description lists its filters.')
    .multi(true)
    .includeAll(true)
    .current(ALL)
    .refresh(VariableRefresh.OnDashboardLoad)
    .sort(VariableSort.AlphabeticalAsc);
}

/** One source address: the 100 busiest sources of the range, or any address typed in. */
export function ipVariable(): QueryVariableBuilder {
  // Daily rows whose day overlaps the range (a plain $__timeFilter(t) would
  // miss the day holding the range start, i.e. everything for ranges under a day).
  const sql = `SELECT ip FROM (\n  SELECT ${SOURCE_TEXT} AS ip, sum(packets) AS p\n  FROM source_total_1d\n  WHERE ${DAYS_OVERLAPPING}\n  GROUP BY ip\n  ORDER BY p DESC, ip\n  LIMIT 100\n)`;
  return queryVariable('ip', 'Source address', sql)
    .description('The 100 busiest sources of the days the range touches (daily rollup); type any IPv4 or IPv6 address to look it up.')
    .allowCustomValue(true)
    .refresh(VariableRefresh.OnTimeRangeChanged);
}

/** A small custom variable of numbers (trend parameters). */
export function numberChoiceVariable(name: string, label: string, values: readonly string[], selected: string, description: string): CustomVariableBuilder {
  const { query, options } = customOptions(values.map((v) => [v, v] as const), [selected]);
  return new CustomVariableBuilder(name)
    .label(label)
    .description(description)
    .values(query)
    .options(options)
    .current({ selected: true, text: selected, value: selected });
}
