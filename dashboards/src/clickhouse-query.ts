/**
 * A typed target for the official ClickHouse datasource plugin
 * (grafana-clickhouse-datasource, v4 query model). The foundation SDK has no
 * ClickHouse query type, so this builder produces the panel target JSON the
 * plugin saves for a raw-SQL query:
 *
 *   {"datasource":{"type":"grafana-clickhouse-datasource","uid":"..."},
 *    "editorType":"sql","queryType":"timeseries"|"table","format":0|1,
 *    "pluginVersion":"4.x","rawSql":"...","refId":"A"}
 *
 * Besides the SQL, each query declares the result shape its panel needs
 * (`shape`). The shape is not written to the dashboard JSON; the integration
 * test runs the expanded SQL on seeded data and checks the result against it.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import { DATASOURCE, PLUGIN_VERSION } from './constants.js';

/** What a panel type needs back from its query. */
export type ResultShape =
  /** A DateTime column named `time`, then exactly these numeric columns (time-series panels). */
  | { readonly kind: 'timeseries'; readonly values: readonly string[] }
  /** Exactly these columns, in order (tables, bar charts, pie charts with one row per slice). */
  | { readonly kind: 'table'; readonly columns: readonly ColumnSpec[] }
  /** Exactly one row of these numeric columns (stat panels, pie charts with one slice per column). */
  | { readonly kind: 'single'; readonly values: readonly string[] };

export interface ColumnSpec {
  readonly name: string;
  readonly type: 'string' | 'number' | 'time';
}

export const str = (name: string): ColumnSpec => ({ name, type: 'string' });
export const num = (name: string): ColumnSpec => ({ name, type: 'number' });
export const time = (name: string): ColumnSpec => ({ name, type: 'time' });

/** sqlds format option: 0 time series, 1 table. */
export type PluginFormat = 0 | 1;

/** The JSON of one ClickHouse target as the plugin stores it. */
export interface ClickHouseTarget extends cog.Dataquery {
  datasource: { type: string; uid: string };
  editorType: 'sql';
  queryType: 'timeseries' | 'table';
  format: PluginFormat;
  pluginVersion: string;
  rawSql: string;
  refId: string;
}

export class ClickHouseQuery implements cog.Builder<cog.Dataquery> {
  private refIdValue = 'A';

  constructor(readonly rawSql: string, readonly shape: ResultShape) {
    if (rawSql.trim() === '') throw new Error('a ClickHouse query needs SQL');
  }

  refId(refId: string): this {
    this.refIdValue = refId;
    return this;
  }

  /** Time series for time-series panels, table for everything else (as the plugin's editor would pick). */
  get format(): PluginFormat {
    return this.shape.kind === 'timeseries' ? 0 : 1;
  }

  build(): ClickHouseTarget {
    return {
      datasource: { ...DATASOURCE },
      editorType: 'sql',
      queryType: this.format === 0 ? 'timeseries' : 'table',
      format: this.format,
      pluginVersion: PLUGIN_VERSION,
      rawSql: this.rawSql,
      refId: this.refIdValue,
      // Marks the object as a cog.Dataquery variant for the SDK's types; JSON.stringify drops it.
      _implementsDataqueryVariant() {},
    };
  }
}

export function timeseries(rawSql: string, values: readonly string[]): ClickHouseQuery {
  return new ClickHouseQuery(rawSql, { kind: 'timeseries', values });
}

export function table(rawSql: string, columns: readonly ColumnSpec[]): ClickHouseQuery {
  return new ClickHouseQuery(rawSql, { kind: 'table', columns });
}

export function single(rawSql: string, values: readonly string[]): ClickHouseQuery {
  return new ClickHouseQuery(rawSql, { kind: 'single', values });
}
