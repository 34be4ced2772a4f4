/**
 * Column decoders the store's `col` set lacks: arrays, as JSONEachRow writes
 * them (64-bit integers inside an array are JSON strings too).
 */
import { DarkscopeError } from '../errors.js';
import { col, type Decoder } from '../store/row-decoders.js';

function arrayOf<T>(element: Decoder<T>, expected: string): Decoder<T[]> {
  return (value, column) => {
    if (!Array.isArray(value)) {
      throw new DarkscopeError('SCHEMA', `column "${column}": expected ${expected}, got ${typeof value}`, { column });
    }
    return value.map((v) => element(v, column));
  };
}

/** Array(String) / Array(Enum8). */
export const stringArray: Decoder<string[]> = arrayOf(col.string, 'an array of strings');

/** Array(UInt64) (or narrower), each element as a number within 2^53. */
export const countArray: Decoder<number[]> = arrayOf((v, c) => (typeof v === 'number' ? col.number(v, c) : col.uint64AsNumber(v, c)), 'an array of counts');
