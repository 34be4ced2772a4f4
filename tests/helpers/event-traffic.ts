/**
 * Scan and backscatter traffic with known events, as pcap files, and the
 * events a single pass over those packets finds (the oracle the store's
 * events are checked against). Independent of src/query: it re-states the
 * rules of scan-events.ts and dos-attacks.ts in the plainest way.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writePcap } from './capture-writer.js';
import { ethernet, icmp, IPPROTO, ipv4, tcp, udp } from './frames.js';

export interface Probe {
  readonly ts: number;
  readonly usec?: number;
  readonly src: string;
  readonly dst: string;
  readonly proto: 'tcp' | 'udp' | 'icmp';
  readonly sport?: number;
  readonly dport?: number;
  /** TCP flags (default SYN). */
  readonly flags?: number;
  readonly ipId?: number;
  readonly seq?: number;
  readonly icmpType?: number;
}

export const SYN = 0x02;
export const SYN_ACK = 0x12;

export function probeFrame(p: Probe): Uint8Array {
  const ip = { src: p.src, dst: p.dst, id: p.ipId ?? 1000 };
  if (p.proto === 'tcp') {
    return ethernet(ipv4(tcp({ sport: p.sport ?? 40_000, dport: p.dport ?? 80, flags: p.flags ?? SYN, seq: p.seq ?? 1 }), { ...ip, proto: IPPROTO.TCP }));
  }
  if (p.proto === 'udp') return ethernet(ipv4(udp({ sport: p.sport ?? 40_000, dport: p.dport ?? 53 }), { ...ip, proto: IPPROTO.UDP }));
  return ethernet(ipv4(icmp({ type: p.icmpType ?? 8 }), { ...ip, proto: IPPROTO.ICMP }));
}

/** Writes the probes (sorted by time) into pcap files cut before the given indexes; returns the paths in order. */
export async function writeProbeFiles(dir: string, name: string, probes: readonly Probe[], cuts: readonly number[]): Promise<string[]> {
  const sorted = [...probes].sort((a, b) => a.ts - b.ts || (a.usec ?? 0) - (b.usec ?? 0));
  const bounds = [0, ...cuts.filter((c) => c > 0 && c < sorted.length).sort((a, b) => a - b), sorted.length];
  const paths: string[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const part = sorted.slice(bounds[i], bounds[i + 1]);
    if (part.length === 0) continue;
    const path = join(dir, `${name}-${String(i).padStart(3, '0')}.pcap`);
    await writeFile(path, writePcap(part.map((p) => ({ tsSec: p.ts, tsFrac: p.usec ?? 0, data: probeFrame(p) }))));
    paths.push(path);
  }
  return paths;
}

/** The n-th address of a network given as its first address: darknet('198.18.0.0', 5) = 198.18.0.5. */
export function nth(base: string, n: number): string {
  const b = base.split('.').map(Number);
  const v = (((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0) + n;
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
}

// ---------------------------------------------------------------- oracle

export interface OracleEvent {
  readonly source: string;
  readonly proto: number;
  readonly ports: number[];
  readonly start: number;
  readonly end: number;
  readonly packets: number;
  readonly addresses: number;
  readonly peakMinute: number;
}

function protoNumber(p: Probe): number {
  return p.proto === 'tcp' ? 6 : p.proto === 'udp' ? 17 : 1;
}

function isBackscatter(p: Probe): boolean {
  if (p.proto === 'tcp') return ((p.flags ?? SYN) & 0x04) !== 0 || ((p.flags ?? SYN) & 0x12) === 0x12;
  if (p.proto === 'udp') return (p.sport ?? 40_000) === 53;
  return [0, 3, 4, 5, 11, 12, 14, 16, 18].includes(p.icmpType ?? 8);
}

function isScan(p: Probe): boolean {
  if (p.proto === 'tcp') return ((p.flags ?? SYN) & 0x16) === 0x02;
  if (p.proto === 'udp') return !isBackscatter(p);
  return (p.icmpType ?? 8) === 8;
}

/** Splits probes grouped by `key` into events with no gap longer than `gap` seconds. */
export function oracleEvents(probes: readonly Probe[], key: (p: Probe) => string, gap: number, port: (p: Probe) => number): OracleEvent[] {
  const groups = new Map<string, Probe[]>();
  for (const p of probes) {
    const k = key(p);
    const list = groups.get(k) ?? [];
    list.push(p);
    groups.set(k, list);
  }
  const out: OracleEvent[] = [];
  for (const list of groups.values()) {
    list.sort((a, b) => a.ts - b.ts);
    let current: Probe[] = [];
    const close = () => {
      if (current.length === 0) return;
      const minutes = new Map<number, number>();
      for (const p of current) minutes.set(Math.floor(p.ts / 60), (minutes.get(Math.floor(p.ts / 60)) ?? 0) + 1);
      out.push({
        source: current[0]!.src,
        proto: protoNumber(current[0]!),
        ports: [...new Set(current.map(port))].sort((a, b) => a - b),
        start: current[0]!.ts,
        end: current[current.length - 1]!.ts,
        packets: current.length,
        addresses: new Set(current.map((p) => p.dst)).size,
        peakMinute: Math.max(...minutes.values()),
      });
      current = [];
    };
    for (const p of list) {
      const last = current[current.length - 1];
      if (last !== undefined && p.ts - last.ts > gap) close();
      current.push(p);
    }
    close();
  }
  return out.sort((a, b) => a.start - b.start || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0) || a.ports[0]! - b.ports[0]!);
}

export interface ScanThresholds { readonly expiry: number; readonly minAddresses: number; readonly strobeMinPorts: number; readonly verticalMinPorts: number }

export function oracleScans(probes: readonly Probe[], t: ScanThresholds): { horizontal: OracleEvent[]; strobe: OracleEvent[]; vertical: OracleEvent[] } {
  const scans = probes.filter(isScan);
  const dport = (p: Probe) => (p.proto === 'icmp' ? 0 : p.dport ?? 80);
  const horizontal = oracleEvents(scans, (p) => `${p.src}/${p.proto}/${dport(p)}`, t.expiry, dport).filter((e) => e.addresses >= t.minAddresses);
  const multi = oracleEvents(scans, (p) => `${p.src}/${p.proto}`, t.expiry, dport);
  return {
    horizontal,
    strobe: multi.filter((e) => e.ports.length >= t.strobeMinPorts && e.addresses >= t.minAddresses),
    vertical: multi.filter((e) => e.ports.length >= t.verticalMinPorts && e.addresses < t.minAddresses),
  };
}

export interface DosThresholds { readonly timeout: number; readonly minPackets: number; readonly minDuration: number; readonly minPeakPerMinute: number }

export function oracleDos(probes: readonly Probe[], t: DosThresholds): OracleEvent[] {
  const sport = (p: Probe) => (p.proto === 'icmp' ? 0 : p.sport ?? 40_000);
  return oracleEvents(probes.filter(isBackscatter), (p) => `${p.src}/${p.proto}`, t.timeout, sport)
    .filter((e) => e.packets >= t.minPackets && e.end - e.start >= t.minDuration && e.peakMinute >= t.minPeakPerMinute);
}
