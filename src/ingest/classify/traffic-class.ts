/**
 * Traffic class of one packet: `backscatter` (a victim's reply to spoofed
 * traffic), `scan` (an unsolicited probe) or `other`.
 *
 * Backscatter follows CAIDA's corsaro3 built-in filter, `_apply_backscatter_filter`
 * in libcorsaro/libcorsaro_filtering.c (github.com/CAIDA/corsaro3):
 *   - TCP: SYN-ACK, or any segment with RST set;
 *   - ICMP: echo reply (0), destination unreachable (3), source quench (4),
 *     redirect (5), time exceeded (11), parameter problem (12), timestamp
 *     reply (14), information reply (16), address mask reply (18);
 *   - UDP: source port 53 ("just DNS for now" in corsaro).
 * corsaro is IPv4-only; for ICMPv6 we apply the same idea to the RFC 4443
 * error messages (1 destination unreachable, 2 packet too big, 3 time exceeded,
 * 4 parameter problem) and echo reply (129).
 *
 * Scan is the complement within the same protocols, as in the darknet
 * literature (NICTER, CAIDA telescope reports): a TCP SYN without ACK or RST,
 * any other UDP datagram, ICMP echo request (8) and ICMPv6 echo request (128).
 *
 * Everything else is `other`: remaining TCP flag combinations, other ICMP
 * types, other protocols, and non-first fragments (no transport header to
 * judge by).
 */

import {
  PROTO_ICMP,
  PROTO_ICMPV6,
  PROTO_TCP,
  PROTO_UDP,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
  type PacketSummary,
  type TrafficClass,
} from '../packet.js';

export function classifyTraffic(p: PacketSummary): TrafficClass {
  if (p.fragment) return 'other';
  switch (p.proto) {
    case PROTO_TCP:
      return classifyTcp(p.tcpFlags);
    case PROTO_UDP:
      return p.sport === 53 ? 'backscatter' : 'scan';
    case PROTO_ICMP:
      return classifyIcmp4(p.icmpType);
    case PROTO_ICMPV6:
      return classifyIcmp6(p.icmpType);
    default:
      return 'other';
  }
}

function classifyTcp(flags: number): TrafficClass {
  if ((flags & TCP_RST) !== 0) return 'backscatter';
  if ((flags & TCP_SYN) === 0) return 'other';
  return (flags & TCP_ACK) !== 0 ? 'backscatter' : 'scan';
}

function classifyIcmp4(type: number): TrafficClass {
  switch (type) {
    case 0: // echo reply
    case 3: // destination unreachable
    case 4: // source quench
    case 5: // redirect
    case 11: // time exceeded
    case 12: // parameter problem
    case 14: // timestamp reply
    case 16: // information reply
    case 18: // address mask reply
      return 'backscatter';
    case 8: // echo request
      return 'scan';
    default:
      return 'other';
  }
}

function classifyIcmp6(type: number): TrafficClass {
  switch (type) {
    case 1: // destination unreachable
    case 2: // packet too big
    case 3: // time exceeded
    case 4: // parameter problem
    case 129: // echo reply
      return 'backscatter';
    case 128: // echo request
      return 'scan';
    default:
      return 'other';
  }
}
