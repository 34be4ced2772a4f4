/**
 * Trend scores per (proto, dport), computed in SQL from the port rollups, for
 * the Trends dashboard and the Grafana alert rules.
 *
 * Windows (all end-aligned to whole UTC hours/days, so partial buckets never count):
 * - recent:   the 24 whole hours before `$__toTime` (port_1h)
 *             [R0, R1) with R1 = hour of $__toTime, R0 = R1 - 24 h;
 * - baseline: the D whole UTC days before the day holding R0 (port_1h in
 *             UTC day buckets: the conditions filter class and label, which
 *             the day rollup port_total_1d does not have).
 *
 * Per port, with S/T the recent unique sources/targets and s/t their daily
 * means over the D baseline days (days without traffic count as 0):
 * - DShield trend score  sqrt((S - s)^2 / s + (T - t)^2 / t), s and t floored at 1;
 * - robust z-score       (S - median) / (1.4826 * MAD) of the D daily unique-source
 *                        counts, the denominator floored at 1 (a flat baseline, MAD 0,
 *                        would otherwise give infinity);
 * - ratio                S / s (s floored at 1).
 * A port with no traffic on any baseline day is "new" (baseline_days_seen = 0).
 *
 * ClickHouse 18.16 notes: no window functions, so the daily series is an array
 * (groupArray, padded with zeros by arrayResize) and median/MAD come from
 * arrayReduce('median', ...); the MAD lambda takes the median as a second
 * array argument because 18.16 drops columns that are only captured by a
 * lambda from a subquery ("Unknown identifier").
 */
import { uniq, PORT_LABEL } from './sql.js';

export interface TrendParams {
  /** SQL expression: number of baseline days (>= 1). */
  readonly baselineDays: string;
  /** SQL expression: least recent unique sources for a port to be listed. */
  readonly minSources: string;
  /** Extra conditions on port_1h (dashboard filters or fixed ones), ANDed. */
  readonly conditions: readonly string[];
}

/** Epoch second where the recent window ends: the whole hour of $__toTime. */
export const RECENT_END = 'intDiv(toUInt32($__toTime), 3600) * 3600';
export const RECENT_START = `(${RECENT_END} - 86400)`;
/** The baseline ends at 00:00 UTC of the day holding the recent window's start. */
export const BASELINE_END = `(intDiv(${RECENT_START}, 86400) * 86400)`;

/**
 * One row per port with recent traffic of at least `minSources` sources:
 * port, proto, dport, recent_sources, recent_targets, recent_packets,
 * baseline_sources, baseline_targets, baseline_packets (daily means),
 * baseline_days_seen, median_sources, mad_sources, ratio, robust_z, dshield_score.
 */
export function trendScoresSql(p: TrendParams): string {
  const days = `greatest(${p.baselineDays}, 1)`;
  const baselineStart = `(${BASELINE_END} - ${days} * 86400)`;
  const and = p.conditions.map((c) => `\n      AND ${c}`).join('');
  return `SELECT
  ${PORT_LABEL} AS port,
  proto,
  dport,
  recent_sources,
  recent_targets,
  recent_packets,
  baseline_sources,
  baseline_targets,
  baseline_packets,
  baseline_days_seen,
  median_sources,
  mad_sources,
  recent_sources / greatest(baseline_sources, 1) AS ratio,
  (recent_sources - median_sources) / greatest(1.4826 * mad_sources, 1) AS robust_z,
  sqrt(pow(recent_sources - baseline_sources, 2) / greatest(baseline_sources, 1)
     + pow(recent_targets - baseline_targets, 2) / greatest(baseline_targets, 1)) AS dshield_score
FROM (
  SELECT
    proto,
    dport,
    recent_sources,
    recent_targets,
    recent_packets,
    arraySum(day_sources) / ${days} AS baseline_sources,
    arraySum(day_targets) / ${days} AS baseline_targets,
    arraySum(day_packets) / ${days} AS baseline_packets,
    length(day_sources) AS baseline_days_seen,
    arrayResize(day_sources, ${days}) AS daily_sources,
    arrayReduce('median', daily_sources) AS median_sources,
    arrayReduce('median', arrayMap((x, m) -> abs(x - m), daily_sources, arrayResize([median_sources], ${days}, median_sources))) AS mad_sources
  FROM (
    SELECT proto, dport, ${uniq('sources')} AS recent_sources, ${uniq('destinations')} AS recent_targets, sum(packets) AS recent_packets
    FROM port_1h
    WHERE t >= toDateTime(${RECENT_START}) AND t < toDateTime(${RECENT_END})${and}
    GROUP BY proto, dport
    HAVING recent_sources >= ${p.minSources}
  ) AS recent
  ANY LEFT JOIN (
    SELECT proto, dport, groupArray(s) AS day_sources, groupArray(d) AS day_targets, groupArray(n) AS day_packets
    FROM (
      SELECT proto, dport, intDiv(toUInt32(t), 86400) AS day, ${uniq('sources')} AS s, ${uniq('destinations')} AS d, sum(packets) AS n
      FROM port_1h
      WHERE t >= toDateTime(${baselineStart}) AND t < toDateTime(${BASELINE_END})${and}
      GROUP BY proto, dport, day
    )
    GROUP BY proto, dport
  ) AS baseline USING (proto, dport)
)`;
}

/** Condition for a spike: an increase on a port seen in the baseline, robust z at least `z`. */
export function spikeCondition(z: string): string {
  return `baseline_days_seen > 0 AND recent_sources > baseline_sources AND robust_z >= ${z}`;
}

/** Condition for a new port: no traffic on any baseline day. */
export const NEW_PORT_CONDITION = 'baseline_days_seen = 0';
