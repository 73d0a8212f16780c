import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readTar, type TarEntry } from '../../src/data/tar.js';
import { chunked, writeTar, type LongNameStyle } from './helpers/tarWriter.js';

const fixture = (name: string) => new URL(`../fixtures/data/${name}`, import.meta.url);
const D60 = 'd'.repeat(60);
const LONG = `aclImdb/train/pos/${D60}/${D60}/123_9.txt`; // 149 characters

async function list(source: AsyncIterable<Uint8Array>, read: (e: TarEntry) => boolean = () => true) {
  const out: Array<{ path: string; type: string; size: number; link: string; text?: string }> = [];
  for await (const e of readTar(source)) {
    out.push({ path: e.path, type: e.type, size: e.size, link: e.linkPath, ...(read(e) && e.type === 'file' ? { text: await e.text() } : {}) });
  }
  return out;
}

describe('readTar on archives made by GNU tar (independent oracle)', () => {
  // Made with: tar --format={gnu,pax,ustar} --sort=name -cf - aclImdb | gzip -9n
  for (const format of ['gnu', 'pax', 'ustar']) {
    it(`reads the ${format} format: long names, unicode names, symlinks`, async () => {
      const entries = await list(createReadStream(fixture(`tar-${format}.tar.gz`)).pipe(createGunzip()));
      expect(entries.map((e) => [e.path.replace(/\/$/, ''), e.type])).toEqual([
        ['aclImdb', 'directory'],
        ['aclImdb/train', 'directory'],
        ['aclImdb/train/neg', 'directory'],
        ['aclImdb/train/neg/big.txt', 'file'],
        ['aclImdb/train/neg/link.txt', 'symlink'],
        ['aclImdb/train/neg/ünï_1.txt', 'file'],
        ['aclImdb/train/pos', 'directory'],
        [`aclImdb/train/pos/${D60}`, 'directory'],
        [`aclImdb/train/pos/${D60}/${D60}`, 'directory'],
        [LONG, 'file'],
      ]);
      const byPath = new Map(entries.map((e) => [e.path, e]));
      expect(byPath.get('aclImdb/train/neg/big.txt')?.text).toBe('x'.repeat(1000));
      expect(byPath.get('aclImdb/train/neg/link.txt')?.link).toBe('big.txt');
      expect(byPath.get('aclImdb/train/neg/ünï_1.txt')?.text).toBe('Café 😀');
      expect(byPath.get(LONG)?.text).toBe('long one');
    });
  }
});

describe('readTar on generated archives', () => {
  const sizes = [0, 1, 511, 512, 513, 1500];
  const entries = sizes.map((n, i) => ({ path: `dir/file${i}-${n}.bin`, body: 'abcdefghij'.repeat(200).slice(0, n) }));
  const longBase = `dir/${'n'.repeat(120)}.txt`; // a base name too long even for ustar's prefix trick

  for (const style of ['gnu', 'pax'] as LongNameStyle[]) {
    it(`${style}: long names and every padding case, across awkward chunk boundaries`, async () => {
      const tar = writeTar([...entries, { path: longBase, body: 'long base' }, { path: 'dir/sub/', type: '5' }], style);
      for (const chunk of [1, 7, 512, 100000]) {
        const got = await list(chunked(tar, chunk));
        expect(got.map((e) => e.path)).toEqual([...entries.map((e) => e.path), longBase, 'dir/sub/']);
        expect(got.map((e) => e.size)).toEqual([...sizes, 9, 0]);
        expect(got.slice(0, sizes.length).map((e) => e.text)).toEqual(entries.map((e) => e.body));
        expect(got[sizes.length].text).toBe('long base');
        expect(got[sizes.length + 1].type).toBe('directory');
      }
    });
  }

  it('ustar: joins the prefix field with the name', async () => {
    const path = `${'p'.repeat(90)}/${'q'.repeat(50)}/file.txt`;
    const got = await list(chunked(writeTar([{ path, body: 'prefixed' }], 'ustar'), 64));
    expect(got).toEqual([{ path, type: 'file', size: 8, link: '', text: 'prefixed' }]);
  });

  it('keeps a byte-order mark in bodies (like Python and fs.readFile)', async () => {
    const got = await list(chunked(writeTar([{ path: 'bom.txt', body: '\ufeffhi' }], 'gnu'), 512));
    expect(got[0].text).toBe('\ufeffhi');
  });

  it('skips bodies that are not read', async () => {
    const tar = writeTar(entries, 'gnu');
    const got = await list(chunked(tar, 100), (e) => e.path.includes('file3'));
    expect(got.filter((e) => e.text !== undefined).map((e) => e.text)).toEqual([entries[3].body]);
    expect(got).toHaveLength(entries.length);
  });

  it('refuses to read a body after iteration moved on', async () => {
    let first: TarEntry | null = null;
    for await (const e of readTar(chunked(writeTar(entries, 'gnu'), 512))) first ??= e;
    await expect(first!.text()).rejects.toThrow(/body of dir\/file0-0\.bin was already read or skipped/);
  });

  it('releases the source when the loop stops early', async () => {
    let closed = false;
    async function* source() {
      try {
        yield* chunked(writeTar(entries, 'gnu'), 512);
      } finally {
        closed = true;
      }
    }
    for await (const e of readTar(source())) if (e.path.includes('file1')) break;
    expect(closed).toBe(true);
  });

  it('reports truncated and corrupt archives', async () => {
    const tar = writeTar(entries, 'gnu');
    await expect(list(chunked(tar.subarray(0, 6000), 512))).rejects.toThrow(/truncated archive: the body of dir\/file5-1500\.bin ends/);
    await expect(list(chunked(writeTar(entries, 'gnu', false), 512))).rejects.toThrow(/truncated archive: no end-of-archive marker/);
    await expect(list(chunked(tar.subarray(0, 700), 512))).rejects.toThrow(/truncated archive/);
    const bad = tar.slice();
    bad[512 + 10] ^= 0xff; // a byte inside the second header's name
    await expect(list(chunked(bad, 512))).rejects.toThrow(/corrupt archive: header checksum mismatch at byte 512/);
    await expect(list(chunked(new TextEncoder().encode('not a tar file at all'.repeat(40)), 512))).rejects.toThrow(/checksum mismatch at byte 0/);
  });
});
