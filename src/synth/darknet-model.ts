/**
 * Who and what a synthetic darknet sees: the port popularity ranking, UDP
 * targets and research-scanner ranges. Figures are modelled on NICTER's
 * published observation reports (23/TCP and 445/TCP on top, IoT exploit
 * ports such as 37215/TCP and 52869/TCP in the top 10) and on the Mirai,
 * ZMap and Masscan fingerprints darkscope classifies.
 */
import { Random } from './random.js';

/** TCP ports in rank order; the rest of the 65 536 ports follow in a seeded shuffle. */
export const TOP_TCP_PORTS = [
  23, 445, 80, 22, 1433, 37215, 52869, 8080, 443, 3389, 2323, 5555, 7547, 81, 8443, 6379, 3306, 5900, 21, 25,
  8088, 60001, 9530, 5060, 8000, 2222, 8888, 1023, 3128, 139, 135, 9000, 4567, 5431, 49152, 8081, 9200, 27017, 5985, 110,
] as const;

export const TOP_UDP_PORTS = [53, 123, 161, 1900, 5060, 137, 389, 11211, 19, 37810, 3702, 5353, 500, 69, 1194, 27015, 3283, 10001, 17185, 111] as const;

/** Service ports that DDoS victims answer from (backscatter source ports). */
export const VICTIM_SERVICE_PORTS = [80, 443, 22, 25, 53, 3389, 8080, 27015, 25565, 6667] as const;

/** A real research-scanner range (Censys), used for the "research" label in demos. */
export const RESEARCH_CIDR = '162.142.125.0/24';

/** Builds rank → port for all 65 536 ports: the given top list first, then a seeded shuffle of the rest. */
export function portRanking(top: readonly number[], rng: Random): Uint16Array {
  const out = new Uint16Array(65536);
  const used = new Uint8Array(65536);
  let k = 0;
  for (const p of top) {
    out[k++] = p;
    used[p] = 1;
  }
  const rest: number[] = [];
  for (let p = 1; p < 65536; p++) if (!used[p]) rest.push(p);
  for (let i = rest.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = rest[i]; rest[i] = rest[j]; rest[j] = t;
  }
  for (const p of rest) out[k++] = p;
  return out;
}

/** Parses "a.b.c.d/len" into [network, size]; throws on anything else (generator input is ours). */
export function parseCidr4(cidr: string): { base: number; size: number } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) throw new Error(`bad IPv4 CIDR ${cidr}`);
  const len = Number(m[5]);
  const addr = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  const size = 2 ** (32 - len);
  return { base: len === 0 ? 0 : (addr & (~(size - 1) >>> 0)) >>> 0, size };
}

/** True for addresses a real scanner would not come from (private, loopback, multicast, reserved, CGN). */
export function isBogon(a: number): boolean {
  const o1 = a >>> 24;
  const o2 = (a >>> 16) & 0xff;
  return o1 === 0 || o1 === 10 || o1 === 127 || o1 >= 224
    || (o1 === 100 && o2 >= 64 && o2 < 128)
    || (o1 === 169 && o2 === 254)
    || (o1 === 172 && o2 >= 16 && o2 < 32)
    || (o1 === 192 && o2 === 168)
    || (o1 === 198 && (o2 === 18 || o2 === 19));
}
