/**
 * Splitting text into words the way Keras's `text_to_word_sequence` does, into a reusable
 * buffer of token RANGES (start, end, hash) rather than an array of strings.
 *
 * Why ranges: the tokenizer looks words up in a StringTable by (text, start, end, hash), so a
 * known word is never sliced out of the text, and the scan loop below stays a tight,
 * monomorphic loop with no callback per token (6 million tokens for IMDB's train set).
 */
import { FNV_PRIME, HASH_SEED, hashString } from './strtable.js';

/** The tokens of one text: token k is src.slice(start[k], end[k]) and hashes to hash[k]. */
export class TokenBuffer {
  src = '';
  count = 0;
  start = new Int32Array(1024);
  end = new Int32Array(1024);
  hash = new Int32Array(1024);

  reset(src: string): void {
    this.src = src;
    this.count = 0;
  }

  push(start: number, end: number, hash: number): void {
    if (this.count === this.start.length) this.grow();
    const k = this.count++;
    this.start[k] = start;
    this.end[k] = end;
    this.hash[k] = hash;
  }

  grow(): void {
    const n = this.start.length * 2;
    for (const key of ['start', 'end', 'hash'] as const) {
      const a = new Int32Array(n);
      a.set(this[key]);
      this[key] = a;
    }
  }

  /** The tokens as strings. */
  toArray(): string[] {
    const out: string[] = [];
    for (let k = 0; k < this.count; k++) out.push(this.src.slice(this.start[k], this.end[k]));
    return out;
  }
}

/** Stores ready-made tokens (characters, or a pre-tokenized text) as ranges of their concatenation. */
export function tokensFromList(words: readonly string[], out: TokenBuffer): void {
  out.reset(words.join(''));
  let at = 0;
  for (const w of words) {
    out.push(at, at + w.length, hashString(w));
    at += w.length;
  }
}

const isBmp = (ch: string): boolean => ch.length === 1 && (ch.charCodeAt(0) < 0xd800 || ch.charCodeAt(0) > 0xdfff);

/**
 * Builds Keras's word splitter for (filters, split), minus the lowercasing. Fast path: with a
 * one-character separator, "translate filters to split, then split on split" equals "split on
 * any filter or split character", which one charCode scan does without building the translated
 * string. Otherwise the literal Python algorithm (str.translate per code point, str.split).
 */
export function makeSplitter(filters: string, split: string): (text: string, out: TokenBuffer) => void {
  const filterChars = Array.from(filters);
  if (split.length === 1 && isBmp(split) && filterChars.every(isBmp)) {
    const sep = new Uint8Array(65536);
    for (const ch of filterChars) sep[ch.charCodeAt(0)] = 1;
    sep[split.charCodeAt(0)] = 1;
    const seed = HASH_SEED; // local copies: hot loops should not read module bindings
    const prime = FNV_PRIME;
    return (text, out) => {
      out.reset(text);
      let start = -1;
      let h = seed;
      const n = text.length;
      for (let i = 0; i < n; i++) {
        const c = text.charCodeAt(i);
        if (sep[c] === 1) {
          if (start >= 0) {
            out.push(start, i, h);
            start = -1;
          }
        } else {
          if (start < 0) {
            start = i;
            h = seed;
          }
          h = Math.imul(h ^ c, prime); // FNV-1a, exactly as hashString computes it
        }
      }
      if (start >= 0) out.push(start, n, h);
    };
  }
  const filterSet = new Set(filterChars);
  return (text, out) => {
    let translated = '';
    for (const ch of text) translated += filterSet.has(ch) ? split : ch;
    tokensFromList(translated.split(split).filter((w) => w !== ''), out);
  };
}
