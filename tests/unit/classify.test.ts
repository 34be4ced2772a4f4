import { beforeAll, describe, expect, it } from 'vitest';

import {
  createClassifier,
  createEnricher,
  Enricher,
  LabelSet,
  newClassifiedPacket,
  parseLabels,
  type ClassifyFn,
} from '../../src/ingest/classify/index.js';
import {
  PROTO_ICMPV6,
  PROTO_TCP,
  PROTO_UDP,
  TCP_ACK,
  TCP_SYN,
  type ClassifiedPacket,
  type PacketSummary,
} from '../../src/ingest/packet.js';
import { parseIPv4, parseIPv6 } from '../../src/net/ip-parse.js';

function v4(text: string): number {
  const a = parseIPv4(text);
  if (a === null) throw new Error(`bad test address ${text}`);
  return a;
}

function v6(text: string): Uint8Array {
  const a = parseIPv6(text);
  if (a === null) throw new Error(`bad test address ${text}`);
  return a;
}

function pkt(over: Partial<PacketSummary>): PacketSummary {
  return {
    tsSec: 1_700_000_000, tsUsec: 123456, ipVersion: 4, src4: v4('8.8.8.8'), dst4: v4('198.51.100.7'), src6: null, dst6: null,
    proto: PROTO_TCP, sport: 40000, dport: 23, tcpFlags: TCP_SYN, tcpSeq: 0x12345678, tcpWindow: 1024, tcpOptions: false,
    ipId: 1, ttl: 64, ipLen: 40, icmpType: 0, icmpCode: 0, fragment: false, ...over,
  };
}

const LABELS = '8.8.8.0/24,google-dns\n10.0.0.0/8,lab\n2001:4860::/32,google-v6\n';

describe('createClassifier with the bundled databases', () => {
  let classify: ClassifyFn;
  beforeAll(async () => {
    classify = createClassifier({ labels: parseLabels(LABELS, 'labels.txt'), enricher: await createEnricher() });
  });

  it('completes the packet in place and returns it', () => {
    const p = pkt({ dst4: v4('198.51.100.7'), tcpSeq: v4('198.51.100.7') });
    const r = classify(p);
    expect(r).toBe(p);
    expect(r).toMatchObject({ trafficClass: 'scan', tool: 'mirai', label: 'google-dns', country: 'US', asn: 15169 });
  });

  it('IPv6 source', () => {
    const r = classify(pkt({
      ipVersion: 6, src4: 0, dst4: 0, src6: v6('2001:4860:4860::8888'), dst6: v6('2001:db8::1'),
      proto: PROTO_ICMPV6, tcpFlags: 0, tcpSeq: 0, sport: 0, dport: 0, icmpType: 129, ipId: 0,
    }));
    expect(r).toMatchObject({ trafficClass: 'backscatter', tool: 'none', label: 'google-v6', country: 'US', asn: 15169 });
  });

  it('private source: label yes, country and ASN no', () => {
    const r = classify(pkt({ src4: v4('10.9.8.7'), proto: PROTO_UDP, sport: 53, tcpFlags: 0, ipId: 54321 }));
    expect(r).toMatchObject({ trafficClass: 'backscatter', tool: 'zmap', label: 'lab', country: '', asn: 0 });
  });

  it('with `out`: copies every PacketSummary field, leaves the input alone', () => {
    const p = pkt({ tcpFlags: TCP_SYN | TCP_ACK, src6: null, tcpOptions: true, fragment: false });
    const before = { ...p };
    const out = newClassifiedPacket();
    const r = classify(p, out);
    expect(r).toBe(out);
    expect(p).toEqual(before); // no classification fields added to the input
    for (const key of Object.keys(p) as Array<keyof PacketSummary>) expect(out[key], key).toEqual(p[key]);
    expect(out).toMatchObject({ trafficClass: 'backscatter', tool: 'none', label: 'google-dns', country: 'US', asn: 15169 });
  });

  it('a reused `out` holds only the latest packet', () => {
    const out = newClassifiedPacket();
    classify(pkt({}), out);
    classify(pkt({ src4: v4('192.168.0.1'), ipVersion: 4, tsSec: 5, proto: 47, tcpFlags: 0 }), out);
    expect(out).toMatchObject({ src4: v4('192.168.0.1'), tsSec: 5, proto: 47, trafficClass: 'other', tool: 'none', label: '', country: '', asn: 0 });
  });

  it('`out` may be the input itself', () => {
    const p = { ...newClassifiedPacket(), ...pkt({}) } as ClassifiedPacket;
    expect(classify(p, p)).toBe(p);
    expect(p).toMatchObject({ trafficClass: 'scan', label: 'google-dns', country: 'US', asn: 15169 });
  });
});

describe('createClassifier without enrichment or labels', () => {
  it('--no-enrich and no labels files: empty strings and zeros', () => {
    const classify = createClassifier({ labels: LabelSet.empty(), enricher: Enricher.disabled() });
    expect(classify(pkt({}))).toMatchObject({ trafficClass: 'scan', tool: 'none', label: '', country: '', asn: 0 });
    expect(classify(pkt({ ipVersion: 6, src4: 0, src6: v6('2001:4860::1'), dst6: v6('2001:db8::1') })))
      .toMatchObject({ label: '', country: '', asn: 0 });
  });

  it('an IPv6 packet without a source address gets empty fields', () => {
    const classify = createClassifier({ labels: parseLabels('::/0,all\n', 'x'), enricher: Enricher.disabled() });
    expect(classify(pkt({ ipVersion: 6, src4: 0, src6: null }))).toMatchObject({ label: '', country: '', asn: 0 });
  });
});

describe('newClassifiedPacket', () => {
  it('has every field of a ClassifiedPacket with neutral values', () => {
    expect(newClassifiedPacket()).toEqual({
      tsSec: 0, tsUsec: 0, ipVersion: 4, src4: 0, dst4: 0, src6: null, dst6: null, proto: 0, sport: 0, dport: 0,
      tcpFlags: 0, tcpSeq: 0, tcpWindow: 0, tcpOptions: false, ipId: 0, ttl: 0, ipLen: 0, icmpType: 0, icmpCode: 0,
      fragment: false, trafficClass: 'other', tool: 'none', label: '', country: '', asn: 0,
    });
    expect(Object.keys(newClassifiedPacket()).slice(0, 20)).toEqual(Object.keys(pkt({})));
  });
});
