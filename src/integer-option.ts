/**
 * The one reading of an integer setting, from a flag, an environment
 * variable or a query parameter: decimal digits (and a leading minus), then
 * the range check. Messages name where the value came from:
 *   --batch-rows value "ten" is not an integer
 *   "DARKSCOPE_BATCH_ROWS" value 0 is less than min allowed 1
 */
import { DarkscopeError, type ErrorName } from './errors.js';

export function parseIntegerOption(value: unknown, source: string, min: number, max: number, code: ErrorName = 'BAD_CONFIG'): number {
  const text = String(value).trim();
  if (!/^-?\d+$/.test(text)) throw new DarkscopeError(code, `${source} value "${String(value)}" is not an integer`);
  const n = Number(text);
  if (n < min) throw new DarkscopeError(code, `${source} value ${n} is less than min allowed ${min}`);
  if (n > max) throw new DarkscopeError(code, `${source} value ${n} is more than max allowed ${max}`);
  return n;
}
