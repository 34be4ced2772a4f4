/**
 * The naive pipeline a user would write with the same packages: pcap-parser
 * 'packet' events → darkscope's decoder and classifier → @clickhouse/client
 * insert(JSONEachRow) in batches of 100 000 rows, into the same raw table
 * (with the same materialized views). The input stream is paused while a batch
 * is being inserted, so memory stays bounded. Run as a child process by the
 * benchmark: `tsx bench/naive-ingest.ts FILE URL DATABASE`.
 */
import { createRequire } from 'node:module';
import { createClient } from '@clickhouse/client';
import { createClassifier, createEnricher, LabelSet } from '../src/ingest/classify/index.js';
import { decodeFrame } from '../src/ingest/decode/index.js';
import type { ClassifiedPacket } from '../src/ingest/packet.js';
import { addressKey } from '../src/store/address-key.js';

const require = createRequire(import.meta.url);
const pcapParser = require('pcap-parser') as { parse(path: string): NodeJS.EventEmitter & { stream: NodeJS.ReadableStream } };

const [file, url, database] = process.argv.slice(2);
const BATCH = 100_000;
// The server's credentials come as darkscope's own variables (bench/ingest-compare.ts serverEnv).
const client = createClient({
  url, request_timeout: 300_000,
  username: process.env.DARKSCOPE_CLICKHOUSE_USER ?? 'default', password: process.env.DARKSCOPE_CLICKHOUSE_PASSWORD ?? '',
});
const classify = createClassifier({ labels: LabelSet.empty(), enricher: await createEnricher({}) });
// JSON cannot carry the raw bytes of a FixedString(16) (bytes above 0x7f become
// two UTF-8 bytes), so this pipeline leaves IPv6 address bytes as zeros; their
// address keys (src_key, dst_key) are still right.
const ZERO16 = '\0'.repeat(16);

function row(p: ClassifiedPacket, index: number) {
  return {
    sensor: 'naive', ts: p.tsSec, ts_us: p.tsUsec, ip_version: p.ipVersion, src: p.src4, dst: p.dst4, src6: ZERO16, dst6: ZERO16,
    proto: p.proto, sport: p.sport, dport: p.dport, tcp_flags: p.tcpFlags, class: p.trafficClass, tool: p.tool, label: p.label,
    country: p.country, asn: p.asn, ttl: p.ttl, ip_id: p.ipId, tcp_seq: p.tcpSeq, tcp_window: p.tcpWindow, tcp_options: p.tcpOptions ? 1 : 0,
    ip_len: p.ipLen, icmp_type: p.icmpType, icmp_code: p.icmpCode, fragment: p.fragment ? 1 : 0, tool_rules: 1, batch_key: Math.floor(index / BATCH),
    record_index: index, src_key: addressKey(p.ipVersion, p.src4, p.src6).toString(), dst_key: addressKey(p.ipVersion, p.dst4, p.dst6).toString(),
  };
}

let rows: object[] = [];
let index = 0;
let inserted = 0;
const parser = pcapParser.parse(file);
let chain = Promise.resolve();
const flush = (values: object[]) => {
  parser.stream.pause();
  chain = chain.then(async () => {
    await client.insert({ table: `${database}.packets`, values, format: 'JSONEachRow' });
    inserted += values.length;
    parser.stream.resume();
  });
};
parser.on('packet', (pkt: { header: { timestampSeconds: number; timestampMicroseconds: number }; data: Buffer }) => {
  const p = decodeFrame(1, pkt.data, pkt.header.timestampSeconds, pkt.header.timestampMicroseconds);
  index++;
  if (typeof p === 'string') return;
  rows.push(row(classify(p), index));
  if (rows.length >= BATCH) {
    flush(rows);
    rows = [];
  }
});
await new Promise<void>((resolve, reject) => { parser.on('end', () => resolve()); parser.on('error', reject); });
if (rows.length > 0) flush(rows);
await chain;
await client.close();
process.stdout.write(`${JSON.stringify({ inserted })}\n`);
