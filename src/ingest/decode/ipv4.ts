/** IPv4 header: addresses, id, TTL, length, fragment offset; then the transport header. */

import type { PacketSummary, SkipReason } from '../packet.js';
import { u16be, u32be } from './bytes.js';
import { readTransport } from './transport.js';

const MIN_HEADER = 20;
const FRAGMENT_OFFSET_MASK = 0x1fff;

/** Fill `pkt` from the IPv4 packet starting at `off`; null on success. */
export function readIpv4(data: Uint8Array, off: number, pkt: PacketSummary): SkipReason | null {
  const captured = data.length;
  if (off + MIN_HEADER > captured) return 'truncated_ip_header';
  const ihl = data[off] & 0x0f;
  if (ihl < 5) return 'bad_ihl';
  const headerLength = ihl * 4;
  if (off + headerLength > captured) return 'truncated_ip_header';
  const totalLength = u16be(data, off + 2);
  if (totalLength < headerLength) return 'bad_ip_length';

  pkt.ipVersion = 4;
  pkt.ipLen = totalLength;
  pkt.ipId = u16be(data, off + 4);
  pkt.ttl = data[off + 8];
  pkt.proto = data[off + 9];
  pkt.src4 = u32be(data, off + 12);
  pkt.dst4 = u32be(data, off + 16);
  if ((u16be(data, off + 6) & FRAGMENT_OFFSET_MASK) !== 0) {
    pkt.fragment = true;
    return null;
  }
  // Snaplen may cut the packet short (fine); link-layer padding may run past it
  // (not part of the packet, so never read as a transport header).
  const end = Math.min(captured, off + totalLength);
  return readTransport(data, off + headerLength, end, pkt);
}
