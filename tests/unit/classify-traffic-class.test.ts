import { describe, expect, it } from 'vitest';
import { classifyTraffic } from '../../src/ingest/classify/traffic-class.js';
import {
  PROTO_ICMP,
  PROTO_ICMPV6,
  PROTO_TCP,
  PROTO_UDP,
  TCP_ACK,
  TCP_CWR,
  TCP_ECE,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
  type PacketSummary,
} from '../../src/ingest/packet.js';

function pkt(over: Partial<PacketSummary>): PacketSummary {
  return {
    tsSec: 1_700_000_000, tsUsec: 0, ipVersion: 4, src4: 0xc6336401, dst4: 0x0a000001, src6: null, dst6: null,
    proto: PROTO_TCP, sport: 40000, dport: 23, tcpFlags: 0, tcpSeq: 0, tcpWindow: 0, tcpOptions: false,
    ipId: 1, ttl: 64, ipLen: 40, icmpType: 0, icmpCode: 0, fragment: false, ...over,
  };
}

describe('classifyTraffic: TCP', () => {
  it.each([
    ['SYN', TCP_SYN, 'scan'],
    ['SYN+ECE+CWR (ECN setup)', TCP_SYN | TCP_ECE | TCP_CWR, 'scan'],
    ['SYN+FIN', TCP_SYN | TCP_FIN, 'scan'],
    ['SYN+ACK', TCP_SYN | TCP_ACK, 'backscatter'],
    ['SYN+ACK+ECE', TCP_SYN | TCP_ACK | TCP_ECE, 'backscatter'],
    ['RST', TCP_RST, 'backscatter'],
    ['RST+ACK', TCP_RST | TCP_ACK, 'backscatter'],
    ['SYN+RST', TCP_SYN | TCP_RST, 'backscatter'],
    ['ACK', TCP_ACK, 'other'],
    ['PSH+ACK', TCP_PSH | TCP_ACK, 'other'],
    ['FIN+ACK', TCP_FIN | TCP_ACK, 'other'],
    ['FIN', TCP_FIN, 'other'],
    ['null scan (no flags)', 0, 'other'],
    ['Xmas (FIN+PSH+URG)', TCP_FIN | TCP_PSH | TCP_URG, 'other'],
    ['NS bit only', 0x100, 'other'],
    ['SYN with NS bit', TCP_SYN | 0x100, 'scan'],
  ])('%s → %s', (_name, flags, expected) => {
    expect(classifyTraffic(pkt({ proto: PROTO_TCP, tcpFlags: flags }))).toBe(expected);
    expect(classifyTraffic(pkt({ ipVersion: 6, src4: 0, dst4: 0, src6: new Uint8Array(16), dst6: new Uint8Array(16), proto: PROTO_TCP, tcpFlags: flags }))).toBe(expected);
  });
});

describe('classifyTraffic: UDP', () => {
  it('source port 53 is DNS backscatter, on IPv4 and IPv6', () => {
    expect(classifyTraffic(pkt({ proto: PROTO_UDP, sport: 53, dport: 41234 }))).toBe('backscatter');
    expect(classifyTraffic(pkt({ ipVersion: 6, proto: PROTO_UDP, sport: 53, dport: 41234 }))).toBe('backscatter');
  });

  it.each([
    [5353, 53], [41234, 53], [1234, 161], [0, 0], [123, 123], [54, 53], [52, 53],
  ])('any other UDP (sport %i → dport %i) is a scan probe', (sport, dport) => {
    expect(classifyTraffic(pkt({ proto: PROTO_UDP, sport, dport }))).toBe('scan');
  });
});

describe('classifyTraffic: ICMP', () => {
  const backscatter4 = new Set([0, 3, 4, 5, 11, 12, 14, 16, 18]);
  it('every ICMPv4 type: corsaro backscatter set, 8 scan, the rest other', () => {
    for (let type = 0; type < 256; type++) {
      const expected = backscatter4.has(type) ? 'backscatter' : type === 8 ? 'scan' : 'other';
      expect(classifyTraffic(pkt({ proto: PROTO_ICMP, icmpType: type, icmpCode: 0 })), `type ${type}`).toBe(expected);
    }
  });

  const backscatter6 = new Set([1, 2, 3, 4, 129]);
  it('every ICMPv6 type: errors and echo reply backscatter, 128 scan, the rest other', () => {
    for (let type = 0; type < 256; type++) {
      const expected = backscatter6.has(type) ? 'backscatter' : type === 128 ? 'scan' : 'other';
      expect(classifyTraffic(pkt({ ipVersion: 6, proto: PROTO_ICMPV6, icmpType: type })), `type ${type}`).toBe(expected);
    }
  });

  it('ICMPv4 and ICMPv6 numbering are not mixed up', () => {
    expect(classifyTraffic(pkt({ proto: PROTO_ICMP, icmpType: 128 }))).toBe('other');
    expect(classifyTraffic(pkt({ proto: PROTO_ICMP, icmpType: 129 }))).toBe('other');
    expect(classifyTraffic(pkt({ ipVersion: 6, proto: PROTO_ICMPV6, icmpType: 8 }))).toBe('other');
    expect(classifyTraffic(pkt({ ipVersion: 6, proto: PROTO_ICMPV6, icmpType: 0 }))).toBe('other');
  });
});

describe('classifyTraffic: other', () => {
  it.each([[47, 'GRE'], [50, 'ESP'], [132, 'SCTP'], [41, 'IPv6-in-IPv4'], [0, 'HOPOPT'], [255, 'reserved']])(
    'protocol %i (%s) is other', (proto) => {
      expect(classifyTraffic(pkt({ proto, tcpFlags: 0 }))).toBe('other');
    });

  it('non-first fragments are other whatever the protocol fields say', () => {
    expect(classifyTraffic(pkt({ fragment: true, proto: PROTO_TCP, tcpFlags: TCP_SYN }))).toBe('other');
    expect(classifyTraffic(pkt({ fragment: true, proto: PROTO_TCP, tcpFlags: TCP_RST }))).toBe('other');
    expect(classifyTraffic(pkt({ fragment: true, proto: PROTO_UDP, sport: 0, dport: 0 }))).toBe('other');
    expect(classifyTraffic(pkt({ fragment: true, proto: PROTO_ICMP, icmpType: 0 }))).toBe('other');
    expect(classifyTraffic(pkt({ ipVersion: 6, fragment: true, proto: PROTO_ICMPV6, icmpType: 128 }))).toBe('other');
  });
});
