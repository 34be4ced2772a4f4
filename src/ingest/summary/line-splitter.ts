/**
 * Splits a byte stream into text lines with bounded memory.
 *
 * Lines end at LF; one CR before the LF is dropped (CRLF files). A final line
 * without a newline is still a line. A UTF-8 byte order mark at the very start
 * is dropped. A line whose content is longer than MAX_LINE_BYTES is not kept:
 * its bytes are discarded as they arrive and it comes out with `text: null`, so
 * one runaway line costs at most MAX_LINE_BYTES (+ one chunk) of memory.
 *
 * Splitting is on bytes, and LF never occurs inside a multi-byte UTF-8
 * sequence, so a chunk boundary anywhere (even inside a character) is safe.
 */

/** Longest line content kept, in bytes (64 KiB), not counting CR/LF. */
export const MAX_LINE_BYTES = 64 * 1024;

export interface SplitLine {
  /** 1-based physical line number. */
  readonly line: number;
  /** Byte offset of the line's first byte in the stream. */
  readonly offset: number;
  /** The line without its terminator; null when it was longer than MAX_LINE_BYTES. */
  readonly text: string | null;
}

const LF = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private overlong = false;
  private lineNo = 0;
  private atStart = true;
  /** Stream offset of the first byte of the current line. */
  private lineStart = 0;
  /** Stream offset of the chunk being split. */
  private chunkStart = 0;

  /** Feed one chunk; returns the lines it completed (bounded by the chunk size). */
  push(chunk: Buffer): SplitLine[] {
    const out: SplitLine[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(LF, start);
      if (nl < 0) break;
      out.push(this.finish(chunk, start, nl));
      start = nl + 1;
    }
    if (start < chunk.length) this.hold(chunk.subarray(start));
    this.chunkStart += chunk.length;
    return out;
  }

  /** Call at end of input: returns the final line if it had no newline. */
  end(): SplitLine[] {
    if (this.pendingBytes === 0 && !this.overlong) return [];
    return [this.finish(Buffer.alloc(0), 0, 0)];
  }

  private hold(piece: Buffer): void {
    if (this.overlong) return;
    this.pending.push(piece);
    this.pendingBytes += piece.length;
    // +1: the byte past the limit may still be the CR of a CRLF.
    if (this.pendingBytes > MAX_LINE_BYTES + 1) this.markOverlong();
  }

  private markOverlong(): void {
    this.overlong = true;
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Complete the current line with chunk[start, end). */
  private finish(chunk: Buffer, start: number, end: number): SplitLine {
    this.lineNo++;
    const line = this.lineNo;
    const offset = this.lineStart;
    this.lineStart = this.chunkStart + end + 1;
    if (!this.overlong && this.pendingBytes + (end - start) > MAX_LINE_BYTES + 1) this.markOverlong();
    if (this.overlong) {
      this.overlong = false;
      this.atStart = false;
      return { line, offset, text: null };
    }
    let bytes: Buffer;
    if (this.pendingBytes === 0) {
      bytes = chunk.subarray(start, end);
    } else {
      this.pending.push(chunk.subarray(start, end));
      bytes = Buffer.concat(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
    }
    let len = bytes.length;
    if (len > 0 && bytes[len - 1] === CR) len--;
    if (len > MAX_LINE_BYTES) {
      this.atStart = false;
      return { line, offset, text: null };
    }
    let text = bytes.toString('utf8', 0, len);
    if (this.atStart) {
      this.atStart = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    return { line, offset, text };
  }
}
