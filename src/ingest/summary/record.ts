/**
 * Turns one summary record — named fields from a JSON object or a CSV row —
 * into a PacketSummary, or into the reason it cannot be one. Shared by the
 * jsonl and csv formats, which carry the same fields under the same names.
 *
 * Required: ts, src, dst, proto, sport, dport, flags. All must be present;
 * `flags` may be empty (no flags set) and `sport`/`dport` may be empty when the
 * protocol is neither TCP nor UDP.
 * Optional (absent, null or empty → 0): ttl, ip_id (or ipId), seq, window, len,
 * icmp_type, icmp_code.
 *
 * Values follow the PacketSummary contract rather than the input: ports are
 * kept only for TCP/UDP, flags/seq/window only for TCP, ICMP type/code only for
 * ICMP/ICMPv6, ip_id only for IPv4. Whatever the line says for the others is
 * still validated, then stored as 0.
 */

import {
  PROTO_ICMP,
  PROTO_ICMPV6,
  PROTO_TCP,
  PROTO_UDP,
  TCP_ACK,
  TCP_CWR,
  TCP_ECE,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
  type PacketSummary,
} from '../packet.js';
import { parseIPv4, parseIPv6 } from '../../net/ip-parse.js';
import { PROTOCOL_KEYWORDS } from '../../net/protocols.js';
import { parseTimestampNumber, parseTimestampText, truncateForMessage } from './timestamp-text.js';

/** The required columns/keys, in the order error messages list them. */
export const REQUIRED_FIELDS = ['ts', 'src', 'dst', 'proto', 'sport', 'dport', 'flags'] as const;

/** Optional fields and the names each may appear under (first present wins). */
export const OPTIONAL_FIELDS = {
  ttl: ['ttl'],
  ipId: ['ip_id', 'ipId'],
  seq: ['seq'],
  window: ['window'],
  len: ['len'],
  icmpType: ['icmp_type'],
  icmpCode: ['icmp_code'],
} as const;

/** Every column/key name the generic formats read. */
export const KNOWN_FIELD_NAMES: readonly string[] = [...REQUIRED_FIELDS, ...Object.values(OPTIONAL_FIELDS).flat()];

/** NS flag (bit 8 of PacketSummary.tcpFlags). */
const TCP_NS = 0x100;

export type RecordResult =
  | { readonly ok: true; readonly packet: PacketSummary }
  | { readonly ok: false; readonly error: string };

/** Reads one field by name; undefined when the record does not have it. */
export type FieldGetter = (name: string) => unknown;

/** tcpdump letters ('.' is ACK as tcpdump prints it; 'A' is accepted too). */
const FLAG_LETTERS: ReadonlyMap<string, number> = new Map([
  ['F', TCP_FIN],
  ['S', TCP_SYN],
  ['R', TCP_RST],
  ['P', TCP_PSH],
  ['.', TCP_ACK],
  ['A', TCP_ACK],
  ['U', TCP_URG],
  ['E', TCP_ECE],
  ['W', TCP_CWR],
  ['N', TCP_NS],
]);

const DIGITS_RE = /^[0-9]{1,10}$/;
const HEX_RE = /^0[xX][0-9a-fA-F]{1,8}$/;

/** Thrown only inside this module, turned into a RecordResult by buildPacket. */
class FieldError {
  constructor(readonly message: string) {}
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(truncateForMessage(value));
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function required(get: FieldGetter, name: string): unknown {
  const value = get(name);
  if (value === undefined) throw new FieldError(`missing "${name}"`);
  if (value === null || value === '') throw new FieldError(`"${name}" is empty`);
  return value;
}

/** A field that must exist but may be empty. */
function present(get: FieldGetter, name: string): unknown {
  const value = get(name);
  if (value === undefined) throw new FieldError(`missing "${name}"`);
  return value;
}

/** Ports must be given; they may be empty only for protocols without ports. */
function decodePort(get: FieldGetter, name: string, hasPorts: boolean): number {
  const value = present(get, name);
  if (isEmpty(value)) {
    if (hasPorts) throw new FieldError(`"${name}" is empty`);
    return 0;
  }
  return uint(name, value, 0xffff);
}

function optional(get: FieldGetter, names: readonly string[]): { name: string; value: unknown } | null {
  for (const name of names) {
    const value = get(name);
    if (value !== undefined) return isEmpty(value) ? null : { name, value };
  }
  return null;
}

/** An unsigned integer in 0..max, from a JSON number or a decimal string. */
function uint(name: string, value: unknown, max: number): number {
  let n = Number.NaN;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && DIGITS_RE.test(value)) n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new FieldError(`"${name}" value ${show(value)} is not an integer in 0..${max}`);
  }
  return n;
}

function optionalUint(get: FieldGetter, names: readonly string[], max: number): number {
  const found = optional(get, names);
  return found === null ? 0 : uint(found.name, found.value, max);
}

function decodeProto(value: unknown): number {
  if (typeof value === 'string') {
    const named = PROTOCOL_KEYWORDS.get(value.toLowerCase());
    if (named !== undefined) return named;
    if (!DIGITS_RE.test(value)) {
      throw new FieldError(`"proto" value ${show(value)} is not a protocol number (0..255) or one of tcp, udp, icmp, icmpv6`);
    }
  }
  return uint('proto', value, 255);
}

/** Flags must be given; empty (or "none") means no flags set, as in a null scan. */
function decodeFlags(value: unknown): number {
  if (value === null) return 0;
  if (typeof value === 'number') return uint('flags', value, 0x1ff);
  if (typeof value !== 'string') throw new FieldError(`"flags" value ${show(value)} is not a number or a flag string`);
  if (DIGITS_RE.test(value)) return uint('flags', value, 0x1ff);
  if (HEX_RE.test(value)) return uint('flags', Number.parseInt(value.slice(2), 16), 0x1ff);
  let letters = value;
  if (letters.startsWith('[') && letters.endsWith(']')) letters = letters.slice(1, -1);
  if (letters.toLowerCase() === 'none') return 0;
  let flags = 0;
  for (const ch of letters) {
    const bit = FLAG_LETTERS.get(ch.toUpperCase());
    if (bit === undefined) {
      throw new FieldError(`"flags" value ${show(value)} has ${JSON.stringify(ch)}; use a number or the letters F S R P . (or A) U E W N`);
    }
    flags |= bit;
  }
  return flags;
}

type Address = { v: 4; n: number } | { v: 6; b: Uint8Array };

function decodeAddress(name: string, value: unknown): Address {
  if (typeof value === 'string') {
    const n = parseIPv4(value);
    if (n !== null) return { v: 4, n };
    const b = parseIPv6(value);
    if (b !== null) return { v: 6, b };
  }
  throw new FieldError(`"${name}" value ${show(value)} is not an IPv4 or IPv6 address`);
}

function decodeTimestamp(value: unknown): { tsSec: number; tsUsec: number } {
  const r = typeof value === 'number'
    ? parseTimestampNumber(value)
    : typeof value === 'string'
      ? parseTimestampText(value)
      : { ok: false as const, error: `"ts" value ${show(value)} is not a number or a string` };
  if (!r.ok) throw new FieldError(r.error);
  return r;
}

function build(get: FieldGetter): PacketSummary {
  const { tsSec, tsUsec } = decodeTimestamp(required(get, 'ts'));
  const src = decodeAddress('src', required(get, 'src'));
  const dst = decodeAddress('dst', required(get, 'dst'));
  if (src.v !== dst.v) throw new FieldError(`"src" is IPv${src.v} but "dst" is IPv${dst.v}`);
  const proto = decodeProto(required(get, 'proto'));
  const isTcp = proto === PROTO_TCP;
  const hasPorts = isTcp || proto === PROTO_UDP;
  const isIcmp = proto === PROTO_ICMP || proto === PROTO_ICMPV6;
  const sport = decodePort(get, 'sport', hasPorts);
  const dport = decodePort(get, 'dport', hasPorts);
  const flags = decodeFlags(present(get, 'flags'));

  const ttl = optionalUint(get, OPTIONAL_FIELDS.ttl, 255);
  const ipId = optionalUint(get, OPTIONAL_FIELDS.ipId, 0xffff);
  const seq = optionalUint(get, OPTIONAL_FIELDS.seq, 0xffffffff);
  const window = optionalUint(get, OPTIONAL_FIELDS.window, 0xffff);
  // IPv6 length is 40 + payload length.
  const len = optionalUint(get, OPTIONAL_FIELDS.len, src.v === 4 ? 0xffff : 0xffff + 40);
  const icmpType = optionalUint(get, OPTIONAL_FIELDS.icmpType, 255);
  const icmpCode = optionalUint(get, OPTIONAL_FIELDS.icmpCode, 255);

  return {
    tsSec,
    tsUsec,
    ipVersion: src.v,
    src4: src.v === 4 ? src.n : 0,
    dst4: dst.v === 4 ? dst.n : 0,
    src6: src.v === 6 ? src.b : null,
    dst6: dst.v === 6 ? dst.b : null,
    proto,
    sport: hasPorts ? sport : 0,
    dport: hasPorts ? dport : 0,
    tcpFlags: isTcp ? flags : 0,
    tcpSeq: isTcp ? seq : 0,
    tcpWindow: isTcp ? window : 0,
    tcpOptions: false,
    ipId: src.v === 4 ? ipId : 0,
    ttl,
    ipLen: len,
    icmpType: isIcmp ? icmpType : 0,
    icmpCode: isIcmp ? icmpCode : 0,
    fragment: false,
  };
}

/** Build a PacketSummary from named fields, or say which field is wrong and why. */
export function buildPacket(get: FieldGetter): RecordResult {
  try {
    return { ok: true, packet: build(get) };
  } catch (e) {
    if (e instanceof FieldError) return { ok: false, error: e.message };
    throw e;
  }
}
