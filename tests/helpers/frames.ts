/**
 * A tiny builder of captured frames for decoder tests: link headers (Ethernet
 * with VLAN tags, Linux SLL/SLL2, BSD null/LOOP, raw), IPv4 (options,
 * fragments), IPv6 (extension headers) and TCP/UDP/ICMP. Every builder takes
 * the layer above as bytes, so frames read inside out:
 *   ethernet(ipv4(tcp({ dport: 23 }), { src: '192.0.2.1' }))
 * Fields can be forced to wrong values (version, ihl, lengths) to build bad frames.
 */

import type { CaptureRecord } from '../../src/ingest/capture/record.js';

export const IPPROTO = {
  HOPOPTS: 0,
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  ROUTING: 43,
  FRAGMENT: 44,
  GRE: 47,
  ESP: 50,
  AH: 51,
  ICMPV6: 58,
  NONE: 59,
  DSTOPTS: 60,
  SCTP: 132,
  MOBILITY: 135,
} as const;

export function concat(...parts: ArrayLike<number>[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function be16(v: number): number[] {
  return [(v >>> 8) & 0xff, v & 0xff];
}

function be32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

function le32(v: number): number[] {
  return be32(v).reverse();
}

/** '192.0.2.1' → 4 bytes. */
export function ip4(text: string): Uint8Array {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`bad IPv4 address ${text}`);
  return Uint8Array.from(parts);
}

/** '192.0.2.1' → unsigned 32-bit integer, as PacketSummary.src4 holds it. */
export function ip4n(text: string): number {
  const b = ip4(text);
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

/** '2001:db8::1' → 16 bytes (no embedded IPv4 form). */
export function ip6(text: string): Uint8Array {
  const halves = text.split('::');
  if (halves.length > 2) throw new Error(`bad IPv6 address ${text}`);
  const groups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  if (all.length !== 8 || all.some((g) => !(g >= 0 && g <= 0xffff))) throw new Error(`bad IPv6 address ${text}`);
  return Uint8Array.from(all.flatMap(be16));
}

// ---------------------------------------------------------------- transport

export interface TcpFields {
  sport?: number;
  dport?: number;
  seq?: number;
  ack?: number;
  /** 9 bits: byte 13 plus NS in bit 8. */
  flags?: number;
  window?: number;
  /** Option bytes, zero-padded to a multiple of 4. */
  options?: number[];
  /** Force the data-offset nibble (default: header length / 4). */
  dataOffset?: number;
  payload?: ArrayLike<number>;
}

export function tcp(f: TcpFields = {}): Uint8Array {
  const options = [...(f.options ?? [])];
  while (options.length % 4 !== 0) options.push(0);
  const dataOffset = f.dataOffset ?? 5 + options.length / 4;
  const flags = f.flags ?? 0x02;
  return concat(
    be16(f.sport ?? 40000),
    be16(f.dport ?? 80),
    be32(f.seq ?? 1),
    be32(f.ack ?? 0),
    [((dataOffset & 0x0f) << 4) | ((flags >> 8) & 1), flags & 0xff],
    be16(f.window ?? 1024),
    [0, 0, 0, 0], // checksum, urgent pointer
    options,
    f.payload ?? [],
  );
}

export function udp(f: { sport?: number; dport?: number; payload?: ArrayLike<number> } = {}): Uint8Array {
  const payload = f.payload ?? [];
  return concat(be16(f.sport ?? 53000), be16(f.dport ?? 53), be16(8 + payload.length), [0, 0], payload);
}

/** ICMP or ICMPv6: type, code, checksum, 4 bytes rest-of-header. */
export function icmp(f: { type?: number; code?: number; payload?: ArrayLike<number> } = {}): Uint8Array {
  return concat([f.type ?? 8, f.code ?? 0, 0, 0, 0, 1, 0, 1], f.payload ?? []);
}

// ---------------------------------------------------------------- IP

export interface Ipv4Fields {
  src?: string;
  dst?: string;
  /** Protocol number (default TCP). */
  proto?: number;
  ttl?: number;
  id?: number;
  /** Fragment offset in 8-byte units. */
  fragmentOffset?: number;
  moreFragments?: boolean;
  dontFragment?: boolean;
  /** Option bytes, padded with zeros (end of option list) to a multiple of 4. */
  options?: number[];
  /** Force the version nibble (default 4). */
  version?: number;
  /** Force the IHL nibble (default from options). */
  ihl?: number;
  /** Force the total length (default header + payload). */
  totalLength?: number;
}

export function ipv4(payload: ArrayLike<number>, f: Ipv4Fields = {}): Uint8Array {
  const options = [...(f.options ?? [])];
  while (options.length % 4 !== 0) options.push(0);
  const headerLength = 20 + options.length;
  const ihl = f.ihl ?? headerLength / 4;
  const flagsAndOffset = (f.dontFragment ? 0x4000 : 0) | (f.moreFragments ? 0x2000 : 0) | ((f.fragmentOffset ?? 0) & 0x1fff);
  return concat(
    [((f.version ?? 4) << 4) | (ihl & 0x0f), 0],
    be16(f.totalLength ?? headerLength + payload.length),
    be16(f.id ?? 0x1234),
    be16(flagsAndOffset),
    [f.ttl ?? 64, f.proto ?? IPPROTO.TCP, 0, 0],
    ip4(f.src ?? '192.0.2.1'),
    ip4(f.dst ?? '198.51.100.2'),
    options,
    payload,
  );
}

export interface Ipv6Ext {
  /** Extension header type: 0, 43, 44, 51, 60 or 135. */
  type: number;
  /** Total size in bytes (default 8; 8 for fragment; AH default 12). */
  size?: number;
  /** Fragment header only: offset in 8-byte units, and the M flag. */
  fragmentOffset?: number;
  more?: boolean;
}

export interface Ipv6Fields {
  src?: string;
  dst?: string;
  /** Upper-layer protocol after the extension headers (default TCP). */
  proto?: number;
  hopLimit?: number;
  ext?: Ipv6Ext[];
  /** Force the version nibble (default 6). */
  version?: number;
  /** Force the payload length (default: everything after the fixed header). */
  payloadLength?: number;
}

function extHeader(ext: Ipv6Ext, next: number): number[] {
  if (ext.type === IPPROTO.FRAGMENT) {
    return [next, 0, ...be16(((ext.fragmentOffset ?? 0) << 3) | (ext.more ? 1 : 0)), ...be32(0xabcd)];
  }
  if (ext.type === IPPROTO.AH) {
    const size = ext.size ?? 12;
    return [next, size / 4 - 2, ...new Array<number>(size - 2).fill(0)];
  }
  const size = ext.size ?? 8;
  return [next, size / 8 - 1, ...new Array<number>(size - 2).fill(0)];
}

export function ipv6(payload: ArrayLike<number>, f: Ipv6Fields = {}): Uint8Array {
  const exts = f.ext ?? [];
  const chain: number[] = [];
  exts.forEach((ext, i) => chain.push(...extHeader(ext, i + 1 < exts.length ? exts[i + 1].type : (f.proto ?? IPPROTO.TCP))));
  const first = exts.length > 0 ? exts[0].type : (f.proto ?? IPPROTO.TCP);
  return concat(
    [((f.version ?? 6) << 4) | 0, 0, 0, 0],
    be16(f.payloadLength ?? chain.length + payload.length),
    [first, f.hopLimit ?? 64],
    ip6(f.src ?? '2001:db8::1'),
    ip6(f.dst ?? '2001:db8:ffff::2'),
    chain,
    payload,
  );
}

// ---------------------------------------------------------------- link

export const TPID = { VLAN: 0x8100, QINQ: 0x88a8, QINQ_OLD: 0x9100 } as const;
export const ETHERTYPE = { IPV4: 0x0800, IPV6: 0x86dd, ARP: 0x0806 } as const;

function ethertypeFor(ip: ArrayLike<number>): number {
  return ip.length > 0 && ip[0] >> 4 === 6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4;
}

/** Ethernet II; `vlans` lists the TPID of each tag, outermost first. */
export function ethernet(ip: ArrayLike<number>, f: { ethertype?: number; vlans?: number[] } = {}): Uint8Array {
  const tags = (f.vlans ?? []).map((tpid, i) => ({ tpid, tci: 100 + i }));
  const types = [...tags.map((t) => t.tpid), f.ethertype ?? ethertypeFor(ip)];
  const parts: number[] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, ...be16(types[0])];
  tags.forEach((t, i) => parts.push(...be16(t.tci), ...be16(types[i + 1])));
  return concat(parts, ip);
}

/** Linux cooked capture v1 (16 bytes, protocol at 14). */
export function sll(ip: ArrayLike<number>, protocol = ethertypeFor(ip)): Uint8Array {
  return concat([0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0], be16(protocol), ip);
}

/** Linux cooked capture v2 (20 bytes, protocol at 0). */
export function sll2(ip: ArrayLike<number>, protocol = ethertypeFor(ip)): Uint8Array {
  return concat(be16(protocol), [0, 0], be32(2), [0, 1, 0, 6], [2, 0, 0, 0, 0, 1, 0, 0], ip);
}

export const AF = { INET: 2, INET6_LINUX: 10, INET6_BSD: 24, INET6_FREEBSD: 28, INET6_DARWIN: 30 } as const;

/** LINKTYPE_NULL: address family in the capturing host's byte order. */
export function nullLoopback(ip: ArrayLike<number>, af: number, order: 'le' | 'be' = 'le'): Uint8Array {
  return concat(order === 'le' ? le32(af) : be32(af), ip);
}

/** LINKTYPE_LOOP: address family in network byte order. */
export function loop(ip: ArrayLike<number>, af: number): Uint8Array {
  return concat(be32(af), ip);
}

// ---------------------------------------------------------------- records

export function record(linkType: number, data: Uint8Array, ts: { tsSec?: number; tsNsec?: number } = {}): CaptureRecord {
  return {
    index: 0,
    offset: 24,
    linkType,
    interfaceId: 0,
    tsSec: ts.tsSec ?? 1_700_000_000,
    tsNsec: ts.tsNsec ?? 123_456_789,
    originalLength: data.length,
    data,
  };
}

/** The same bytes as a view `pad` bytes into a larger buffer filled with 0xee on both sides. */
export function view(data: Uint8Array, pad = 3): Uint8Array {
  const backing = new Uint8Array(pad + data.length + pad).fill(0xee);
  backing.set(data, pad);
  return backing.subarray(pad, pad + data.length);
}
