/**
 * The compact per-packet record every input format decodes into, and the
 * reasons a record can be skipped instead. Nothing downstream ever sees a
 * packet whose addresses or ports were not read from real bytes.
 */

export { PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP } from '../net/protocols.js';

/** TCP flag bits as they appear in byte 13 of the TCP header (plus NS in bit 8). */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

export interface PacketSummary {
  /** Capture time, whole seconds since the Unix epoch (0..2^32-1). */
  tsSec: number;
  /** Microseconds within the second (0..999999). */
  tsUsec: number;
  ipVersion: 4 | 6;
  /** IPv4 source as an unsigned 32-bit integer; 0 for IPv6. */
  src4: number;
  /** IPv4 destination as an unsigned 32-bit integer; 0 for IPv6. */
  dst4: number;
  /** IPv6 source (16 bytes); null for IPv4. */
  src6: Uint8Array | null;
  /** IPv6 destination (16 bytes); null for IPv4. */
  dst6: Uint8Array | null;
  /** IP protocol number (upper-layer protocol after IPv6 extension headers). */
  proto: number;
  /** Source/destination port for TCP and UDP; 0 otherwise (and for non-first fragments). */
  sport: number;
  dport: number;
  /** TCP flags (low 8 bits = byte 13, bit 8 = NS); 0 when not TCP. */
  tcpFlags: number;
  /** TCP sequence number (unsigned); 0 when not TCP. */
  tcpSeq: number;
  /** TCP window; 0 when not TCP. */
  tcpWindow: number;
  /** True when the TCP header carries options (data offset > 5). */
  tcpOptions: boolean;
  /** IPv4 identification (0 for IPv6). */
  ipId: number;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl: number;
  /** Length of the IP packet as stated by its header (IPv4 total length, IPv6 40 + payload length). */
  ipLen: number;
  /** ICMP/ICMPv6 type and code; 0 when not ICMP. */
  icmpType: number;
  icmpCode: number;
  /** True for a non-first IP fragment (no transport header, ports are 0). */
  fragment: boolean;
}

/** Why a record produced no packet. Stable strings: they are counted, logged and stored. */
export type SkipReason =
  | 'unsupported_linktype'
  | 'truncated_link_header'
  | 'unsupported_ethertype'
  | 'truncated_ip_header'
  | 'bad_ip_version'
  | 'bad_ihl'
  | 'bad_ip_length'
  | 'truncated_ipv6_ext_header'
  | 'too_many_ipv6_ext_headers'
  | 'truncated_l4_header'
  | 'bad_tcp_header'
  | 'bad_timestamp'
  | 'timestamp_out_of_range'
  | 'bad_summary_line';

export type TrafficClass = 'scan' | 'backscatter' | 'other';
export type ScanTool = 'none' | 'mirai' | 'zmap' | 'masscan';

/** A decoded packet after classification and enrichment: what the store writes. */
export interface ClassifiedPacket extends PacketSummary {
  trafficClass: TrafficClass;
  tool: ScanTool;
  /** Source label from the user's CIDR files ('' when none). */
  label: string;
  /** ISO 3166 alpha-2 country of the source ('' when unknown). */
  country: string;
  /** Origin AS number of the source (0 when unknown). */
  asn: number;
}

/**
 * A packet object as the decoder allocates it: every field of every later
 * stage already present (see decode/index.ts), so objects keep one shape.
 */
export interface PacketSlots extends ClassifiedPacket {
  /** Index of the capture record (or summary line number) the packet came from. */
  recordIndex: number;
  /** Byte offset of that record in the (decompressed) input; 0 for summary lines. */
  recordOffset: number;
}
