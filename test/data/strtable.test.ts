import { describe, expect, it } from 'vitest';
import { StringTable, hashString } from '../../src/data/strtable.js';
import { TokenBuffer, makeSplitter } from '../../src/data/split.js';

describe('StringTable', () => {
  it('interns substrings without slicing, and grows', () => {
    const t = new StringTable();
    const text = 'the cat the dog';
    expect(t.intern(text, 0, 3, hashString('the'))).toBe(0);
    expect(t.intern(text, 4, 7, hashString('cat'))).toBe(1);
    expect(t.intern(text, 8, 11, hashString('the'))).toBe(0);
    expect(t.find(text, 12, 15, hashString('dog'))).toBe(-1);
    for (let i = 0; i < 5000; i++) expect(t.add(`w${i}`)).toBe(i + 2);
    for (let i = 0; i < 5000; i++) expect(t.get(`w${i}`)).toBe(i + 2);
    expect(t.size).toBe(5002);
    expect(t.words[1]).toBe('cat');
  });

  it('tells apart different words with equal hashes', () => {
    const t = new StringTable();
    expect(t.intern('ab', 0, 2, 7)).toBe(0);
    expect(t.intern('cd', 0, 2, 7)).toBe(1);
    expect(t.intern('abc', 0, 3, 7)).toBe(2);
    expect(t.find('xcd', 1, 3, 7)).toBe(1);
  });

  it('stores its own copy of new words', () => {
    const t = new StringTable();
    const long = 'x'.repeat(10_000) + ' averyveryverylongword';
    t.intern(long, 10_001, long.length, hashString('averyveryverylongword'));
    expect(t.words[0]).toBe('averyveryverylongword');
  });
});

/** Keras's algorithm, literally: translate filters to split, then str.split(split). */
function reference(text: string, filters: string, split: string): string[] {
  const f = new Set(Array.from(filters));
  return Array.from(text, (ch) => (f.has(ch) ? split : ch)).join('').split(split).filter((w) => w !== '');
}

describe('makeSplitter', () => {
  it('fast and general paths agree with the literal algorithm on random text', () => {
    const alphabet = Array.from('ab c,.!\'"\t\n\r<>/é😀—x');
    let s = 7;
    const rnd = (n: number) => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % n;
    const configs: Array<[string, string]> = [
      ['!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n', ' '], // fast path (Keras defaults)
      [',.', 'c'], // fast path, letter separator
      ['!😀', ' '], // astral filter: general path
      [',', 'b '], // multi-character split: general path
    ];
    const buf = new TokenBuffer();
    for (const [filters, split] of configs) {
      const splitter = makeSplitter(filters, split);
      for (let i = 0; i < 300; i++) {
        const text = Array.from({ length: rnd(40) }, () => alphabet[rnd(alphabet.length)]).join('');
        splitter(text, buf);
        expect(buf.toArray(), JSON.stringify([text, filters, split])).toEqual(reference(text, filters, split));
        for (let k = 0; k < buf.count; k++) expect(buf.hash[k]).toBe(hashString(buf.src.slice(buf.start[k], buf.end[k])));
      }
    }
  });

  it('grows its buffer for long texts', () => {
    const buf = new TokenBuffer();
    makeSplitter(',', ' ')('a '.repeat(5000), buf);
    expect(buf.count).toBe(5000);
  });
});
