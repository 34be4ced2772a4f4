/**
 * Readers for the numeric ASN tables of @ip-location-db/asn
 * (asn-ipv4-num.csv, asn-ipv6-num.csv). Each line is
 *   range_start,range_end,autonomous_system_number,organization
 * with an inclusive range given as a decimal integer (32-bit for IPv4, 128-bit
 * for IPv6), sorted by start (package README, "CSV Format"). The organization
 * may be quoted and contain commas; it is never read.
 *
 * Overlaps: a row that starts inside the previous row's range cuts the
 * previous row short, so the later row wins. (Version 2.3.2026061719 of the
 * IPv4 table has one: 214.95.0.0-215.0.255.255 AS749, then 215.0.0.0-215.1.3.255
 * AS721, so 215.0.0.0/16 resolves to AS721.)
 *
 * A malformed or unsorted table is an ENRICH_DB error naming the file and line.
 */

import { DarkscopeError } from '../../errors.js';
import { Ranges4, Ranges6, setWords } from './ranges.js';

const NL = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;

/** Parse asn-ipv4-num.csv from raw bytes (byte-level: about 21 MB, 410 000 rows). */
export function parseAsnCsv4(buf: Uint8Array, file: string): Ranges4 {
  let rows = 0;
  for (let i = buf.indexOf(NL); i >= 0; i = buf.indexOf(NL, i + 1)) rows++;
  rows++; // a last line without a newline
  const starts = new Uint32Array(rows);
  const ends = new Uint32Array(rows);
  const asns = new Uint32Array(rows);

  let n = 0;
  let pos = 0;
  let line = 0;
  const len = buf.length;
  const bad = (what: string): DarkscopeError =>
    new DarkscopeError('ENRICH_DB', `ASN table ${file} line ${line}: ${what}`, { file, line });

  while (pos < len) {
    line++;
    if (buf[pos] === NL || buf[pos] === CR) { // blank line
      pos = skipLine(buf, pos);
      continue;
    }
    // Three unsigned decimal fields, each followed by a comma (or the line end for the third).
    let start = 0;
    let end = 0;
    let asn = 0;
    for (let field = 0; field < 3; field++) {
      let v = 0;
      let digits = 0;
      while (pos < len) {
        const c = buf[pos] - 0x30;
        if (c < 0 || c > 9) break;
        v = v * 10 + c;
        digits++;
        pos++;
      }
      if (digits === 0 || digits > 10 || v > 0xffffffff) throw bad('expected an unsigned 32-bit number');
      const sep = pos < len ? buf[pos] : NL;
      if (field < 2 ? sep !== COMMA : sep !== COMMA && sep !== NL && sep !== CR) throw bad('expected start,end,asn,...');
      if (field === 0) start = v;
      else if (field === 1) end = v;
      else asn = v;
      if (field < 2) pos++;
    }
    pos = skipLine(buf, pos);

    if (end < start) throw bad('range ends before it starts');
    if (n > 0 && start <= ends[n - 1]) {
      if (start <= starts[n - 1]) throw bad('rows are not sorted by range start');
      ends[n - 1] = start - 1;
    }
    starts[n] = start;
    ends[n] = end;
    asns[n] = asn;
    n++;
  }
  return new Ranges4(starts.slice(0, n), ends.slice(0, n), asns.slice(0, n));
}

/** Position just after the newline ending the line that holds `pos`. */
function skipLine(buf: Uint8Array, pos: number): number {
  const nl = buf.indexOf(NL, pos);
  return nl < 0 ? buf.length : nl + 1;
}

const DECIMAL_RE = /^[0-9]{1,39}$/;
const MAX128 = (1n << 128n) - 1n;

/** Parse asn-ipv6-num.csv text (about 11 MB, 100 000 rows; 128-bit numbers via BigInt). */
export function parseAsnCsv6(text: string, file: string): Ranges6 {
  const lines = text.split('\n');
  const startList: bigint[] = [];
  const endList: bigint[] = [];
  const asnList: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const lineText = lines[i];
    if (lineText === '' || lineText === '\r') continue;
    const bad = (what: string): DarkscopeError =>
      new DarkscopeError('ENRICH_DB', `ASN table ${file} line ${i + 1}: ${what}`, { file, line: i + 1 });
    const c1 = lineText.indexOf(',');
    const c2 = lineText.indexOf(',', c1 + 1);
    let c3 = lineText.indexOf(',', c2 + 1);
    if (c1 < 0 || c2 < 0) throw bad('expected start,end,asn,...');
    if (c3 < 0) c3 = lineText.length;
    const startText = lineText.slice(0, c1);
    const endText = lineText.slice(c1 + 1, c2);
    const asnText = lineText.slice(c2 + 1, c3).trim();
    if (!DECIMAL_RE.test(startText) || !DECIMAL_RE.test(endText) || !/^[0-9]{1,10}$/.test(asnText)) {
      throw bad('expected unsigned decimal numbers');
    }
    const start = BigInt(startText);
    const end = BigInt(endText);
    const asn = Number(asnText);
    if (end > MAX128 || asn > 0xffffffff) throw bad('number out of range');
    if (end < start) throw bad('range ends before it starts');
    const n = startList.length;
    if (n > 0 && start <= endList[n - 1]) {
      if (start <= startList[n - 1]) throw bad('rows are not sorted by range start');
      endList[n - 1] = start - 1n;
    }
    startList.push(start);
    endList.push(end);
    asnList.push(asn);
  }
  const starts = new Uint32Array(startList.length * 4);
  const ends = new Uint32Array(endList.length * 4);
  for (let i = 0; i < startList.length; i++) {
    setWords(starts, i, startList[i]);
    setWords(ends, i, endList[i]);
  }
  return new Ranges6(starts, ends, Uint32Array.from(asnList));
}
