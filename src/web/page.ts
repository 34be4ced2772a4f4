/** What every page (overview, port, source, trends) gives the shell. */
import type { ApiClient } from './api.js';
import type { ChartHandle } from './chart.js';
import type { ShownTable } from './csv.js';
import { toHash, type View, type ViewState } from './state.js';

export interface PageContext {
  readonly api: ApiClient;
  readonly state: ViewState;
  readonly signal: AbortSignal;
  /** Browser time, epoch seconds. */
  readonly nowSec: number;
  /** The server evaluates alerts (serve --alerts): /api/v1/alerts answers. */
  readonly alertsOn: boolean;
}

export interface Rendered {
  readonly title: string;
  readonly node: HTMLElement;
  /** The tables shown, for CSV downloads (the API's numbers, unformatted). */
  readonly tables: readonly ShownTable[];
  /** The API answers shown, for the JSON download. */
  readonly json: Readonly<Record<string, unknown>>;
  readonly charts: readonly ChartHandle[];
  /** Sensors named in the answers (for the sensor filter's suggestions). */
  readonly sensors?: readonly string[];
  /**
   * Parts still loading after `node` is shown (the overview's sparklines and
   * trends): the view is ready when this settles; a rejection is the view's error.
   */
  readonly pending?: Promise<void>;
}

export type Page = (ctx: PageContext) => Promise<Rendered>;

/** The link to another view with the same range and filters. */
export function linkTo(state: ViewState, view: View): string {
  return toHash({ view, filters: state.filters });
}

const PROTO_NAMES: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 47: 'gre', 50: 'esp', 58: 'icmpv6', 132: 'sctp' };

/** The port page of a (protocol number, port) pair. */
export function portView(proto: number, port: number): View {
  return { page: 'port', proto: PROTO_NAMES[proto] ?? String(proto), port };
}

/** The series route of a port, e.g. "ports/tcp/23/series". */
export function seriesPath(proto: number | string, port: number): string {
  const name = typeof proto === 'number' ? PROTO_NAMES[proto] ?? String(proto) : proto;
  return `ports/${encodeURIComponent(name)}/${port}/series`;
}
