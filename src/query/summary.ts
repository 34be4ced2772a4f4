/**
 * summary: a NICTER-style observation report for a time range. Total packets,
 * bytes, unique sources and darknet destinations, packets per darknet
 * address, the share of research-labelled packets, shares by class and
 * protocol, the top ports with their combined share against all other ports,
 * and the top countries by unique sources.
 *
 * Reads the port rollups (source rollups when a country/ASN filter is set),
 * the mix rollups for the class and protocol shares (port or source rollups
 * when a port, country or ASN filter is set) and the country rollups for
 * countries (source rollups when a tool, port or ASN filter is set, which
 * they cannot apply); at least hour grain, since those rollups have no
 * minute table.
 *
 * "Research share" ignores the label filters: it is the share of
 * research-labelled packets in the traffic the other filters select, so a
 * report "excluding research" can still say how much was left out. Countries
 * are ranked among sources with a known country.
 */
import { col } from '../store/row-decoders.js';
import { loadSensors } from '../store/sensors.js';
import { sql, sqlJoin, sqlString, sqlUInt, type SqlFragment } from '../store/sql.js';
import { stringArray } from './decoders.js';
import { filtersJson, labelConditions, TRAFFIC_CLASSES, withoutLabelFilters, type TrafficClass } from './filters.js';
import type { Grain } from './grain.js';
import { planQuery, type Plan, type RangeQuery, type Tables } from './plan.js';
import { observe, runQuery, type QueryContext } from './runner.js';
import { protoName } from '../net/protocols.js';
import { describePort, type PortDescription } from './services.js';
import { ratio } from './stats.js';
import { PORT_KEY_COLUMNS, portRankSql, portsByPacketsSql, type PortKey } from './ranked-by-packets.js';
import { bytesSql, destinationsSql, familyFor, headlineFamily, rowsSql, sourcesSql, type Family } from './rollup-families.js';
import { iso } from './time-range.js';

export const DEFAULT_TOP_PORTS = 10;
export const DEFAULT_TOP_COUNTRIES = 10;
/** The label that counts as research scanning (labels come from the user's CIDR files). */
export const RESEARCH_LABEL = 'research';

export interface SummaryInput extends RangeQuery {
  readonly topPorts?: number;
  readonly topCountries?: number;
}

export interface SummaryPlan extends Plan {
  /** Family read for the top countries. */
  readonly geoFamily: Family;
  /** Family read for the class, protocol and research figures (the label filters are dropped, see SummaryQueries.mix). */
  readonly researchFamily: Family;
}

export function planSummary(input: SummaryInput, now: number, rawDays: number): SummaryPlan {
  const geoFamily = familyFor(input.filters, ['geo', 'source']);
  const researchFamily = familyFor(withoutLabelFilters(input.filters), ['mix', 'port', 'source']);
  // Every part reads the same buckets; geo and source rollups start at hour grain.
  const base = planQuery(input, now, rawDays, ['port', 'source'], 'hour');
  return { ...base, geoFamily, researchFamily };
}

export interface SummaryQueries {
  readonly totals: SqlFragment;
  /**
   * Packets by class and protocol, in one pass over the rows without the
   * label filters: `kept` (what the label filters keep), `total` and
   * `research` (for the research share). No column is aliased `packets`:
   * ClickHouse would read the alias inside the other sums.
   */
  readonly mix: SqlFragment;
  /** The top ports by packets (run first), then their measures. */
  readonly topPortRank: SqlFragment;
  readonly topPorts: (keys: readonly PortKey[]) => SqlFragment;
  readonly countries: SqlFragment;
}

export function summarySql(db: Tables, plan: SummaryPlan, input: SummaryInput): SummaryQueries {
  const { family, grain, range } = plan;
  const f = input.filters;
  // Each part names the columns it reads, so long ranges read the small day rollups (see fromSql).
  const rows = rowsSql(db, family, grain, range, f, [], ['proto', 'dport']);
  const kept = labelConditions(f);
  const headline = headlineFamily(family, grain, f);
  const totals = rowsSql(db, headline, grain, range, f, [], ['sensor']);
  const research = rowsSql(db, plan.researchFamily, grain, range, withoutLabelFilters(f), [], ['class', 'proto', 'label']);
  const geo = rowsSql(db, plan.geoFamily, grain, range, f, [sql`country != ''`], ['country']);
  const topPorts = input.topPorts ?? DEFAULT_TOP_PORTS;
  const topCountries = input.topCountries ?? DEFAULT_TOP_COUNTRIES;
  return {
    totals: sql`SELECT sum(packets) AS packets, ${bytesSql(headline)} AS bytes, ${sourcesSql(headline)} AS sources,
  ${destinationsSql(headline)} AS destinations, groupUniqArray(sensor) AS sensors
FROM ${totals.from}
${totals.where()}`,
    mix: sql`SELECT class, proto, ${kept.length === 0 ? sql`sum(packets)` : sql`sumIf(packets, ${sqlJoin(kept, sql` AND `)})`} AS kept,
  sum(packets) AS total, sumIf(packets, label = ${sqlString(RESEARCH_LABEL)}) AS research
FROM ${research.from}
${research.where()}
GROUP BY class, proto`,
    topPortRank: portRankSql(rows, sqlUInt(topPorts, 32)),
    topPorts: (keys) => portsByPacketsSql(rows, sql`sum(packets) AS packets, ${sourcesSql(family)} AS sources`, keys),
    countries: sql`SELECT country, ${sourcesSql(plan.geoFamily)} AS sources, sum(packets) AS packets
FROM ${geo.from}
${geo.where()}
GROUP BY country
ORDER BY sources DESC, packets DESC, country
LIMIT ${sqlUInt(topCountries, 32)}`,
  };
}

export interface PortShare extends PortDescription {
  readonly rank: number;
  readonly proto: number;
  readonly port: number;
  readonly packets: number;
  /** Share of all packets in the range (0..1). */
  readonly share: number;
  readonly sources: number;
}

export interface SummaryResult {
  readonly range: { readonly from: string; readonly to: string };
  readonly grain: Grain;
  readonly filters: Record<string, unknown>;
  readonly totals: { readonly packets: number; readonly bytes: number; readonly sources: number; readonly destinations: number };
  /** Addresses the sensors observe (null when unknown for any sensor in the range) and packets per address. */
  readonly darknet: { readonly sensors: string[]; readonly size: number | null; readonly packetsPerAddress: number | null };
  readonly research: { readonly label: string; readonly packets: number; readonly share: number };
  readonly classes: Array<{ class: TrafficClass; packets: number; share: number }>;
  readonly protocols: Array<{ proto: number; name: string; packets: number; share: number }>;
  readonly topPorts: {
    readonly ports: PortShare[];
    /** Combined share of the listed ports, and of every other port. */
    readonly share: number;
    readonly otherShare: number;
  };
  readonly topCountries: Array<{ rank: number; country: string; sources: number; packets: number; share: number }>;
}

const count = col.uint64AsNumber;

export async function summary(ctx: QueryContext, input: SummaryInput): Promise<SummaryResult> {
  const plan = planSummary(input, ctx.now(), ctx.rawDays);
  const q = summarySql(ctx.store, plan, input);
  const [totalsRows, mixRows, portRows, countryRows, sensors] = await Promise.all([
    runQuery(ctx, 'summary.totals', q.totals, { packets: count, bytes: count, sources: count, destinations: count, sensors: stringArray }),
    runQuery(ctx, 'summary.mix', q.mix, { class: col.string, proto: col.number, kept: count, total: count, research: count }),
    runQuery(ctx, 'summary.top_port_rank', q.topPortRank, PORT_KEY_COLUMNS)
      .then((keys) => runQuery(ctx, 'summary.top_ports', q.topPorts(keys), { proto: col.number, port: col.number, packets: count, sources: count })),
    runQuery(ctx, 'summary.countries', q.countries, { country: col.string, sources: count, packets: count }),
    observe(ctx, 'summary.sensors', () => loadSensors(ctx.store)),
  ]);
  const t = totalsRows[0] ?? { packets: 0, bytes: 0, sources: 0, destinations: 0, sensors: [] };
  const total = t.packets;
  const seen = [...t.sensors].sort();
  const sizes = seen.map((s) => sensors.find((x) => x.sensor === s)?.darknetSize ?? 0);
  const size = seen.length > 0 && sizes.every((n) => n > 0) ? sizes.reduce((a, b) => a + b, 0) : null;
  const byClass = keptBy(mixRows, (r) => r.class);
  const byProto = keptBy(mixRows.filter((r) => r.kept > 0), (r) => r.proto);
  const ports: PortShare[] = portRows.map((r, i) => ({
    rank: i + 1, proto: r.proto, port: r.port, ...describePort(r.proto, r.port),
    packets: r.packets, share: ratio(r.packets, total), sources: r.sources,
  }));
  const topShare = ratio(ports.reduce((a, p) => a + p.packets, 0), total);
  const research = mixRows.reduce((a, r) => ({ total: a.total + r.total, research: a.research + r.research }), { total: 0, research: 0 });
  return {
    range: { from: iso(plan.range.from), to: iso(plan.range.to) },
    grain: plan.grain,
    filters: filtersJson(input.filters),
    totals: { packets: t.packets, bytes: t.bytes, sources: t.sources, destinations: t.destinations },
    darknet: { sensors: seen, size, packetsPerAddress: size === null ? null : total / size },
    research: { label: RESEARCH_LABEL, packets: research.research, share: ratio(research.research, research.total) },
    classes: TRAFFIC_CLASSES.map((c) => ({ class: c, packets: byClass.get(c) ?? 0, share: ratio(byClass.get(c) ?? 0, total) })),
    protocols: [...byProto].sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .map(([proto, packets]) => ({ proto, name: protoName(proto), packets, share: ratio(packets, total) })),
    topPorts: { ports, share: topShare, otherShare: total > 0 ? 1 - topShare : 0 },
    topCountries: countryRows.map((r, i) => ({ rank: i + 1, country: r.country, sources: r.sources, packets: r.packets, share: ratio(r.packets, total) })),
  };
}

/** Kept packets summed by `key` over the rows. */
function keptBy<R extends { readonly kept: number }, K>(rows: readonly R[], key: (r: R) => K): Map<K, number> {
  const out = new Map<K, number>();
  for (const r of rows) out.set(key(r), (out.get(key(r)) ?? 0) + r.kept);
  return out;
}
