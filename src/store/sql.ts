/**
 * darkscope's typed SQL literal and identifier encoder.
 *
 * ClickHouse 18.16 (the only server on CI) has no query parameters, so every
 * value darkscope sends is written into the SQL text by the encoders below.
 * Each encoder checks its input against the ClickHouse type it stands for and
 * returns a `SqlFragment`; the `sql` tag only accepts fragments, so a raw
 * string can never be interpolated by accident (TypeScript rejects it at
 * compile time and the tag rejects it at run time).
 *
 *   const q = sql`SELECT count() FROM ${sqlIdent(db)}.packets
 *                 WHERE sensor = ${sqlString(sensor)} AND dport IN (${sqlList(ports, (p) => sqlUInt(p, 16))})`;
 *
 * String escaping (checked round-trip against the real server in
 * tests/integration/store-sql.test.ts):
 *   - `\` and `'` are backslash-escaped; every C0 control character (incl. NUL)
 *     and DEL is written as `\xHH`; everything else is sent as raw UTF-8.
 *   - ClickHouse strings are bytes, the HTTP body is UTF-8, so a JavaScript
 *     string must be well-formed UTF-16. A lone surrogate (U+D800..U+DFFF not
 *     part of a pair) has no UTF-8 encoding and could only be stored as
 *     U+FFFD, silently changing the value, so `sqlString` REJECTS it with
 *     BAD_SQL_VALUE. Arbitrary bytes go through `sqlBytes` instead.
 *
 * Floats: NaN and ±Infinity are rejected, and so are subnormal numbers
 * (|x| < 2.2250738585072014e-308, x ≠ 0): ClickHouse 18.16's parser refuses
 * them as literals ("Syntax error") and `toFloat64('5e-324')` returns 0.
 */

import { DarkscopeError } from '../errors.js';

const TEXT = Symbol('darkscope.sql.text');

/** A piece of SQL text that was produced by an encoder or the `sql` tag. */
export class SqlFragment {
  readonly [TEXT]: string;
  /** @internal use the encoders, `sql` or `unsafeRawSql`. */
  private constructor(text: string) {
    this[TEXT] = text;
  }
  /** @internal */
  static of(text: string): SqlFragment {
    return new SqlFragment(text);
  }
  /** The SQL text, ready to send. */
  get text(): string {
    return this[TEXT];
  }
  toString(): string {
    return this[TEXT];
  }
}

function fragment(text: string): SqlFragment {
  return SqlFragment.of(text);
}

function bad(message: string, value: unknown): DarkscopeError {
  return new DarkscopeError('BAD_SQL_VALUE', message, { value: describe(value) });
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  return String(value);
}

export function isSqlFragment(value: unknown): value is SqlFragment {
  return value instanceof SqlFragment;
}

/**
 * Tagged template: static text is trusted (it is code), every `${}` must be a
 * SqlFragment. Throws BAD_SQL_VALUE for anything else, including values that
 * reached here through `any`.
 */
export function sql(strings: TemplateStringsArray, ...values: SqlFragment[]): SqlFragment {
  if (!Array.isArray(strings) || !Array.isArray((strings as { raw?: unknown }).raw) || !Object.isFrozen(strings)) {
    throw bad('sql must be used as a tagged template (sql`...`), not called with an array', strings);
  }
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    const v: unknown = values[i];
    if (!(v instanceof SqlFragment)) {
      throw bad(`sql\`\`: interpolated value #${i + 1} is a ${typeof v}, not an encoded SQL value (wrap it with sqlString, sqlUInt, sqlIdent, ...)`, v);
    }
    out += v[TEXT] + strings[i + 1];
  }
  return fragment(out);
}

/** Joins fragments with a separator (default `, `). An empty list gives an empty fragment. */
export function sqlJoin(parts: readonly SqlFragment[], separator: SqlFragment = fragment(', ')): SqlFragment {
  for (const p of parts as readonly unknown[]) {
    if (!(p instanceof SqlFragment)) throw bad('sqlJoin: every part must be a SqlFragment', p);
  }
  return fragment(parts.map((p) => p[TEXT]).join(separator[TEXT]));
}

/**
 * SQL text that is part of darkscope itself (migration files, generated DDL).
 * Never pass anything derived from user input: that is what the encoders are for.
 */
export function unsafeRawSql(text: string): SqlFragment {
  if (typeof text !== 'string') throw bad('unsafeRawSql expects a string', text);
  return fragment(text);
}

// ---------------------------------------------------------------- strings

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\\'\u0000-\u001f\u007f]/g;

function escapeChar(ch: string): string {
  if (ch === '\\') return '\\\\';
  if (ch === "'") return "\\'";
  return `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/** A String literal. Rejects strings containing lone UTF-16 surrogates (see the file header). */
export function sqlString(value: string): SqlFragment {
  if (typeof value !== 'string') throw bad(`sqlString expects a string, got ${typeof value}`, value);
  const m = LONE_SURROGATE.exec(value);
  if (m) {
    throw bad(`string has a lone UTF-16 surrogate at index ${m.index}; it has no UTF-8 encoding and cannot be stored unchanged`, value);
  }
  return fragment(`'${value.replace(NEEDS_ESCAPE, escapeChar)}'`);
}

/** A String literal holding exactly these bytes (e.g. a FixedString(16) IPv6 address). */
export function sqlBytes(bytes: Uint8Array): SqlFragment {
  if (!(bytes instanceof Uint8Array)) throw bad('sqlBytes expects a Uint8Array', bytes);
  let out = "'";
  for (const b of bytes) out += `\\x${b.toString(16).padStart(2, '0')}`;
  return fragment(`${out}'`);
}

// ---------------------------------------------------------------- numbers

export type IntBits = 8 | 16 | 32 | 64;
const BITS: readonly number[] = [8, 16, 32, 64];

function checkBits(bits: number): void {
  if (!BITS.includes(bits)) throw bad(`integer width must be 8, 16, 32 or 64, got ${bits}`, bits);
}

function toBigIntStrict(value: number | bigint, what: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw bad(`${what}: expected an integer, got ${describe(value)}`, value);
  }
  if (!Number.isSafeInteger(value)) {
    throw bad(`${what}: ${value} is beyond 2^53 and may have lost precision; pass a bigint`, value);
  }
  return BigInt(value);
}

/** An unsigned integer literal, range-checked for UInt8/16/32/64. */
export function sqlUInt(value: number | bigint, bits: IntBits): SqlFragment {
  checkBits(bits);
  const what = `UInt${bits}`;
  const v = toBigIntStrict(value, what);
  const max = (1n << BigInt(bits)) - 1n;
  if (v < 0n || v > max) throw bad(`${what}: ${v} is outside 0..${max}`, value);
  return fragment(v.toString());
}

/** A signed integer literal, range-checked for Int8/16/32/64. */
export function sqlInt(value: number | bigint, bits: IntBits): SqlFragment {
  checkBits(bits);
  const what = `Int${bits}`;
  const v = toBigIntStrict(value, what);
  const lim = 1n << BigInt(bits - 1);
  if (v < -lim || v > lim - 1n) throw bad(`${what}: ${v} is outside ${-lim}..${lim - 1n}`, value);
  // Negative numbers are parenthesised so `x -${n}` can never become a `--` comment.
  return fragment(v < 0n ? `(${v})` : v.toString());
}

const MIN_NORMAL = 2.2250738585072014e-308;

/** A Float64 literal. Rejects NaN, ±Infinity and subnormals (see the file header). */
export function sqlFloat(value: number): SqlFragment {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw bad(`Float64: expected a finite number, got ${describe(value)}`, value);
  }
  if (value !== 0 && Math.abs(value) < MIN_NORMAL) {
    throw bad(`Float64: ${value} is subnormal; ClickHouse 18.16 cannot parse it`, value);
  }
  // String(x) is the shortest text that reads back as the same double.
  // -0 prints as "0"; the sign of zero is not kept. Negative numbers are
  // parenthesised so `x -${f}` can never become a `--` comment.
  const text = String(value);
  return fragment(text.startsWith('-') ? `(${text})` : text);
}

// ---------------------------------------------------------------- time

const MAX_DATETIME = 0xffffffff;

/**
 * A DateTime in UTC: `toDateTime(<epoch seconds>, 'UTC')`. Accepts a Date
 * (must be a whole second) or epoch seconds (integer, 0..2^32-1). Writing the
 * instant as a number keeps it independent of the server's time zone.
 */
export function sqlDateTime(value: Date | number): SqlFragment {
  let sec: number;
  if (value instanceof Date) {
    const ms = value.getTime();
    if (!Number.isFinite(ms)) throw bad('DateTime: invalid Date', value);
    if (ms % 1000 !== 0) throw bad(`DateTime: ${value.toISOString()} has sub-second precision; DateTime stores whole seconds`, value);
    sec = ms / 1000;
  } else if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw bad(`DateTime: epoch seconds must be an integer, got ${value}`, value);
    sec = value;
  } else {
    throw bad(`DateTime: expected a Date or epoch seconds, got ${typeof value}`, value);
  }
  if (sec < 0 || sec > MAX_DATETIME) throw bad(`DateTime: ${sec} is outside 0..${MAX_DATETIME} (1970-01-01..2106-02-07)`, value);
  return fragment(`toDateTime(${sec}, 'UTC')`);
}

// ---------------------------------------------------------------- addresses

const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Parses a dotted-quad IPv4 address (no leading zeros) to its UInt32 value. */
export function parseIPv4(text: string): number {
  const m = typeof text === 'string' ? DOTTED_QUAD.exec(text) : null;
  if (!m) throw bad(`not an IPv4 address: ${describe(text)}`, text);
  return ((Number(m[1]) << 24) >>> 0) + (Number(m[2]) << 16) + (Number(m[3]) << 8) + Number(m[4]);
}

/** An IPv4 address as a UInt32 literal (darkscope stores IPv4 as UInt32). */
export function sqlIPv4(value: string | number): SqlFragment {
  if (typeof value === 'number') return sqlUInt(value, 32);
  return fragment(String(parseIPv4(value)));
}

// ---------------------------------------------------------------- identifiers

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * A backquoted identifier (database, table, column). Only ASCII letters,
 * digits and `_`, not starting with a digit, at most 128 characters: names
 * darkscope creates never need more, and nothing outside that set can reach
 * the SQL text.
 */
export function sqlIdent(name: string): SqlFragment {
  if (typeof name !== 'string' || !IDENT.test(name)) {
    throw bad(`not a valid identifier: ${describe(name)} (allowed: letters, digits, _; not starting with a digit; at most 128 characters)`, name);
  }
  return fragment(`\`${name}\``);
}

/** `a.b` with both parts checked by sqlIdent. */
export function sqlQualified(database: string, name: string): SqlFragment {
  return fragment(`${sqlIdent(database)[TEXT]}.${sqlIdent(name)[TEXT]}`);
}

// ---------------------------------------------------------------- lists

/**
 * A comma-separated list of encoded values, without parentheses:
 * `IN (${sqlList(ports, (p) => sqlUInt(p, 16))})`. An empty list is rejected
 * because `IN ()` is not valid SQL; handle the empty case before building.
 */
export function sqlList<T>(values: readonly T[], encode: (value: T) => SqlFragment): SqlFragment {
  if (!Array.isArray(values)) throw bad('sqlList expects an array', values);
  if (values.length === 0) throw bad('sqlList: the list is empty', values);
  return sqlJoin(values.map((v) => encode(v)));
}
