/**
 * JSON Lines: one JSON object per line, with the fields described in
 * record.ts (`{"ts":1700000000.5,"src":"198.51.100.7","dst":"192.0.2.1",
 * "proto":"tcp","sport":40000,"dport":23,"flags":"S"}`). Keys other than the
 * known ones are ignored. Only the object's own keys are read.
 */

import type { LineDecoder } from './line-decoder.js';
import { buildPacket, type RecordResult } from './record.js';
import { truncateForMessage } from './timestamp-text.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function createJsonlDecoder(): LineDecoder {
  return {
    decode(text: string): RecordResult {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        return { ok: false, error: `not valid JSON (${truncateForMessage((e as Error).message, 120)})` };
      }
      if (!isPlainObject(value)) return { ok: false, error: 'not a JSON object' };
      return buildPacket((name) => (Object.hasOwn(value, name) ? value[name] : undefined));
    },
  };
}
