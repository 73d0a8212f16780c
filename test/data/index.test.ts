import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import * as data from '../../src/data/index.js';
import { fakeReviews, imdbEntries, writeTar } from './helpers/tarWriter.js';

const tmp = mkdtempSync(join(tmpdir(), 'webgrad-index-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('src/data public API', () => {
  it('runs the issue\'s example end to end', async () => {
    const path = join(tmp, 'aclImdb_v1.tar.gz');
    writeFileSync(path, gzipSync(writeTar(imdbEntries(fakeReviews()), 'pax')));
    const imdb = await data.loadImdb({ path });
    const tok = new data.Tokenizer({ numWords: 10, oovToken: '<OOV>' });
    tok.fitOnTexts(imdb.train.texts);
    const x = data.padSequences(tok.textsToSequences(imdb.train.texts), { maxlen: 8, truncating: 'post' });
    expect(x.shape).toEqual([6, 8]);
    const ds = data.dataset(x, imdb.train.labels).shuffle({ seed: 1 }).batch(4);
    expect(ds.stepsPerEpoch).toBe(2);
    const seen: number[] = [];
    for (const { x: bx, y: by } of ds) {
      expect(bx.shape).toEqual([by.shape[0], 8]);
      seen.push(...by.data);
    }
    expect(seen.sort()).toEqual([0, 0, 0, 1, 1, 1]);
    // br (12×) first, then the 6× words in first-seen order, then neg/awful/pos/great; "0" is
    // rank 12 ≥ numWords → OOV. First review: train neg review 0 awful film br br café 😀.
    expect([...tok.wordIndex.keys()].slice(0, 11)).toEqual(['<OOV>', 'br', 'train', 'review', 'film', 'café', '😀', 'neg', 'awful', 'pos', 'great']);
    expect(Array.from(x.data.subarray(0, 8))).toEqual([3, 8, 4, 1, 9, 5, 2, 2]);
    expect(tok.sequencesToTexts([x.data.subarray(0, 8)])).toEqual(['train neg review <OOV> awful film br br']);
  });

  it('exports the documented names', () => {
    for (const name of ['Tokenizer', 'textToWordSequence', 'padSequences', 'dataset', 'Dataset', 'loadImdb', 'loadSpamAssassin', 'loadTextClassification', 'parseTextClassification', 'parseCsv', 'downloadFile', 'formatProgress', 'readTar', 'mulberry32', 'permutation'] as const) {
      expect(typeof data[name], name).toBe('function');
    }
    expect(data.DEFAULT_FILTERS).toContain('!');
    expect(data.IMDB_ARCHIVE.size).toBe(84125825);
  });
});
