/**
 * Transport headers (TCP, UDP, ICMP, ICMPv6): fill ports, flags and ICMP
 * type/code into the packet, reading only bytes in [at, end). Other protocols
 * keep their zero ports.
 */

import { PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP } from '../packet.js';
import type { PacketSummary, SkipReason } from '../packet.js';
import { u16be, u32be } from './bytes.js';

const TCP_MIN_HEADER = 20;
const UDP_HEADER = 8;
const ICMP_MIN_HEADER = 4;

/**
 * `pkt.proto` must already be set. `end` is where the IP packet's bytes stop:
 * the smaller of what was captured and what the IP header claims.
 */
export function readTransport(data: Uint8Array, at: number, end: number, pkt: PacketSummary): SkipReason | null {
  const available = end - at;
  switch (pkt.proto) {
    case PROTO_TCP: {
      if (available < TCP_MIN_HEADER) return 'truncated_l4_header';
      const offsetAndNs = data[at + 12];
      const dataOffset = offsetAndNs >> 4;
      if (dataOffset < 5) return 'bad_tcp_header';
      pkt.sport = u16be(data, at);
      pkt.dport = u16be(data, at + 2);
      pkt.tcpSeq = u32be(data, at + 4);
      pkt.tcpFlags = data[at + 13] | ((offsetAndNs & 1) << 8);
      pkt.tcpWindow = u16be(data, at + 14);
      pkt.tcpOptions = dataOffset > 5;
      return null;
    }
    case PROTO_UDP:
      if (available < UDP_HEADER) return 'truncated_l4_header';
      pkt.sport = u16be(data, at);
      pkt.dport = u16be(data, at + 2);
      return null;
    case PROTO_ICMP:
    case PROTO_ICMPV6:
      if (available < ICMP_MIN_HEADER) return 'truncated_l4_header';
      pkt.icmpType = data[at];
      pkt.icmpCode = data[at + 1];
      return null;
    default:
      return null;
  }
}
