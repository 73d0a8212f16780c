/**
 * The Large Movie Review Dataset (Maas et al. 2011) from the original `aclImdb_v1.tar.gz`
 * (streamed: gunzip → tar, nothing extracted to disk) or from an extracted `aclImdb` folder.
 *
 * Only `{train,test}/{pos,neg}/<id>_<rating>.txt` are read; unsup/, *.feat and urls_*.txt are
 * streamed past. Reviews come out sorted by path (neg before pos, then file name as a string), so
 * the order is the same for the archive and the folder, on every machine.
 */
import type { TextClassificationData } from './types.js';
import { downloadFile, type DownloadProgress } from './download.js';
import { readTar } from './tar.js';

/** The canonical archive (Stanford AI Lab). */
export const IMDB_ARCHIVE = {
  url: 'https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz',
  fileName: 'aclImdb_v1.tar.gz',
  size: 84125825,
  sha256: 'c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe',
} as const;

/** One split: texts, labels (pos = 1, neg = 0), star ratings (1–10) and the source paths. */
export interface ImdbSplit extends TextClassificationData {
  ratings: Int32Array;
  /** Relative paths such as `train/pos/0_9.txt`, in the returned order. */
  paths: string[];
}

export interface ImdbData {
  train: ImdbSplit;
  test: ImdbSplit;
}

export interface ImdbDownloadOptions {
  /** Default {@link IMDB_ARCHIVE}.url. */
  url?: string;
  /** Folder the archive is cached in. Default `~/.cache/webgrad`. */
  cacheDir?: string;
  /** Default {@link IMDB_ARCHIVE}.sha256; null skips the check. */
  sha256?: string | null;
  /** Default {@link IMDB_ARCHIVE}.size; null skips the check. */
  size?: number | null;
  /** File name in cacheDir. Default the URL's last path segment. */
  fileName?: string;
  /** Progress callback; default a stderr progress bar; false for none. */
  onProgress?: ((p: DownloadProgress) => void) | false;
  retries?: number;
  retryDelayMs?: number;
}

export interface LoadImdbOptions {
  /** `aclImdb_v1.tar.gz` (or .tar), an extracted `aclImdb` folder, or the folder holding it. */
  path?: string;
  /** Download (or reuse from the cache) the archive instead of giving `path`. */
  download?: ImdbDownloadOptions | true;
}

const FN = 'loadImdb';
const REVIEW = /(?:^|\/)((train|test)\/(pos|neg)\/(\d+)_(\d+)\.txt)$/;

interface Review {
  key: string;
  split: 'train' | 'test';
  label: number;
  rating: number;
  text: string;
}

/** Classifies a path; null for files the loader does not need. */
function parseReviewPath(path: string): Omit<Review, 'text'> | null {
  const m = REVIEW.exec(path);
  if (!m) return null;
  return { key: m[1], split: m[2] as 'train' | 'test', label: m[3] === 'pos' ? 1 : 0, rating: Number(m[5]) };
}

function toSplits(reviews: Review[], source: string): ImdbData {
  const make = (split: 'train' | 'test'): ImdbSplit => {
    const rs = reviews.filter((r) => r.split === split);
    if (rs.length === 0) throw new Error(`${FN}: ${source} has no ${split}/pos or ${split}/neg reviews (expected the aclImdb layout)`);
    rs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return {
      texts: rs.map((r) => r.text),
      labels: Float32Array.from(rs, (r) => r.label),
      ratings: Int32Array.from(rs, (r) => r.rating),
      paths: rs.map((r) => r.key),
    };
  };
  return { train: make('train'), test: make('test') };
}

async function readArchive(path: string): Promise<Review[]> {
  const fs = await import('node:fs');
  const { createGunzip } = await import('node:zlib');
  const { pipeline } = await import('node:stream');
  // Sniff gzip by its magic bytes rather than trusting the extension.
  const head = Buffer.alloc(2);
  const fd = await fs.promises.open(path, 'r');
  try {
    await fd.read(head, 0, 2, 0);
  } finally {
    await fd.close();
  }
  const file = fs.createReadStream(path, { highWaterMark: 1 << 20 });
  // pipeline() forwards errors from either side and destroys both when we stop early.
  const stream = head[0] === 0x1f && head[1] === 0x8b ? pipeline(file, createGunzip({ chunkSize: 1 << 18 }), () => {}) : file;
  const reviews: Review[] = [];
  try {
    for await (const entry of readTar(stream as AsyncIterable<Uint8Array>)) {
      if (entry.type !== 'file') continue;
      const info = parseReviewPath(entry.path);
      if (info) reviews.push({ ...info, text: await entry.text() });
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`${FN}: cannot read ${path}: ${msg} (is it a complete aclImdb .tar.gz?)`, { cause: e });
  } finally {
    stream.destroy();
  }
  return reviews;
}

async function readFolder(path: string): Promise<Review[]> {
  const fsp = await import('node:fs/promises');
  const { join } = await import('node:path');
  const isDir = async (p: string) => (await fsp.stat(p).catch(() => null))?.isDirectory() ?? false;
  let root = path;
  if (!(await isDir(join(root, 'train'))) && (await isDir(join(root, 'aclImdb', 'train')))) root = join(root, 'aclImdb');
  for (const split of ['train', 'test']) {
    if (!(await isDir(join(root, split)))) throw new Error(`${FN}: folder ${path} has no ${split}/ subfolder (expected an extracted aclImdb folder)`);
  }
  const reviews: Review[] = [];
  for (const split of ['train', 'test']) {
    for (const cls of ['neg', 'pos']) {
      const dir = join(root, split, cls);
      if (!(await isDir(dir))) throw new Error(`${FN}: folder ${join(root, split)} has no ${cls}/ subfolder`);
      const names = (await fsp.readdir(dir)).filter((n) => parseReviewPath(`${split}/${cls}/${n}`) !== null);
      // Bounded parallelism: fast on SSDs without exhausting file descriptors.
      for (let i = 0; i < names.length; i += 256) {
        const batch = names.slice(i, i + 256);
        const texts = await Promise.all(batch.map((n) => fsp.readFile(join(dir, n), 'utf8')));
        batch.forEach((n, k) => reviews.push({ ...parseReviewPath(`${split}/${cls}/${n}`)!, text: texts[k] }));
      }
    }
  }
  return reviews;
}

async function downloadArchive(d: ImdbDownloadOptions): Promise<string> {
  const { join } = await import('node:path');
  const { homedir } = await import('node:os');
  const url = d.url ?? IMDB_ARCHIVE.url;
  const canonical = url === IMDB_ARCHIVE.url;
  const fileName = d.fileName ?? (decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '') || IMDB_ARCHIVE.fileName);
  const size = d.size === undefined ? (canonical ? IMDB_ARCHIVE.size : undefined) : (d.size ?? undefined);
  const sha256 = d.sha256 === undefined ? (canonical ? IMDB_ARCHIVE.sha256 : undefined) : (d.sha256 ?? undefined);
  return downloadFile({
    url,
    dest: join(d.cacheDir ?? join(homedir(), '.cache', 'webgrad'), fileName),
    size,
    sha256,
    onProgress: d.onProgress,
    retries: d.retries,
    retryDelayMs: d.retryDelayMs,
  });
}

/**
 * Loads IMDB reviews: 25,000 train and 25,000 test, each half positive (label 1).
 *
 * @example
 * const imdb = await loadImdb({ path: 'aclImdb_v1.tar.gz' });
 * imdb.train.texts.length;   // 25000
 * const cached = await loadImdb({ download: { cacheDir: '.cache' } });  // fetched once, checked
 */
export async function loadImdb(options: LoadImdbOptions): Promise<ImdbData> {
  let path = options.path;
  if (options.download) path = await downloadArchive(options.download === true ? {} : options.download);
  if (!path) throw new TypeError(`${FN}: give path (aclImdb_v1.tar.gz or an extracted aclImdb folder) or download`);
  const fsp = await import('node:fs/promises');
  const st = await fsp.stat(path).catch(() => null);
  if (!st) throw new Error(`${FN}: no such file or folder: ${path}`);
  const reviews = st.isDirectory() ? await readFolder(path) : await readArchive(path);
  return toSplits(reviews, path);
}
