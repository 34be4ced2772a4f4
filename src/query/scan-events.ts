/**
 * Scan events: each source's scan traffic grouped into events, from the
 * minute activity rollup (assembly in activity-events.ts).
 *
 *   horizontal  one source, protocol and destination port, no gap longer than
 *               the expiry, reaching `minAddresses` distinct darknet addresses
 *               (Durumeric, Bailey, Halderman, "An Internet-Wide View of
 *               Internet-Wide Scanning", USENIX Security 2014: 480 s expiry,
 *               100 addresses);
 *   strobe      one source and protocol, all its ports together under the same
 *               expiry: at least `strobeMinPorts` ports and `minAddresses`
 *               addresses (several ports on many addresses);
 *   vertical    the same grouping with at least `verticalMinPorts` ports on
 *               fewer than `minAddresses` addresses (many ports on few hosts).
 * A strobe scan's ports that reach `minAddresses` on their own are horizontal
 * events too, as in Durumeric et al., who count scans per port; per-port
 * figures (the report, the dashboard) count horizontal events only.
 * The port-count thresholds are darkscope's choice (the scan taxonomy of
 * vertical / horizontal / strobe scans gives no numbers).
 */
import { DarkscopeError } from '../errors.js';
import { loadSensors } from '../store/sensors.js';
import { sql, sqlUInt, type SqlFragment } from '../store/sql.js';
import {
  activityEventsSql, checkGap, durationSec, EVENT_COLUMNS, extrapolateRate, ipv4Coverage, meanRate, type EventSelect,
} from './activity-events.js';
import { activeFilters, filtersJson, type QueryFilters } from './filters.js';
import type { Tables } from './rollup-families.js';
import { observe, runQuery, type QueryContext } from './runner.js';
import { describePort } from './services.js';
import { sourceText } from './source-address.js';
import { iso, type TimeRange } from './time-range.js';

export type ScanType = 'horizontal' | 'vertical' | 'strobe';
export const SCAN_TYPES: readonly ScanType[] = Object.freeze(['horizontal', 'vertical', 'strobe']);

/** Durumeric et al. 2014: a scan ends after 480 s without a packet. */
export const DEFAULT_SCAN_EXPIRY_SEC = 480;
/** Durumeric et al. 2014: a scan reaches at least 100 darknet addresses. */
export const DEFAULT_SCAN_MIN_ADDRESSES = 100;
/** darkscope's choice: a strobe scan probes at least 2 ports. */
export const DEFAULT_STROBE_MIN_PORTS = 2;
/** darkscope's choice: a vertical scan probes at least 10 ports. */
export const DEFAULT_VERTICAL_MIN_PORTS = 10;
export const DEFAULT_SCAN_EVENTS_LIMIT = 100;

/** The filters scan events apply (others are refused). */
const EVENT_FILTERS = new Set(['sensor', 'proto', 'port', 'tool']);

export interface ScanEventsInput {
  readonly range: TimeRange;
  readonly filters: QueryFilters;
  /** Types to list (default all). */
  readonly types?: readonly ScanType[];
  readonly expirySec?: number;
  readonly minAddresses?: number;
  readonly strobeMinPorts?: number;
  readonly verticalMinPorts?: number;
  readonly limit?: number;
}

export interface ScanParams {
  readonly expirySec: number;
  readonly minAddresses: number;
  readonly strobeMinPorts: number;
  readonly verticalMinPorts: number;
}

export function checkEventFilters(f: QueryFilters, what: string): void {
  const refused = activeFilters(f).filter((n) => !EVENT_FILTERS.has(n));
  if (refused.length > 0) throw new DarkscopeError('BAD_REQUEST', `${what} cannot apply the filter(s) ${refused.join(', ')} (only sensor, proto, port, tool)`);
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 0xffffffff) throw new DarkscopeError('BAD_REQUEST', `${name} must be a whole number from 1, got ${value}`);
  return value;
}

export function scanParams(input: ScanEventsInput): ScanParams {
  return {
    expirySec: checkGap('expiry', input.expirySec ?? DEFAULT_SCAN_EXPIRY_SEC),
    minAddresses: positive('minAddresses', input.minAddresses ?? DEFAULT_SCAN_MIN_ADDRESSES),
    strobeMinPorts: positive('strobeMinPorts', input.strobeMinPorts ?? DEFAULT_STROBE_MIN_PORTS),
    verticalMinPorts: positive('verticalMinPorts', input.verticalMinPorts ?? DEFAULT_VERTICAL_MIN_PORTS),
  };
}

/** The horizontal (per port) and the multi-port (vertical and strobe) SELECTs; null for a type not asked for. */
export function scanEventsSql(db: Tables, input: ScanEventsInput): { horizontal: SqlFragment | null; multiPort: SqlFragment | null } {
  checkEventFilters(input.filters, 'scan events');
  const p = scanParams(input);
  const types = input.types ?? SCAN_TYPES;
  const f = input.filters;
  const base: Omit<EventSelect, 'byPort' | 'having' | 'minPackets'> = {
    class: 'scan', gapSec: p.expirySec, range: input.range, sensor: f.sensor, proto: f.proto, port: f.port, tool: f.tool,
    limit: input.limit ?? DEFAULT_SCAN_EVENTS_LIMIT,
  };
  const minAddresses = sqlUInt(p.minAddresses, 32);
  const strobe = sql`(port_count >= ${sqlUInt(p.strobeMinPorts, 32)} AND addresses >= ${minAddresses})`;
  const vertical = sql`(port_count >= ${sqlUInt(p.verticalMinPorts, 32)} AND addresses < ${minAddresses})`;
  const multi = types.includes('strobe') && types.includes('vertical') ? sql`(${strobe} OR ${vertical})`
    : types.includes('strobe') ? strobe : vertical;
  // The packets an event needs at least: one per address and one per port.
  const strobePackets = Math.max(p.strobeMinPorts, p.minAddresses);
  const multiPackets = types.includes('strobe') && types.includes('vertical') ? Math.min(strobePackets, p.verticalMinPorts)
    : types.includes('strobe') ? strobePackets : p.verticalMinPorts;
  return {
    horizontal: types.includes('horizontal')
      ? activityEventsSql(db, { ...base, byPort: true, having: [sql`addresses >= ${minAddresses}`], minPackets: p.minAddresses })
      : null,
    multiPort: types.includes('strobe') || types.includes('vertical')
      ? activityEventsSql(db, { ...base, byPort: false, having: [multi], minPackets: multiPackets })
      : null,
  };
}

/** Which multi-port type an event is (the SQL keeps only events that are one of them). */
export function multiPortType(ports: number, addresses: number, p: ScanParams): ScanType | null {
  if (ports >= p.strobeMinPorts && addresses >= p.minAddresses) return 'strobe';
  if (ports >= p.verticalMinPorts && addresses < p.minAddresses) return 'vertical';
  return null;
}

export interface ScanEvent {
  readonly sensor: string;
  readonly source: string;
  readonly ipVersion: 4 | 6;
  readonly type: ScanType;
  readonly proto: number;
  /** Distinct destination ports. */
  readonly portCount: number;
  /** The ports, lowest first (at most 50). */
  readonly ports: number[];
  /** "23/TCP" for a horizontal scan; "23/TCP +1" style for several ports. */
  readonly portLabel: string;
  readonly start: string;
  readonly end: string;
  readonly durationSec: number;
  readonly packets: number;
  /** Distinct darknet addresses hit (uniqCombined estimate; exact for small counts). */
  readonly addresses: number;
  /** Packets per second at the darknet. */
  readonly rate: number;
  /** The rate extrapolated to all of IPv4 (null without a known darknet size). */
  readonly ipv4Rate: number | null;
  /** Estimated share of IPv4 covered, 0..1 (null without a known darknet size). */
  readonly ipv4Coverage: number | null;
  readonly tool: string;
  readonly label: string;
  readonly country: string;
  readonly asn: number;
}

export interface ScanEventsResult {
  readonly range: { readonly from: string; readonly to: string };
  readonly params: ScanParams;
  readonly filters: Record<string, unknown>;
  readonly events: ScanEvent[];
}

function portsLabel(proto: number, ports: readonly number[], count: number): string {
  if (ports.length === 0) return describePort(proto, 0).label;
  const first = describePort(proto, ports[0] ?? 0).label;
  return count > 1 ? `${first} +${count - 1}` : first;
}

export async function scanEvents(ctx: QueryContext, input: ScanEventsInput): Promise<ScanEventsResult> {
  const q = scanEventsSql(ctx.store, input);
  const p = scanParams(input);
  const [sensors, horizontal, multiPort] = await Promise.all([
    observe(ctx, 'scan_events.sensors', () => loadSensors(ctx.store)),
    q.horizontal === null ? Promise.resolve([]) : runQuery(ctx, 'scan_events.horizontal', q.horizontal, EVENT_COLUMNS),
    q.multiPort === null ? Promise.resolve([]) : runQuery(ctx, 'scan_events.multi_port', q.multiPort, EVENT_COLUMNS),
  ]);
  const size = new Map(sensors.map((s) => [s.sensor, s.darknetSize > 0 ? s.darknetSize : null]));
  const rows = [
    ...horizontal.map((r) => ({ r, type: 'horizontal' as ScanType })),
    ...multiPort.map((r) => ({ r, type: multiPortType(r.port_count, r.addresses, p) ?? 'strobe' })),
  ];
  const events = rows.map(({ r, type }): ScanEvent => {
    const darknet = size.get(r.sensor) ?? null;
    const rate = meanRate(r.packets_total, r.start_at, r.end_at);
    return {
      sensor: r.sensor,
      source: sourceText(r.ip_version, r.src, r.src6_hex),
      ipVersion: r.ip_version === 6 ? 6 : 4,
      type,
      proto: r.proto,
      portCount: r.port_count,
      ports: r.port_list,
      portLabel: portsLabel(r.proto, r.port_list, r.port_count),
      start: iso(r.start_at),
      end: iso(r.end_at),
      durationSec: durationSec(r.start_at, r.end_at),
      packets: r.packets_total,
      addresses: r.addresses,
      rate,
      ipv4Rate: extrapolateRate(rate, darknet, r.ip_version),
      ipv4Coverage: ipv4Coverage(r.addresses, darknet, r.ip_version),
      tool: r.tool_name,
      label: r.last_label,
      country: r.last_country,
      asn: r.last_asn,
    };
  });
  // Both SELECTs are ordered by start; merged, ties go by source, then ports (a strobe's "23/TCP +1" after its "23/TCP").
  const order = (e: ScanEvent) => [e.start, e.sensor, e.source, e.portLabel, e.type];
  events.sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    const i = x.findIndex((v, k) => v !== y[k]);
    return i < 0 ? 0 : (x[i]! < y[i]! ? -1 : 1);
  });
  return {
    range: { from: iso(input.range.from), to: iso(input.range.to) },
    params: p,
    filters: filtersJson(input.filters),
    events: events.slice(0, input.limit ?? DEFAULT_SCAN_EVENTS_LIMIT),
  };
}
