/**
 * Writes realistic synthetic darknet captures (classic pcap, Ethernet,
 * microsecond timestamps), seeded and reproducible:
 * - destination ports Zipf-distributed over all 65 536 ports with NICTER's
 *   top ports on top; optional port onsets (e.g. 37215/TCP appearing mid-week);
 * - many sources with heavy-tailed (Zipf) activity, some fingerprinted as
 *   Mirai (seq = dst), ZMap (IP id 54321) or Masscan (IP id = dst^dport^seq);
 * - a share of backscatter (SYN-ACK, RST, ICMP unreachable, DNS answers);
 * - UDP and ICMP probes, a little IPv6; a darknet of any IPv4 prefix.
 * It also returns the truth (counts by class, protocol and port) so tests
 * can check what darkscope stored against what was generated.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isBogon, parseCidr4, portRanking, RESEARCH_CIDR, TOP_TCP_PORTS, TOP_UDP_PORTS, VICTIM_SERVICE_PORTS } from './darknet-model.js';
import { Random, ZipfSampler } from './random.js';

export interface PortOnset {
  port: number;
  proto: 'tcp' | 'udp';
  /** Fraction of the capture's duration (0..1) at which the port starts receiving traffic. */
  from: number;
  /** Share of scan packets sent to it after the onset. */
  share: number;
}

export interface BackscatterBurst {
  /** Fraction of the duration where the burst starts, and how long it lasts (fractions). */
  from: number;
  length: number;
  /** Share of packets during the burst that are backscatter from one victim. */
  share: number;
}

export interface SynthOptions {
  packets: number;
  seed?: number;
  /** Epoch seconds of the first packet. */
  startSec?: number;
  durationSec?: number;
  darknet?: string;
  sources?: number;
  /** Zipf exponent of source activity (heavier tail when larger). */
  sourceSkew?: number;
  /** Zipf exponent of destination-port popularity. */
  portSkew?: number;
  backscatterShare?: number;
  udpShare?: number;
  icmpShare?: number;
  ipv6Share?: number;
  /** Distinct research-scanner sources inside RESEARCH_CIDR. */
  researchSources?: number;
  researchShare?: number;
  onsets?: PortOnset[];
  bursts?: BackscatterBurst[];
  /** TCP ports that get no baseline traffic: they are hit only by onsets (e.g. a new exploit wave). */
  quietPorts?: number[];
}

export interface SynthTruth {
  packets: number;
  byClass: { scan: number; backscatter: number; other: number };
  byProto: Record<string, number>;
  ipv6: number;
  tools: { mirai: number; zmap: number; masscan: number };
  research: number;
  /** Packets per "port/proto" key (TCP and UDP only), e.g. "23/tcp". */
  ports: Map<string, number>;
  firstSec: number;
  lastSec: number;
}

const DEFAULTS = {
  seed: 1,
  startSec: Date.UTC(2026, 10, 16) / 1000,
  durationSec: 3600,
  darknet: '198.18.0.0/16',
  sources: 300_000,
  sourceSkew: 1.05,
  portSkew: 1.15,
  backscatterShare: 0.04,
  udpShare: 0.07,
  icmpShare: 0.02,
  ipv6Share: 0.002,
  researchSources: 64,
  researchShare: 0.05,
};

const TOOL_NONE = 0;
const TOOL_MIRAI = 1;
const TOOL_ZMAP = 2;
const TOOL_MASSCAN = 3;
const CHUNK_BYTES = 1 << 20;
const MAX_FRAME = 128;

/** Generates the capture as a stream of ~1 MiB chunks; `truth` is complete when the stream ends. */
export function synthesizeCapture(options: SynthOptions): { chunks: AsyncGenerator<Buffer>; truth: SynthTruth } {
  const o = { ...DEFAULTS, ...options };
  const truth: SynthTruth = {
    packets: 0, byClass: { scan: 0, backscatter: 0, other: 0 }, byProto: {}, ipv6: 0,
    tools: { mirai: 0, zmap: 0, masscan: 0 }, research: 0, ports: new Map(), firstSec: 0, lastSec: 0,
  };
  return { chunks: generate(o, truth), truth };
}

/** Writes a capture file and returns the truth. */
export async function writeSynthCapture(path: string, options: SynthOptions): Promise<SynthTruth> {
  const { chunks, truth } = synthesizeCapture(options);
  await pipeline(Readable.from(chunks), createWriteStream(path));
  return truth;
}

async function* generate(o: typeof DEFAULTS & SynthOptions, truth: SynthTruth): AsyncGenerator<Buffer> {
  const rng = new Random(o.seed);
  const darknet = parseCidr4(o.darknet);
  const research = parseCidr4(RESEARCH_CIDR);
  const tcpRank = portRanking(TOP_TCP_PORTS, rng);
  const udpRank = portRanking(TOP_UDP_PORTS, rng);
  const tcpZipf = new ZipfSampler(65536, o.portSkew);
  const udpZipf = new ZipfSampler(65536, o.portSkew + 0.2);
  const srcZipf = new ZipfSampler(o.sources, o.sourceSkew);
  const srcAddr = new Uint32Array(o.sources);
  const srcTool = new Uint8Array(o.sources);
  const srcTtl = new Uint8Array(o.sources);
  for (let i = 0; i < o.sources; i++) {
    let a: number;
    do a = rng.u32(); while (isBogon(a) || (a >= research.base && a < research.base + research.size));
    srcAddr[i] = a;
    const t = rng.float();
    srcTool[i] = t < 0.3 ? TOOL_MIRAI : t < 0.36 ? TOOL_ZMAP : t < 0.42 ? TOOL_MASSCAN : TOOL_NONE;
    srcTtl[i] = 30 + rng.int(220);
  }
  const researchAddr = new Uint32Array(Math.max(1, Math.min(o.researchSources, research.size)));
  for (let i = 0; i < researchAddr.length; i++) researchAddr[i] = research.base + rng.int(research.size);

  const out = Buffer.allocUnsafe(CHUNK_BYTES + MAX_FRAME + 16);
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  yield header;

  const quiet = new Set(o.quietPorts ?? []);
  const usPerPacket = (o.durationSec * 1e6) / Math.max(1, o.packets);
  const startUs = o.startSec * 1e6;
  truth.firstSec = o.startSec;
  let pos = 0;
  for (let i = 0; i < o.packets; i++) {
    const tUs = Math.floor(startUs + i * usPerPacket);
    const sec = Math.floor(tUs / 1e6);
    const frac = i / o.packets;
    let burstVictim = -1;
    for (const b of o.bursts ?? []) {
      if (frac >= b.from && frac < b.from + b.length && rng.float() < b.share) burstVictim = 0x5db8d822 + Math.floor(b.from * 1000);
    }
    const start = pos;
    pos += 16;
    pos = writePacket(out, pos, rng, o, truth, {
      darknet, tcpRank, udpRank, tcpZipf, udpZipf, srcZipf, srcAddr, srcTool, srcTtl, researchAddr, frac, burstVictim, quiet,
    });
    out.writeUInt32LE(sec, start);
    out.writeUInt32LE(tUs - sec * 1e6, start + 4);
    const caplen = pos - start - 16;
    out.writeUInt32LE(caplen, start + 8);
    out.writeUInt32LE(caplen, start + 12);
    truth.packets++;
    truth.lastSec = sec;
    if (pos >= CHUNK_BYTES) {
      yield Buffer.from(out.subarray(0, pos));
      pos = 0;
    }
  }
  if (pos > 0) yield Buffer.from(out.subarray(0, pos));
}

interface Model {
  darknet: { base: number; size: number };
  tcpRank: Uint16Array;
  udpRank: Uint16Array;
  tcpZipf: ZipfSampler;
  udpZipf: ZipfSampler;
  srcZipf: ZipfSampler;
  srcAddr: Uint32Array;
  srcTool: Uint8Array;
  srcTtl: Uint8Array;
  researchAddr: Uint32Array;
  frac: number;
  burstVictim: number;
  quiet: ReadonlySet<number>;
}

function count(truth: SynthTruth, proto: string, port: number | null, cls: 'scan' | 'backscatter' | 'other'): void {
  truth.byClass[cls]++;
  truth.byProto[proto] = (truth.byProto[proto] ?? 0) + 1;
  if (port !== null) {
    const key = `${port}/${proto}`;
    truth.ports.set(key, (truth.ports.get(key) ?? 0) + 1);
  }
}

/** Writes one Ethernet frame at `pos`; returns the new position. */
function writePacket(b: Buffer, pos: number, rng: Random, o: typeof DEFAULTS & SynthOptions, truth: SynthTruth, m: Model): number {
  const dst = m.darknet.base + rng.int(m.darknet.size);
  if (rng.float() < o.ipv6Share) return writeIpv6Syn(b, pos, rng, m, truth);

  // Ethernet: fixed MACs, IPv4.
  b.writeUInt32BE(0x00163e00, pos); b.writeUInt16BE(0x0001, pos + 4);
  b.writeUInt32BE(0x0050569a, pos + 6); b.writeUInt16BE(0x0002, pos + 10);
  b.writeUInt16BE(0x0800, pos + 12);
  const ip = pos + 14;
  const r = rng.float();
  let src: number;
  let ttl: number;
  let tool = TOOL_NONE;
  const backscatter = m.burstVictim >= 0 || r < o.backscatterShare;
  if (backscatter) {
    src = m.burstVictim >= 0 ? m.burstVictim >>> 0 : m.srcAddr[m.srcZipf.sample(rng)];
    ttl = 40 + rng.int(80);
  } else if (r < o.backscatterShare + o.researchShare) {
    src = m.researchAddr[rng.int(m.researchAddr.length)];
    ttl = 50 + rng.int(20);
    truth.research++;
  } else {
    const s = m.srcZipf.sample(rng);
    src = m.srcAddr[s];
    ttl = m.srcTtl[s];
    tool = m.srcTool[s];
  }
  const kind = rng.float();
  let l4: number;
  let proto: number;
  let ipId = rng.int(65536);
  if (backscatter) {
    const k = rng.float();
    if (k < 0.8) {
      // TCP SYN-ACK (75%) or RST from a victim's service port.
      proto = 6;
      const sport = VICTIM_SERVICE_PORTS[rng.int(VICTIM_SERVICE_PORTS.length)];
      const dport = 1024 + rng.int(64512);
      const synAck = k < 0.6;
      l4 = writeTcp(b, ip + 20, sport, dport, rng.u32(), synAck ? 0x12 : 0x04, synAck ? 29200 : 0, false);
      if (synAck) b.writeUInt32BE(rng.u32(), ip + 20 + 8);
      count(truth, 'tcp', dport, 'backscatter');
    } else if (k < 0.92) {
      proto = 1;
      l4 = writeIcmp(b, ip + 20, 3, 3);
      count(truth, 'icmp', null, 'backscatter');
    } else {
      proto = 17;
      const dport = 1024 + rng.int(64512);
      l4 = writeUdp(b, ip + 20, 53, dport, 24);
      count(truth, 'udp', dport, 'backscatter');
    }
  } else if (kind < o.icmpShare) {
    proto = 1;
    l4 = writeIcmp(b, ip + 20, 8, 0);
    if (tool === TOOL_ZMAP) { ipId = 54321; truth.tools.zmap++; }
    count(truth, 'icmp', null, 'scan');
  } else if (kind < o.icmpShare + o.udpShare) {
    proto = 17;
    const dport = m.udpRank[m.udpZipf.sample(rng)];
    l4 = writeUdp(b, ip + 20, 1024 + rng.int(64512), dport, 16);
    if (tool === TOOL_ZMAP) { ipId = 54321; truth.tools.zmap++; }
    count(truth, 'udp', dport, 'scan');
  } else {
    proto = 6;
    let dport = m.tcpRank[m.tcpZipf.sample(rng)];
    while (m.quiet.has(dport)) dport = m.tcpRank[m.tcpZipf.sample(rng)];
    for (const on of o.onsets ?? []) {
      if (on.proto === 'tcp' && m.frac >= on.from && rng.float() < on.share) dport = on.port;
    }
    if (tool === TOOL_MIRAI && rng.float() < 0.9) dport = rng.float() < 0.9 ? 23 : 2323;
    const seq = tool === TOOL_MIRAI ? dst : rng.u32();
    const window = tool === TOOL_ZMAP ? 65535 : tool === TOOL_MASSCAN ? 1024 : 1024 + rng.int(64000);
    l4 = writeTcp(b, ip + 20, 1024 + rng.int(64512), dport, seq, 0x02, window, tool === TOOL_NONE && rng.float() < 0.5);
    if (tool === TOOL_ZMAP) ipId = 54321;
    else if (tool === TOOL_MASSCAN) ipId = ((dst ^ dport ^ seq) & 0xffff) >>> 0;
    else if (tool === TOOL_NONE) {
      // Keep untagged packets from matching a fingerprint by chance.
      const masscanId = ((dst ^ dport ^ seq) & 0xffff) >>> 0;
      if (ipId === 54321 || ipId === masscanId) ipId = (ipId + 1) & 0xffff;
      if (ipId === 54321 || ipId === masscanId) ipId = (ipId + 1) & 0xffff;
    }
    if (tool === TOOL_MIRAI) truth.tools.mirai++;
    else if (tool === TOOL_ZMAP) truth.tools.zmap++;
    else if (tool === TOOL_MASSCAN) truth.tools.masscan++;
    count(truth, 'tcp', dport, 'scan');
  }
  if (proto === 6 && tool === TOOL_NONE && !backscatter) {
    // Random sequence numbers must not look like Mirai (seq == dst) by chance.
    if (b.readUInt32BE(ip + 24) === dst) b.writeUInt32BE((dst + 1) >>> 0, ip + 24);
  }
  const total = 20 + (l4 - (ip + 20));
  b[ip] = 0x45; b[ip + 1] = 0;
  b.writeUInt16BE(total, ip + 2);
  b.writeUInt16BE(ipId, ip + 4);
  b.writeUInt16BE(0x4000, ip + 6);
  b[ip + 8] = ttl; b[ip + 9] = proto;
  b.writeUInt16BE(0, ip + 10);
  b.writeUInt32BE(src >>> 0, ip + 12);
  b.writeUInt32BE(dst >>> 0, ip + 16);
  return l4;
}

function writeTcp(b: Buffer, at: number, sport: number, dport: number, seq: number, flags: number, window: number, mss: boolean): number {
  b.writeUInt16BE(sport, at);
  b.writeUInt16BE(dport, at + 2);
  b.writeUInt32BE(seq >>> 0, at + 4);
  b.writeUInt32BE(0, at + 8);
  b[at + 12] = (mss ? 6 : 5) << 4;
  b[at + 13] = flags;
  b.writeUInt16BE(window, at + 14);
  b.writeUInt32BE(0, at + 16);
  if (!mss) return at + 20;
  b.writeUInt32BE(0x020405b4, at + 20);
  return at + 24;
}

function writeUdp(b: Buffer, at: number, sport: number, dport: number, payload: number): number {
  b.writeUInt16BE(sport, at);
  b.writeUInt16BE(dport, at + 2);
  b.writeUInt16BE(8 + payload, at + 4);
  b.writeUInt16BE(0, at + 6);
  b.fill(0x61, at + 8, at + 8 + payload);
  return at + 8 + payload;
}

function writeIcmp(b: Buffer, at: number, type: number, code: number): number {
  b[at] = type; b[at + 1] = code;
  b.writeUInt16BE(0, at + 2);
  b.writeUInt32BE(0x00010001, at + 4);
  return at + 8;
}

/** An IPv6 TCP SYN from 2001:db8::/32 to the darknet's IPv6 twin prefix 2001:db8:ffff::/48. */
function writeIpv6Syn(b: Buffer, pos: number, rng: Random, m: Model, truth: SynthTruth): number {
  b.writeUInt32BE(0x00163e00, pos); b.writeUInt16BE(0x0001, pos + 4);
  b.writeUInt32BE(0x0050569a, pos + 6); b.writeUInt16BE(0x0002, pos + 10);
  b.writeUInt16BE(0x86dd, pos + 12);
  const ip = pos + 14;
  b.writeUInt32BE(0x60000000, ip);
  b.writeUInt16BE(20, ip + 4);
  b[ip + 6] = 6; b[ip + 7] = 64;
  b.writeUInt32BE(0x20010db8, ip + 8); b.writeUInt32BE(0, ip + 12); b.writeUInt32BE(0, ip + 16); b.writeUInt32BE(1 + rng.int(5000), ip + 20);
  b.writeUInt32BE(0x20010db8, ip + 24); b.writeUInt32BE(0xffff0000, ip + 28); b.writeUInt32BE(0, ip + 32); b.writeUInt32BE(rng.int(m.darknet.size), ip + 36);
  let dport = m.tcpRank[m.tcpZipf.sample(rng)];
  while (m.quiet.has(dport)) dport = m.tcpRank[m.tcpZipf.sample(rng)];
  const end = writeTcp(b, ip + 40, 1024 + rng.int(64512), dport, rng.u32(), 0x02, 64800, true);
  truth.ipv6++;
  count(truth, 'tcp', dport, 'scan');
  return end;
}
