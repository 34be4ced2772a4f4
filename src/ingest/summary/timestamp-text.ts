/**
 * Timestamps written as text (or as JSON numbers) in summary lines.
 *
 * Accepted forms:
 * - Epoch seconds with an optional fraction: `1700000000`, `1700000000.123456`
 *   (digits only; no sign, no exponent). Digits past the microsecond are
 *   truncated, as a pcap reader truncates nanoseconds.
 * - ISO 8601 / RFC 3339 date-time: `2023-11-14T22:13:20.5Z`,
 *   `2023-11-15 07:13:20+09:00`, `...+0900`. `T` or a space between date and
 *   time; seconds are required; `.` or `,` before the fraction. Leap seconds
 *   (`:60`) are rejected: PacketSummary cannot represent them.
 * - A date-time without a zone is read at `defaultOffsetMinutes` from UTC. The
 *   generic formats (jsonl, csv) use 0, i.e. zone-less text is taken as UTC;
 *   nict2022 uses +540 (JST).
 *
 * The result must fit PacketSummary.tsSec (0..2^32-1).
 */

export type TimestampResult =
  | { readonly ok: true; readonly tsSec: number; readonly tsUsec: number }
  | { readonly ok: false; readonly error: string };

export const MAX_TS_SEC = 0xffffffff;

const EPOCH_RE = /^([0-9]{1,20})(?:\.([0-9]{1,30}))?$/;
const ISO_RE =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:[.,]([0-9]{1,30}))?(?:([Zz])|([+-])([0-9]{2}):?([0-9]{2}))?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Microseconds from fraction digits, truncated (".1234569" -> 123456). */
function fractionToUsec(digits: string | undefined): number {
  if (digits === undefined) return 0;
  return Number((digits + '000000').slice(0, 6));
}

function bad(error: string): TimestampResult {
  return { ok: false, error };
}

function inRange(tsSec: number, tsUsec: number, text: string): TimestampResult {
  if (!Number.isSafeInteger(tsSec) || tsSec < 0 || tsSec > MAX_TS_SEC) {
    return bad(`timestamp ${JSON.stringify(text)} is outside 1970-01-01T00:00:00Z..2106-02-07T06:28:15Z`);
  }
  return { ok: true, tsSec, tsUsec };
}

function parseEpoch(text: string, m: RegExpExecArray): TimestampResult {
  return inRange(Number(m[1]), fractionToUsec(m[2]), text);
}

function parseIso(text: string, m: RegExpExecArray, defaultOffsetMinutes: number): TimestampResult {
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12) return bad(`timestamp ${JSON.stringify(text)} has month ${m[2]}`);
  const monthDays = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
  if (day < 1 || day > monthDays) return bad(`timestamp ${JSON.stringify(text)} has day ${m[3]}`);
  if (hour > 23 || minute > 59 || second > 59) {
    return bad(`timestamp ${JSON.stringify(text)} has time ${m[4]}:${m[5]}:${m[6]}`);
  }
  let offsetMinutes = defaultOffsetMinutes;
  if (m[8] !== undefined) {
    offsetMinutes = 0;
  } else if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return bad(`timestamp ${JSON.stringify(text)} has offset ${m[9]}${m[10]}:${m[11]}`);
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  // Date.UTC maps years 0..99 to 1900..1999; setUTCFullYear does not.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  const tsSec = d.getTime() / 1000 - offsetMinutes * 60;
  return inRange(tsSec, fractionToUsec(m[7]), text);
}

/** Parse a timestamp written as text. See the module comment for the forms. */
export function parseTimestampText(text: string, defaultOffsetMinutes = 0): TimestampResult {
  const epoch = EPOCH_RE.exec(text);
  if (epoch !== null) return parseEpoch(text, epoch);
  const iso = ISO_RE.exec(text);
  if (iso !== null) return parseIso(text, iso, defaultOffsetMinutes);
  return bad(`timestamp ${JSON.stringify(truncateForMessage(text))} is neither epoch seconds nor an ISO 8601 date-time`);
}

/**
 * Parse a timestamp given as a JSON number (epoch seconds). The shortest
 * round-trip decimal form of the double is parsed, so 1700000000.123456 gives
 * exactly 123456 microseconds rather than a rounding artefact.
 */
export function parseTimestampNumber(value: number): TimestampResult {
  if (!Number.isFinite(value) || value < 0) return bad(`timestamp ${String(value)} is not a non-negative number of seconds`);
  if (Number.isInteger(value)) return inRange(value, 0, String(value));
  const text = String(value);
  const epoch = EPOCH_RE.exec(text);
  if (epoch !== null) return parseEpoch(text, epoch);
  // Only exponent forms get here: 1e+21 and above, or below 1e-6.
  if (value > MAX_TS_SEC) return inRange(value, 0, text);
  return bad(`timestamp ${text} cannot be read as epoch seconds`);
}

/** Keep error messages short when a field holds a huge value. */
export function truncateForMessage(text: string, max = 64): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
