/**
 * An open-addressing string → id table that can look up a SUBSTRING of a text by (text, start,
 * end, hash) without slicing it out first.
 *
 * Why: tokenizing IMDB means ~6 million word lookups. With a `Map<string, number>` each lookup
 * first allocates the word (`slice`) and then V8 hashes it again; here the tokenizer's scan loop
 * computes the hash as it walks the characters, and only new words are ever materialized.
 */

/** FNV-1a offset basis; a scan loop computes `h = Math.imul(h ^ code, FNV_PRIME)` per unit. */
export const HASH_SEED = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

/** FNV-1a hash of a whole string (the same value the scan loop computes incrementally). */
export function hashString(s: string): number {
  let h = HASH_SEED;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

// Scramble before masking: FNV's low bits alone cluster under linear probing.
function slotOf(h: number, mask: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h & mask;
}

/**
 * Copies a substring into its own flat string. Why: `slice` may return a view that keeps the
 * whole (lowercased) review alive for as long as the vocabulary lives.
 */
function ownCopy(text: string, start: number, end: number): string {
  return (' ' + text.slice(start, end)).slice(1);
}

export class StringTable {
  /** Words by id, in insertion order. */
  readonly words: string[] = [];
  private hashes = new Int32Array(16);
  private table = new Int32Array(64); // id + 1, or 0 for empty
  private mask = 63;

  get size(): number {
    return this.words.length;
  }

  /** Id of text[start, end) (whose hash is `h`), or -1. */
  find(text: string, start: number, end: number, h: number): number {
    const { table, mask, hashes, words } = this;
    const len = end - start;
    for (let s = slotOf(h, mask); ; s = (s + 1) & mask) {
      const e = table[s];
      if (e === 0) return -1;
      const id = e - 1;
      if (hashes[id] === h) {
        const w = words[id];
        if (w.length === len) {
          let k = 0;
          while (k < len && w.charCodeAt(k) === text.charCodeAt(start + k)) k++;
          if (k === len) return id;
        }
      }
    }
  }

  /** Id of text[start, end), adding it if absent. */
  intern(text: string, start: number, end: number, h: number): number {
    const found = this.find(text, start, end, h);
    if (found >= 0) return found;
    return this.insert(ownCopy(text, start, end), h);
  }

  /** Id of a whole word, or -1. */
  get(word: string): number {
    return this.find(word, 0, word.length, hashString(word));
  }

  /** Id of a whole word, adding it if absent. */
  add(word: string): number {
    return this.intern(word, 0, word.length, hashString(word));
  }

  private insert(word: string, h: number): number {
    const id = this.words.length;
    if (id >= this.hashes.length) {
      const grown = new Int32Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.words.push(word);
    this.hashes[id] = h;
    if ((id + 1) * 2 > this.table.length) this.rehash(this.table.length * 2);
    else this.place(id);
    return id;
  }

  private place(id: number): void {
    let s = slotOf(this.hashes[id], this.mask);
    while (this.table[s] !== 0) s = (s + 1) & this.mask;
    this.table[s] = id + 1;
  }

  private rehash(capacity: number): void {
    this.table = new Int32Array(capacity);
    this.mask = capacity - 1;
    for (let id = 0; id < this.words.length; id++) this.place(id);
  }
}
