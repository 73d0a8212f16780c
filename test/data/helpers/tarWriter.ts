/**
 * Test-only tar writer, so tests can build archives with exactly the features they exercise
 * (GNU long names, pax headers, ustar prefixes, odd sizes). GNU-tar-made fixtures in
 * test/fixtures/data check the reader independently of this writer.
 */
import { gzipSync } from 'node:zlib';

export interface TarInput {
  path: string;
  body?: string | Uint8Array;
  /** '0' file (default), '5' directory, '2' symlink. */
  type?: '0' | '5' | '2';
  linkPath?: string;
}

export type LongNameStyle = 'gnu' | 'pax' | 'ustar';

const enc = new TextEncoder();

function header(name: Uint8Array, size: number, type: string, style: LongNameStyle, prefix = new Uint8Array(0), link = ''): Uint8Array {
  const h = new Uint8Array(512);
  const put = (s: string | Uint8Array, at: number, len: number) => h.set((typeof s === 'string' ? enc.encode(s) : s).subarray(0, len), at);
  put(name, 0, 100);
  put('0000644\0', 100, 8);
  put('0000000\0', 108, 8);
  put('0000000\0', 116, 8);
  put(size.toString(8).padStart(11, '0') + '\0', 124, 12);
  put((1577836800).toString(8).padStart(11, '0') + '\0', 136, 12);
  put('        ', 148, 8);
  put(type, 156, 1);
  put(link, 157, 100);
  if (style === 'gnu') put('ustar  \0', 257, 8);
  else {
    put('ustar\0', 257, 6);
    put('00', 263, 2);
  }
  put(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return h;
}

function padded(body: Uint8Array): Uint8Array[] {
  const pad = (512 - (body.length % 512)) % 512;
  return [body, new Uint8Array(pad)];
}

function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  let len = enc.encode(rest).length;
  // The length field counts its own digits.
  while (String(len).length + enc.encode(rest).length !== len) len = String(len).length + enc.encode(rest).length;
  return `${len}${rest}`;
}

/** Builds an uncompressed tar. `end: false` omits the end-of-archive blocks. */
export function writeTar(entries: TarInput[], style: LongNameStyle = 'gnu', end = true): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const type = e.type ?? '0';
    const body = e.body === undefined ? new Uint8Array(0) : typeof e.body === 'string' ? enc.encode(e.body) : e.body;
    const full = enc.encode(e.path);
    let name = full;
    let prefix = new Uint8Array(0);
    if (full.length > 100) {
      if (style === 'gnu') {
        const longBody = enc.encode(e.path + '\0');
        parts.push(header(enc.encode('././@LongLink'), longBody.length, 'L', style), ...padded(longBody));
        name = full.subarray(0, 100);
      } else if (style === 'pax') {
        const rec = enc.encode(paxRecord('path', e.path));
        parts.push(header(enc.encode('PaxHeader/x'), rec.length, 'x', style), ...padded(rec));
        name = full.subarray(0, 100);
      } else {
        const cut = e.path.lastIndexOf('/', e.path.length - 1);
        const p = enc.encode(e.path.slice(0, cut));
        const n = enc.encode(e.path.slice(cut + 1));
        if (cut < 0 || p.length > 155 || n.length > 100) throw new Error(`ustar cannot store ${e.path}`);
        prefix = p;
        name = n;
      }
    }
    parts.push(header(name, type === '0' ? body.length : 0, type, style, prefix, e.linkPath ?? ''));
    if (type === '0') parts.push(...padded(body));
  }
  if (end) parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function writeTarGz(entries: TarInput[], style: LongNameStyle = 'gnu'): Uint8Array {
  return gzipSync(writeTar(entries, style));
}

/** An async byte stream delivering `data` in chunks of `chunk` bytes (exercises boundaries). */
export async function* chunked(data: Uint8Array, chunk: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, Math.min(data.length, i + chunk));
}

export interface FakeReview {
  split: 'train' | 'test';
  cls: 'pos' | 'neg';
  id: number;
  rating: number;
  text: string;
}

/** A small corpus in aclImdb layout: 3 reviews per split and class, with unicode and <br />. */
export function fakeReviews(): FakeReview[] {
  const out: FakeReview[] = [];
  for (const split of ['train', 'test'] as const) {
    for (const cls of ['neg', 'pos'] as const) {
      for (const id of [0, 10, 2]) {
        const rating = cls === 'pos' ? 7 + (id % 4) : 1 + (id % 4);
        out.push({ split, cls, id, rating, text: `${split} ${cls} review ${id}: ${cls === 'pos' ? 'great' : 'awful'} film.<br /><br />Café 😀` });
      }
    }
  }
  return out;
}

/**
 * Tar entries of an aclImdb_v1-like archive: the reviews (in a scrambled order) plus the files
 * the loader must skip (unsup reviews, .feat files, url lists, README, vocab).
 */
export function imdbEntries(reviews: FakeReview[], extraBytes = 0): TarInput[] {
  const files: TarInput[] = [
    { path: 'aclImdb/', type: '5' },
    { path: 'aclImdb/README', body: 'readme' },
    { path: 'aclImdb/imdb.vocab', body: 'the\nand\n' },
    { path: 'aclImdb/train/labeledBow.feat', body: '0 0:1\n'.repeat(50) },
    { path: 'aclImdb/train/urls_pos.txt', body: 'http://example.com\n' },
    { path: 'aclImdb/train/unsup/0_0.txt', body: 'unlabeled '.repeat(100 + extraBytes / 10) },
    { path: 'aclImdb/train/unsup/1_0.txt', body: 'unlabeled too' },
  ];
  const revs = reviews.map((r) => ({ path: `aclImdb/${r.split}/${r.cls}/${r.id}_${r.rating}.txt`, body: r.text }));
  // Scramble deterministically so the loader's sort is what yields the order.
  revs.sort((a, b) => (a.body.length % 3) - (b.body.length % 3) || (a.path < b.path ? 1 : -1));
  return [...files.slice(0, 4), ...revs.slice(0, 5), ...files.slice(4), ...revs.slice(5)];
}
