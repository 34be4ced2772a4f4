/**
 * Which shard slot a raw packet goes to, computed in TypeScript exactly as
 * the Distributed table does on the server: slot = intHash64(src_key) modulo
 * the cluster's total shard weight (layout.ts PACKETS_SHARDING_KEY). The
 * resend check needs it (batch-writer.ts): a Distributed insert is atomic per
 * shard, not across shards, so after a failed insert some shards may hold
 * their part of a batch and others not.
 *
 * ClickHouse's SQL function intHash64(x) is the 64-bit finalizer of
 * MurmurHash3 applied to x XOR 0x4CF2D2BAAE6DA887 (FunctionsHashing.h,
 * IntHash64Impl). A unit test pins known values; the cluster tests compare
 * with the server, and batch-writer.ts checks every slot the server reports.
 */

const MASK = (1n << 64n) - 1n;
const SALT = 0x4cf2d2baae6da887n;

export function intHash64(x: bigint): bigint {
  let h = (x ^ SALT) & MASK;
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & MASK;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & MASK;
  h ^= h >> 33n;
  return h;
}

/** The slot (0 ≤ slot < totalWeight) of a packet with this source address key. */
export function shardSlot(srcKey: bigint, totalWeight: number): number {
  return Number(intHash64(srcKey) % BigInt(totalWeight));
}
