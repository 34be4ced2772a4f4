/**
 * top sources: the sources that sent the most (optionally to one port, via
 * the `port` / `proto` filters), from the source rollups (hour grain and up):
 * packets, bytes, ports touched, destinations, first/last seen, the class
 * mix, the scan tools recognised, and the latest country, ASN and label.
 */
import { col } from '../store/row-decoders.js';
import { uniqMergeSql } from '../store/rollups.js';
import { sql, sqlUInt, type SqlFragment } from '../store/sql.js';
import { stringArray } from './decoders.js';
import { filtersJson } from './filters.js';
import type { Grain } from './grain.js';
import { planQuery, type Plan, type RangeQuery, type Tables } from './plan.js';
import { runQuery, type QueryContext } from './runner.js';
import { SOURCE_KEY_COLUMNS, sourceKeysCondition, sourceRankSql, type SourceKey } from './ranked-by-packets.js';
import { sourceText } from './source-address.js';
import { destinationsSql, rowsSql } from './rollup-families.js';
import { iso } from './time-range.js';

export type SourceRanking = 'packets' | 'ports' | 'destinations';
export const SOURCE_RANKINGS: readonly SourceRanking[] = ['packets', 'ports', 'destinations'];
export const DEFAULT_TOP_SOURCES_LIMIT = 20;

export interface TopSourcesInput extends RangeQuery {
  readonly by?: SourceRanking;
  readonly limit?: number;
}

export function planTopSources(input: TopSourcesInput, now: number, rawDays: number): Plan {
  return planQuery(input, now, rawDays, ['source']);
}

/**
 * The columns SOURCE_MEASURES and the source key read besides the measures:
 * all in source_total_1d, so a long range reads whole days from it.
 */
export const SOURCE_MEASURE_DIMENSIONS: readonly string[] = Object.freeze(['ip_version', 'src', 'src6', 'class', 'tool', 'label', 'country', 'asn']);

/** What a source sent, shared with the source profile (the ports are counted from the per-source `ports` states: within 1% of exact, like every unique count). */
export const SOURCE_MEASURES = sql`sum(packets) AS total_packets, sum(bytes) AS total_bytes,
  ${uniqMergeSql(sql`ports`)} AS port_count, ${destinationsSql('source')} AS destination_count,
  toUInt32(minMerge(first_seen)) AS first_seen_at, toUInt32(maxMerge(last_seen)) AS last_seen_at,
  sumIf(packets, class = 'scan') AS scan_packets, sumIf(packets, class = 'backscatter') AS backscatter_packets,
  sumIf(packets, class = 'other') AS other_packets, groupUniqArray(toString(tool)) AS tool_list,
  argMax(country, t) AS last_country, argMax(asn, t) AS last_asn, argMax(label, t) AS last_label`;

/**
 * Decoders for SOURCE_MEASURES. The aliases differ from every column name on
 * purpose: ClickHouse resolves an alias anywhere in the query, so
 * `sum(packets) AS packets` next to `sumIf(packets, ...)` (or a WHERE on
 * `country` next to `argMax(country, t) AS country`) would nest aggregates.
 */
export const SOURCE_MEASURE_COLUMNS = {
  total_packets: col.uint64AsNumber, total_bytes: col.uint64AsNumber, port_count: col.uint64AsNumber, destination_count: col.uint64AsNumber,
  first_seen_at: col.number, last_seen_at: col.number,
  scan_packets: col.uint64AsNumber, backscatter_packets: col.uint64AsNumber, other_packets: col.uint64AsNumber,
  tool_list: stringArray, last_country: col.string, last_asn: col.number, last_label: col.string,
} as const;

const ORDER: Readonly<Record<SourceRanking, SqlFragment>> = {
  packets: sql`total_packets DESC`,
  ports: sql`port_count DESC, total_packets DESC`,
  destinations: sql`destination_count DESC, total_packets DESC`,
};

/**
 * Ranked by packets (the default), the sources are chosen first by `rank`
 * from their packet counts, and the costlier measures (unique ports,
 * destination states) are computed for those sources only by
 * `measures(sources)` (see ranked-by-packets.ts). Ranked otherwise, `rank` is
 * null and `measures(null)` is the whole ranking.
 */
export function topSourcesSql(db: Tables, plan: Plan, input: TopSourcesInput): { rank: SqlFragment | null; measures: (keys: readonly SourceKey[] | null) => SqlFragment } {
  const rows = rowsSql(db, plan.family, plan.grain, plan.range, input.filters, [], SOURCE_MEASURE_DIMENSIONS);
  const by = input.by ?? 'packets';
  const limit = sqlUInt(input.limit ?? DEFAULT_TOP_SOURCES_LIMIT, 32);
  return {
    // The ranking reads addresses and packets only: rows computed from raw packets are then grouped by the address alone.
    rank: by === 'packets' ? sourceRankSql(rowsSql(db, plan.family, plan.grain, plan.range, input.filters, [], []), limit) : null,
    measures: (keys) => sql`SELECT ip_version, src, hex(src6) AS src6_hex, ${SOURCE_MEASURES}
${rows.clause(keys === null ? [] : [sourceKeysCondition(keys)])}
GROUP BY ip_version, src, src6
ORDER BY ${ORDER[by]}, ip_version, src, src6
LIMIT ${limit}`,
  };
}

export interface SourceMeasures {
  readonly packets: number;
  readonly bytes: number;
  /** Distinct (protocol, destination port) pairs. */
  readonly ports: number;
  readonly destinations: number;
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  /** Packets by traffic class. */
  readonly classes: { readonly scan: number; readonly backscatter: number; readonly other: number };
  /** Scan tools recognised in its packets (none = no known tool). */
  readonly tools: string[];
  readonly country: string;
  readonly asn: number;
  readonly label: string;
}

export type SourceMeasureRow = { [K in keyof typeof SOURCE_MEASURE_COLUMNS]: ReturnType<(typeof SOURCE_MEASURE_COLUMNS)[K]> };

export function sourceMeasures(r: SourceMeasureRow): SourceMeasures {
  const seen = r.total_packets > 0;
  return {
    packets: r.total_packets,
    bytes: r.total_bytes,
    ports: r.port_count,
    destinations: r.destination_count,
    firstSeen: seen ? iso(r.first_seen_at) : null,
    lastSeen: seen ? iso(r.last_seen_at) : null,
    classes: { scan: r.scan_packets, backscatter: r.backscatter_packets, other: r.other_packets },
    tools: r.tool_list.filter((t) => t !== 'none').sort(),
    country: r.last_country,
    asn: r.last_asn,
    label: r.last_label,
  };
}

export interface SourceEntry extends SourceMeasures {
  readonly rank: number;
  readonly ip: string;
  readonly ipVersion: 4 | 6;
}

export interface TopSourcesResult {
  readonly range: { readonly from: string; readonly to: string };
  readonly grain: Grain;
  readonly by: SourceRanking;
  readonly filters: Record<string, unknown>;
  readonly sources: SourceEntry[];
}

export async function topSources(ctx: QueryContext, input: TopSourcesInput): Promise<TopSourcesResult> {
  const plan = planTopSources(input, ctx.now(), ctx.rawDays);
  const q = topSourcesSql(ctx.store, plan, input);
  const keys = q.rank === null ? null : (await runQuery(ctx, 'top_sources.rank', q.rank, SOURCE_KEY_COLUMNS))
    .map((r) => ({ ipVersion: r.ip_version, src: r.src, src6Hex: r.src6_hex }));
  const rows = await runQuery(ctx, 'top_sources', q.measures(keys),
    { ip_version: col.number, src: col.number, src6_hex: col.string, ...SOURCE_MEASURE_COLUMNS });
  return {
    range: { from: iso(plan.range.from), to: iso(plan.range.to) },
    grain: plan.grain,
    by: input.by ?? 'packets',
    filters: filtersJson(input.filters),
    sources: rows.map((r, i) => ({
      rank: i + 1,
      ip: sourceText(r.ip_version, r.src, r.src6_hex),
      ipVersion: r.ip_version === 6 ? 6 : 4,
      ...sourceMeasures(r),
    })),
  };
}
