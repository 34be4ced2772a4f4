/**
 * Buffered line output that respects backpressure on stdout and stops quietly
 * when the reader goes away (`darkscope inspect big.pcap | head`).
 */
export class LineWriter {
  private parts: string[] = [];
  private size = 0;
  /** True once the other end closed the pipe: callers should stop producing. */
  closed = false;

  constructor(private readonly out: NodeJS.WritableStream, private readonly flushAt = 64 * 1024) {
    out.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') this.closed = true;
      else throw e;
    });
  }

  /** Adds a line; resolves at once unless the buffer was flushed into a full stream. */
  async line(text: string): Promise<void> {
    if (this.closed) return;
    this.parts.push(text, '\n');
    this.size += text.length + 1;
    if (this.size >= this.flushAt) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.size === 0 || this.closed) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!this.out.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => { this.out.off('drain', done); this.out.off('close', done); resolve(); };
        this.out.on('drain', done);
        this.out.on('close', done);
      });
    }
  }
}
