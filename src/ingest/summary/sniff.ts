/**
 * Guess a summary format from the first bytes of an input, for when the user
 * gave no --format. Looks at the first non-blank line only:
 * - starts with "{"                                  → jsonl
 * - CSV naming at least the columns ts, src and dst  → csv
 * - the NICT 2022 header (timestamp,hash[...],...), or five fields shaped like
 *   a NICT 2022 row (time, two hashes, lower 16 bits, port) → nict2022
 * Anything else (including a pcap or gzip magic) → null. Give it enough bytes
 * to hold the first line whole (a few KiB is plenty): a cut-off header may not
 * be recognised.
 */

import { splitCsvLine } from './csv.js';
import { JST_OFFSET_MINUTES } from './nict2022.js';
import type { SummaryFormat } from './summary-format.js';
import { parseTimestampText } from './timestamp-text.js';

const HASH_TOKEN_RE = /^(?:0[xX])?[0-9a-fA-F]{1,64}$/;
const LOWER16_RE = /^(?:[0-9]{1,5}|[0-9]{1,3}\.[0-9]{1,3})$/;
const PORT_RE = /^[0-9]{1,5}$/;

function firstNonBlankLine(text: string): string | null {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    if (line !== '') return line;
    start = end + 1;
  }
  return null;
}

function looksLikeNictRow(fields: readonly string[]): boolean {
  if (fields.length !== 5) return false;
  const [ts, upper, src, dst, port] = fields;
  return parseTimestampText(ts, JST_OFFSET_MINUTES).ok
    && HASH_TOKEN_RE.test(upper)
    && HASH_TOKEN_RE.test(src)
    && LOWER16_RE.test(dst)
    && PORT_RE.test(port);
}

export function sniffSummaryFormat(firstBytes: Uint8Array): SummaryFormat | null {
  let text = Buffer.from(firstBytes.buffer, firstBytes.byteOffset, firstBytes.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const line = firstNonBlankLine(text);
  if (line === null) return null;
  if (line.startsWith('{')) return 'jsonl';
  const fields = splitCsvLine(line);
  if (!Array.isArray(fields)) return null;
  const lower = fields.map((f) => f.toLowerCase());
  if (lower.includes('ts') && lower.includes('src') && lower.includes('dst')) return 'csv';
  if (lower.length === 5 && lower[0] === 'timestamp' && lower[1].startsWith('hash')) return 'nict2022';
  if (looksLikeNictRow(fields)) return 'nict2022';
  return null;
}
