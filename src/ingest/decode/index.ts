/**
 * Packet decoding: one captured frame → one PacketSummary, or the reason it
 * was skipped. Never throws; every field comes from bytes that were captured.
 *
 *   linktype.ts  link header → where IP starts, announced version
 *   ipv4.ts      IPv4 header
 *   ipv6.ts      IPv6 header + extension headers
 *   transport.ts TCP / UDP / ICMP / ICMPv6
 *   timestamp.ts timestamp checks
 */

import type { CaptureRecord } from '../capture/record.js';
import type { PacketSlots, PacketSummary, SkipReason } from '../packet.js';
import { readIpv4 } from './ipv4.js';
import { readIpv6 } from './ipv6.js';
import { announcedVersion, IP_ANY, ipOffset, locateIp } from './linktype.js';
import { nsecToUsec, timestampSkip } from './timestamp.js';

/** Decode one capture record (its nanosecond fraction must be below 1e9). */
export function decodeRecord(rec: CaptureRecord): PacketSummary | SkipReason {
  return decodeFrame(rec.linkType, rec.data, rec.tsSec, nsecToUsec(rec.tsNsec));
}

/**
 * Decode the captured bytes of one frame. `linkType` is a LINKTYPE_* value
 * with the upper bits already masked off; `data` may be a view at any offset.
 */
export function decodeFrame(linkType: number, data: Uint8Array, tsSec: number, tsUsec: number): PacketSummary | SkipReason {
  const pkt = emptyPacket(tsSec, tsUsec);
  const skip = decodeFrameInto(linkType, data, tsSec, tsUsec, pkt);
  return skip === null ? pkt : skip;
}

/**
 * decodeRecord into an existing packet object (one made by newPacketSlots()),
 * every field rewritten: null when `pkt` now holds the packet, else why the
 * record was skipped (`pkt` then holds nothing useful). For a reader that
 * reuses its packet objects, so decoding allocates nothing per packet.
 */
export function decodeRecordInto(rec: CaptureRecord, pkt: PacketSlots): SkipReason | null {
  return decodeFrameInto(rec.linkType, rec.data, rec.tsSec, nsecToUsec(rec.tsNsec), pkt);
}

function decodeFrameInto(linkType: number, data: Uint8Array, tsSec: number, tsUsec: number, pkt: PacketSlots): SkipReason | null {
  const badTime = timestampSkip(tsSec, tsUsec);
  if (badTime !== null) return badTime;
  const located = locateIp(linkType, data);
  if (typeof located === 'string') return located;
  const off = ipOffset(located);
  if (off >= data.length) return 'truncated_ip_header';
  const version = data[off] >> 4;
  const announced = announcedVersion(located);
  if (announced !== IP_ANY && version !== announced) return 'bad_ip_version';
  resetPacket(pkt, tsSec, tsUsec);
  return readIp(data, off, version, pkt);
}

function readIp(data: Uint8Array, off: number, version: number, pkt: PacketSlots): SkipReason | null {
  if (version === 4) return readIpv4(data, off, pkt);
  if (version === 6) return readIpv6(data, off, pkt);
  return 'bad_ip_version';
}

/** A packet object with every field at its empty value, for decodeRecordInto(). */
export function newPacketSlots(): PacketSlots {
  return emptyPacket(0, 0);
}

/** Every field back to emptyPacket()'s value (same order, same shape). */
function resetPacket(p: PacketSlots, tsSec: number, tsUsec: number): void {
  p.tsSec = tsSec;
  p.tsUsec = tsUsec;
  p.ipVersion = 4;
  p.src4 = 0;
  p.dst4 = 0;
  p.src6 = null;
  p.dst6 = null;
  p.proto = 0;
  p.sport = 0;
  p.dport = 0;
  p.tcpFlags = 0;
  p.tcpSeq = 0;
  p.tcpWindow = 0;
  p.tcpOptions = false;
  p.ipId = 0;
  p.ttl = 0;
  p.ipLen = 0;
  p.icmpType = 0;
  p.icmpCode = 0;
  p.fragment = false;
  p.trafficClass = 'other';
  p.tool = 'none';
  p.label = '';
  p.country = '';
  p.asn = 0;
  p.recordIndex = 0;
  p.recordOffset = 0;
}

/**
 * All fields present from the start, in one order, so every packet has the
 * same shape, including the fields later stages fill in (classification and
 * the record's position): V8 then never grows the object.
 */
function emptyPacket(tsSec: number, tsUsec: number): PacketSlots {
  return {
    tsSec,
    tsUsec,
    ipVersion: 4,
    src4: 0,
    dst4: 0,
    src6: null,
    dst6: null,
    proto: 0,
    sport: 0,
    dport: 0,
    tcpFlags: 0,
    tcpSeq: 0,
    tcpWindow: 0,
    tcpOptions: false,
    ipId: 0,
    ttl: 0,
    ipLen: 0,
    icmpType: 0,
    icmpCode: 0,
    fragment: false,
    trafficClass: 'other',
    tool: 'none',
    label: '',
    country: '',
    asn: 0,
    recordIndex: 0,
    recordOffset: 0,
  };
}
