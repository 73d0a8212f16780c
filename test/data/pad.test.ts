import { describe, expect, it } from 'vitest';
import { padSequences } from '../../src/data/pad.js';

const SEQS = [[1, 2, 3, 4, 5], [6, 7], []];
const rows = (r: { data: ArrayLike<number>; shape: number[] }) =>
  Array.from({ length: r.shape[0] }, (_, i) => Array.from(r.data).slice(i * r.shape[1], (i + 1) * r.shape[1]));

describe('padSequences (Keras pad_sequences)', () => {
  it("defaults to padding 'pre', truncating 'pre' (keeps the LAST maxlen tokens), value 0", () => {
    const out = padSequences(SEQS, { maxlen: 3 });
    expect(out.data).toBeInstanceOf(Int32Array);
    expect(out.shape).toEqual([3, 3]);
    expect(rows(out)).toEqual([[3, 4, 5], [0, 6, 7], [0, 0, 0]]);
  });

  it('covers all four padding × truncating combinations', () => {
    expect(rows(padSequences(SEQS, { maxlen: 3, padding: 'pre', truncating: 'pre' }))).toEqual([[3, 4, 5], [0, 6, 7], [0, 0, 0]]);
    expect(rows(padSequences(SEQS, { maxlen: 3, padding: 'pre', truncating: 'post' }))).toEqual([[1, 2, 3], [0, 6, 7], [0, 0, 0]]);
    expect(rows(padSequences(SEQS, { maxlen: 3, padding: 'post', truncating: 'pre' }))).toEqual([[3, 4, 5], [6, 7, 0], [0, 0, 0]]);
    expect(rows(padSequences(SEQS, { maxlen: 3, padding: 'post', truncating: 'post' }))).toEqual([[1, 2, 3], [6, 7, 0], [0, 0, 0]]);
  });

  it('uses the padding value', () => {
    expect(Array.from(padSequences(SEQS, { maxlen: 3, value: -1 }).data)).toEqual([3, 4, 5, -1, 6, 7, -1, -1, -1]);
    expect(Array.from(padSequences([[1]], { maxlen: 3, padding: 'post', value: 9 }).data)).toEqual([1, 9, 9]);
  });

  it('pads to the longest sequence when maxlen is omitted', () => {
    const out = padSequences(SEQS);
    expect(out.shape).toEqual([3, 5]);
    expect(rows(out)).toEqual([[1, 2, 3, 4, 5], [0, 0, 0, 6, 7], [0, 0, 0, 0, 0]]);
  });

  it('accepts typed-array rows, maxlen 0, an empty list with maxlen, and float32', () => {
    expect(rows(padSequences([Int32Array.of(4, 5, 6)], { maxlen: 2 }))).toEqual([[5, 6]]);
    expect(padSequences(SEQS, { maxlen: 0 })).toEqual({ data: new Int32Array(0), shape: [3, 0] });
    expect(padSequences([], { maxlen: 4 })).toEqual({ data: new Int32Array(0), shape: [0, 4] });
    const f = padSequences([[0.5, 1.5]], { maxlen: 3, dtype: 'float32', value: 0.25 });
    expect(f.data).toBeInstanceOf(Float32Array);
    expect(Array.from(f.data)).toEqual([0.25, 0.5, 1.5]);
  });

  it('gives clear errors naming the function, argument and value', () => {
    expect(() => padSequences(SEQS, { maxlen: -1 })).toThrow('padSequences: maxlen must be a non-negative integer, got -1');
    expect(() => padSequences(SEQS, { maxlen: 2.5 })).toThrow('padSequences: maxlen must be a non-negative integer, got 2.5');
    expect(() => padSequences(SEQS, { padding: 'middle' as 'pre' })).toThrow(`padSequences: padding must be 'pre' or 'post', got "middle"`);
    expect(() => padSequences(SEQS, { truncating: 'end' as 'pre' })).toThrow(`padSequences: truncating must be 'pre' or 'post', got "end"`);
    expect(() => padSequences([[1], [1.5]])).toThrow('padSequences: sequences[1][0] must be an int32 integer, got 1.5');
    expect(() => padSequences([[1, NaN]])).toThrow('padSequences: sequences[0][1] must be an int32 integer, got NaN');
    expect(() => padSequences([[2 ** 31]])).toThrow('padSequences: sequences[0][0] must be an int32 integer, got 2147483648');
    expect(() => padSequences([[1]], { value: 0.5 })).toThrow("padSequences: value must be an int32 integer for dtype 'int32', got 0.5");
    expect(() => padSequences([[1]], { dtype: 'int8' as 'int32' })).toThrow(`padSequences: dtype must be 'int32' or 'float32', got "int8"`);
    expect(() => padSequences([])).toThrow('padSequences: sequences is empty and maxlen is not given');
    expect(() => padSequences([null as unknown as number[]])).toThrow('padSequences: sequences[0] must be an array of numbers, got null');
    expect(() => padSequences(5 as unknown as number[][])).toThrow('padSequences: sequences must be an array of sequences, got number');
  });

  it('does not validate tokens that truncation drops (like Keras, which never reads them)', () => {
    expect(rows(padSequences([[0.5, 1, 2]], { maxlen: 2 }))).toEqual([[1, 2]]);
  });
});
