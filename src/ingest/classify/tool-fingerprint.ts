/**
 * Which scanner sent a packet, from header fields the tools set in a
 * recognisable way. Only IPv4 carries the marks below; IPv6 packets and
 * non-first fragments (no transport header) are always 'none'.
 *
 * Rules, checked in this order (the first match wins):
 *   1. mirai   — TCP SYN (no ACK, no RST) whose sequence number equals the
 *                destination address. Mirai's scanner builds its probes with
 *                `tcph->seq = iph->daddr` (mirai/bot/scanner.c in the leaked
 *                Mirai source); both fields are read big-endian, so they compare
 *                equal as unsigned integers.
 *   2. masscan — TCP with IP ID = (dst ^ dport ^ seq) & 0xffff. masscan's
 *                `tcp_create_packet` (src/templ-pkt.c) sets
 *                `ip_id = ip_them ^ port_them ^ seqno`, truncated to 16 bits.
 *   3. zmap    — IP ID 54321 on any protocol: ZMap hard-coded it until 4.1
 *                randomised it (zmap/zmap pull request #798).
 * Mirai goes first because a Mirai probe's IP ID is random and could satisfy
 * the masscan equation by chance, not the reverse; masscan goes before zmap
 * because its equation is the more specific of the two.
 *
 * The rules are stored with every row (`tool` column), so changing any rule
 * (a new tool, a different precedence, a changed condition) must bump
 * TOOL_RULES_VERSION, letting queries tell old and new labelling apart.
 */

import { PROTO_TCP, TCP_ACK, TCP_RST, TCP_SYN, type PacketSummary, type ScanTool } from '../packet.js';

export const TOOL_RULES_VERSION = 1;

/** IP ID ZMap wrote into every probe before version 4.1. */
export const ZMAP_IP_ID = 54321;

export function fingerprintTool(p: PacketSummary): ScanTool {
  if (p.ipVersion !== 4 || p.fragment) return 'none';
  if (p.proto === PROTO_TCP) {
    // `>>> 0` keeps the comparison unsigned even if a caller hands in a
    // sign-extended 32-bit value (e.g. from `|` arithmetic).
    const seq = p.tcpSeq >>> 0;
    const dst = p.dst4 >>> 0;
    if ((p.tcpFlags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN && seq === dst) return 'mirai';
    // XOR works on the low 32 bits; the mask keeps 16 of them, always >= 0.
    if (p.ipId === ((dst ^ p.dport ^ seq) & 0xffff)) return 'masscan';
  }
  if (p.ipId === ZMAP_IP_ID) return 'zmap';
  return 'none';
}
