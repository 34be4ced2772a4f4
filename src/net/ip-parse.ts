/**
 * Strict parsing of IP addresses written as text. "Strict" means only the
 * canonical written forms are accepted:
 *
 * - IPv4: exactly four dotted decimal parts, each 0..255, no leading zeros
 *   ("01.2.3.4" could be octal to inet_aton), no shorthand ("1.2.3", "16909060").
 * - IPv6: RFC 4291 section 2.2 text — eight groups of 1..4 hex digits, at most
 *   one "::", optionally ending in an embedded dotted IPv4 address. No zone
 *   ("%eth0"), no brackets, no prefix length.
 *
 * Both return null instead of throwing, so callers can turn a bad address into a
 * counted bad record.
 */

/** Parse dotted-quad IPv4 text into an unsigned 32-bit integer, or null. */
export function parseIPv4(text: string): number | null {
  const len = text.length;
  if (len < 7 || len > 15) return null;
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= len; i++) {
    const c = i < len ? text.charCodeAt(i) : 0x2e; // a virtual '.' closes the last part
    if (c >= 0x30 && c <= 0x39) {
      if (digits === 1 && part === 0) return null; // leading zero
      part = part * 10 + (c - 0x30);
      digits++;
      if (part > 255) return null;
    } else if (c === 0x2e) {
      if (digits === 0) return null;
      value = value * 256 + part;
      parts++;
      part = 0;
      digits = 0;
    } else {
      return null;
    }
  }
  return parts === 4 ? value >>> 0 : null;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** Parse one group of 1..4 hex digits, or -1. */
function parseGroup(text: string): number {
  if (text.length === 0 || text.length > 4) return -1;
  let v = 0;
  for (let i = 0; i < text.length; i++) {
    const h = hexValue(text.charCodeAt(i));
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

/**
 * Parse the groups on one side of "::" (or the whole address when there is no
 * "::"). The embedded IPv4 form is allowed only in the last position of the
 * address, which the caller signals with `allowV4Tail`. Returns 16-bit group
 * values, or null.
 */
function parseGroups(text: string, allowV4Tail: boolean): number[] | null {
  if (text === '') return [];
  const pieces = text.split(':');
  const groups: number[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i];
    if (allowV4Tail && i === pieces.length - 1 && piece.includes('.')) {
      const v4 = parseIPv4(piece);
      if (v4 === null) return null;
      groups.push(v4 >>> 16, v4 & 0xffff);
    } else {
      const g = parseGroup(piece);
      if (g < 0) return null;
      groups.push(g);
    }
  }
  return groups;
}

/** Parse IPv6 text into 16 bytes in network order, or null. */
export function parseIPv6(text: string): Uint8Array | null {
  if (text.length < 2 || text.length > 45) return null;
  const gap = text.indexOf('::');
  let groups: number[];
  if (gap < 0) {
    const all = parseGroups(text, true);
    if (all === null || all.length !== 8) return null;
    groups = all;
  } else {
    if (text.indexOf('::', gap + 1) >= 0) return null; // a second "::"
    const headText = text.slice(0, gap);
    const tailText = text.slice(gap + 2);
    // ":::" or a stray colon next to the gap leaves an empty piece behind.
    if (headText.endsWith(':') || tailText.startsWith(':')) return null;
    const head = parseGroups(headText, false);
    const tail = parseGroups(tailText, true);
    if (head === null || tail === null) return null;
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return null; // "::" must stand for at least one group
    groups = [...head, ...new Array<number>(fill).fill(0), ...tail];
  }
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    bytes[2 * i] = groups[i] >>> 8;
    bytes[2 * i + 1] = groups[i] & 0xff;
  }
  return bytes;
}
