/**
 * IP protocol numbers and TCP flags, and the one place their names are
 * written. Every stage uses these: the decoder, the packet-summary reader,
 * inspect, the query layer, the API, alerts and the dashboards' generator.
 *
 * Two forms of a protocol's name:
 * - the display name, in reports, the API and the dashboards: "TCP", and
 *   port labels "23/TCP", "53/UDP", "ICMP" (protocols without ports);
 * - the keyword, in machine formats (`inspect --format json`, packet-summary
 *   lines): "tcp", "udp", "icmp", "icmpv6", or the number for any other
 *   protocol, so that inspect's output reads back as summary lines.
 */

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_ICMPV6 = 58;
export const PROTO_SCTP = 132;

/** Display names of the protocols darknets see. */
export const PROTOCOL_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [PROTO_ICMP]: 'ICMP', [PROTO_TCP]: 'TCP', [PROTO_UDP]: 'UDP', 47: 'GRE', 50: 'ESP', [PROTO_ICMPV6]: 'ICMPv6', [PROTO_SCTP]: 'SCTP',
});

/** Protocols whose packets carry ports (a port label names the port). */
export const PROTOCOLS_WITH_PORTS: readonly number[] = Object.freeze([PROTO_TCP, PROTO_UDP, PROTO_SCTP]);

/** Keywords of machine formats: the protocols darkscope decodes, in lower case. */
export const PROTOCOL_KEYWORDS: ReadonlyMap<string, number> = new Map(
  [PROTO_TCP, PROTO_UDP, PROTO_ICMP, PROTO_ICMPV6].map((p) => [PROTOCOL_NAMES[p].toLowerCase(), p]),
);

/** Display name: TCP, UDP, ICMP, ... or "proto 41". */
export function protoName(proto: number): string {
  return PROTOCOL_NAMES[proto] ?? `proto ${proto}`;
}

/** Machine-format keyword: tcp, udp, icmp, icmpv6, or the number as text. */
export function protoKeyword(proto: number): string {
  for (const [keyword, p] of PROTOCOL_KEYWORDS) if (p === proto) return keyword;
  return String(proto);
}

/** "23/TCP", "53/UDP"; protocols without ports by name ("ICMP"). */
export function portLabel(proto: number, port: number): string {
  return PROTOCOLS_WITH_PORTS.includes(proto) ? `${port}/${protoName(proto)}` : protoName(proto);
}

/**
 * portLabel as a ClickHouse expression over two columns, for SQL that builds
 * labels itself (the dashboards' panels). Column names are the caller's
 * constants, never user input.
 */
export function portLabelSql(protoColumn: string, portColumn: string): string {
  const names = Object.entries(PROTOCOL_NAMES).map(([p, n]) => `${protoColumn} = ${p}, '${n}'`).join(', ');
  const name = `multiIf(${names}, concat('proto ', toString(${protoColumn})))`;
  return `if(${protoColumn} IN (${PROTOCOLS_WITH_PORTS.join(', ')}), concat(toString(${portColumn}), '/', ${name}), ${name})`;
}

/** TCP flags as tcpdump prints them: S F R P U E W N, and '.' for ACK. */
export function tcpFlagsText(flags: number): string {
  let s = '';
  if (flags & 0x02) s += 'S';
  if (flags & 0x01) s += 'F';
  if (flags & 0x04) s += 'R';
  if (flags & 0x08) s += 'P';
  if (flags & 0x20) s += 'U';
  if (flags & 0x40) s += 'E';
  if (flags & 0x80) s += 'W';
  if (flags & 0x100) s += 'N';
  if (flags & 0x10) s += '.';
  return s;
}
