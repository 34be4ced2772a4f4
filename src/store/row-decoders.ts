/**
 * Typed decoding of JSONEachRow rows. ClickHouse writes 64-bit integers as
 * JSON strings ("123") and everything narrower as JSON numbers; a decoder per
 * column makes each conversion deliberate and fails loudly on a mismatch
 * instead of letting a string leak into arithmetic.
 */

import { DarkscopeError } from '../errors.js';

export type Decoder<T> = (value: unknown, column: string) => T;
export type RowSchema = Readonly<Record<string, Decoder<unknown>>>;
export type RowOf<S extends RowSchema> = { -readonly [K in keyof S]: S[K] extends Decoder<infer T> ? T : never };

function mismatch(column: string, expected: string, value: unknown): DarkscopeError {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 60)) : String(value);
  return new DarkscopeError('SCHEMA', `column "${column}": expected ${expected}, got ${typeof value} ${shown}`, { column });
}

const INT_TEXT = /^-?\d+$/;

function bigintFrom(value: unknown, column: string, expected: string): bigint {
  if (typeof value === 'string' && INT_TEXT.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw mismatch(column, expected, value);
}

export const col = Object.freeze({
  /** String, FixedString, Enum (as its name), DateTime (as text in the column's time zone). */
  string: ((value, column) => {
    if (typeof value !== 'string') throw mismatch(column, 'a string', value);
    return value;
  }) as Decoder<string>,

  /** Int/UInt up to 32 bits and Float32/64, which JSONEachRow writes as numbers. */
  number: ((value, column) => {
    if (typeof value !== 'number') throw mismatch(column, 'a JSON number (for 64-bit integers use col.uint64 / col.uint64AsNumber)', value);
    return value;
  }) as Decoder<number>,

  /** UInt8 0/1 as a boolean. */
  bool: ((value, column) => {
    if (value === 0 || value === 1) return value === 1;
    throw mismatch(column, 'UInt8 0 or 1', value);
  }) as Decoder<boolean>,

  /** UInt64 (a JSON string) as a bigint. */
  uint64: ((value, column) => {
    const v = bigintFrom(value, column, 'a UInt64');
    if (v < 0n) throw mismatch(column, 'a UInt64', value);
    return v;
  }) as Decoder<bigint>,

  /** Int64 (a JSON string) as a bigint. */
  int64: ((value, column) => bigintFrom(value, column, 'an Int64')) as Decoder<bigint>,

  /** UInt64 as a number; throws if it is above Number.MAX_SAFE_INTEGER (counts never get there). */
  uint64AsNumber: ((value, column) => {
    const v = bigintFrom(value, column, 'a UInt64');
    if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw mismatch(column, 'a UInt64 within 0..2^53-1', value);
    return Number(v);
  }) as Decoder<number>,

  /** Int64 as a number; throws outside ±(2^53-1). */
  int64AsNumber: ((value, column) => {
    const v = bigintFrom(value, column, 'an Int64');
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
      throw mismatch(column, 'an Int64 within ±(2^53-1)', value);
    }
    return Number(v);
  }) as Decoder<number>,
});

/** Decodes one JSONEachRow object; every schema column must be present. */
export function decodeRow<S extends RowSchema>(raw: unknown, schema: S): RowOf<S> {
  if (raw === null || typeof raw !== 'object') {
    throw new DarkscopeError('SCHEMA', `expected a JSON object per row, got ${typeof raw}`);
  }
  const src = raw as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, decode] of Object.entries(schema)) {
    if (!(name in src)) throw new DarkscopeError('SCHEMA', `column "${name}" is missing from the result`, { column: name });
    out[name] = decode(src[name], name);
  }
  return out as RowOf<S>;
}
