/** One record as read from a capture, before any decoding. */
export interface CaptureRecord {
  /** Zero-based index of the record in its file (across pcapng sections). */
  index: number;
  /** Byte offset of the record header in the (decompressed) stream. */
  offset: number;
  /** Link type of the interface that captured it (LINKTYPE_* value, upper bits masked off). */
  linkType: number;
  /** pcapng interface id (0 for classic pcap). */
  interfaceId: number;
  /** Whole seconds since the epoch, as stored (may exceed 2^32-1 in pcapng). */
  tsSec: number;
  /**
   * Fraction of the second in the file's own unit: microseconds, nanoseconds, or
   * pcapng units, already converted to nanoseconds. May be out of range in hostile
   * files (>= 1e9); the decoder rejects those.
   */
  tsNsec: number;
  /** Bytes on the wire. */
  originalLength: number;
  /** The captured bytes (a view; valid as long as it is referenced). */
  data: Uint8Array;
}
