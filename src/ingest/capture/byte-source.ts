/**
 * Pull-based access to a stream of bytes with a small look-ahead buffer.
 *
 * Readers ask for "at least N more bytes" and get them as one contiguous
 * Buffer, copying only the unconsumed tail of the previous chunk. Nothing is
 * read from the stream before it is asked for, so a slow consumer slows the
 * producer (backpressure), and the buffer never holds more than one chunk plus
 * the largest record the caller allows.
 */
/**
 * Thrown by a chunk producer when its input ends abnormally but the bytes
 * already produced are good (e.g. a cut or corrupt gzip stream). The source
 * ends like a cut file and remembers why.
 */
export class InputCutError extends Error {}

export class ByteSource {
  /** Set when the input ended abnormally (see InputCutError). */
  cutReason: string | null = null;
  /** Current contiguous window; bytes before `pos` are consumed. */
  buf: Buffer = Buffer.alloc(0);
  pos = 0;
  /** Absolute stream offset of buf[0]. */
  base = 0;
  private done = false;
  private readonly it: AsyncIterator<Uint8Array>;

  constructor(chunks: AsyncIterable<Uint8Array>) {
    this.it = chunks[Symbol.asyncIterator]();
  }

  /** Bytes available in the window from `pos`. */
  get available(): number {
    return this.buf.length - this.pos;
  }

  /** Absolute offset of `pos` in the stream. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** True once the underlying stream has ended (no more bytes will arrive). */
  get ended(): boolean {
    return this.done;
  }

  /**
   * Reads one more chunk into the window. Returns false at end of stream.
   * The unconsumed tail is kept; consumed bytes are released.
   */
  async pull(): Promise<boolean> {
    if (this.done) return false;
    for (;;) {
      let r: IteratorResult<Uint8Array>;
      try {
        r = await this.it.next();
      } catch (e) {
        if (!(e instanceof InputCutError)) throw e;
        this.done = true;
        this.cutReason = e.message;
        return false;
      }
      if (r.done) {
        this.done = true;
        return false;
      }
      const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
      if (chunk.length === 0) continue;
      const rest = this.buf.length - this.pos;
      if (rest === 0) {
        this.base += this.buf.length;
        this.buf = chunk;
      } else {
        const joined = Buffer.allocUnsafe(rest + chunk.length);
        this.buf.copy(joined, 0, this.pos);
        chunk.copy(joined, rest);
        this.base += this.pos;
        this.buf = joined;
      }
      this.pos = 0;
      return true;
    }
  }

  /** Ensures at least `n` bytes are available from `pos`; false if the stream ends first. */
  async ensure(n: number): Promise<boolean> {
    while (this.available < n) {
      if (!(await this.pull())) return false;
    }
    return true;
  }

  /** Stops the underlying iterator (closes the file) when a reader stops early. */
  async close(): Promise<void> {
    this.done = true;
    if (typeof this.it.return === 'function') await this.it.return();
  }
}
