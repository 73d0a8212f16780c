/**
 * Keras's `pad_sequences`, producing one flat row-major typed array (a tensor without a second
 * copy) instead of a list of lists.
 */
import type { ArrayData } from './types.js';
import { checkOptions } from '../tensor/errors.js';

/** Options of {@link padSequences}; Keras's defaults. */
export interface PadOptions<D extends 'int32' | 'float32' = 'int32' | 'float32'> {
  /** Row length. Default: the longest sequence. */
  maxlen?: number;
  /** Where padding goes: 'pre' (default, left) or 'post'. */
  padding?: 'pre' | 'post';
  /** Which end long sequences lose: 'pre' (default, keeps the LAST maxlen tokens) or 'post'. */
  truncating?: 'pre' | 'post';
  /** Fill value. Default 0. */
  value?: number;
  /** Element type of the result. Default 'int32'. */
  dtype?: D;
}

const FN = 'padSequences';
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function fail(msg: string): never {
  throw new RangeError(`${FN}: ${msg}`);
}

/**
 * Pads / truncates each sequence to `maxlen` and stacks them into an [n, maxlen] matrix.
 *
 * @example
 * padSequences([[1, 2, 3], [4]], { maxlen: 2 });
 * // { data: Int32Array [2, 3, 0, 4], shape: [2, 2] }   ('pre' truncation keeps the end)
 */
export function padSequences(sequences: ArrayLike<ArrayLike<number>>, options?: PadOptions<'int32'>): ArrayData<Int32Array>;
export function padSequences(sequences: ArrayLike<ArrayLike<number>>, options: PadOptions<'float32'>): ArrayData<Float32Array>;
export function padSequences(sequences: ArrayLike<ArrayLike<number>>, options: PadOptions = {}): ArrayData<Int32Array | Float32Array> {
  checkOptions(FN, options, ['maxlen', 'padding', 'truncating', 'value', 'dtype']);
  const { padding = 'pre', truncating = 'pre', value = 0, dtype = 'int32' } = options;
  if (sequences === null || typeof sequences !== 'object' || typeof sequences.length !== 'number') {
    fail(`sequences must be an array of sequences, got ${sequences === null ? 'null' : typeof sequences}`);
  }
  if (padding !== 'pre' && padding !== 'post') fail(`padding must be 'pre' or 'post', got ${JSON.stringify(padding)}`);
  if (truncating !== 'pre' && truncating !== 'post') fail(`truncating must be 'pre' or 'post', got ${JSON.stringify(truncating)}`);
  if (dtype !== 'int32' && dtype !== 'float32') fail(`dtype must be 'int32' or 'float32', got ${JSON.stringify(dtype)}`);
  const isInt = dtype === 'int32';
  if (typeof value !== 'number' || (isInt && !(Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX))) {
    fail(`value must be ${isInt ? 'an int32 integer' : 'a number'} for dtype '${dtype}', got ${String(value)}`);
  }
  const n = sequences.length;
  for (let r = 0; r < n; r++) {
    const s = sequences[r];
    if (s === null || typeof s !== 'object' || typeof s.length !== 'number') {
      fail(`sequences[${r}] must be an array of numbers, got ${s === null ? 'null' : typeof s}`);
    }
  }
  let maxlen = options.maxlen;
  if (maxlen === undefined) {
    if (n === 0) fail('sequences is empty and maxlen is not given, so the row length is unknown');
    maxlen = 0;
    for (let r = 0; r < n; r++) maxlen = Math.max(maxlen, sequences[r].length);
  } else if (typeof maxlen !== 'number' || !Number.isInteger(maxlen) || maxlen < 0) {
    fail(`maxlen must be a non-negative integer, got ${String(maxlen)}`);
  }
  const size = n * maxlen;
  const data = isInt ? new Int32Array(size) : new Float32Array(size);
  if (value !== 0) data.fill(value);
  for (let r = 0; r < n; r++) {
    const s = sequences[r];
    const len = Math.min(s.length, maxlen);
    const from = truncating === 'pre' ? s.length - len : 0; // first source index kept
    const to = r * maxlen + (padding === 'pre' ? maxlen - len : 0); // first destination index
    for (let k = 0; k < len; k++) {
      const v = s[from + k];
      // Keras would silently cast 2.5 → 2 or wrap big ids; a wrong id is a bug worth a message.
      if (isInt ? !(Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX) : typeof v !== 'number') {
        fail(`sequences[${r}][${from + k}] must be ${isInt ? 'an int32 integer' : 'a number'}, got ${String(v)}`);
      }
      data[to + k] = v;
    }
  }
  return { data, shape: [n, maxlen] };
}
