import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { loadImdb, type ImdbData } from '../../src/data/imdb.js';
import { Tokenizer } from '../../src/data/tokenizer.js';
import { padSequences } from '../../src/data/pad.js';
import { pyJsonObject } from '../../src/data/pyjson.js';
import { fakeReviews, imdbEntries, writeTar } from './helpers/tarWriter.js';
import { timed } from './helpers/timing.js';

const tmp = mkdtempSync(join(tmpdir(), 'webgrad-imdb-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const reviews = fakeReviews();
const tarBytes = writeTar(imdbEntries(reviews), 'gnu');
const gzPath = join(tmp, 'aclImdb_v1.tar.gz');
writeFileSync(gzPath, gzipSync(tarBytes));

const EXPECTED_TRAIN_PATHS = ['train/neg/0_1.txt', 'train/neg/10_3.txt', 'train/neg/2_3.txt', 'train/pos/0_7.txt', 'train/pos/10_9.txt', 'train/pos/2_9.txt'];

function writeFolder(root: string) {
  for (const r of reviews) {
    const dir = join(root, 'aclImdb', r.split, r.cls);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${r.id}_${r.rating}.txt`), r.text);
  }
  mkdirSync(join(root, 'aclImdb', 'train', 'unsup'), { recursive: true });
  writeFileSync(join(root, 'aclImdb', 'train', 'unsup', '5_0.txt'), 'unlabeled');
  writeFileSync(join(root, 'aclImdb', 'train', 'urls_pos.txt'), 'http://example.com');
  writeFileSync(join(root, 'aclImdb', 'train', 'pos', 'notes.md'), 'not a review');
}

describe('loadImdb on a generated archive', () => {
  it('streams the .tar.gz and returns sorted texts, labels (pos = 1) and ratings', async () => {
    const data = await loadImdb({ path: gzPath });
    expect(data.train.paths).toEqual(EXPECTED_TRAIN_PATHS);
    expect(data.test.paths).toEqual(EXPECTED_TRAIN_PATHS.map((p) => p.replace('train', 'test')));
    expect(Array.from(data.train.labels)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(data.train.labels).toBeInstanceOf(Float32Array);
    expect(Array.from(data.train.ratings)).toEqual([1, 3, 3, 7, 9, 9]);
    expect(data.train.texts[4]).toBe('train pos review 10: great film.<br /><br />Café 😀');
    expect(data.test.texts[0]).toBe('test neg review 0: awful film.<br /><br />Café 😀');
  });

  it('reads an uncompressed .tar and an extracted folder (or its parent) identically', async () => {
    const fromGz = await loadImdb({ path: gzPath });
    const tarPath = join(tmp, 'plain.tar');
    writeFileSync(tarPath, tarBytes);
    expect(await loadImdb({ path: tarPath })).toEqual(fromGz);
    const root = join(tmp, 'extracted');
    writeFolder(root);
    expect(await loadImdb({ path: join(root, 'aclImdb') })).toEqual(fromGz);
    expect(await loadImdb({ path: root })).toEqual(fromGz);
  });

  it('explains truncated, corrupt and wrong inputs', async () => {
    const gz = readFileSync(gzPath);
    const truncated = join(tmp, 'truncated.tar.gz');
    writeFileSync(truncated, gz.subarray(0, Math.floor(gz.length / 2)));
    await expect(loadImdb({ path: truncated })).rejects.toThrow(/^loadImdb: cannot read .*truncated\.tar\.gz: .*unexpected end of file.*\(is it a complete aclImdb \.tar\.gz\?\)/);
    const corrupt = join(tmp, 'corrupt.tar.gz');
    const bad = Buffer.from(gz);
    for (let i = 200; i < 260; i++) bad[i] ^= 0x5a;
    writeFileSync(corrupt, bad);
    await expect(loadImdb({ path: corrupt })).rejects.toThrow(/^loadImdb: cannot read .*corrupt\.tar\.gz/);
    const text = join(tmp, 'notes.txt');
    writeFileSync(text, 'just some text, not an archive\n'.repeat(40));
    await expect(loadImdb({ path: text })).rejects.toThrow(/loadImdb: cannot read .*notes\.txt: corrupt archive: header checksum mismatch/);
    const onlyTrain = join(tmp, 'train-only.tar.gz');
    writeFileSync(onlyTrain, gzipSync(writeTar(imdbEntries(reviews.filter((r) => r.split === 'train')), 'gnu')));
    await expect(loadImdb({ path: onlyTrain })).rejects.toThrow(/loadImdb: .*train-only\.tar\.gz has no test\/pos or test\/neg reviews/);
    const empty = join(tmp, 'empty-folder');
    mkdirSync(join(empty, 'train'), { recursive: true });
    await expect(loadImdb({ path: empty })).rejects.toThrow(/loadImdb: folder .*empty-folder has no test\/ subfolder \(expected an extracted aclImdb folder\)/);
    await expect(loadImdb({ path: join(tmp, 'missing.tar.gz') })).rejects.toThrow(/loadImdb: no such file or folder: .*missing\.tar\.gz/);
    await expect(loadImdb({})).rejects.toThrow(/loadImdb: give path/);
  });
});

// The real 50,000-review archive, when this checkout has it (see ../shared/data/README.md).
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const realArchive = process.env.WEBGRAD_IMDB ?? resolve(repoRoot, '..', 'shared', 'data', 'aclImdb_labeled.tar.gz');
const reference = JSON.parse(readFileSync(new URL('../fixtures/data/imdb_reference.json', import.meta.url), 'utf8')) as Record<string, unknown>;

if (existsSync(realArchive)) {
  describe('loadImdb on the real aclImdb archive', () => {
    let data: ImdbData;

    it('loads 25,000 + 25,000 balanced reviews in well under 20 s', async () => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      data = await loadImdb({ path: realArchive });
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(c0);
      console.log(`loadImdb(${realArchive}): ${seconds.toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU`);
      expect(seconds).toBeLessThan(20);
      for (const split of [data.train, data.test]) {
        expect(split.texts).toHaveLength(25000);
        expect(split.labels.reduce((a, b) => a + b, 0)).toBe(12500);
        expect(split.ratings.every((r, i) => (split.labels[i] === 1 ? r >= 7 && r <= 10 : r >= 1 && r <= 4))).toBe(true);
      }
      expect(data.train.paths[0]).toBe(reference.first_path);
      expect(data.train.paths[24999]).toBe(reference.last_path);
    });

    it("builds exactly the word index of Keras's algorithm (Python reference) on the train texts", () => {
      const tok = new Tokenizer();
      const { ms, cpuMs } = timed(() => tok.fitOnTexts(data.train.texts));
      console.log(`fitOnTexts(25,000 IMDB reviews): ${ms.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU; vocabulary ${tok.wordIndex.size}; top 10: ${[...tok.wordIndex.keys()].slice(0, 10).join(' ')}`);
      expect(cpuMs).toBeLessThan(2000);
      expect(tok.wordIndex.size).toBe(reference.vocab_size_without_oov);
      expect([...tok.wordIndex.keys()].slice(0, 10)).toEqual(reference.top10_without_oov);
      expect([...tok.wordIndex.keys()].slice(0, 10).map((w) => tok.wordCounts.get(w))).toEqual(reference.top10_counts);
      const sha = (s: string) => createHash('sha256').update(s).digest('hex');
      expect(sha(pyJsonObject(tok.wordIndex))).toBe(reference.word_index_sha256);
      expect(sha(pyJsonObject(tok.wordCounts))).toBe(reference.word_counts_sha256);
    });

    it('produces the same padded matrix as Keras (numWords 10000, OOV, maxlen 120, truncating post)', () => {
      const tok = new Tokenizer({ numWords: 10000, oovToken: '<OOV>' });
      tok.fitOnTexts(data.train.texts);
      const x = padSequences(tok.textsToSequences(data.train.texts), { maxlen: 120, truncating: 'post' });
      expect(x.shape).toEqual([25000, 120]);
      expect(Array.from(x.data.subarray(0, 10))).toEqual(reference.oov10000_maxlen120_post_row0_first10);
      expect(x.data.reduce((a, b) => a + b, 0)).toBe(reference.oov10000_maxlen120_post_sum);
      const bytes = new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength); // little-endian, like numpy's tobytes()
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(reference.oov10000_maxlen120_post_sha256);
    });
  });
}
