/**
 * A dashboard under construction: the SDK's DashboardBuilder plus the list of
 * ClickHouse queries its panels run (with the result shape each panel needs),
 * so tests can execute every query of every dashboard.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as common from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  RowBuilder,
  type Dashboard,
  type DashboardLink,
  type Panel,
  type RowPanel,
  type VariableModel,
} from '@grafana/grafana-foundation-sdk/dashboard';
import type { ClickHouseQuery } from './clickhouse-query.js';
import { DASHBOARD_TAG, DATASOURCE } from './constants.js';

/** What every SDK panel builder offers (timeseries, table, stat, piechart, barchart, ...). */
export interface PanelLike extends cog.Builder<Panel> {
  title(title: string): this;
  description(description: string): this;
  withTarget(target: cog.Builder<cog.Dataquery>): this;
  datasource(datasource: common.DataSourceRef): this;
  height(h: number): this;
  span(w: number): this;
}

export interface PanelQuery {
  readonly dashboardUid: string;
  readonly panelTitle: string;
  readonly query: ClickHouseQuery;
}

export interface DashboardOptions {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  /** Default time range, e.g. now-7d. */
  readonly from: string;
}

export class DashboardSpec {
  readonly queries: PanelQuery[] = [];
  private readonly builder: DashboardBuilder;

  constructor(readonly options: DashboardOptions) {
    this.builder = new DashboardBuilder(options.title)
      .uid(options.uid)
      .description(options.description)
      .tags([DASHBOARD_TAG])
      .timezone('utc')
      .time({ from: options.from, to: 'now' })
      .refresh('5m')
      .tooltip(DashboardCursorSync.Crosshair)
      .link(new DashboardLinkBuilder('darkscope dashboards')
        .type(DashboardLinkType.Dashboards)
        .tags([DASHBOARD_TAG])
        .asDropdown(true)
        .keepTime(true)
        .includeVars(false)
        .targetBlank(false));
  }

  get uid(): string {
    return this.options.uid;
  }

  variable(variable: cog.Builder<VariableModel>): this {
    this.builder.withVariable(variable);
    return this;
  }

  /** A link in the dashboard header to another darkscope dashboard. */
  link(title: string, url: string, tooltip: string): this {
    this.builder.link(new DashboardLinkBuilder(title).type(DashboardLinkType.Link).url(url).tooltip(tooltip).keepTime(true).includeVars(false).targetBlank(false));
    return this;
  }

  row(title: string): this {
    this.builder.withRow(new RowBuilder(title));
    return this;
  }

  /** Adds a panel with its ClickHouse queries (refIds A, B, ... in order). */
  panel(title: string, description: string, panel: PanelLike, w: number, h: number, ...queries: ClickHouseQuery[]): this {
    if (queries.length === 0) throw new Error(`panel "${title}" has no query`);
    panel.title(title).description(description).datasource({ ...DATASOURCE }).span(w).height(h);
    queries.forEach((q, i) => {
      q.refId(String.fromCharCode(65 + i));
      panel.withTarget(q);
      this.queries.push({ dashboardUid: this.uid, panelTitle: title, query: q });
    });
    this.builder.withPanel(panel);
    return this;
  }

  /** The classic dashboard JSON model (what file provisioning reads). */
  build(): Dashboard {
    return finalize(this.builder.build());
  }
}

/**
 * Post-processing the SDK leaves to the caller: stable panel ids (1, 2, ...
 * in layout order), and dashboard links without the SDK's default
 * `placement: inControlsMenu` (which would hide them in a menu).
 */
function finalize(d: Dashboard): Dashboard {
  let id = 1;
  const panels = (d.panels ?? []).map((p: Panel | RowPanel) => ({ ...p, id: id++ }));
  const links = (d.links ?? []).map((l: DashboardLink) => {
    const { placement: _placement, ...rest } = l;
    return rest as DashboardLink;
  });
  return { ...d, panels, links };
}
