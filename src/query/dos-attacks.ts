/**
 * DoS attacks inferred from backscatter (Moore, Shannon, Brown, Voelker,
 * Savage, "Inferring Internet Denial-of-Service Activity", ACM TOCS 2006):
 * a victim under a flood with spoofed random sources answers some of those
 * sources, and the darknet receives its share of the answers. Backscatter is
 * grouped by victim (its source address) and protocol into attacks that end
 * after an inactivity timeout, with the thresholds of CAIDA corsaro's dos
 * plugin (an implementation of Moore et al.'s method; its
 * CORSARO_DOS_* constants): timeout 300 s, at least 25 packets, lasting at
 * least 60 s, and a peak of at least 30 packets in a minute. corsaro measures
 * the peak over a 60 s window sliding by 10 s; darkscope over the fixed
 * minutes of its activity rollup, which can only be lower (a burst split by a
 * minute boundary), so borderline attacks may be left out.
 *
 * The victim's ports are the source ports of its answers (SYN-ACK from
 * 80/TCP); ICMP errors (a victim's unreachables) quote the header that caused
 * them, but darkscope's decoder does not keep the quoted header, so ICMP
 * attacks list no ports.
 */
import { DarkscopeError } from '../errors.js';
import { loadSensors } from '../store/sensors.js';
import { sql, sqlUInt, type SqlFragment } from '../store/sql.js';
import { activityEventsSql, checkGap, durationSec, EVENT_COLUMNS, extrapolateRate, meanRate } from './activity-events.js';
import { filtersJson, type QueryFilters } from './filters.js';
import type { Tables } from './rollup-families.js';
import { observe, runQuery, type QueryContext } from './runner.js';
import { checkEventFilters } from './scan-events.js';
import { sourceText } from './source-address.js';
import { iso, type TimeRange } from './time-range.js';

/** corsaro dos: CORSARO_DOS_VECTOR_TIMEOUT. */
export const DEFAULT_DOS_TIMEOUT_SEC = 300;
/** corsaro dos: CORSARO_DOS_ATTACK_VECTOR_MIN_PACKETS. */
export const DEFAULT_DOS_MIN_PACKETS = 25;
/** corsaro dos: CORSARO_DOS_ATTACK_VECTOR_MIN_DURATION. */
export const DEFAULT_DOS_MIN_DURATION_SEC = 60;
/** corsaro dos: CORSARO_DOS_ATTACK_VECTOR_MIN_PPM. */
export const DEFAULT_DOS_MIN_PEAK_PER_MINUTE = 30;
export const DEFAULT_DOS_LIMIT = 100;

export interface DosAttacksInput {
  readonly range: TimeRange;
  /** sensor, proto, port (a victim port); tool is refused (backscatter has no scan tool). */
  readonly filters: QueryFilters;
  readonly timeoutSec?: number;
  readonly minPackets?: number;
  readonly minDurationSec?: number;
  readonly minPeakPerMinute?: number;
  readonly limit?: number;
}

export interface DosParams {
  readonly timeoutSec: number;
  readonly minPackets: number;
  readonly minDurationSec: number;
  readonly minPeakPerMinute: number;
}

function count(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min || value > 0xffffffff) throw new DarkscopeError('BAD_REQUEST', `${name} must be a whole number from ${min}, got ${value}`);
  return value;
}

export function dosParams(input: DosAttacksInput): DosParams {
  return {
    timeoutSec: checkGap('timeout', input.timeoutSec ?? DEFAULT_DOS_TIMEOUT_SEC),
    minPackets: count('minPackets', input.minPackets ?? DEFAULT_DOS_MIN_PACKETS, 1),
    minDurationSec: count('minDuration', input.minDurationSec ?? DEFAULT_DOS_MIN_DURATION_SEC, 0),
    minPeakPerMinute: count('minPeakPerMinute', input.minPeakPerMinute ?? DEFAULT_DOS_MIN_PEAK_PER_MINUTE, 0),
  };
}

export function dosAttacksSql(db: Tables, input: DosAttacksInput): SqlFragment {
  checkEventFilters(input.filters, 'DoS attacks');
  if (input.filters.tool !== undefined) throw new DarkscopeError('BAD_REQUEST', 'DoS attacks cannot apply the filter tool (backscatter carries no scan tool)');
  const p = dosParams(input);
  const f = input.filters;
  return activityEventsSql(db, {
    class: 'backscatter', byPort: false, gapSec: p.timeoutSec, range: input.range,
    sensor: f.sensor, proto: f.proto, port: f.port,
    having: [
      sql`packets_total >= ${sqlUInt(p.minPackets, 32)}`,
      sql`end_at - start_at >= ${sqlUInt(p.minDurationSec, 32)}`,
      sql`peak_minute >= ${sqlUInt(p.minPeakPerMinute, 32)}`,
    ],
    // An attack has at least minPackets packets, and its peak minute at least minPeakPerMinute.
    minPackets: Math.max(p.minPackets, p.minPeakPerMinute),
    limit: input.limit ?? DEFAULT_DOS_LIMIT,
  });
}

export interface DosAttack {
  readonly sensor: string;
  readonly victim: string;
  readonly ipVersion: 4 | 6;
  readonly proto: number;
  /** The victim's ports seen in its answers, lowest first (at most 50); [] for ICMP. */
  readonly ports: number[];
  readonly portCount: number;
  readonly start: string;
  readonly end: string;
  readonly durationSec: number;
  readonly packets: number;
  /** Darknet addresses that received backscatter. */
  readonly addresses: number;
  /** Highest packets in one minute at the darknet, per second. */
  readonly peakRate: number;
  /** Packets per second at the darknet over the attack. */
  readonly meanRate: number;
  /** The victim's answers per second, extrapolated from the darknet's share of IPv4 (null without a known darknet size). */
  readonly victimRate: number | null;
  readonly country: string;
  readonly asn: number;
  readonly label: string;
}

export interface DosAttacksResult {
  readonly range: { readonly from: string; readonly to: string };
  readonly params: DosParams;
  readonly filters: Record<string, unknown>;
  readonly attacks: DosAttack[];
}

export async function dosAttacks(ctx: QueryContext, input: DosAttacksInput): Promise<DosAttacksResult> {
  const q = dosAttacksSql(ctx.store, input);
  const [sensors, rows] = await Promise.all([
    observe(ctx, 'dos_attacks.sensors', () => loadSensors(ctx.store)),
    runQuery(ctx, 'dos_attacks', q, EVENT_COLUMNS),
  ]);
  const size = new Map(sensors.map((s) => [s.sensor, s.darknetSize > 0 ? s.darknetSize : null]));
  return {
    range: { from: iso(input.range.from), to: iso(input.range.to) },
    params: dosParams(input),
    filters: filtersJson(input.filters),
    attacks: rows.map((r): DosAttack => {
      const mean = meanRate(r.packets_total, r.start_at, r.end_at);
      const icmp = r.proto === 1 || r.proto === 58;
      return {
        sensor: r.sensor,
        victim: sourceText(r.ip_version, r.src, r.src6_hex),
        ipVersion: r.ip_version === 6 ? 6 : 4,
        proto: r.proto,
        ports: icmp ? [] : r.port_list,
        portCount: icmp ? 0 : r.port_count,
        start: iso(r.start_at),
        end: iso(r.end_at),
        durationSec: durationSec(r.start_at, r.end_at),
        packets: r.packets_total,
        addresses: r.addresses,
        peakRate: r.peak_minute / 60,
        meanRate: mean,
        victimRate: extrapolateRate(mean, size.get(r.sensor) ?? null, r.ip_version),
        country: r.last_country,
        asn: r.last_asn,
        label: r.last_label,
      };
    }),
  };
}
