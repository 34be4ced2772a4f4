/**
 * NICT Darknet Dataset 2022: per-packet CSV files published by NICT (NICTER).
 *
 * What the sources say
 * --------------------
 * - https://csdataset.nict.go.jp/darknet-2022 (the dataset's own page):
 *   - per-packet data; "Only TCP-SYN packets are released";
 *   - one CSV row per packet with these columns, in this order:
 *       timestamp             "received packet time (UNIX time)"
 *       hash[ip.src.upper16]  "hash value of upper 16-bit source IP address"
 *       hash[ip.src.32]       "hash value of 32-bit source IP address"
 *       ip.dst.lower16        "lower 16-bit darknet destination IP address"
 *       tcp.dstport           "16-bit TCP destination port number"
 *   - "The data are divided into CSV files for each day based on JST";
 *   - files are bzip2-compressed; access is by e-mail request under NICT's terms
 *     of use. The page offers "pseudo data" in CSV, which we could not retrieve.
 * - https://github.com/ernie55ernie/Introduction-to-NICT-Darknet-Dataset-2022:
 *   eight IPv4 darknet sensors of 2,048..32,768 addresses (/21../17), 86,016 in
 *   all.
 *
 * Not confirmed (no sample rows were available): whether files start with a
 * header line, how hash values are written (hash function, width, decimal or
 * hex), whether timestamps carry a fraction, and how ip.dst.lower16 is written.
 *
 * Decisions
 * ---------
 * - Columns are read by position, exactly five per row, comma-separated, spaces
 *   around values ignored. A first line whose first field is "timestamp" is
 *   taken as a header and skipped.
 * - Time: the source calls the timestamp UNIX time, which has no time zone, so
 *   a numeric timestamp (epoch seconds, optional fraction) is used as is; JST
 *   only decides which daily file a packet lands in. Shifting it by 9 hours
 *   would misplace every packet. A date-time written as text without a zone is
 *   read as JST (UTC+9) and converted to UTC; text with Z or an offset is used
 *   as written.
 * - Source: the dataset has no source address, only hashes. hash[ip.src.32] is
 *   stored in `src4` when it is an unsigned 32-bit integer, written in decimal
 *   or as 0x-prefixed hex; anything else is a bad line naming the forms
 *   accepted. It is a pseudonym, not an address: equal hashes mean the same
 *   sender, but prefixes, countries, ASNs and CIDR labels computed from it are
 *   meaningless (SUMMARY_FORMAT_TRAITS.nict2022.sourceIsPseudonym says so to
 *   the consumers). hash[ip.src.upper16] is validated the same way and
 *   dropped: PacketSummary has nowhere honest to keep it.
 * - Destination: `dst4` holds the lower 16 bits only (upper 16 bits zero); the
 *   sensors' prefixes are not published. Written as a decimal 0..65535 or as
 *   the two dotted octets "a.b".
 * - Packet: IPv4, proto TCP, tcpFlags SYN (the dataset is TCP SYN only), dport
 *   from tcp.dstport. Everything the dataset does not carry is 0/false/null:
 *   sport, seq, window, TTL, IP ID, length, ICMP fields.
 */

import { PROTO_TCP, TCP_SYN, type PacketSummary } from '../packet.js';
import type { LineDecoder } from './line-decoder.js';
import type { RecordResult } from './record.js';
import { parseTimestampText, truncateForMessage } from './timestamp-text.js';

/** JST is UTC+9; zone-less date-time text in this format is JST. */
export const JST_OFFSET_MINUTES = 9 * 60;

/** The dataset's column names, in file order. */
export const NICT2022_COLUMNS = [
  'timestamp',
  'hash[ip.src.upper16]',
  'hash[ip.src.32]',
  'ip.dst.lower16',
  'tcp.dstport',
] as const;

const DECIMAL_RE = /^[0-9]{1,10}$/;
const HEX_RE = /^0[xX][0-9a-fA-F]{1,8}$/;
const DOTTED_PAIR_RE = /^([0-9]{1,3})\.([0-9]{1,3})$/;

function bad(error: string): RecordResult {
  return { ok: false, error };
}

function show(text: string): string {
  return JSON.stringify(truncateForMessage(text));
}

/** A hash column as an unsigned 32-bit integer, or -1. */
function parseHash32(text: string): number {
  let n = -1;
  if (DECIMAL_RE.test(text)) n = Number(text);
  else if (HEX_RE.test(text)) n = Number.parseInt(text.slice(2), 16);
  return n >= 0 && n <= 0xffffffff ? n : -1;
}

/** ip.dst.lower16 as 0..65535, or -1. */
function parseLower16(text: string): number {
  if (DECIMAL_RE.test(text)) {
    const n = Number(text);
    return n <= 0xffff ? n : -1;
  }
  const m = DOTTED_PAIR_RE.exec(text);
  if (m === null) return -1;
  const hi = Number(m[1]);
  const lo = Number(m[2]);
  return hi <= 255 && lo <= 255 ? hi * 256 + lo : -1;
}

function decodeRow(text: string): RecordResult {
  const fields = text.split(',');
  if (fields.length !== NICT2022_COLUMNS.length) {
    return bad(`has ${fields.length} fields; NICT 2022 rows have ${NICT2022_COLUMNS.length} (${NICT2022_COLUMNS.join(',')})`);
  }
  const [tsText, upperText, srcText, dstText, portText] = fields.map((f) => f.trim());

  const ts = parseTimestampText(tsText, JST_OFFSET_MINUTES);
  if (!ts.ok) return bad(ts.error);
  if (parseHash32(upperText) < 0) {
    return bad(`"hash[ip.src.upper16]" value ${show(upperText)} is not an unsigned 32-bit integer (decimal or 0x hex)`);
  }
  const src = parseHash32(srcText);
  if (src < 0) {
    return bad(`"hash[ip.src.32]" value ${show(srcText)} is not an unsigned 32-bit integer (decimal or 0x hex)`);
  }
  const dst = parseLower16(dstText);
  if (dst < 0) return bad(`"ip.dst.lower16" value ${show(dstText)} is not 0..65535 or "a.b"`);
  if (!DECIMAL_RE.test(portText) || Number(portText) > 0xffff) {
    return bad(`"tcp.dstport" value ${show(portText)} is not an integer in 0..65535`);
  }

  const packet: PacketSummary = {
    tsSec: ts.tsSec,
    tsUsec: ts.tsUsec,
    ipVersion: 4,
    src4: src,
    dst4: dst,
    src6: null,
    dst6: null,
    proto: PROTO_TCP,
    sport: 0,
    dport: Number(portText),
    tcpFlags: TCP_SYN,
    tcpSeq: 0,
    tcpWindow: 0,
    tcpOptions: false,
    ipId: 0,
    ttl: 0,
    ipLen: 0,
    icmpType: 0,
    icmpCode: 0,
    fragment: false,
  };
  return { ok: true, packet };
}

/** True when a line is the dataset's header (first field "timestamp"). */
export function isNict2022Header(text: string): boolean {
  const comma = text.indexOf(',');
  return (comma < 0 ? text : text.slice(0, comma)).trim().toLowerCase() === 'timestamp';
}

export function createNict2022Decoder(): LineDecoder {
  let first = true;
  return {
    decode(text: string): RecordResult | null {
      if (first) {
        first = false;
        if (isNict2022Header(text)) return null;
      }
      return decodeRow(text);
    },
  };
}
