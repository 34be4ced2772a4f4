/**
 * The 64-bit address keys stored in `packets.src_key` / `dst_key` and counted
 * by every rollup: an IPv4 address is its own value (< 2^32); an IPv6 address
 * is the XOR of its two 64-bit halves (read little-endian, as ClickHouse's
 * reinterpretAsUInt64 reads them) with the top bit set, so it never equals an
 * IPv4 key. Must agree with the DEFAULT expressions in migrations/0001_packets.sql
 * (an integration test checks both paths give the same keys).
 */

/** Writes the key as two 32-bit halves into `out` ([lo, hi]). */
export function addressKeyHalves(ipVersion: 4 | 6, v4: number, v6: Uint8Array | null, out: [number, number]): void {
  if (ipVersion === 4 || v6 === null) {
    out[0] = v4 >>> 0;
    out[1] = 0;
    return;
  }
  out[0] = (u32le(v6, 0) ^ u32le(v6, 8)) >>> 0;
  out[1] = ((u32le(v6, 4) ^ u32le(v6, 12)) | 0x80000000) >>> 0;
}

/** The key as a bigint (for tests and SQL literals). */
export function addressKey(ipVersion: 4 | 6, v4: number, v6: Uint8Array | null): bigint {
  const h: [number, number] = [0, 0];
  addressKeyHalves(ipVersion, v4, v6, h);
  return (BigInt(h[1]) << 32n) | BigInt(h[0]);
}

function u32le(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
