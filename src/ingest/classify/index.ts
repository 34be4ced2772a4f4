/**
 * Classification: PacketSummary → ClassifiedPacket, on the ingest hot path.
 *
 *   traffic-class.ts      scan / backscatter / other (CAIDA corsaro rules)
 *   tool-fingerprint.ts   mirai / masscan / zmap marks (TOOL_RULES_VERSION)
 *   labels.ts             user CIDR labels, longest-prefix match
 *   enrich.ts             source country + ASN, direct-mapped cache
 *   asn-csv.ts, mmdb.ts   database readers used by enrich.ts
 *   special-addresses.ts  sources that never get a country or ASN
 *   ranges.ts             sorted range tables (binary search) for labels and ASN
 *
 * All per-packet functions are pure apart from the enrichment cache, never
 * throw for a packet's content, and allocate nothing per packet when used as
 * described on ClassifyFn.
 */

import type { ClassifiedPacket, PacketSummary } from '../packet.js';
import type { Enricher } from './enrich.js';
import type { LabelSet } from './labels.js';
import { classifyTraffic } from './traffic-class.js';
import { fingerprintTool } from './tool-fingerprint.js';

export { classifyTraffic } from './traffic-class.js';
export { fingerprintTool, TOOL_RULES_VERSION } from './tool-fingerprint.js';
export { LabelSet, loadLabelFiles, parseLabels } from './labels.js';
export { createEnricher, Enricher, type EnrichOptions, type GeoAsn } from './enrich.js';

export interface ClassifierDeps {
  readonly labels: LabelSet;
  readonly enricher: Enricher;
}

/**
 * Classify `p` and return the result.
 *
 * Without `out`, `p` itself is completed in place (the five fields
 * trafficClass, tool, label, country, asn are set on it) and returned: no new
 * object, but adding properties to an object created without them makes V8
 * grow its property store, so a decoder that wants zero allocation per packet
 * should create packets with newClassifiedPacket()'s shape.
 *
 * With `out` (e.g. one reused record from newClassifiedPacket()), the
 * PacketSummary fields are copied into `out`, the five fields are set, and
 * `out` is returned; `p` is left untouched. `out` may be `p`.
 */
export type ClassifyFn = (p: PacketSummary, out?: ClassifiedPacket) => ClassifiedPacket;

export function createClassifier({ labels, enricher }: ClassifierDeps): ClassifyFn {
  return function classify(p: PacketSummary, out?: ClassifiedPacket): ClassifiedPacket {
    const o = out === undefined ? (p as ClassifiedPacket) : out === p ? out : copySummary(p, out);
    o.trafficClass = classifyTraffic(p);
    o.tool = fingerprintTool(p);
    if (p.ipVersion === 4) {
      o.label = labels.labelFor4(p.src4);
      enricher.lookup4(p.src4, o);
    } else if (p.src6 !== null) {
      o.label = labels.labelFor6(p.src6);
      enricher.lookup6(p.src6, o);
    } else {
      o.label = '';
      o.country = '';
      o.asn = 0;
    }
    return o;
  };
}

/**
 * A ClassifiedPacket with every field present, in PacketSummary order followed
 * by the classification fields, so all records share one V8 shape.
 */
export function newClassifiedPacket(): ClassifiedPacket {
  return {
    tsSec: 0,
    tsUsec: 0,
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
  };
}

/** Copy every PacketSummary field (a test checks none is missing). */
function copySummary(p: PacketSummary, out: ClassifiedPacket): ClassifiedPacket {
  out.tsSec = p.tsSec;
  out.tsUsec = p.tsUsec;
  out.ipVersion = p.ipVersion;
  out.src4 = p.src4;
  out.dst4 = p.dst4;
  out.src6 = p.src6;
  out.dst6 = p.dst6;
  out.proto = p.proto;
  out.sport = p.sport;
  out.dport = p.dport;
  out.tcpFlags = p.tcpFlags;
  out.tcpSeq = p.tcpSeq;
  out.tcpWindow = p.tcpWindow;
  out.tcpOptions = p.tcpOptions;
  out.ipId = p.ipId;
  out.ttl = p.ttl;
  out.ipLen = p.ipLen;
  out.icmpType = p.icmpType;
  out.icmpCode = p.icmpCode;
  out.fragment = p.fragment;
  return out;
}
