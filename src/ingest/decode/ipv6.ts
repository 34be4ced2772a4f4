/** IPv6 header and extension-header chain; then the transport header. */

import type { PacketSummary, SkipReason } from '../packet.js';
import { copy16, u16be } from './bytes.js';
import { readTransport } from './transport.js';

const HEADER = 40;
const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const AUTH = 51;
const DEST_OPTIONS = 60;
const MOBILITY = 135;
const FRAGMENT_HEADER = 8;
const FRAGMENT_OFFSET_MASK = 0xfff8;

/** Extension headers walked before giving up (RFC 8200 order has at most ~6). */
export const MAX_EXT_HEADERS = 8;

function isExtensionHeader(nh: number): boolean {
  return nh === HOP_BY_HOP || nh === ROUTING || nh === FRAGMENT || nh === DEST_OPTIONS || nh === AUTH || nh === MOBILITY;
}

/** Fill `pkt` from the IPv6 packet starting at `off`; null on success. */
export function readIpv6(data: Uint8Array, off: number, pkt: PacketSummary): SkipReason | null {
  const captured = data.length;
  if (off + HEADER > captured) return 'truncated_ip_header';
  const payloadLength = u16be(data, off + 4);
  let nh = data[off + 6];

  pkt.ipVersion = 6;
  pkt.ipLen = HEADER + payloadLength;
  pkt.ttl = data[off + 7];
  pkt.src6 = copy16(data, off + 8);
  pkt.dst6 = copy16(data, off + 24);

  // Payload length 0 after a hop-by-hop header is a jumbogram (RFC 2675): the
  // real length is in an option, so go by the captured bytes. Otherwise stop
  // at the stated end, so link-layer padding is never read as a header.
  const end = payloadLength === 0 && nh === HOP_BY_HOP ? captured : Math.min(captured, off + HEADER + payloadLength);
  let at = off + HEADER;
  for (let walked = 0; isExtensionHeader(nh); walked++) {
    if (walked === MAX_EXT_HEADERS) return 'too_many_ipv6_ext_headers';
    if (at + 8 > end) return 'truncated_ipv6_ext_header';
    const size = nh === FRAGMENT ? FRAGMENT_HEADER : nh === AUTH ? (data[at + 1] + 2) * 4 : (data[at + 1] + 1) * 8;
    if (at + size > end) return 'truncated_ipv6_ext_header';
    const isLaterFragment = nh === FRAGMENT && (u16be(data, at + 2) & FRAGMENT_OFFSET_MASK) !== 0;
    nh = data[at];
    at += size;
    if (isLaterFragment) {
      pkt.proto = nh;
      pkt.fragment = true;
      return null;
    }
  }
  pkt.proto = nh;
  return readTransport(data, at, end, pkt);
}
