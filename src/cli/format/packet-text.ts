/** How `darkscope inspect` shows one packet: a table row, or a JSON object. */
import { addressText } from '../../net/ip-format.js';
import { PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, type ClassifiedPacket } from '../../ingest/packet.js';
import { protoKeyword, tcpFlagsText } from '../../net/protocols.js';

export function isoTime(sec: number, usec: number): string {
  const d = new Date(sec * 1000).toISOString();
  return `${d.slice(0, 19)}.${String(usec).padStart(6, '0')}Z`;
}

export interface PacketJson {
  ts: string;
  src: string;
  dst: string;
  proto: string;
  sport: number | null;
  dport: number | null;
  flags: string | null;
  icmp_type: number | null;
  icmp_code: number | null;
  class: string;
  tool: string;
  label: string;
  country: string;
  asn: number;
}

function hasPorts(p: ClassifiedPacket): boolean {
  return (p.proto === PROTO_TCP || p.proto === PROTO_UDP) && !p.fragment;
}

function isIcmp(p: ClassifiedPacket): boolean {
  return (p.proto === PROTO_ICMP || p.proto === PROTO_ICMPV6) && !p.fragment;
}

export function packetJson(p: ClassifiedPacket): PacketJson {
  return {
    ts: isoTime(p.tsSec, p.tsUsec),
    src: addressText(p.ipVersion, p.src4, p.src6),
    dst: addressText(p.ipVersion, p.dst4, p.dst6),
    proto: protoKeyword(p.proto),
    sport: hasPorts(p) ? p.sport : null,
    dport: hasPorts(p) ? p.dport : null,
    flags: p.proto === PROTO_TCP && !p.fragment ? tcpFlagsText(p.tcpFlags) : null,
    icmp_type: isIcmp(p) ? p.icmpType : null,
    icmp_code: isIcmp(p) ? p.icmpCode : null,
    class: p.trafficClass,
    tool: p.tool,
    label: p.label,
    country: p.country,
    asn: p.asn,
  };
}

export const TABLE_HEADER = `${'time (UTC)'.padEnd(27)} ${'proto'.padEnd(6)} ${'source'.padEnd(40)}    ${'destination'.padEnd(40)} ${'flags'.padEnd(6)} ${'class'.padEnd(11)} ${'tool'.padEnd(7)} ${'cc'.padEnd(3)} asn`;

function endpoint(addr: string, port: number | null, v6: boolean): string {
  if (port === null) return addr;
  return v6 ? `[${addr}]:${port}` : `${addr}:${port}`;
}

export function packetRow(p: ClassifiedPacket): string {
  const j = packetJson(p);
  const v6 = p.ipVersion === 6;
  const detail = j.flags ?? (j.icmp_type !== null ? `t${j.icmp_type}/${j.icmp_code}` : p.fragment ? 'frag' : '');
  const tool = p.tool === 'none' ? '-' : p.tool;
  const label = p.label === '' ? '' : ` [${p.label}]`;
  return `${j.ts.padEnd(27)} ${j.proto.padEnd(6)} ${endpoint(j.src, j.sport, v6).padEnd(40)} -> ${endpoint(j.dst, j.dport, v6).padEnd(40)} ${detail.padEnd(6)} ${j.class.padEnd(11)} ${tool.padEnd(7)} ${(j.country || '-').padEnd(3)} ${j.asn === 0 ? '-' : `AS${j.asn}`}${label}`;
}
