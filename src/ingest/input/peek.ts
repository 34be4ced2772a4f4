/** Reads the first bytes of a chunk stream without losing them. */
export interface Peeked {
  /** At least `min` bytes unless the stream is shorter. */
  readonly head: Buffer;
  /** The whole stream again, head included. */
  readonly chunks: AsyncIterable<Uint8Array>;
}

export async function peek(input: AsyncIterable<Uint8Array>, min: number): Promise<Peeked> {
  const it = input[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let have = 0;
  let ended = false;
  while (have < min) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    const b = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    first.push(b);
    have += b.length;
  }
  const head = first.length === 1 ? first[0] : Buffer.concat(first);
  async function* all(): AsyncGenerator<Uint8Array> {
    try {
      if (head.length > 0) yield head;
      if (ended) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      if (!ended && typeof it.return === 'function') await it.return();
    }
  }
  return { head, chunks: all() };
}
