/**
 * Addresses that have no country or origin AS however a database answers:
 * private, loopback, link-local, documentation, multicast and reserved space.
 * Enrichment returns '' / 0 for them without asking a database.
 *
 * This matters in practice: the bundled geo-whois-asn-country data maps
 * 172.16.0.0/12, 192.168.0.0/16, 198.51.100.0/24 and 203.0.113.0/24 to AU and
 * 2001:db8::/32 to JP (the package README warns its npm data has known bugs),
 * and spoofed sources from these ranges are common in telescope traffic.
 *
 * IPv4: the blocks of the IANA IPv4 Special-Purpose Address Registry (RFC 6890
 * and updates) marked not globally reachable, plus multicast 224.0.0.0/4
 * (RFC 5771) and reserved 240.0.0.0/4 (RFC 1112; includes 255.255.255.255).
 * IPv6: everything outside global unicast 2000::/3 (RFC 4291 section 2.4:
 * covers ::, ::1, ::ffff:0:0/96, 64:ff9b::/96, 100::/64, fc00::/7, fe80::/10,
 * ff00::/8), plus the documentation prefixes 2001:db8::/32 (RFC 3849) and
 * 3fff::/20 (RFC 9637).
 */

/** [network, prefix length] pairs, network as an unsigned 32-bit integer. */
const SPECIAL4: ReadonlyArray<readonly [number, number]> = [
  [0x00000000, 8], // 0.0.0.0/8       "this network"
  [0x0a000000, 8], // 10.0.0.0/8      private (RFC 1918)
  [0x64400000, 10], // 100.64.0.0/10  shared address space (RFC 6598)
  [0x7f000000, 8], // 127.0.0.0/8     loopback
  [0xa9fe0000, 16], // 169.254.0.0/16 link local (RFC 3927)
  [0xac100000, 12], // 172.16.0.0/12  private (RFC 1918)
  [0xc0000000, 24], // 192.0.0.0/24   IETF protocol assignments
  [0xc0000200, 24], // 192.0.2.0/24   TEST-NET-1 (RFC 5737)
  [0xc0a80000, 16], // 192.168.0.0/16 private (RFC 1918)
  [0xc6120000, 15], // 198.18.0.0/15  benchmarking (RFC 2544)
  [0xc6336400, 24], // 198.51.100.0/24 TEST-NET-2 (RFC 5737)
  [0xcb007100, 24], // 203.0.113.0/24 TEST-NET-3 (RFC 5737)
  [0xe0000000, 4], // 224.0.0.0/4     multicast (RFC 5771)
  [0xf0000000, 4], // 240.0.0.0/4     reserved, and broadcast (RFC 1112, RFC 919)
];

const MASKS4 = SPECIAL4.map(([, len]) => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0));

export function isSpecial4(addr: number): boolean {
  const a = addr >>> 0;
  for (let i = 0; i < SPECIAL4.length; i++) {
    if (((a & MASKS4[i]) >>> 0) === SPECIAL4[i][0]) return true;
  }
  return false;
}

export function isSpecial6(addr: Uint8Array): boolean {
  if ((addr[0] & 0xe0) !== 0x20) return true; // outside 2000::/3
  if (addr[0] === 0x20 && addr[1] === 0x01 && addr[2] === 0x0d && addr[3] === 0xb8) return true; // 2001:db8::/32
  if (addr[0] === 0x3f && addr[1] === 0xff && (addr[2] & 0xf0) === 0) return true; // 3fff::/20
  return false;
}
