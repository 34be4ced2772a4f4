/**
 * The filters every query accepts, parsed once from user text (API query
 * strings, CLI flags) into typed values. `filterConditions` turns them into
 * SQL, only through the encoder (src/store/sql.ts), so a label or sensor name
 * reaches ClickHouse as a string literal whatever it contains.
 */
import { DarkscopeError } from '../errors.js';
import type { ScanTool, TrafficClass } from '../ingest/packet.js';
import { sql, sqlList, sqlString, sqlUInt, type SqlFragment } from '../store/sql.js';

export type { ScanTool, TrafficClass };

export const TRAFFIC_CLASSES: readonly TrafficClass[] = Object.freeze(['scan', 'backscatter', 'other']);
export const SCAN_TOOLS: readonly ScanTool[] = Object.freeze(['none', 'mirai', 'zmap', 'masscan']);

export interface QueryFilters {
  readonly sensor?: string;
  /** IP protocol number. */
  readonly proto?: number;
  /** Destination port (with or without `proto`). */
  readonly port?: number;
  readonly class?: TrafficClass;
  readonly tool?: ScanTool;
  /** Only sources with exactly this label. */
  readonly label?: string;
  /** Leave out sources with any of these labels (e.g. "research"). */
  readonly excludeLabels?: readonly string[];
  /** ISO 3166 alpha-2 country of the source, upper case. */
  readonly country?: string;
  readonly asn?: number;
}

export type FilterName = keyof QueryFilters;

/** Filters as text, the way the API and the CLI receive them. */
export interface FilterInput {
  readonly sensor?: string;
  readonly proto?: string | number;
  readonly port?: string | number;
  readonly class?: string;
  readonly tool?: string;
  readonly label?: string;
  readonly excludeLabel?: string | readonly string[];
  readonly country?: string;
  readonly asn?: string | number;
}

export const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = Object.freeze({
  icmp: 1, tcp: 6, udp: 17, gre: 47, esp: 50, icmpv6: 58, sctp: 132,
});

function badFilter(message: string, value: unknown): DarkscopeError {
  return new DarkscopeError('BAD_REQUEST', message, { value: typeof value === 'string' ? value.slice(0, 80) : String(value) });
}

/** "tcp", "UDP", "6" → protocol number. */
export function parseProto(text: string | number): number {
  if (typeof text === 'number') {
    if (Number.isInteger(text) && text >= 0 && text <= 255) return text;
    throw badFilter(`proto ${text} is not a protocol number 0..255`, text);
  }
  const t = text.trim().toLowerCase();
  if (t in PROTOCOL_NUMBERS) return PROTOCOL_NUMBERS[t];
  if (/^\d{1,3}$/.test(t) && Number(t) <= 255) return Number(t);
  throw badFilter(`proto "${text}" must be tcp, udp, icmp, icmpv6, sctp, gre, esp or a number 0..255`, text);
}

export function parsePort(text: string | number): number {
  const n = typeof text === 'number' ? text : /^\d{1,5}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw badFilter(`port "${text}" must be a number 0..65535`, text);
  return n;
}

/** "23/tcp", "53/udp", "23" (TCP), "icmp" (port 0) → proto and port. */
export function parsePortSpec(text: string): { proto: number; port: number } {
  const t = text.trim().toLowerCase();
  const m = /^(\d{1,5})(?:\/([a-z0-9]+))?$/.exec(t);
  if (m) return { port: parsePort(m[1]), proto: m[2] === undefined ? PROTOCOL_NUMBERS.tcp : parseProto(m[2]) };
  if (t === 'icmp' || t === 'icmpv6') return { proto: PROTOCOL_NUMBERS[t], port: 0 };
  throw badFilter(`port "${text}" must look like 23/tcp, 53/udp or 23`, text);
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  const v = value.trim().toLowerCase();
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw badFilter(`${name} "${value}" must be one of ${allowed.join(', ')}`, value);
}

const MAX_TEXT = 256;

function text(name: string, value: string): string {
  if (value.length > MAX_TEXT) throw badFilter(`${name} is longer than ${MAX_TEXT} characters`, value);
  return value;
}

/** Parses and checks user filters. Empty strings mean "not given", except for label filters, where "" is the unlabelled traffic. */
export function parseFilters(input: FilterInput): QueryFilters {
  const f: { -readonly [K in keyof QueryFilters]: QueryFilters[K] } = {};
  if (input.sensor !== undefined && input.sensor !== '') f.sensor = text('sensor', input.sensor);
  if (input.proto !== undefined && input.proto !== '') f.proto = parseProto(input.proto);
  if (input.port !== undefined && input.port !== '') f.port = parsePort(input.port);
  if (input.class !== undefined && input.class !== '') f.class = oneOf('class', input.class, TRAFFIC_CLASSES);
  if (input.tool !== undefined && input.tool !== '') f.tool = oneOf('tool', input.tool, SCAN_TOOLS);
  if (input.label !== undefined) f.label = text('label', input.label);
  if (input.excludeLabel !== undefined) {
    const list = typeof input.excludeLabel === 'string' ? [input.excludeLabel] : [...input.excludeLabel];
    if (list.length > 100) throw badFilter('excludeLabel is given more than 100 times', list.length);
    if (list.length > 0) f.excludeLabels = [...new Set(list.map((l) => text('excludeLabel', l)))];
  }
  if (input.country !== undefined && input.country !== '') {
    if (!/^[A-Za-z]{2}$/.test(input.country)) throw badFilter(`country "${input.country}" must be a two-letter ISO 3166 code such as JP`, input.country);
    f.country = input.country.toUpperCase();
  }
  if (input.asn !== undefined && input.asn !== '') {
    const n = typeof input.asn === 'number' ? input.asn : /^(?:AS)?(\d{1,10})$/i.test(input.asn.trim()) ? Number(/\d+/.exec(input.asn)![0]) : NaN;
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw badFilter(`asn "${input.asn}" must be an AS number 0..4294967295 (e.g. 4134 or AS4134)`, input.asn);
    f.asn = n;
  }
  return Object.freeze(f);
}

/** The names of the filters that are set. */
export function activeFilters(f: QueryFilters): FilterName[] {
  return (Object.keys(f) as FilterName[]).filter((k) => f[k] !== undefined);
}

/** The same filters without the label ones (for "share of research" figures). */
export function withoutLabelFilters(f: QueryFilters): QueryFilters {
  const { label: _label, excludeLabels: _excluded, ...rest } = f;
  return rest;
}

/** The column each filter applies to (every rollup table names them the same). */
const COLUMN: Readonly<Record<FilterName, string>> = {
  sensor: 'sensor', proto: 'proto', port: 'dport', class: 'class', tool: 'tool',
  label: 'label', excludeLabels: 'label', country: 'country', asn: 'asn',
};

export function filterColumn(name: FilterName): string {
  return COLUMN[name];
}

/** One SQL condition per active filter (AND them together). */
export function filterConditions(f: QueryFilters): SqlFragment[] {
  const out: SqlFragment[] = [];
  if (f.sensor !== undefined) out.push(sql`sensor = ${sqlString(f.sensor)}`);
  if (f.proto !== undefined) out.push(sql`proto = ${sqlUInt(f.proto, 8)}`);
  if (f.port !== undefined) out.push(sql`dport = ${sqlUInt(f.port, 16)}`);
  if (f.class !== undefined) out.push(sql`class = ${sqlString(f.class)}`);
  if (f.tool !== undefined) out.push(sql`tool = ${sqlString(f.tool)}`);
  out.push(...labelConditions(f));
  if (f.country !== undefined) out.push(sql`country = ${sqlString(f.country)}`);
  if (f.asn !== undefined) out.push(sql`asn = ${sqlUInt(f.asn, 32)}`);
  return out;
}

/** The conditions of the label filters alone (part of filterConditions). */
export function labelConditions(f: QueryFilters): SqlFragment[] {
  const out: SqlFragment[] = [];
  if (f.label !== undefined) out.push(sql`label = ${sqlString(f.label)}`);
  if (f.excludeLabels !== undefined && f.excludeLabels.length > 0) out.push(sql`label NOT IN (${sqlList(f.excludeLabels, sqlString)})`);
  return out;
}

/** Filters as JSON for result headers (what was applied). */
export function filtersJson(f: QueryFilters): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of activeFilters(f)) out[k] = f[k];
  return out;
}
