/**
 * Scan events per destination port and UTC day: how many horizontal scan
 * events (scan-events.ts) started that day on each port, and from how many
 * sources. The report's "scan events" section; the dashboards count the same
 * with their own SQL (dashboards/src/overview.ts).
 */
import { col } from '../store/row-decoders.js';
import { sql, sqlUInt, type SqlFragment } from '../store/sql.js';
import { activityEventsSql } from './activity-events.js';
import { filtersJson } from './filters.js';
import type { Tables } from './rollup-families.js';
import { runQuery, type QueryContext } from './runner.js';
import { describePort } from './services.js';
import { checkEventFilters, scanParams, type ScanEventsInput, type ScanParams } from './scan-events.js';
import { iso } from './time-range.js';

/** Ports listed per day. */
export const DEFAULT_PORTS_PER_DAY = 10;

export interface ScanEventCountsInput extends Omit<ScanEventsInput, 'types' | 'limit' | 'strobeMinPorts' | 'verticalMinPorts'> {
  readonly portsPerDay?: number;
}

export function scanEventCountsSql(db: Tables, input: ScanEventCountsInput): SqlFragment {
  checkEventFilters(input.filters, 'scan event counts');
  const p = scanParams(input);
  const f = input.filters;
  const events = activityEventsSql(db, {
    class: 'scan', byPort: true, gapSec: p.expirySec, range: input.range, sensor: f.sensor, proto: f.proto, port: f.port, tool: f.tool,
    having: [sql`addresses >= ${sqlUInt(p.minAddresses, 32)}`], minPackets: p.minAddresses, limit: null,
  });
  return sql`SELECT toUInt32(toStartOfDay(toDateTime(start_at, 'UTC'))) AS day, proto, port, count() AS events, uniqExact(ip_version, src, src6) AS sources
FROM (${events})
GROUP BY day, proto, port
ORDER BY day, events DESC, proto, port
LIMIT ${sqlUInt(input.portsPerDay ?? DEFAULT_PORTS_PER_DAY, 32)} BY day`;
}

export interface ScanEventCount {
  /** YYYY-MM-DD (UTC). */
  readonly day: string;
  readonly proto: number;
  readonly port: number;
  readonly label: string;
  readonly events: number;
  readonly sources: number;
}

export interface ScanEventCountsResult {
  readonly range: { readonly from: string; readonly to: string };
  readonly params: Pick<ScanParams, 'expirySec' | 'minAddresses'>;
  readonly filters: Record<string, unknown>;
  readonly days: ScanEventCount[];
}

export async function scanEventCounts(ctx: QueryContext, input: ScanEventCountsInput): Promise<ScanEventCountsResult> {
  const rows = await runQuery(ctx, 'scan_event_counts', scanEventCountsSql(ctx.store, input), {
    day: col.number, proto: col.number, port: col.number, events: col.uint64AsNumber, sources: col.uint64AsNumber,
  });
  const p = scanParams(input);
  return {
    range: { from: iso(input.range.from), to: iso(input.range.to) },
    params: { expirySec: p.expirySec, minAddresses: p.minAddresses },
    filters: filtersJson(input.filters),
    days: rows.map((r) => ({
      day: iso(r.day).slice(0, 10), proto: r.proto, port: r.port, label: describePort(r.proto, r.port).label, events: r.events, sources: r.sources,
    })),
  };
}
