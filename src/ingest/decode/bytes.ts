/**
 * Big- and little-endian integer reads straight from a Uint8Array. Indexing a
 * typed array already honours its byteOffset, so these work on subarray views
 * and Buffers alike without allocating. Callers check bounds first.
 */

export function u16be(d: Uint8Array, at: number): number {
  return (d[at] << 8) | d[at + 1];
}

export function u32be(d: Uint8Array, at: number): number {
  return ((d[at] << 24) | (d[at + 1] << 16) | (d[at + 2] << 8) | d[at + 3]) >>> 0;
}

export function u32le(d: Uint8Array, at: number): number {
  return ((d[at + 3] << 24) | (d[at + 2] << 16) | (d[at + 1] << 8) | d[at]) >>> 0;
}

/** A fresh 16-byte copy (never a view, even when `d` is a Buffer). */
export function copy16(d: Uint8Array, at: number): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = d[at + i];
  return out;
}
