/** What each summary format implements: one non-blank line in, one outcome out. */

import type { RecordResult } from './record.js';
import type { SplitLine } from './line-splitter.js';

export interface LineDecoder {
  /**
   * Decode one non-blank line (without its terminator). Returns null for a line
   * that carries no record (a header), a RecordResult otherwise. Throws only for
   * whole-file problems (a DarkscopeError), never for one bad line.
   */
  decode(text: string, at: SplitLine): RecordResult | null;
}
