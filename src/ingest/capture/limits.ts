/**
 * Safety limits, following libpcap: a record is never allocated before its
 * length has been checked against these.
 *
 * - MAX_RECORD_BYTES: libpcap's MAXIMUM_SNAPLEN (262144), the largest
 *   captured length it accepts for ordinary link types (pcap-common.c,
 *   max_snaplen_for_dlt()).
 * - MAX_PCAPNG_BLOCK_BYTES: libpcap's MAX_BLOCKSIZE for pcapng (16 MiB,
 *   sf-pcapng.c); a block claiming more is treated as corruption.
 */
export const MAX_RECORD_BYTES = 262_144;
export const MAX_PCAPNG_BLOCK_BYTES = 16 * 1024 * 1024;
/** Smallest legal pcapng block: type, total length, trailing length. */
export const MIN_PCAPNG_BLOCK_BYTES = 12;
/**
 * Records handed out per array at most. A 1 MiB chunk holds about 15 000
 * small darknet records; handed out all at once, they live until the last is
 * decoded, long enough for V8's young-generation collections to copy and
 * promote them. Shorter arrays die young (measured on 1 M packets: fewer
 * collections and a smaller heap, see bench/README.md).
 */
export const RECORDS_PER_ARRAY = 1024;
