/**
 * Source addresses in the source rollups: IPv4 as `src` (UInt32), IPv6 as the
 * 16 bytes of `src6` (read back as hex). Parsing and printing use src/net/ip-parse.ts
 * and ip-format.ts, as ingest and inspect do, so an address looks the same everywhere.
 */
import { DarkscopeError } from '../errors.js';
import { formatIPv4, formatIPv6 } from '../net/ip-format.js';
import { parseIPv4, parseIPv6 } from '../net/ip-parse.js';
import { sql, sqlBytes, sqlUInt, type SqlFragment } from '../store/sql.js';

export type SourceAddress =
  | { readonly ipVersion: 4; readonly v4: number }
  | { readonly ipVersion: 6; readonly v6: Uint8Array };

export function parseSourceAddress(text: string): SourceAddress {
  const t = text.trim();
  const v4 = parseIPv4(t);
  if (v4 !== null) return { ipVersion: 4, v4 };
  const v6 = parseIPv6(t);
  if (v6 !== null) return { ipVersion: 6, v6 };
  throw new DarkscopeError('BAD_REQUEST', `"${text.slice(0, 60)}" is not an IPv4 or IPv6 address`, { value: text.slice(0, 60) });
}

/** The WHERE condition selecting one source (source rollups and raw packets name the columns alike). */
export function sourceCondition(a: SourceAddress): SqlFragment {
  return a.ipVersion === 4
    ? sql`ip_version = 4 AND src = ${sqlUInt(a.v4, 32)}`
    : sql`ip_version = 6 AND src6 = ${sqlBytes(a.v6)}`;
}

/** Text of a source read as (ip_version, src, hex(src6)). */
export function sourceText(ipVersion: number, src: number, src6Hex: string): string {
  if (ipVersion !== 6) return formatIPv4(src);
  return formatIPv6(Uint8Array.from(Buffer.from(src6Hex, 'hex')));
}

export function addressText(a: SourceAddress): string {
  return a.ipVersion === 4 ? formatIPv4(a.v4) : formatIPv6(a.v6);
}
