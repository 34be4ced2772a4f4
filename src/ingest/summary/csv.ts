/**
 * CSV with a header line naming the columns: the same names as the jsonl keys
 * (see record.ts), matched case-insensitively, in any order; columns with other
 * names are ignored. The header is the first non-blank line; a header without
 * the required columns is a whole-file error (BAD_SUMMARY_HEADER).
 *
 * Quoting is RFC 4180 within one line: a field may be wrapped in double quotes,
 * with "" for a literal quote; a quoted field cannot span lines. Spaces around
 * unquoted fields and around quoted ones are dropped. Every data row must have
 * as many fields as the header.
 */

import { DarkscopeError } from '../../errors.js';
import type { LineDecoder } from './line-decoder.js';
import type { SplitLine } from './line-splitter.js';
import { buildPacket, KNOWN_FIELD_NAMES, REQUIRED_FIELDS, type RecordResult } from './record.js';

/** Split one CSV line into fields, or return why it cannot be split. */
export function splitCsvLine(text: string): string[] | { error: string } {
  const fields: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
    if (text[i] === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return { error: `field ${fields.length + 1} has an unterminated quote` };
        value += text.slice(j, q);
        if (text[q + 1] === '"') {
          value += '"';
          j = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
      if (i < n && text[i] !== ',') {
        return { error: `field ${fields.length + 1} has text after its closing quote` };
      }
      fields.push(value);
    } else {
      const comma = text.indexOf(',', i);
      const end = comma < 0 ? n : comma;
      const value = text.slice(i, end).trim();
      if (value.includes('"')) return { error: `field ${fields.length + 1} has a quote inside an unquoted value` };
      fields.push(value);
      i = end;
    }
    if (i >= n) return fields;
    i++; // the comma
  }
}

function headerError(message: string, name: string, at: SplitLine, extra: Record<string, unknown> = {}): DarkscopeError {
  return new DarkscopeError('BAD_SUMMARY_HEADER', message, { file: name, offset: at.offset, line: at.line, ...extra });
}

export function createCsvDecoder(name: string): LineDecoder {
  /** Column index of each known field name; null until the header is read. */
  let columns: Map<string, number> | null = null;
  let width = 0;

  function readHeader(text: string, at: SplitLine): void {
    const fields = splitCsvLine(text);
    if (!Array.isArray(fields)) throw headerError(`summary CSV header cannot be read: ${fields.error}`, name, at);
    const lower = fields.map((f) => f.toLowerCase());
    const map = new Map<string, number>();
    for (const known of KNOWN_FIELD_NAMES) {
      const first = lower.indexOf(known.toLowerCase());
      if (first < 0) continue;
      if (lower.indexOf(known.toLowerCase(), first + 1) >= 0) {
        throw headerError(`summary CSV header names column "${known}" twice`, name, at, { column: known });
      }
      map.set(known, first);
    }
    const missing = REQUIRED_FIELDS.filter((f) => !map.has(f));
    if (missing.length > 0) {
      throw headerError(
        `summary CSV header lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
        name, at, { missing },
      );
    }
    columns = map;
    width = fields.length;
  }

  return {
    decode(text: string, at: SplitLine): RecordResult | null {
      if (columns === null) {
        readHeader(text, at);
        return null;
      }
      const fields = splitCsvLine(text);
      if (!Array.isArray(fields)) return { ok: false, error: fields.error };
      if (fields.length !== width) {
        return { ok: false, error: `has ${fields.length} fields; the header has ${width}` };
      }
      const cols = columns;
      return buildPacket((field) => {
        const i = cols.get(field);
        return i === undefined ? undefined : fields[i];
      });
    },
  };
}
