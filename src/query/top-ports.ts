/**
 * top ports: destination ports ranked by packets or by unique sources, with
 * each port's share of all packets, its label ("23/TCP") and service name.
 * Reads port rollups at any grain; source rollups (hour and up) when a
 * country or ASN filter is set.
 */
import { col } from '../store/row-decoders.js';
import { sql, sqlUInt, type SqlFragment } from '../store/sql.js';
import { filtersJson } from './filters.js';
import type { Grain } from './grain.js';
import { planQuery, type Plan, type RangeQuery, type Tables } from './plan.js';
import { runQuery, type QueryContext } from './runner.js';
import { describePort, type PortDescription } from './services.js';
import { ratio } from './stats.js';
import { PORT_KEY_COLUMNS, portRankSql, portsByPacketsSql, type PortKey } from './ranked-by-packets.js';
import { bytesSql, destinationsSql, headlineFamily, rowsSql, sourcesSql } from './rollup-families.js';
import { iso } from './time-range.js';

export type PortRanking = 'packets' | 'sources';
export const PORT_RANKINGS: readonly PortRanking[] = ['packets', 'sources'];
export const DEFAULT_TOP_PORTS_LIMIT = 20;

export interface TopPortsInput extends RangeQuery {
  readonly by?: PortRanking;
  readonly limit?: number;
}

export function planTopPorts(input: TopPortsInput, now: number, rawDays: number): Plan {
  return planQuery(input, now, rawDays, ['port', 'source']);
}

/**
 * Ranked by sources, `ports` is the whole ranking: every port's states are
 * merged. Ranked by packets (the default; `ports` null), run `rank` first and
 * then `measures(ports)` for the ports it chose (see ranked-by-packets.ts).
 */
export function topPortsSql(db: Tables, plan: Plan, input: TopPortsInput): { ports: SqlFragment | null; rank: SqlFragment; measures: (keys: readonly PortKey[]) => SqlFragment; total: SqlFragment } {
  const rows = rowsSql(db, plan.family, plan.grain, plan.range, input.filters, [], ['proto', 'dport']);
  const limit = sqlUInt(input.limit ?? DEFAULT_TOP_PORTS_LIMIT, 32);
  const measures = sql`sum(packets) AS packets, ${bytesSql(plan.family)} AS bytes,
  ${sourcesSql(plan.family)} AS sources, ${destinationsSql(plan.family)} AS destinations`;
  const ports = (input.by ?? 'packets') === 'sources'
    ? sql`SELECT proto, dport AS port, ${measures}
${rows.clause([], undefined, false)}
GROUP BY proto, dport
ORDER BY sources DESC, packets DESC, proto, port
LIMIT ${limit}`
    : null;
  const totalFamily = headlineFamily(plan.family, plan.grain, input.filters);
  const totals = rowsSql(db, totalFamily, plan.grain, plan.range, input.filters, [], []);
  return {
    ports,
    rank: portRankSql(rows, limit),
    measures: (keys) => portsByPacketsSql(rows, measures, keys),
    total: sql`SELECT sum(packets) AS packets, ${sourcesSql(totalFamily)} AS sources
${totals.clause([], undefined, false)}`,
  };
}

export interface PortEntry extends PortDescription {
  readonly rank: number;
  readonly proto: number;
  readonly port: number;
  readonly packets: number;
  readonly bytes: number;
  readonly sources: number;
  readonly destinations: number;
  /** Share of all packets in the range (0..1). */
  readonly share: number;
}

export interface TopPortsResult {
  readonly range: { readonly from: string; readonly to: string };
  readonly grain: Grain;
  readonly by: PortRanking;
  readonly filters: Record<string, unknown>;
  readonly total: { readonly packets: number; readonly sources: number };
  readonly ports: PortEntry[];
}

const count = col.uint64AsNumber;

export async function topPorts(ctx: QueryContext, input: TopPortsInput): Promise<TopPortsResult> {
  const plan = planTopPorts(input, ctx.now(), ctx.rawDays);
  const q = topPortsSql(ctx.store, plan, input);
  const schema = { proto: col.number, port: col.number, packets: count, bytes: count, sources: count, destinations: count };
  const [rows, totals] = await Promise.all([
    q.ports !== null
      ? runQuery(ctx, 'top_ports.ports', q.ports, schema)
      : runQuery(ctx, 'top_ports.rank', q.rank, PORT_KEY_COLUMNS).then((keys) => runQuery(ctx, 'top_ports.ports', q.measures(keys), schema)),
    runQuery(ctx, 'top_ports.total', q.total, { packets: count, sources: count }),
  ]);
  const total = totals[0] ?? { packets: 0, sources: 0 };
  return {
    range: { from: iso(plan.range.from), to: iso(plan.range.to) },
    grain: plan.grain,
    by: input.by ?? 'packets',
    filters: filtersJson(input.filters),
    total,
    ports: rows.map((r, i) => ({
      rank: i + 1, proto: r.proto, port: r.port, ...describePort(r.proto, r.port),
      packets: r.packets, bytes: r.bytes, sources: r.sources, destinations: r.destinations, share: ratio(r.packets, total.packets),
    })),
  };
}
