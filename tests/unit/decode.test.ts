import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CaptureRecord } from '../../src/ingest/capture/record.js';
import { decodeFrame, decodeRecord } from '../../src/ingest/decode/index.js';
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  LINKTYPE_RAW_12,
  LINKTYPE_RAW_14,
} from '../../src/ingest/decode/linktype.js';
import { TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG } from '../../src/ingest/packet.js';
import type { PacketSummary, SkipReason } from '../../src/ingest/packet.js';
import {
  AF,
  ETHERTYPE,
  IPPROTO,
  TPID,
  concat,
  ethernet,
  icmp,
  ip4n,
  ip6,
  ipv4,
  ipv6,
  loop,
  nullLoopback,
  record,
  sll,
  sll2,
  tcp,
  udp,
  view,
  type Ipv6Ext,
} from '../helpers/frames.js';

/** A packet with every field at its "absent" value, overridden by `fields`. */
function packet(fields: Partial<PacketSummary>): PacketSummary {
  return {
    tsSec: 1_700_000_000,
    tsUsec: 123_456,
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
    // Slots the decoder allocates for later stages (classification, record position), still at their defaults.
    trafficClass: 'other',
    tool: 'none',
    label: '',
    country: '',
    asn: 0,
    recordIndex: 0,
    recordOffset: 0,
    ...fields,
  } as PacketSummary;
}

function decoded(rec: CaptureRecord): PacketSummary {
  const r = decodeRecord(rec);
  if (typeof r === 'string') throw new Error(`expected a packet, got skip reason ${r}`);
  return r;
}

const V4 = { ipVersion: 4 as const, src4: ip4n('192.0.2.1'), dst4: ip4n('198.51.100.2'), ipId: 0x1234, ttl: 64 };
const V6 = { ipVersion: 6 as const, src6: ip6('2001:db8::1'), dst6: ip6('2001:db8:ffff::2'), ttl: 64 };

/** Default tcp(): SYN 40000 → 80, seq 1, window 1024. */
const SYN = { proto: 6, sport: 40000, dport: 80, tcpFlags: TCP_SYN, tcpSeq: 1, tcpWindow: 1024 };
const UDP53 = { proto: 17, sport: 53000, dport: 53 };

const v4tcp = (): Uint8Array => ipv4(tcp());
const v6tcp = (): Uint8Array => ipv6(tcp());

describe('decodeRecord: link types', () => {
  it('Ethernet IPv4/TCP: every field', () => {
    const frame = ethernet(
      ipv4(tcp({ sport: 54321, dport: 23, seq: 0xc6336402, flags: TCP_SYN | TCP_ACK, window: 65535 }), {
        src: '203.0.113.250',
        dst: '198.51.100.2',
        id: 54321,
        ttl: 250,
      }),
    );
    expect(decodeRecord(record(LINKTYPE_ETHERNET, frame, { tsSec: 0xffffffff, tsNsec: 999_999_999 }))).toEqual(
      packet({
        tsSec: 0xffffffff,
        tsUsec: 999_999,
        ipVersion: 4,
        src4: ip4n('203.0.113.250'),
        dst4: ip4n('198.51.100.2'),
        proto: 6,
        sport: 54321,
        dport: 23,
        tcpFlags: TCP_SYN | TCP_ACK,
        tcpSeq: 0xc6336402,
        tcpWindow: 65535,
        ipId: 54321,
        ttl: 250,
        ipLen: 40,
      }),
    );
  });

  it('Ethernet IPv6/UDP', () => {
    expect(decodeRecord(record(LINKTYPE_ETHERNET, ethernet(ipv6(udp(), { proto: IPPROTO.UDP }))))).toEqual(packet({ ...V6, ...UDP53, ipLen: 48 }));
  });

  it.each([
    ['802.1Q', [TPID.VLAN]],
    ['802.1ad + 802.1Q', [TPID.QINQ, TPID.VLAN]],
    ['0x9100 + 802.1Q', [TPID.QINQ_OLD, TPID.VLAN]],
    ['three tags', [TPID.QINQ, TPID.VLAN, TPID.VLAN]],
    ['four tags', [TPID.QINQ, TPID.QINQ_OLD, TPID.VLAN, TPID.VLAN]],
  ])('Ethernet with VLAN tags: %s', (_name, vlans) => {
    expect(decodeRecord(record(LINKTYPE_ETHERNET, ethernet(v4tcp(), { vlans })))).toEqual(packet({ ...V4, ...SYN, ipLen: 40 }));
    expect(decodeRecord(record(LINKTYPE_ETHERNET, ethernet(v6tcp(), { vlans })))).toEqual(packet({ ...V6, ...SYN, ipLen: 60 }));
  });

  it('Ethernet: five VLAN tags is unsupported_ethertype', () => {
    const vlans = [TPID.VLAN, TPID.VLAN, TPID.VLAN, TPID.VLAN, TPID.VLAN];
    expect(decodeRecord(record(LINKTYPE_ETHERNET, ethernet(v4tcp(), { vlans })))).toBe('unsupported_ethertype');
  });

  it('Ethernet: a VLAN tag cut short is truncated_link_header', () => {
    const frame = ethernet(v4tcp(), { vlans: [TPID.VLAN, TPID.VLAN] });
    for (const cut of [14, 15, 17, 18, 21]) {
      expect(decodeRecord(record(LINKTYPE_ETHERNET, frame.subarray(0, cut)))).toBe('truncated_link_header');
    }
    expect(decodeRecord(record(LINKTYPE_ETHERNET, frame.subarray(0, 22)))).toBe('truncated_ip_header');
  });

  it.each([
    ['ARP', ETHERTYPE.ARP],
    ['802.3 length field', 0x002e],
    ['MPLS', 0x8847],
  ])('Ethernet: %s is unsupported_ethertype', (_name, ethertype) => {
    expect(decodeRecord(record(LINKTYPE_ETHERNET, ethernet(v4tcp(), { ethertype })))).toBe('unsupported_ethertype');
  });

  it('Ethernet: ethertype and version nibble must agree', () => {
    expect(decodeRecord(record(LINKTYPE_ETHERNET, ethernet(v6tcp(), { ethertype: ETHERTYPE.IPV4 })))).toBe('bad_ip_version');
    expect(decodeRecord(record(LINKTYPE_ETHERNET, ethernet(v4tcp(), { ethertype: ETHERTYPE.IPV6 })))).toBe('bad_ip_version');
    expect(decodeRecord(record(LINKTYPE_ETHERNET, ethernet(ipv4(tcp(), { version: 5 }), { ethertype: ETHERTYPE.IPV4 })))).toBe('bad_ip_version');
  });

  it('Ethernet: header shorter than 14 bytes', () => {
    const frame = ethernet(v4tcp());
    for (let cut = 0; cut < 14; cut++) {
      expect(decodeRecord(record(LINKTYPE_ETHERNET, frame.subarray(0, cut)))).toBe('truncated_link_header');
    }
  });

  it('Linux SLL (113)', () => {
    expect(decodeRecord(record(LINKTYPE_LINUX_SLL, sll(v4tcp())))).toEqual(packet({ ...V4, ...SYN, ipLen: 40 }));
    expect(decodeRecord(record(LINKTYPE_LINUX_SLL, sll(v6tcp())))).toEqual(packet({ ...V6, ...SYN, ipLen: 60 }));
    expect(decodeRecord(record(LINKTYPE_LINUX_SLL, sll(v4tcp(), ETHERTYPE.ARP)))).toBe('unsupported_ethertype');
    expect(decodeRecord(record(LINKTYPE_LINUX_SLL, sll(v4tcp()).subarray(0, 15)))).toBe('truncated_link_header');
    expect(decodeRecord(record(LINKTYPE_LINUX_SLL, sll(v4tcp()).subarray(0, 16)))).toBe('truncated_ip_header');
  });

  it('Linux SLL2 (276)', () => {
    expect(decodeRecord(record(LINKTYPE_LINUX_SLL2, sll2(v4tcp())))).toEqual(packet({ ...V4, ...SYN, ipLen: 40 }));
    expect(decodeRecord(record(LINKTYPE_LINUX_SLL2, sll2(v6tcp())))).toEqual(packet({ ...V6, ...SYN, ipLen: 60 }));
    expect(decodeRecord(record(LINKTYPE_LINUX_SLL2, sll2(v4tcp(), ETHERTYPE.ARP)))).toBe('unsupported_ethertype');
    expect(decodeRecord(record(LINKTYPE_LINUX_SLL2, sll2(v6tcp(), ETHERTYPE.IPV4)))).toBe('bad_ip_version');
    expect(decodeRecord(record(LINKTYPE_LINUX_SLL2, sll2(v4tcp()).subarray(0, 19)))).toBe('truncated_link_header');
    expect(decodeRecord(record(LINKTYPE_LINUX_SLL2, sll2(v4tcp()).subarray(0, 20)))).toBe('truncated_ip_header');
  });

  it.each([LINKTYPE_RAW, LINKTYPE_RAW_12, LINKTYPE_RAW_14])('raw IP (%i): version from the first nibble', (lt) => {
    expect(decodeRecord(record(lt, v4tcp()))).toEqual(packet({ ...V4, ...SYN, ipLen: 40 }));
    expect(decodeRecord(record(lt, v6tcp()))).toEqual(packet({ ...V6, ...SYN, ipLen: 60 }));
    expect(decodeRecord(record(lt, ipv4(tcp(), { version: 5 })))).toBe('bad_ip_version');
    expect(decodeRecord(record(lt, ipv4(tcp(), { version: 0 })))).toBe('bad_ip_version');
    expect(decodeRecord(record(lt, new Uint8Array(0)))).toBe('truncated_ip_header');
  });

  it('raw IPv4 (228) and raw IPv6 (229) insist on their version', () => {
    expect(decodeRecord(record(LINKTYPE_IPV4, v4tcp()))).toEqual(packet({ ...V4, ...SYN, ipLen: 40 }));
    expect(decodeRecord(record(LINKTYPE_IPV4, v6tcp()))).toBe('bad_ip_version');
    expect(decodeRecord(record(LINKTYPE_IPV6, v6tcp()))).toEqual(packet({ ...V6, ...SYN, ipLen: 60 }));
    expect(decodeRecord(record(LINKTYPE_IPV6, v4tcp()))).toBe('bad_ip_version');
    expect(decodeRecord(record(LINKTYPE_IPV4, new Uint8Array(0)))).toBe('truncated_ip_header');
    expect(decodeRecord(record(LINKTYPE_IPV6, new Uint8Array(0)))).toBe('truncated_ip_header');
  });

  it.each(['le', 'be'] as const)('null/BSD loopback (0), %s host order: AF_INET and every AF_INET6', (order) => {
    expect(decodeRecord(record(LINKTYPE_NULL, nullLoopback(v4tcp(), AF.INET, order)))).toEqual(packet({ ...V4, ...SYN, ipLen: 40 }));
    for (const af of [AF.INET6_LINUX, AF.INET6_BSD, AF.INET6_FREEBSD, AF.INET6_DARWIN]) {
      expect(decodeRecord(record(LINKTYPE_NULL, nullLoopback(v6tcp(), af, order)))).toEqual(packet({ ...V6, ...SYN, ipLen: 60 }));
    }
    expect(decodeRecord(record(LINKTYPE_NULL, nullLoopback(v4tcp(), 17, order)))).toBe('unsupported_ethertype');
    expect(decodeRecord(record(LINKTYPE_NULL, nullLoopback(v6tcp(), AF.INET, order)))).toBe('bad_ip_version');
  });

  it('null loopback: family 0, garbage, and short headers', () => {
    expect(decodeRecord(record(LINKTYPE_NULL, nullLoopback(v4tcp(), 0)))).toBe('unsupported_ethertype');
    expect(decodeRecord(record(LINKTYPE_NULL, concat([2, 0, 0, 2], v4tcp())))).toBe('unsupported_ethertype');
    for (let cut = 0; cut < 4; cut++) {
      expect(decodeRecord(record(LINKTYPE_NULL, nullLoopback(v4tcp(), AF.INET).subarray(0, cut)))).toBe('truncated_link_header');
    }
    expect(decodeRecord(record(LINKTYPE_NULL, nullLoopback(v4tcp(), AF.INET).subarray(0, 4)))).toBe('truncated_ip_header');
  });

  it('LOOP (108): network byte order only', () => {
    expect(decodeRecord(record(LINKTYPE_LOOP, loop(v4tcp(), AF.INET)))).toEqual(packet({ ...V4, ...SYN, ipLen: 40 }));
    expect(decodeRecord(record(LINKTYPE_LOOP, loop(v6tcp(), AF.INET6_BSD)))).toEqual(packet({ ...V6, ...SYN, ipLen: 60 }));
    expect(decodeRecord(record(LINKTYPE_LOOP, nullLoopback(v4tcp(), AF.INET, 'le')))).toBe('unsupported_ethertype');
    expect(decodeRecord(record(LINKTYPE_LOOP, loop(v4tcp(), AF.INET).subarray(0, 3)))).toBe('truncated_link_header');
  });

  it.each([105, 127, 160, 231, 2, 1 << 16])('link type %i is unsupported_linktype', (lt) => {
    expect(decodeRecord(record(lt, ethernet(v4tcp())))).toBe('unsupported_linktype');
  });

  it('respects byteOffset of a subarray view, and accepts a Buffer', () => {
    const frame = ethernet(ipv4(udp({ sport: 1, dport: 2 }), { src: '10.0.0.1' }));
    const expected = decodeRecord(record(LINKTYPE_ETHERNET, frame));
    for (const pad of [1, 3, 7, 64]) expect(decodeRecord(record(LINKTYPE_ETHERNET, view(frame, pad)))).toEqual(expected);
    expect(decodeRecord(record(LINKTYPE_ETHERNET, Buffer.from(frame)))).toEqual(expected);
    // Bytes just past the view (0xee) are never read: cutting the view short skips.
    expect(decodeRecord(record(LINKTYPE_ETHERNET, view(frame.subarray(0, frame.length - 1), 5)))).toBe('truncated_l4_header');
  });

  it('decodeFrame takes microseconds directly', () => {
    expect(decodeFrame(LINKTYPE_RAW, v4tcp(), 5, 999_999)).toEqual(packet({ ...V4, ...SYN, ipLen: 40, tsSec: 5, tsUsec: 999_999 }));
    expect(decodeFrame(LINKTYPE_RAW, v4tcp(), 5, 1_000_000)).toBe('bad_timestamp');
    expect(decodeFrame(LINKTYPE_RAW, v4tcp(), -1, 0)).toBe('timestamp_out_of_range');
  });
});

describe('decodeRecord: timestamps', () => {
  const at = (tsSec: number, tsNsec: number): PacketSummary | SkipReason => decodeRecord(record(LINKTYPE_RAW, v4tcp(), { tsSec, tsNsec }));

  it('converts nanoseconds to whole microseconds (floor)', () => {
    expect(decoded(record(LINKTYPE_RAW, v4tcp(), { tsSec: 0, tsNsec: 0 }))).toMatchObject({ tsSec: 0, tsUsec: 0 });
    expect(decoded(record(LINKTYPE_RAW, v4tcp(), { tsSec: 1, tsNsec: 999 }))).toMatchObject({ tsSec: 1, tsUsec: 0 });
    expect(decoded(record(LINKTYPE_RAW, v4tcp(), { tsSec: 1, tsNsec: 1999 }))).toMatchObject({ tsUsec: 1 });
    expect(decoded(record(LINKTYPE_RAW, v4tcp(), { tsSec: 0xffffffff, tsNsec: 999_999_999 }))).toMatchObject({ tsSec: 0xffffffff, tsUsec: 999_999 });
  });

  it('nanoseconds outside 0..999999999 are bad_timestamp', () => {
    expect(at(1, 1_000_000_000)).toBe('bad_timestamp');
    expect(at(1, 2_147_483_648)).toBe('bad_timestamp');
    expect(at(1, -1)).toBe('bad_timestamp');
    expect(at(1, Number.NaN)).toBe('bad_timestamp');
    expect(at(1, Infinity)).toBe('bad_timestamp');
  });

  it('seconds outside 0..2^32-1 are timestamp_out_of_range', () => {
    expect(at(2 ** 32, 0)).toBe('timestamp_out_of_range');
    expect(at(4_354_819_200, 0)).toBe('timestamp_out_of_range'); // 2108-01-01
    expect(at(-1, 0)).toBe('timestamp_out_of_range');
    expect(at(Number.NaN, 0)).toBe('timestamp_out_of_range');
    expect(at(2 ** 31, 0)).toMatchObject({ tsSec: 2 ** 31 }); // past 2038 is fine
  });

  it('a bad fraction is reported before a bad second', () => {
    expect(at(2 ** 40, 2e9)).toBe('bad_timestamp');
  });

  it('timestamps are checked before the link layer', () => {
    expect(decodeRecord(record(999, new Uint8Array(0), { tsNsec: 1e9 }))).toBe('bad_timestamp');
  });
});

describe('decodeRecord: IPv4', () => {
  it('reads past header options (IHL > 5)', () => {
    const options = [0x07, 0x07, 0x04, 0, 0, 0, 0]; // record route, one slot
    const r = decodeRecord(record(LINKTYPE_RAW, ipv4(udp({ sport: 7, dport: 9 }), { options, proto: IPPROTO.UDP })));
    expect(r).toEqual(packet({ ...V4, proto: 17, sport: 7, dport: 9, ipLen: 36 }));
  });

  it('IHL 15: 60-byte header', () => {
    const options = new Array<number>(40).fill(1); // NOPs
    expect(decodeRecord(record(LINKTYPE_RAW, ipv4(tcp(), { options })))).toEqual(packet({ ...V4, ...SYN, ipLen: 80 }));
  });

  it('fewer than 20 bytes is truncated_ip_header', () => {
    for (let cut = 1; cut < 20; cut++) expect(decodeRecord(record(LINKTYPE_RAW, v4tcp().subarray(0, cut)))).toBe('truncated_ip_header');
  });

  it.each([0, 1, 4])('IHL %i is bad_ihl', (ihl) => {
    expect(decodeRecord(record(LINKTYPE_RAW, ipv4(tcp(), { ihl })))).toBe('bad_ihl');
  });

  it('IHL beyond the captured bytes is truncated_ip_header', () => {
    expect(decodeRecord(record(LINKTYPE_RAW, ipv4([], { ihl: 15, totalLength: 60 })))).toBe('truncated_ip_header');
    const withOptions = ipv4(tcp(), { options: [1, 1, 1, 1, 1, 1, 1, 1] });
    expect(decodeRecord(record(LINKTYPE_RAW, withOptions.subarray(0, 27)))).toBe('truncated_ip_header');
  });

  it('total length below the header length is bad_ip_length', () => {
    expect(decodeRecord(record(LINKTYPE_RAW, ipv4(tcp(), { totalLength: 19 })))).toBe('bad_ip_length');
    expect(decodeRecord(record(LINKTYPE_RAW, ipv4(tcp(), { totalLength: 0 })))).toBe('bad_ip_length');
    expect(decodeRecord(record(LINKTYPE_RAW, ipv4(tcp(), { options: [1, 1, 1, 1], totalLength: 23 })))).toBe('bad_ip_length');
  });

  it('total length above what was captured (snaplen) is fine', () => {
    expect(decodeRecord(record(LINKTYPE_RAW, ipv4(tcp(), { totalLength: 1500 })))).toEqual(packet({ ...V4, ...SYN, ipLen: 1500 }));
  });

  it('link-layer padding past the total length is never read as a transport header', () => {
    // A 20-byte IPv4 packet claiming UDP, padded by Ethernet to 60 bytes.
    const frame = concat(ethernet(ipv4([], { proto: IPPROTO.UDP })), new Array<number>(26).fill(0x30));
    expect(decodeRecord(record(LINKTYPE_ETHERNET, frame))).toBe('truncated_l4_header');
    // ... while padding after a complete packet is ignored.
    const padded = concat(ethernet(ipv4(udp(), { proto: IPPROTO.UDP })), new Array<number>(18).fill(0x30));
    expect(decodeRecord(record(LINKTYPE_ETHERNET, padded))).toEqual(packet({ ...V4, ...UDP53, ipLen: 28 }));
  });

  it('non-first fragment: fragment flag, no transport header read', () => {
    const frag = ipv4(tcp({ sport: 1, dport: 2 }), { fragmentOffset: 185, id: 7 });
    expect(decodeRecord(record(LINKTYPE_RAW, frag))).toEqual(packet({ ...V4, ipId: 7, proto: 6, ipLen: 40, fragment: true }));
    // Even with fewer bytes than a TCP header: nothing is read there.
    const tiny = ipv4([1, 2, 3], { fragmentOffset: 1, proto: IPPROTO.UDP });
    expect(decodeRecord(record(LINKTYPE_RAW, tiny))).toEqual(packet({ ...V4, proto: 17, ipLen: 23, fragment: true }));
    const last = ipv4([], { fragmentOffset: 0x1fff, proto: IPPROTO.ICMP });
    expect(decodeRecord(record(LINKTYPE_RAW, last))).toEqual(packet({ ...V4, proto: 1, ipLen: 20, fragment: true }));
  });

  it('first fragment (MF set, offset 0) keeps its transport header', () => {
    const first = ipv4(udp({ sport: 5, dport: 6, payload: new Array<number>(100).fill(0) }), { proto: IPPROTO.UDP, moreFragments: true });
    expect(decodeRecord(record(LINKTYPE_RAW, first))).toEqual(packet({ ...V4, proto: 17, sport: 5, dport: 6, ipLen: 128 }));
  });

  it('DF flag is not a fragment', () => {
    expect(decoded(record(LINKTYPE_RAW, ipv4(tcp(), { dontFragment: true })))).toMatchObject({ fragment: false, sport: 40000 });
  });

  it('addresses are unsigned', () => {
    const r = decoded(record(LINKTYPE_RAW, ipv4(tcp(), { src: '255.255.255.255', dst: '128.0.0.1' })));
    expect(r.src4).toBe(0xffffffff);
    expect(r.dst4).toBe(0x80000001);
  });
});

describe('decodeRecord: IPv6', () => {
  it('carries addresses, hop limit, payload length through', () => {
    const frame = ipv6(tcp({ dport: 22, flags: TCP_SYN }), { src: 'fe80::1:2:3:4', dst: 'ff02::1', hopLimit: 255 });
    expect(decodeRecord(record(LINKTYPE_RAW, frame))).toEqual(
      packet({ ipVersion: 6, src6: ip6('fe80::1:2:3:4'), dst6: ip6('ff02::1'), ttl: 255, ipLen: 60, proto: 6, sport: 40000, dport: 22, tcpFlags: TCP_SYN, tcpSeq: 1, tcpWindow: 1024 }),
    );
  });

  it('addresses are fresh 16-byte copies, not views', () => {
    const frame = view(ethernet(v6tcp()), 9);
    const r = decoded(record(LINKTYPE_ETHERNET, frame));
    for (const a of [r.src6!, r.dst6!]) {
      expect(a).toBeInstanceOf(Uint8Array);
      expect(a.byteLength).toBe(16);
      expect(a.byteOffset).toBe(0);
      expect(a.buffer).not.toBe(frame.buffer);
    }
    frame.fill(0);
    expect(r.src6).toEqual(ip6('2001:db8::1'));
    expect(r.dst6).toEqual(ip6('2001:db8:ffff::2'));
    const fromBuffer = decoded(record(LINKTYPE_ETHERNET, Buffer.from(ethernet(v6tcp()))));
    expect(fromBuffer.src6!.buffer.byteLength).toBe(16);
  });

  it('fewer than 40 bytes is truncated_ip_header', () => {
    for (let cut = 1; cut < 40; cut++) expect(decodeRecord(record(LINKTYPE_RAW, v6tcp().subarray(0, cut)))).toBe('truncated_ip_header');
  });

  it.each<[string, Ipv6Ext[], number]>([
    ['hop-by-hop', [{ type: IPPROTO.HOPOPTS }], 8],
    ['routing (24 bytes)', [{ type: IPPROTO.ROUTING, size: 24 }], 24],
    ['destination options', [{ type: IPPROTO.DSTOPTS, size: 16 }], 16],
    ['fragment, offset 0', [{ type: IPPROTO.FRAGMENT, more: true }], 8],
    ['AH (len+2)*4', [{ type: IPPROTO.AH, size: 24 }], 24],
    ['mobility', [{ type: IPPROTO.MOBILITY }], 8],
    [
      'full chain',
      [{ type: IPPROTO.HOPOPTS }, { type: IPPROTO.DSTOPTS }, { type: IPPROTO.ROUTING }, { type: IPPROTO.FRAGMENT }, { type: IPPROTO.AH }, { type: IPPROTO.DSTOPTS, size: 32 }],
      8 + 8 + 8 + 8 + 12 + 32,
    ],
  ])('walks extension headers: %s', (_name, ext, extLength) => {
    expect(decodeRecord(record(LINKTYPE_RAW, ipv6(udp(), { ext, proto: IPPROTO.UDP })))).toEqual(packet({ ...V6, ...UDP53, ipLen: 48 + extLength }));
  });

  it('AH with a length that is not a multiple of 8 still lands on the transport header', () => {
    const ext = [{ type: IPPROTO.AH, size: 20 }];
    expect(decodeRecord(record(LINKTYPE_RAW, ipv6(tcp(), { ext })))).toEqual(packet({ ...V6, ...SYN, ipLen: 80 }));
  });

  it('eight extension headers are walked, a ninth is too_many_ipv6_ext_headers', () => {
    const eight = new Array<Ipv6Ext>(8).fill({ type: IPPROTO.DSTOPTS });
    expect(decodeRecord(record(LINKTYPE_RAW, ipv6(tcp(), { ext: eight })))).toEqual(packet({ ...V6, ...SYN, ipLen: 60 + 64 }));
    const nine = new Array<Ipv6Ext>(9).fill({ type: IPPROTO.DSTOPTS });
    expect(decodeRecord(record(LINKTYPE_RAW, ipv6(tcp(), { ext: nine })))).toBe('too_many_ipv6_ext_headers');
  });

  it('an extension header cut short is truncated_ipv6_ext_header', () => {
    const frame = ipv6(tcp(), { ext: [{ type: IPPROTO.HOPOPTS }, { type: IPPROTO.ROUTING, size: 24 }] });
    for (let cut = 40; cut < 40 + 8 + 24; cut++) {
      expect(decodeRecord(record(LINKTYPE_RAW, frame.subarray(0, cut)))).toBe('truncated_ipv6_ext_header');
    }
    expect(decodeRecord(record(LINKTYPE_RAW, frame.subarray(0, 72)))).toBe('truncated_l4_header');
  });

  it('an extension header longer than the payload length is truncated_ipv6_ext_header', () => {
    const frame = ipv6(tcp(), { ext: [{ type: IPPROTO.DSTOPTS, size: 16 }], payloadLength: 8 });
    expect(decodeRecord(record(LINKTYPE_RAW, frame))).toBe('truncated_ipv6_ext_header');
  });

  it('non-first fragment: fragment flag, upper protocol from the fragment header, no ports', () => {
    const frame = ipv6(udp({ sport: 1, dport: 2 }), { ext: [{ type: IPPROTO.HOPOPTS }, { type: IPPROTO.FRAGMENT, fragmentOffset: 100 }], proto: IPPROTO.UDP });
    expect(decodeRecord(record(LINKTYPE_RAW, frame))).toEqual(packet({ ...V6, proto: 17, ipLen: 40 + 16 + 8, fragment: true }));
    const headerOnly = ipv6([], { ext: [{ type: IPPROTO.FRAGMENT, fragmentOffset: 1 }], proto: IPPROTO.TCP });
    expect(decodeRecord(record(LINKTYPE_RAW, headerOnly))).toEqual(packet({ ...V6, proto: 6, ipLen: 48, fragment: true }));
  });

  it('No Next Header (59), ESP and other protocols: ports 0', () => {
    expect(decodeRecord(record(LINKTYPE_RAW, ipv6([], { proto: IPPROTO.NONE })))).toEqual(packet({ ...V6, proto: 59, ipLen: 40 }));
    const esp = ipv6([0, 0, 1, 0, 0, 0, 0, 1], { ext: [{ type: IPPROTO.DSTOPTS }], proto: IPPROTO.ESP });
    expect(decodeRecord(record(LINKTYPE_RAW, esp))).toEqual(packet({ ...V6, proto: 50, ipLen: 56 }));
  });

  it('jumbogram: payload length 0 after hop-by-hop goes by the captured bytes', () => {
    const frame = ipv6(udp(), { ext: [{ type: IPPROTO.HOPOPTS }], proto: IPPROTO.UDP, payloadLength: 0 });
    expect(decodeRecord(record(LINKTYPE_RAW, frame))).toEqual(packet({ ...V6, ...UDP53, ipLen: 40 }));
  });

  it('payload length 0 without hop-by-hop: Ethernet padding is not a header', () => {
    const frame = concat(ethernet(ipv6([], { proto: IPPROTO.ICMPV6 })), [0x80, 0, 0, 0, 0, 0]);
    expect(decodeRecord(record(LINKTYPE_ETHERNET, frame))).toBe('truncated_l4_header');
  });

  it('payload length above what was captured (snaplen) is fine', () => {
    expect(decodeRecord(record(LINKTYPE_RAW, ipv6(tcp(), { payloadLength: 1460 })))).toEqual(packet({ ...V6, ...SYN, ipLen: 1500 }));
  });
});

describe('decodeRecord: transport', () => {
  it('TCP: every flag, NS bit, unsigned sequence, window, options', () => {
    const all = TCP_FIN | TCP_SYN | TCP_RST | TCP_PSH | TCP_ACK | TCP_URG | TCP_ECE | TCP_CWR | 0x100;
    const seg = tcp({ sport: 65535, dport: 0, seq: 0xffffffff, flags: all, window: 0xfedc, options: [2, 4, 5, 0xb4] });
    expect(decodeRecord(record(LINKTYPE_RAW, ipv4(seg)))).toEqual(
      packet({ ...V4, proto: 6, sport: 65535, dport: 0, tcpSeq: 0xffffffff, tcpFlags: 0x1ff, tcpWindow: 0xfedc, tcpOptions: true, ipLen: 44 }),
    );
  });

  it('TCP: data offset above the captured bytes is still a packet (options flagged)', () => {
    expect(decoded(record(LINKTYPE_RAW, ipv4(tcp({ dataOffset: 15 }))))).toMatchObject({ tcpOptions: true, sport: 40000 });
  });

  it.each([0, 1, 4])('TCP: data offset %i is bad_tcp_header', (dataOffset) => {
    expect(decodeRecord(record(LINKTYPE_RAW, ipv4(tcp({ dataOffset }))))).toBe('bad_tcp_header');
    expect(decodeRecord(record(LINKTYPE_RAW, ipv6(tcp({ dataOffset }))))).toBe('bad_tcp_header');
  });

  it('TCP, UDP, ICMP, ICMPv6 headers cut short are truncated_l4_header', () => {
    const cases: Array<[Uint8Array, number]> = [
      [ipv4(tcp()), 20],
      [ipv4(udp(), { proto: IPPROTO.UDP }), 8],
      [ipv4(icmp(), { proto: IPPROTO.ICMP }), 4],
      [ipv6(icmp({ type: 128 }), { proto: IPPROTO.ICMPV6 }), 4],
      [ipv6(tcp()), 20],
    ];
    for (const [frame, need] of cases) {
      const ipHeader = frame[0] >> 4 === 4 ? 20 : 40;
      for (let have = 0; have < need; have++) {
        expect(decodeRecord(record(LINKTYPE_RAW, frame.subarray(0, ipHeader + have)))).toBe('truncated_l4_header');
      }
      expect(typeof decodeRecord(record(LINKTYPE_RAW, frame.subarray(0, ipHeader + need)))).toBe('object');
    }
  });

  it('ICMP type and code', () => {
    expect(decodeRecord(record(LINKTYPE_RAW, ipv4(icmp({ type: 3, code: 3 }), { proto: IPPROTO.ICMP })))).toEqual(
      packet({ ...V4, proto: 1, icmpType: 3, icmpCode: 3, ipLen: 28 }),
    );
    // ICMP needs only 4 bytes.
    expect(decodeRecord(record(LINKTYPE_RAW, ipv4([0, 0, 0xff, 0xff], { proto: IPPROTO.ICMP })))).toEqual(packet({ ...V4, proto: 1, ipLen: 24 }));
  });

  it('ICMPv6 type and code, after extension headers', () => {
    const frame = ipv6(icmp({ type: 135, code: 0 }), { ext: [{ type: IPPROTO.HOPOPTS }], proto: IPPROTO.ICMPV6, hopLimit: 255 });
    expect(decodeRecord(record(LINKTYPE_RAW, frame))).toEqual(packet({ ...V6, ttl: 255, proto: 58, icmpType: 135, ipLen: 56 }));
  });

  it.each([
    ['GRE', IPPROTO.GRE],
    ['ESP', IPPROTO.ESP],
    ['SCTP', IPPROTO.SCTP],
    ['protocol 255', 255],
  ])('%s: a packet with ports 0', (_name, proto) => {
    const body = tcp({ sport: 1234, dport: 5678 });
    expect(decodeRecord(record(LINKTYPE_RAW, ipv4(body, { proto })))).toEqual(packet({ ...V4, proto, ipLen: 40 }));
    expect(decodeRecord(record(LINKTYPE_RAW, ipv4([], { proto })))).toEqual(packet({ ...V4, proto, ipLen: 20 }));
  });
});

/** Every reason the decoder can give, with one record that produces it. Adding a reason to SkipReason fails typecheck here until it has a case. */
type DecoderReason = Exclude<SkipReason, 'bad_summary_line'>;
const REASON_CASES: Record<DecoderReason, () => CaptureRecord> = {
  unsupported_linktype: () => record(147, ethernet(v4tcp())),
  truncated_link_header: () => record(LINKTYPE_ETHERNET, ethernet(v4tcp()).subarray(0, 13)),
  unsupported_ethertype: () => record(LINKTYPE_ETHERNET, ethernet(v4tcp(), { ethertype: ETHERTYPE.ARP })),
  truncated_ip_header: () => record(LINKTYPE_ETHERNET, ethernet(v4tcp()).subarray(0, 33)),
  bad_ip_version: () => record(LINKTYPE_IPV4, v6tcp()),
  bad_ihl: () => record(LINKTYPE_RAW, ipv4(tcp(), { ihl: 3 })),
  bad_ip_length: () => record(LINKTYPE_RAW, ipv4(tcp(), { totalLength: 19 })),
  truncated_ipv6_ext_header: () => record(LINKTYPE_RAW, ipv6(tcp(), { ext: [{ type: IPPROTO.HOPOPTS, size: 16 }] }).subarray(0, 50)),
  too_many_ipv6_ext_headers: () => record(LINKTYPE_RAW, ipv6(tcp(), { ext: new Array<Ipv6Ext>(9).fill({ type: IPPROTO.HOPOPTS }) })),
  truncated_l4_header: () => record(LINKTYPE_RAW, v4tcp().subarray(0, 39)),
  bad_tcp_header: () => record(LINKTYPE_RAW, ipv4(tcp({ dataOffset: 4 }))),
  bad_timestamp: () => record(LINKTYPE_RAW, v4tcp(), { tsNsec: 1_000_000_000 }),
  timestamp_out_of_range: () => record(LINKTYPE_RAW, v4tcp(), { tsSec: 2 ** 32 }),
};
const DECODER_REASONS = Object.keys(REASON_CASES) as DecoderReason[];

describe('decodeRecord: every skip reason', () => {
  it.each(DECODER_REASONS)('%s', (reason) => {
    expect(decodeRecord(REASON_CASES[reason]())).toBe(reason);
  });
});

/** Checks any decode result: a known reason, or a packet whose fields are consistent with each other. */
function expectWellFormed(r: PacketSummary | SkipReason): void {
  if (typeof r === 'string') {
    expect(DECODER_REASONS).toContain(r);
    return;
  }
  expect(r.tsUsec).toBeGreaterThanOrEqual(0);
  expect(r.tsUsec).toBeLessThan(1e6);
  if (r.ipVersion === 4) {
    expect(r.src6).toBeNull();
    expect(r.dst6).toBeNull();
  } else {
    expect(r.ipVersion).toBe(6);
    expect([r.src4, r.dst4, r.ipId]).toEqual([0, 0, 0]);
    expect(r.src6).toHaveLength(16);
    expect(r.dst6).toHaveLength(16);
  }
  const hasPorts = !r.fragment && (r.proto === 6 || r.proto === 17);
  if (!hasPorts) expect([r.sport, r.dport]).toEqual([0, 0]);
  if (r.proto !== 6 || r.fragment) expect([r.tcpFlags, r.tcpSeq, r.tcpWindow, r.tcpOptions]).toEqual([0, 0, 0, false]);
  if ((r.proto !== 1 && r.proto !== 58) || r.fragment) expect([r.icmpType, r.icmpCode]).toEqual([0, 0]);
  for (const v of [r.src4, r.dst4, r.tcpSeq]) expect(v >>> 0).toBe(v);
  for (const v of [r.sport, r.dport, r.tcpWindow, r.ipId, r.ipLen]) expect(v & 0xffff).toBe(v);
}

describe('decodeRecord: truncation at every byte', () => {
  // [name, link type, frame, bytes needed for a full packet]
  const goodFrames: Array<[string, number, Uint8Array, number]> = [
    ['Ethernet/IPv4/TCP', LINKTYPE_ETHERNET, ethernet(ipv4(tcp({ payload: [1, 2, 3, 4] }))), 14 + 20 + 20],
    ['Ethernet/QinQ/IPv4 options/TCP options', LINKTYPE_ETHERNET, ethernet(ipv4(tcp({ options: [2, 4, 5, 0xb4] }), { options: [1, 1, 1, 1] }), { vlans: [TPID.QINQ, TPID.VLAN] }), 22 + 24 + 20],
    ['SLL/IPv4/UDP', LINKTYPE_LINUX_SLL, sll(ipv4(udp({ payload: [9, 9] }), { proto: IPPROTO.UDP })), 16 + 20 + 8],
    ['SLL2/IPv6 ext/UDP', LINKTYPE_LINUX_SLL2, sll2(ipv6(udp(), { ext: [{ type: IPPROTO.HOPOPTS }, { type: IPPROTO.AH }], proto: IPPROTO.UDP })), 20 + 40 + 8 + 12 + 8],
    ['null/IPv4/ICMP', LINKTYPE_NULL, nullLoopback(ipv4(icmp(), { proto: IPPROTO.ICMP }), AF.INET), 4 + 20 + 4],
    ['LOOP/IPv6/ICMPv6', LINKTYPE_LOOP, loop(ipv6(icmp({ type: 128 }), { proto: IPPROTO.ICMPV6 }), AF.INET6_BSD), 4 + 40 + 4],
    ['raw/IPv6/TCP', LINKTYPE_RAW, ipv6(tcp()), 40 + 20],
    ['raw/IPv4 fragment', LINKTYPE_IPV4, ipv4(tcp(), { fragmentOffset: 3 }), 20],
    ['raw/IPv6 fragment', LINKTYPE_IPV6, ipv6(tcp(), { ext: [{ type: IPPROTO.FRAGMENT, fragmentOffset: 3 }] }), 48],
    ['raw/IPv4/GRE', LINKTYPE_RAW, ipv4([0, 0, 8, 0], { proto: IPPROTO.GRE }), 20],
  ];

  it.each(goodFrames)('%s', (_name, linkType, frame, needed) => {
    const full = decoded(record(linkType, frame));
    expectWellFormed(full);
    for (let cut = 0; cut <= frame.length; cut++) {
      const r = decodeRecord(record(linkType, view(frame.subarray(0, cut))));
      expectWellFormed(r);
      if (cut < needed) expect(typeof r, `cut at ${cut}`).toBe('string');
      else expect(r, `cut at ${cut}`).toEqual(full);
    }
  });
});

describe('decodeRecord: hostile bytes', () => {
  const linkTypes = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147];
  const seeds = [
    ethernet(ipv4(tcp({ options: [1, 1, 1, 1] }), { options: [1, 1, 1, 1] }), { vlans: [TPID.VLAN] }),
    ethernet(ipv6(udp(), { ext: [{ type: IPPROTO.HOPOPTS }, { type: IPPROTO.FRAGMENT }, { type: IPPROTO.AH }], proto: IPPROTO.UDP })),
    sll2(ipv6(icmp(), { proto: IPPROTO.ICMPV6 })),
    nullLoopback(ipv4(icmp(), { proto: IPPROTO.ICMP }), AF.INET),
  ];

  it('random bytes under every link type: never throws, always well formed', () => {
    fc.assert(
      fc.property(fc.constantFrom(...linkTypes), fc.uint8Array({ maxLength: 160 }), fc.nat({ max: 16 }), (lt, bytes, pad) => {
        expectWellFormed(decodeRecord(record(lt, view(bytes, pad))));
      }),
      { numRuns: 3000 },
    );
  });

  it('mutated good frames: never throws, always well formed', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds.keys()),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.constantFrom(...linkTypes),
        (seed, edits, cutAt, lt) => {
          const frame = seeds[seed].slice();
          for (const [at, v] of edits) frame[at % frame.length] = v;
          const cut = frame.subarray(0, cutAt % (frame.length + 1));
          expectWellFormed(decodeRecord(record(lt, cut)));
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('decodeRecord: frames modelled on the tcpdump corpus', () => {
  // The capture reader is not written yet; these rebuild the corpus cases' shapes.
  it('IPv4 total length one byte past the capture (ipv4_invalid_total_length): decoded', () => {
    const ip = ipv4(udp({ sport: 39095, dport: 53, payload: new Array<number>(56).fill(0) }), { proto: IPPROTO.UDP });
    const frame = ethernet(ipv4(udp({ sport: 39095, dport: 53, payload: new Array<number>(56).fill(0) }), { proto: IPPROTO.UDP, totalLength: ip.length + 1 }));
    expect(decoded(record(LINKTYPE_ETHERNET, frame))).toMatchObject({ proto: 17, sport: 39095, dport: 53, ipLen: 85 });
  });

  it('IPv4 total length 19 (ipv4_invalid_total_length_2): bad_ip_length', () => {
    expect(decodeRecord(record(LINKTYPE_ETHERNET, ethernet(ipv4(udp(), { proto: IPPROTO.UDP, totalLength: 19 }))))).toBe('bad_ip_length');
  });

  it('IPv4 IHL 4 (ipv4_invalid_hdr_length): bad_ihl', () => {
    expect(decodeRecord(record(LINKTYPE_ETHERNET, ethernet(ipv4(udp(), { proto: IPPROTO.UDP, ihl: 4 }))))).toBe('bad_ihl');
  });

  it('UDP header cut by snaplen 38 (udp-length-heapoverflow): truncated_l4_header, no invented ports', () => {
    const frame = ethernet(ipv4(udp({ sport: 0x3030, dport: 0x3030 }), { proto: IPPROTO.UDP, totalLength: 0x3030 })).subarray(0, 38);
    expect(decodeRecord(record(LINKTYPE_ETHERNET, frame))).toBe('truncated_l4_header');
  });

  it('raw IPv4 link type carrying IPv6 (LINKTYPE_IPV4_invalid): bad_ip_version', () => {
    expect(decodeRecord(record(LINKTYPE_IPV4, ipv6(udp(), { proto: IPPROTO.UDP })))).toBe('bad_ip_version');
  });

  it('IPv6 ethertype with version 4 nibble (ipv6-bad-version): bad_ip_version', () => {
    expect(decodeRecord(record(LINKTYPE_ETHERNET, ethernet(ipv6(icmp(), { version: 4, proto: IPPROTO.ICMPV6 }), { ethertype: ETHERTYPE.IPV6 })))).toBe('bad_ip_version');
  });

  it('SLL TCP handshake (tcp-handshake-nano)', () => {
    const syn = sll(ipv4(tcp({ sport: 46656, dport: 80, flags: TCP_SYN, options: [2, 4, 0xff, 0xd7] }), { src: '127.0.0.1', dst: '127.0.0.1' }));
    expect(decoded(record(LINKTYPE_LINUX_SLL, syn, { tsNsec: 1_000 }))).toMatchObject({ tsUsec: 1, sport: 46656, dport: 80, tcpFlags: TCP_SYN, tcpOptions: true });
  });
});
