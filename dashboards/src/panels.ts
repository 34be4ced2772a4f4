/**
 * Panel presets used across the darkscope dashboards (SDK builders with the
 * options darkscope wants), and data links between dashboards.
 */
import { PanelBuilder as BarChartPanel } from '@grafana/grafana-foundation-sdk/barchart';
import {
  BigValueGraphMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  StackingConfigBuilder,
  StackingMode,
  VizLegendOptionsBuilder,
  VisibilityMode,
  VizOrientation,
} from '@grafana/grafana-foundation-sdk/common';
import type { DynamicConfigValue } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as PieChartPanel, PieChartLabels, PieChartLegendOptionsBuilder, PieChartLegendValues, PieChartType } from '@grafana/grafana-foundation-sdk/piechart';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { DASHBOARD_UIDS } from './constants.js';

const legend = (): VizLegendOptionsBuilder =>
  new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom);

/** One big number (the query returns one row). */
export function statPanel(unit: string): StatPanel {
  return new StatPanel()
    .unit(unit)
    .graphMode(BigValueGraphMode.None)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
}

/** A time series; `rightAxis` fields are drawn against a second axis. */
export function seriesPanel(unit: string, rightAxis: readonly string[] = [], stacked = false): TimeseriesPanel {
  const p = new TimeseriesPanel().unit(unit).legend(legend()).fillOpacity(stacked ? 40 : 10).lineWidth(1);
  if (stacked) p.stacking(new StackingConfigBuilder().mode(StackingMode.Normal));
  for (const name of rightAxis) p.overrideByName(name, [{ id: 'custom.axisPlacement', value: 'right' }]);
  return p;
}

/** A donut: one slice per numeric column of a one-row result. */
export function piePanel(unit: string): PieChartPanel {
  return new PieChartPanel()
    .unit(unit)
    .pieType(PieChartType.Donut)
    .displayLabels([PieChartLabels.Percent])
    .legend(new PieChartLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.Table).placement(LegendPlacement.Right).values([PieChartLegendValues.Value, PieChartLegendValues.Percent]))
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
}

/** Horizontal bars, one per row; `xField` names the bars. */
export function barsPanel(xField: string, unit: string): BarChartPanel {
  return new BarChartPanel().xField(xField).orientation(VizOrientation.Horizontal).unit(unit).legend(legend()).showValue(VisibilityMode.Auto);
}

export interface ColumnOverride {
  readonly unit?: string;
  readonly link?: { readonly title: string; readonly url: string };
}

/** A table with per-column units and data links. */
export function tablePanel(columns: Readonly<Record<string, ColumnOverride>> = {}): TablePanel {
  const p = new TablePanel();
  for (const [name, o] of Object.entries(columns)) {
    const props: DynamicConfigValue[] = [];
    if (o.unit !== undefined) props.push({ id: 'unit', value: o.unit });
    if (o.link !== undefined) props.push({ id: 'links', value: [{ title: o.link.title, url: o.link.url }] });
    if (props.length > 0) p.overrideByName(name, props);
  }
  return p;
}

/** `${name:queryparam}` for each variable, then the time range: what a link carries to the next dashboard. */
function carried(variables: readonly string[]): string {
  return [...variables.map((v) => `\${${v}:queryparam}`), '${__url_time_range}'].join('&');
}

/**
 * URL of the port drill-down for a table row: `proto` and `port` are data-link
 * expressions (e.g. `${__data.fields.dport}`); `carry` names the filters of
 * the linking dashboard that travel along (each must exist on both sides).
 */
export function portDashboardUrl(proto: string, port: string, carry: readonly string[] = ['sensor', 'exclude_label']): string {
  return `/d/${DASHBOARD_UIDS.port}?var-proto=${proto}&var-port=${port}&${carried(carry)}`;
}

/** URL of the source drill-down for an address expression. */
export function sourceDashboardUrl(ip: string): string {
  return `/d/${DASHBOARD_UIDS.source}?var-ip=${ip}&${carried(['sensor'])}`;
}
