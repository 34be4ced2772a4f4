import { describe, expect, it } from 'vitest';
import { fingerprintTool, TOOL_RULES_VERSION, ZMAP_IP_ID } from '../../src/ingest/classify/tool-fingerprint.js';
import {
  PROTO_ICMP,
  PROTO_TCP,
  PROTO_UDP,
  TCP_ACK,
  TCP_ECE,
  TCP_CWR,
  TCP_RST,
  TCP_SYN,
  type PacketSummary,
} from '../../src/ingest/packet.js';

function pkt(over: Partial<PacketSummary>): PacketSummary {
  return {
    tsSec: 1_700_000_000, tsUsec: 0, ipVersion: 4, src4: 0x5db8d822, dst4: 0xc6336407, src6: null, dst6: null,
    proto: PROTO_TCP, sport: 40000, dport: 23, tcpFlags: TCP_SYN, tcpSeq: 0x12345678, tcpWindow: 1024, tcpOptions: false,
    ipId: 1, ttl: 64, ipLen: 40, icmpType: 0, icmpCode: 0, fragment: false, ...over,
  };
}

/** masscan's IP ID, computed with BigInt so the test does not share the code's int32 arithmetic. */
function masscanId(dst: number, dport: number, seq: number): number {
  return Number((BigInt(dst) ^ BigInt(dport) ^ BigInt(seq)) & 0xffffn);
}

const DST = 0xc6336407; // 198.51.100.7: above 2^31, so sign mistakes would show

describe('fingerprintTool', () => {
  it('rules version is 1', () => {
    expect(TOOL_RULES_VERSION).toBe(1);
    expect(ZMAP_IP_ID).toBe(54321);
  });

  it('Mirai: IPv4 TCP SYN whose sequence number is the destination address', () => {
    expect(fingerprintTool(pkt({ dst4: DST, tcpSeq: DST, ipId: 777 }))).toBe('mirai');
    expect(fingerprintTool(pkt({ dst4: 0x01020304, tcpSeq: 0x01020304, ipId: 777 }))).toBe('mirai');
    expect(fingerprintTool(pkt({ dst4: DST, tcpSeq: DST, ipId: 777, tcpFlags: TCP_SYN | TCP_ECE | TCP_CWR }))).toBe('mirai');
  });

  it('Mirai: a sign-extended sequence number still matches (unsigned comparison)', () => {
    expect(fingerprintTool(pkt({ dst4: DST, tcpSeq: DST | 0, ipId: 777 }))).toBe('mirai');
    expect(DST | 0).toBeLessThan(0);
  });

  it('Mirai: not without SYN, not with ACK or RST, not when seq differs, not on IPv6', () => {
    const base = { dst4: DST, tcpSeq: DST, ipId: 777, dport: 23 };
    expect(masscanId(DST, 23, DST)).not.toBe(777);
    expect(fingerprintTool(pkt({ ...base, tcpFlags: TCP_SYN | TCP_ACK }))).toBe('none');
    expect(fingerprintTool(pkt({ ...base, tcpFlags: TCP_SYN | TCP_RST }))).toBe('none');
    expect(fingerprintTool(pkt({ ...base, tcpFlags: TCP_ACK }))).toBe('none');
    expect(fingerprintTool(pkt({ ...base, tcpSeq: DST + 1 }))).toBe('none');
    expect(fingerprintTool(pkt({ ...base, ipVersion: 6, src6: new Uint8Array(16), dst6: new Uint8Array(16) }))).toBe('none');
    expect(fingerprintTool(pkt({ ...base, proto: PROTO_UDP }))).toBe('none');
  });

  it('masscan: IPv4 TCP with IP ID = (dst ^ dport ^ seq) & 0xffff, any flags', () => {
    const seq = 0xdeadbeef;
    const id = masscanId(DST, 443, seq);
    expect(id).toBe(0xdb53); // 0x6407 ^ 0x01bb ^ 0xbeef
    expect(fingerprintTool(pkt({ dport: 443, tcpSeq: seq, ipId: id }))).toBe('masscan');
    expect(fingerprintTool(pkt({ dport: 443, tcpSeq: seq, ipId: id, tcpFlags: TCP_RST }))).toBe('masscan');
    expect(fingerprintTool(pkt({ dport: 443, tcpSeq: seq, ipId: id, tcpFlags: TCP_ACK }))).toBe('masscan');
    expect(fingerprintTool(pkt({ dport: 443, tcpSeq: seq, ipId: (id + 1) & 0xffff }))).toBe('none');
    expect(fingerprintTool(pkt({ dport: 444, tcpSeq: seq, ipId: id }))).toBe('none');
  });

  it('masscan: only the low 16 bits of dst and seq matter', () => {
    const id = masscanId(0x0a000001, 80, 0x00010000);
    expect(id).toBe(0x0051);
    expect(fingerprintTool(pkt({ dst4: 0x0a000001, dport: 80, tcpSeq: 0x00010000, ipId: 0x0051 }))).toBe('masscan');
    expect(fingerprintTool(pkt({ dst4: 0xff000001, dport: 80, tcpSeq: 0xffff0000, ipId: 0x0051 }))).toBe('masscan');
  });

  it('masscan: not on UDP/ICMP or IPv6', () => {
    const id = masscanId(DST, 53, 0);
    expect(fingerprintTool(pkt({ proto: PROTO_UDP, dport: 53, tcpSeq: 0, ipId: id, tcpFlags: 0 }))).toBe('none');
    expect(fingerprintTool(pkt({ proto: PROTO_ICMP, dport: 0, tcpSeq: 0, ipId: DST & 0xffff, tcpFlags: 0 }))).toBe('none');
    expect(fingerprintTool(pkt({ ipVersion: 6, dport: 443, tcpSeq: 5, ipId: masscanId(DST, 443, 5) }))).toBe('none');
  });

  it('ZMap (< 4.1): IP ID 54321 on any IPv4 protocol', () => {
    expect(fingerprintTool(pkt({ ipId: 54321 }))).toBe('zmap');
    expect(fingerprintTool(pkt({ proto: PROTO_UDP, tcpFlags: 0, tcpSeq: 0, ipId: 54321 }))).toBe('zmap');
    expect(fingerprintTool(pkt({ proto: PROTO_ICMP, tcpFlags: 0, tcpSeq: 0, dport: 0, icmpType: 8, ipId: 54321 }))).toBe('zmap');
    expect(fingerprintTool(pkt({ ipId: 54320 }))).toBe('none');
    expect(fingerprintTool(pkt({ ipVersion: 6, ipId: 54321 }))).toBe('none');
  });

  it('precedence: Mirai before masscan before ZMap', () => {
    // A Mirai probe whose random IP ID happens to satisfy the masscan equation (seq = dst, so id = dport).
    expect(fingerprintTool(pkt({ dst4: DST, tcpSeq: DST, dport: 23, ipId: 23 }))).toBe('mirai');
    // A Mirai probe with ZMap's IP ID.
    expect(fingerprintTool(pkt({ dst4: DST, tcpSeq: DST, ipId: 54321 }))).toBe('mirai');
    // A masscan packet whose IP ID is 54321.
    const seq = (54321 ^ (DST & 0xffff) ^ 8080) >>> 0;
    expect(masscanId(DST, 8080, seq)).toBe(54321);
    expect(fingerprintTool(pkt({ dport: 8080, tcpSeq: seq, ipId: 54321 }))).toBe('masscan');
  });

  it('non-first fragments are none (no transport header)', () => {
    expect(fingerprintTool(pkt({ fragment: true, dst4: DST, tcpSeq: DST }))).toBe('none');
    expect(fingerprintTool(pkt({ fragment: true, dport: 0, tcpSeq: 0, tcpFlags: 0, ipId: DST & 0xffff }))).toBe('none');
    expect(fingerprintTool(pkt({ fragment: true, ipId: 54321 }))).toBe('none');
  });

  it('an ordinary SYN is none', () => {
    expect(fingerprintTool(pkt({}))).toBe('none');
  });
});
