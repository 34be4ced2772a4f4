/**
 * What darkscope must do with each real capture of the shared corpus, beyond
 * "did not throw": packets decoded, skip reasons, and the fields of the
 * decodable packets checked against what tcpdump prints for them
 * (expected_out/*.out) or the corpus README.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressText } from '../../src/net/ip-format.js';
import { decodeRecord } from '../../src/ingest/decode/index.js';
import { expandInputs, openInput, packetSource, type InputStats, type SourcePacket } from '../../src/ingest/input/index.js';
import { corpusEntries, CORPUS_DIR } from '../helpers/corpus.js';
import { readAll } from '../helpers/read-all.js';

async function decodeFile(path: string): Promise<{ stats: InputStats; packets: SourcePacket[] }> {
  const [spec] = await expandInputs([path]);
  const source = packetSource(await openInput(spec));
  const packets: SourcePacket[] = [];
  for await (const b of source.batches()) packets.push(...b);
  return { stats: source.stats, packets };
}

/** decoded count and skip reasons per file. */
const EXPECTED: Record<string, { decoded: number; skipped: Record<string, number> }> = {
  'LINKTYPE_IPV4_invalid.pcap': { decoded: 0, skipped: { bad_ip_version: 1 } }, // IPv6 bytes under LINKTYPE_IPV4
  'LINKTYPE_IPV6_invalid.pcap': { decoded: 0, skipped: { bad_ip_version: 1 } }, // IPv4 bytes under LINKTYPE_IPV6
  'LINKTYPE_RAW_ipv4.pcap': { decoded: 1, skipped: {} },
  'LINKTYPE_RAW_ipv6.pcap': { decoded: 1, skipped: {} },
  'aoe-oobr-1.pcap': { decoded: 0, skipped: { unsupported_ethertype: 1 } }, // ATA over Ethernet
  'bad-ipv4-version-pgm-heapoverflow.pcap': { decoded: 0, skipped: { bad_ip_version: 1 } },
  'bgp-enhanced-route-refresh-subtype.pcapng': { decoded: 3, skipped: {} },
  'empty.pcap': { decoded: 0, skipped: {} },
  'empty.pcapng': { decoded: 0, skipped: {} },
  'heap-overflow-1.pcap': { decoded: 0, skipped: { bad_ip_version: 1 } }, // one captured byte
  'heapoverflow-tcp_print.pcap': { decoded: 1, skipped: {} },
  'icmp-length-zero.pcapng': { decoded: 0, skipped: { bad_ip_length: 1 } }, // tcpdump: total length 0 < header length 20
  'ipv4_invalid_hdr_length.pcap': { decoded: 0, skipped: { bad_ihl: 1 } },
  'ipv4_invalid_length.pcap': { decoded: 0, skipped: { truncated_ip_header: 1 } },
  'ipv4_invalid_total_length.pcap': { decoded: 1, skipped: {} },
  'ipv4_invalid_total_length_2.pcap': { decoded: 0, skipped: { bad_ip_length: 1 } },
  'ipv6-bad-version.pcap': { decoded: 2, skipped: { bad_ip_version: 2 } },
  'ipv6_invalid_length.pcap': { decoded: 0, skipped: { truncated_ip_header: 1 } },
  'ipv6_jumbogram_invalid_length.pcap': { decoded: 1, skipped: {} },
  'lisp_invalid_length.pcap': { decoded: 1, skipped: {} },
  'of13_ericsson.pcapng': { decoded: 174, skipped: {} },
  'pim-packet-assortment.pcap': { decoded: 245, skipped: {} },
  'pim_header_asan-2.pcap': { decoded: 1, skipped: { truncated_link_header: 2 } },
  'pptp.pcap': { decoded: 23, skipped: {} },
  'print-flags.pcap': { decoded: 10, skipped: {} },
  'tcp-handshake-nano.pcap': { decoded: 3, skipped: {} },
  'tcp_eight_lowest_weight_flags_set.pcap': { decoded: 1, skipped: {} },
  'tcp_header_heapoverflow.pcap': { decoded: 0, skipped: { truncated_l4_header: 1 } }, // 12 of 20 TCP header bytes captured
  'tcp_rst_data-trunc.pcap': { decoded: 1, skipped: {} },
  'time_2038_overflow.pcap': { decoded: 1, skipped: {} },
  'time_2106_overflow.pcapng': { decoded: 0, skipped: { timestamp_out_of_range: 1 } }, // past ClickHouse DateTime's 2106-02-07
  'time_2107.pcapng': { decoded: 0, skipped: { timestamp_out_of_range: 1 } },
  'timestamp_invalid_micro.pcap': { decoded: 1, skipped: { bad_timestamp: 2 } }, // fractions 1000000 and 2147483648 µs
  'timestamp_invalid_nano.pcap': { decoded: 1, skipped: { bad_timestamp: 2 } },
  'udp-length-heapoverflow.pcap': { decoded: 0, skipped: { truncated_l4_header: 1 } }, // 4 of 8 UDP header bytes captured
  'unsupported-link-type-160.pcap': { decoded: 0, skipped: { unsupported_linktype: 1 } },
  'unsupported-link-type-dbus.pcap': { decoded: 0, skipped: { unsupported_linktype: 2 } },
};

describe('corpus: decoded packets and skip reasons per file', () => {
  const entries = corpusEntries();
  it('has an expectation for every corpus file', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(entries.map((e) => e.file).sort());
  });
  it.each(entries.map((e) => [e.file, e] as const))('%s', async (file, e) => {
    const { stats, packets } = await decodeFile(e.path);
    expect({ decoded: stats.decoded, skipped: stats.skipped }).toEqual(EXPECTED[file]);
    expect(stats.records).toBe(e.packets);
    expect(packets.length).toBe(stats.decoded);
  });
});

describe('corpus: fields of decoded packets match tcpdump', () => {
  it('print-flags.pcap: the handshake and flags tcpdump shows', async () => {
    const { packets } = await decodeFile(`${CORPUS_DIR}print-flags.pcap`);
    expect(packets.slice(0, 3).map((p) => [addressText(p.ipVersion, p.src4, p.src6), p.sport, p.dport, p.tcpFlags])).toEqual([
      ['127.0.0.1', 55920, 80, 0x02],
      ['127.0.0.1', 80, 55920, 0x12],
      ['127.0.0.1', 55920, 80, 0x10],
    ]);
    expect(packets[0].tsSec).toBe(1120622255);
    expect(packets[0].tsUsec).toBe(938066);
  });

  it('tcp-handshake-nano.pcap: nanosecond timestamps become microseconds, Linux SLL decoded', async () => {
    const { packets, stats } = await decodeFile(`${CORPUS_DIR}tcp-handshake-nano.pcap`);
    expect(stats.linkTypes).toEqual([113]);
    expect(packets.map((p) => [p.tcpFlags, p.dport])).toEqual([[0x02, 80], [0x12, 46656], [0x10, 80]]);
    for (const p of packets) expect(p.tsUsec).toBeLessThan(1_000_000);
  });

  it('LINKTYPE_RAW_ipv6.pcap: IPv6 is carried through, with its addresses', async () => {
    const { packets } = await decodeFile(`${CORPUS_DIR}LINKTYPE_RAW_ipv6.pcap`);
    expect(packets[0]).toMatchObject({ ipVersion: 6, proto: 17, dport: 53, src4: 0, dst4: 0 });
    expect(packets[0].src6).toHaveLength(16);
  });

  it('tcp_eight_lowest_weight_flags_set.pcap: all eight flag bits', async () => {
    const { packets } = await decodeFile(`${CORPUS_DIR}tcp_eight_lowest_weight_flags_set.pcap`);
    expect(packets[0].tcpFlags & 0xff).toBe(0xff);
  });
});

describe('property: random mutations of real captures never crash, hang or over-allocate', () => {
  const seeds = ['print-flags.pcap', 'pptp.pcap', 'of13_ericsson.pcapng', 'bgp-enhanced-route-refresh-subtype.pcapng', 'tcp-handshake-nano.pcap', 'LINKTYPE_RAW_ipv6.pcap']
    .map((f) => readFileSync(`${CORPUS_DIR}${f}`));

  it('reader + decoder survive byte mutations, truncations and insertions', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 24 }),
        fc.option(fc.nat(), { nil: undefined }),
        fc.integer({ min: 1, max: 4096 }),
        async (which, edits, cutAt, chunk) => {
          const buf = Buffer.from(seeds[which]);
          for (const [pos, val] of edits) buf[pos % buf.length] = val;
          const input = cutAt === undefined ? buf : buf.subarray(0, cutAt % (buf.length + 1));
          let result;
          try {
            result = await readAll(input, chunk);
          } catch (e) {
            // Only a whole-file verdict is allowed: "not a capture".
            expect((e as { code?: string }).code).toBe('DARKSCOPE_E_BAD_CAPTURE');
            return;
          }
          for (const rec of result.records) {
            expect(rec.data.length).toBeLessThanOrEqual(262_144);
            const p = decodeRecord(rec);
            if (typeof p === 'string') continue;
            expect(p.tsUsec).toBeGreaterThanOrEqual(0);
            expect(p.tsUsec).toBeLessThan(1_000_000);
            expect(p.sport).toBeLessThanOrEqual(65535);
            expect(p.dport).toBeLessThanOrEqual(65535);
          }
        },
      ),
      { numRuns: 400, seed: 20261123 },
    );
  });
});
