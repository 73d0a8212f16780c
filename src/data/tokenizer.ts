/**
 * Keras's `Tokenizer` (tf.keras.preprocessing.text), reproduced index for index.
 *
 * Someone who trained in Keras must get the same word indices here, so the rules below follow
 * Keras, not taste: filter characters become the split string; counts are ranked by frequency
 * with ties in first-seen order (Python's stable sort over an OrderedDict); the OOV token, if any,
 * is placed first (index 1); index 0 is never assigned; `wordIndex` keeps every word and
 * `numWords` applies only when converting texts to sequences.
 */
import { parseFlatJsonObject, pyJsonObject, pyJsonScalar, pyJsonString, type JsonScalar } from './pyjson.js';
import { StringTable } from './strtable.js';
import { checkOptions } from '../tensor/errors.js';
import { TokenBuffer, makeSplitter, tokensFromList } from './split.js';

/** Keras's default filters: ASCII punctuation except the apostrophe, plus tab and newline. */
export const DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n';

/** Options of {@link Tokenizer}, named like TF.js (camelCase) with Keras's defaults. */
export interface TokenizerOptions {
  /** Keep only indices < numWords in textsToSequences (so the numWords-1 most frequent words). */
  numWords?: number | null;
  /** Characters replaced by `split` before splitting. Default {@link DEFAULT_FILTERS}. */
  filters?: string;
  /** Lowercase texts first. Default true. */
  lower?: boolean;
  /** Separator to split on. Default ' '. */
  split?: string;
  /** Every character (code point) is a token; filters are not applied, as in Keras. */
  charLevel?: boolean;
  /** Token standing for unknown words; gets index 1. Default none (unknown words are dropped). */
  oovToken?: string | null;
}

/** A text, or a text already split into tokens (Keras accepts both). */
export type TextInput = string | readonly string[];

/** The layout of Keras's `tokenizer.to_json()`: nested dicts are themselves JSON strings. */
export interface TokenizerJSON {
  class_name: 'Tokenizer';
  config: {
    num_words: number | null;
    filters: string;
    lower: boolean;
    split: string;
    char_level: boolean;
    oov_token: string | null;
    document_count: number;
    word_counts: string;
    word_docs: string;
    index_docs: string;
    index_word: string;
    word_index: string;
  };
}

/**
 * Keras's `text_to_word_sequence`: lowercase (optionally), turn filter characters into `split`,
 * split on `split`, drop empty tokens. Apostrophes are not filtered, so "don't" stays one word.
 */
export function textToWordSequence(
  text: string,
  options: { filters?: string; lower?: boolean; split?: string } = {},
): string[] {
  const split = options.split ?? ' ';
  checkSplit('textToWordSequence', split);
  const buf = new TokenBuffer();
  makeSplitter(options.filters ?? DEFAULT_FILTERS, split)((options.lower ?? true) ? text.toLowerCase() : text, buf);
  return buf.toArray();
}

function checkSplit(fn: string, split: unknown): void {
  // Python's str.split('') raises; JS would silently split into characters.
  if (typeof split !== 'string' || split === '') throw new TypeError(`${fn}: split must be a non-empty string, got ${JSON.stringify(split)}`);
}

/** Texts must be an iterable of strings (or token lists); a lone string would be split into characters. */
function checkTexts(fn: string, texts: unknown): void {
  if (typeof texts === 'string') throw new TypeError(`Tokenizer.${fn}: texts must be a list of strings, got the single string ${JSON.stringify(texts.slice(0, 40))} (wrap it in [ ])`);
  if (texts === null || typeof texts !== 'object' || typeof (texts as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`Tokenizer.${fn}: texts must be a list of strings, got ${texts === null ? 'null' : typeof texts}`);
  }
  if (Array.isArray(texts)) {
    const i = texts.findIndex((t) => typeof t !== 'string' && !Array.isArray(t));
    if (i >= 0) throw new TypeError(`Tokenizer.${fn}: each text must be a string or a list of tokens, but texts[${i}] is ${texts[i] === null ? 'null' : `the ${typeof texts[i]} ${String(texts[i]).slice(0, 40)}`}`);
  }
}

function checkNumWords(fn: string, v: unknown): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new RangeError(`${fn}: numWords must be a non-negative integer or null, got ${String(v)}`);
  return v;
}

/**
 * Text tokenization with Keras's exact semantics.
 *
 * @example
 * const tok = new Tokenizer({ numWords: 10000, oovToken: '<OOV>' });
 * tok.fitOnTexts(['The cat sat.', 'The dog!']);
 * tok.wordIndex.get('the');            // 2 (1 is '<OOV>')
 * tok.textsToSequences(['the bird']);  // [[2, 1]]
 */
export class Tokenizer {
  /** Cutoff applied by textsToSequences / sequencesToTexts; null or 0 means none (as in Keras). */
  numWords: number | null;
  readonly filters: string;
  readonly lower: boolean;
  readonly split: string;
  readonly charLevel: boolean;
  readonly oovToken: string | null;
  /** Number of texts seen by fitOnTexts (Keras's document_count). */
  documentCount = 0;

  // Word statistics in struct-of-arrays form, indexed by the word's id ("slot") in `vocab`.
  private readonly vocab = new StringTable();
  private readonly counts: number[] = [];
  private readonly docs: number[] = [];
  private readonly lastDoc: number[] = [];
  /** Slot ids in word_docs insertion order (Keras's order is a set's; ours is first-seen). */
  private readonly docsOrder: number[] = [];
  /** After a fit: slot → word index. The public Maps are built from it only when asked for. */
  private slotIndex = new Int32Array(0);
  /** After a fit: slot ids by rank (most frequent first). */
  private rankOrder = new Int32Array(0);
  /** Keras has an empty word_index (no OOV entry either) until the first fit. */
  private fitted = false;
  /** After fromJSON: word_index / index_word exactly as loaded (a later fit replaces them). */
  private loaded: { wordIndex: Map<string, number>; indexWord: Map<number, string> } | null = null;
  // index_docs persists across fits like Keras's defaultdict, so re-fitting keeps its key order.
  private readonly indexDocsKeys: number[] = [];
  private readonly indexDocsVals: number[] = [];
  private cache: {
    wordIndex?: Map<string, number>;
    indexWord?: Map<number, string>;
    indexDocs?: Map<number, number>;
    wordCounts?: Map<string, number>;
    wordDocs?: Map<string, number>;
    lookup?: { table: StringTable; index: ArrayLike<number>; oov: number | undefined };
  } = {};
  private readonly splitter: (text: string, out: TokenBuffer) => void;
  private readonly buf = new TokenBuffer();

  constructor(options: TokenizerOptions = {}) {
    checkOptions('Tokenizer', options, ['numWords', 'filters', 'lower', 'split', 'charLevel', 'oovToken']);
    this.numWords = checkNumWords('Tokenizer', options.numWords);
    this.filters = options.filters ?? DEFAULT_FILTERS;
    this.lower = options.lower ?? true;
    this.split = options.split ?? ' ';
    this.charLevel = options.charLevel ?? false;
    this.oovToken = options.oovToken ?? null;
    if (typeof this.filters !== 'string') throw new TypeError(`Tokenizer: filters must be a string, got ${typeof this.filters}`);
    checkSplit('Tokenizer', this.split);
    if (this.oovToken !== null && typeof this.oovToken !== 'string') throw new TypeError(`Tokenizer: oovToken must be a string or null, got ${typeof this.oovToken}`);
    this.splitter = makeSplitter(this.filters, this.split);
  }

  private get words(): string[] {
    return this.vocab.words;
  }

  /** word → index (1-based, every word seen, most frequent first; OOV token at 1). */
  get wordIndex(): ReadonlyMap<string, number> {
    if (this.loaded) return this.loaded.wordIndex;
    if (!this.cache.wordIndex) {
      const m = new Map<string, number>();
      const base = this.oovToken === null ? 1 : 2;
      if (this.oovToken !== null && this.fitted) m.set(this.oovToken, 1);
      // Map.set on an existing key keeps its position, as Python's dict does when the OOV token
      // also occurs in the texts (it then ends up with its frequency rank, as in Keras).
      this.rankOrder.forEach((slot, k) => m.set(this.words[slot], k + base));
      this.cache.wordIndex = m;
    }
    return this.cache.wordIndex;
  }

  /** index → word, the inverse of wordIndex. */
  get indexWord(): ReadonlyMap<number, string> {
    if (this.loaded) return this.loaded.indexWord;
    this.cache.indexWord ??= new Map(Array.from(this.wordIndex, ([w, i]) => [i, w]));
    return this.cache.indexWord;
  }

  /** word → number of occurrences, in first-seen order. */
  get wordCounts(): ReadonlyMap<string, number> {
    this.cache.wordCounts ??= new Map(this.words.map((w, i) => [w, this.counts[i]]));
    return this.cache.wordCounts;
  }

  /** word → number of texts containing it. */
  get wordDocs(): ReadonlyMap<string, number> {
    this.cache.wordDocs ??= new Map(this.docsOrder.map((i) => [this.words[i], this.docs[i]]));
    return this.cache.wordDocs;
  }

  /** index → number of texts containing that word. */
  get indexDocs(): ReadonlyMap<number, number> {
    this.cache.indexDocs ??= new Map(this.indexDocsKeys.map((k) => [k, this.indexDocsVals[k]]));
    return this.cache.indexDocs;
  }

  /** word → index as a StringTable (no slicing while converting texts), plus the OOV index. */
  private lookup(): { table: StringTable; index: ArrayLike<number>; oov: number | undefined } {
    if (!this.cache.lookup) {
      if (this.loaded) {
        const table = new StringTable();
        const index: number[] = [];
        for (const [w, i] of this.loaded.wordIndex) index[table.add(w)] = i;
        const oov = this.oovToken === null ? undefined : this.loaded.wordIndex.get(this.oovToken);
        this.cache.lookup = { table, index, oov };
      } else {
        const slot = this.oovToken === null ? -1 : this.vocab.get(this.oovToken);
        const oov = this.oovToken === null || !this.fitted ? undefined : slot >= 0 ? this.slotIndex[slot] : 1;
        this.cache.lookup = { table: this.vocab, index: this.slotIndex, oov };
      }
    }
    return this.cache.lookup;
  }

  /** Fills this.buf with the tokens of one text, exactly as Keras tokenizes it. */
  private tokenize(text: TextInput): TokenBuffer {
    const buf = this.buf;
    if (typeof text !== 'string') {
      if (!Array.isArray(text)) throw new TypeError(`Tokenizer: each text must be a string or an array of tokens, got ${typeof text}`);
      tokensFromList(this.lower ? text.map((t) => t.toLowerCase()) : text, buf);
    } else {
      const s = this.lower ? text.toLowerCase() : text;
      if (this.charLevel) tokensFromList(Array.from(s), buf);
      else this.splitter(s, buf);
    }
    return buf;
  }

  /** Updates the vocabulary from `texts` (Keras's fit_on_texts); may be called repeatedly. */
  fitOnTexts(texts: Iterable<TextInput>): void {
    checkTexts('fitOnTexts', texts);
    const { vocab, counts, docs, lastDoc, docsOrder } = this;
    let doc = this.documentCount;
    for (const text of texts) {
      doc++;
      const { src, count, start, end, hash } = this.tokenize(text);
      for (let k = 0; k < count; k++) {
        const id = vocab.intern(src, start[k], end[k], hash[k]);
        if (id === counts.length) {
          counts.push(0);
          docs.push(0);
          lastDoc.push(-1);
        }
        counts[id]++;
        if (lastDoc[id] !== doc) {
          lastDoc[id] = doc;
          if (docs[id]++ === 0) docsOrder.push(id);
        }
      }
    }
    this.documentCount = doc;
    this.rebuildIndex();
  }

  /** Keras's ranking: count descending, ties in first-seen order; then index_docs. */
  private rebuildIndex(): void {
    const { counts } = this;
    const n = counts.length;
    let max = 0;
    for (let i = 0; i < n; i++) if (counts[i] > max) max = counts[i];
    const order = new Int32Array(n);
    if (max <= 4 * n + 65536) {
      // Stable counting sort on (max - count): O(n), and ties stay in slot (first-seen) order.
      const start = new Int32Array(max + 2);
      for (let i = 0; i < n; i++) start[max - counts[i] + 1]++;
      for (let k = 1; k <= max + 1; k++) start[k] += start[k - 1];
      for (let i = 0; i < n; i++) order[start[max - counts[i]]++] = i;
    } else {
      order.set(Array.from({ length: n }, (_, i) => i).sort((a, b) => counts[b] - counts[a]));
    }
    const base = this.oovToken === null ? 1 : 2;
    const slotIndex = new Int32Array(n);
    for (let k = 0; k < n; k++) slotIndex[order[k]] = k + base;
    this.rankOrder = order;
    this.slotIndex = slotIndex;
    this.fitted = true;
    this.loaded = null;
    for (const slot of this.docsOrder) {
      const key = slotIndex[slot];
      if (this.indexDocsVals[key] === undefined) this.indexDocsKeys.push(key);
      this.indexDocsVals[key] = this.docs[slot];
    }
    this.cache = {};
  }

  /**
   * Texts → lists of word indices (Keras's texts_to_sequences). Words with index ≥ numWords
   * and unknown words become the OOV index if oovToken is set, else are dropped.
   */
  textsToSequences(texts: Iterable<TextInput>): number[][] {
    checkTexts('textsToSequences', texts);
    const { table, index, oov } = this.lookup();
    const numWords = this.numWords;
    const out: number[][] = [];
    let scratch = new Int32Array(1024);
    for (const text of texts) {
      const { src, count, start, end, hash } = this.tokenize(text);
      if (scratch.length < count) scratch = new Int32Array(count * 2);
      let m = 0;
      for (let k = 0; k < count; k++) {
        const id = table.find(src, start[k], end[k], hash[k]);
        const i = id < 0 || id >= index.length ? -1 : index[id];
        if (i >= 0 && !(numWords && i >= numWords)) scratch[m++] = i;
        // Keras would append None when the OOV token is not in wordIndex (never fitted); we drop.
        else if (oov !== undefined) scratch[m++] = oov;
      }
      // An exactly sized array: growing one by push() per token doubled the GC work.
      const seq = new Array<number>(m);
      for (let k = 0; k < m; k++) seq[k] = scratch[k];
      out.push(seq);
    }
    return out;
  }

  /** Index lists → space-joined texts (Keras's sequences_to_texts), with the same cutoffs. */
  sequencesToTexts(sequences: Iterable<ArrayLike<number>>): string[] {
    const numWords = this.numWords;
    const indexWord = this.indexWord;
    const oovWord = this.oovToken === null ? undefined : indexWord.get(this.wordIndex.get(this.oovToken) ?? -1);
    const out: string[] = [];
    for (const seq of sequences) {
      const words: string[] = [];
      for (let k = 0; k < seq.length; k++) {
        const num = seq[k];
        const w = indexWord.get(num);
        if (w !== undefined && !(numWords && num >= numWords)) words.push(w);
        else if (oovWord !== undefined) words.push(oovWord);
      }
      out.push(words.join(' '));
    }
    return out;
  }

  /** Keras's get_config: the nested dicts as Python-formatted JSON strings. */
  private config(): TokenizerJSON['config'] {
    return {
      num_words: this.numWords,
      filters: this.filters,
      lower: this.lower,
      split: this.split,
      char_level: this.charLevel,
      oov_token: this.oovToken,
      document_count: this.documentCount,
      word_counts: pyJsonObject(this.words.map((w, i) => [w, this.counts[i]] as const)),
      word_docs: pyJsonObject(this.docsOrder.map((i) => [this.words[i], this.docs[i]] as const)),
      index_docs: pyJsonObject(this.indexDocs),
      index_word: pyJsonObject(this.indexWord),
      word_index: pyJsonObject(this.wordIndex),
    };
  }

  /**
   * The object Keras's `to_json()` serializes ({class_name, config}); `JSON.stringify(tok)`
   * therefore yields JSON that Keras's `tokenizer_from_json` reads.
   */
  toJSON(): TokenizerJSON {
    return { class_name: 'Tokenizer', config: this.config() };
  }

  /** Byte-for-byte what Keras's `tokenizer.to_json()` returns (Python json.dumps formatting). */
  toJSONString(): string {
    const c = this.config();
    const fields = Object.entries(c).map(([k, v]) => `${pyJsonString(k)}: ${pyJsonScalar(v as JsonScalar)}`);
    return `{"class_name": "Tokenizer", "config": {${fields.join(', ')}}}`;
  }

  /** Loads a tokenizer saved by Keras's `to_json()` (or by toJSON / toJSONString). */
  static fromJSON(json: string | TokenizerJSON): Tokenizer {
    const fn = 'Tokenizer.fromJSON';
    const root = (typeof json === 'string' ? JSON.parse(json) : json) as Partial<TokenizerJSON> | null;
    if (!root || typeof root !== 'object' || root.class_name !== 'Tokenizer' || !root.config || typeof root.config !== 'object') {
      throw new TypeError(`${fn}: expected {"class_name": "Tokenizer", "config": {...}}, got class_name ${JSON.stringify(root?.class_name)}`);
    }
    const c = root.config;
    const tok = new Tokenizer({
      numWords: checkNumWords(fn, c.num_words),
      filters: c.filters,
      lower: c.lower,
      split: c.split,
      charLevel: c.char_level,
      oovToken: c.oov_token,
    });
    if (c.document_count !== undefined) {
      if (!Number.isInteger(c.document_count) || c.document_count < 0) throw new TypeError(`${fn}: document_count must be a non-negative integer, got ${String(c.document_count)}`);
      tok.documentCount = c.document_count;
    }
    const dict = (name: keyof TokenizerJSON['config']): Array<[string, JsonScalar]> => {
      const v = c[name] as unknown;
      if (v === undefined) return [];
      if (typeof v === 'string') return parseFlatJsonObject(v, `${fn}: config.${name}`);
      if (v && typeof v === 'object') return Object.entries(v as Record<string, JsonScalar>);
      throw new TypeError(`${fn}: config.${name} must be a JSON string, got ${typeof v}`);
    };
    const int = (name: string, key: string, v: unknown): number => {
      const x = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
      if (typeof x !== 'number' || !Number.isInteger(x)) throw new TypeError(`${fn}: config.${name} has non-integer ${JSON.stringify(v)} for ${JSON.stringify(key)}`);
      return x;
    };
    const str = (name: string, key: string, v: unknown): string => {
      if (typeof v !== 'string') throw new TypeError(`${fn}: config.${name} has non-string ${JSON.stringify(v)} for ${JSON.stringify(key)}`);
      return v;
    };
    const slotOf = (w: string): number => {
      const id = tok.vocab.add(w);
      if (id === tok.counts.length) {
        tok.counts.push(0);
        tok.docs.push(0);
        tok.lastDoc.push(-1);
      }
      return id;
    };
    for (const [w, n] of dict('word_counts')) tok.counts[slotOf(w)] = int('word_counts', w, n);
    for (const [w, n] of dict('word_docs')) {
      const id = slotOf(w);
      if (tok.docs[id] === 0) tok.docsOrder.push(id);
      tok.docs[id] = int('word_docs', w, n);
    }
    for (const [k, n] of dict('index_docs')) {
      const key = int('index_docs', k, k);
      if (key < 0 || key > 0x7fffffff) throw new RangeError(`${fn}: config.index_docs has an out-of-range index ${k}`);
      if (tok.indexDocsVals[key] === undefined) tok.indexDocsKeys.push(key);
      tok.indexDocsVals[key] = int('index_docs', k, n);
    }
    const wordIndex = new Map<string, number>();
    for (const [w, i] of dict('word_index')) wordIndex.set(w, int('word_index', w, i));
    const indexWord = new Map<number, string>();
    for (const [k, w] of dict('index_word')) indexWord.set(int('index_word', k, k), str('index_word', k, w));
    tok.loaded = { wordIndex, indexWord };
    return tok;
  }
}
