/**
 * Link layer: find where the IP header starts in a frame and which IP version
 * the link header announced. The answer is packed into one number so the hot
 * path allocates nothing: `offset * 8 + version`, read back with `ipOffset()`
 * and `announcedVersion()`. A string is a skip reason.
 */

import type { SkipReason } from '../packet.js';
import { u16be, u32be, u32le } from './bytes.js';

/** The link header names no version: take it from the first nibble. */
export const IP_ANY = 0;
export const IP_V4 = 4;
export const IP_V6 = 6;

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW_12 = 12;
export const LINKTYPE_RAW_14 = 14;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
export const ETHERTYPE_QINQ_OLD = 0x9100;

/** Stacked VLAN tags accepted before giving up on a frame. */
export const MAX_VLAN_TAGS = 4;

const ETHERNET_HEADER = 14;
const SLL_HEADER = 16;
const SLL_PROTOCOL_AT = 14;
const SLL2_HEADER = 20;
const SLL2_PROTOCOL_AT = 0;
const LOOPBACK_HEADER = 4;

export function ipOffset(located: number): number {
  return located >>> 3;
}

/** IP_V4, IP_V6, or IP_ANY when the link layer does not say. */
export function announcedVersion(located: number): number {
  return located & 7;
}

function at(offset: number, version: number): number {
  return offset * 8 + version;
}

export function locateIp(linkType: number, data: Uint8Array): number | SkipReason {
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      if (data.length < ETHERNET_HEADER) return 'truncated_link_header';
      return fromEthertype(data, ETHERNET_HEADER - 2, ETHERNET_HEADER);
    case LINKTYPE_LINUX_SLL:
      if (data.length < SLL_HEADER) return 'truncated_link_header';
      return fromEthertype(data, SLL_PROTOCOL_AT, SLL_HEADER);
    case LINKTYPE_LINUX_SLL2:
      if (data.length < SLL2_HEADER) return 'truncated_link_header';
      return fromEthertype(data, SLL2_PROTOCOL_AT, SLL2_HEADER);
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_12:
    case LINKTYPE_RAW_14:
      return at(0, IP_ANY);
    case LINKTYPE_IPV4:
      return at(0, IP_V4);
    case LINKTYPE_IPV6:
      return at(0, IP_V6);
    case LINKTYPE_NULL: {
      if (data.length < LOOPBACK_HEADER) return 'truncated_link_header';
      // Host byte order of the capturing machine, which we do not know: try both.
      const version = versionOfFamily(u32le(data, 0)) || versionOfFamily(u32be(data, 0));
      return version === 0 ? 'unsupported_ethertype' : at(LOOPBACK_HEADER, version);
    }
    case LINKTYPE_LOOP: {
      if (data.length < LOOPBACK_HEADER) return 'truncated_link_header';
      const version = versionOfFamily(u32be(data, 0));
      return version === 0 ? 'unsupported_ethertype' : at(LOOPBACK_HEADER, version);
    }
    default:
      return 'unsupported_linktype';
  }
}

/**
 * Follow an ethertype (at `typeAt`) through any VLAN tags that start at
 * `payloadAt`. Each tag is 4 bytes: TCI, then the next ethertype.
 */
function fromEthertype(data: Uint8Array, typeAt: number, payloadAt: number): number | SkipReason {
  let type = u16be(data, typeAt);
  let offset = payloadAt;
  for (let tags = 0; type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD; tags++) {
    if (tags === MAX_VLAN_TAGS) return 'unsupported_ethertype';
    if (offset + 4 > data.length) return 'truncated_link_header';
    type = u16be(data, offset + 2);
    offset += 4;
  }
  if (type === ETHERTYPE_IPV4) return at(offset, IP_V4);
  if (type === ETHERTYPE_IPV6) return at(offset, IP_V6);
  return 'unsupported_ethertype';
}

/**
 * BSD loopback address family → IP version, 0 when unknown. AF_INET6 differs
 * by OS: 10 Linux, 24 NetBSD/OpenBSD, 28 FreeBSD, 30 Darwin.
 */
function versionOfFamily(af: number): number {
  switch (af) {
    case 2:
      return IP_V4;
    case 10:
    case 24:
    case 28:
    case 30:
      return IP_V6;
    default:
      return 0;
  }
}
