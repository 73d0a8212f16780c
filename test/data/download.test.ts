import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { downloadFile, formatProgress, type DownloadProgress } from '../../src/data/download.js';
import { IMDB_ARCHIVE, loadImdb } from '../../src/data/imdb.js';
import { fakeReviews, imdbEntries, writeTar } from './helpers/tarWriter.js';
import { serveFile, type TestServer } from './helpers/server.js';

const tmp = mkdtempSync(join(tmpdir(), 'webgrad-download-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

// A small aclImdb-like tarball; the unsup review is filler that makes it ~100 kB compressed, so
// the download takes many chunks and can be cut in the middle.
const reviews = fakeReviews();
let seed = 99;
const noise = Array.from({ length: 150_000 }, () => String.fromCharCode(97 + ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % 26))).join('');
const entries = imdbEntries(reviews);
entries.push({ path: 'aclImdb/train/unsup/9_0.txt', body: noise });
const ARCHIVE = gzipSync(writeTar(entries, 'gnu'));
const SHA = createHash('sha256').update(ARCHIVE).digest('hex');

async function serve(behaviour = {}) {
  const s = await serveFile(ARCHIVE, '/data/aclImdb_v1.tar.gz', behaviour);
  servers.push(s);
  return s;
}

function cacheDir(name: string) {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('loadImdb download', () => {
  it('resumes with a Range request after a dropped connection, checks the file, and caches it', async () => {
    const server = await serve({ dropAfter: 40_000 });
    const dir = cacheDir('resume');
    const events: DownloadProgress[] = [];
    const opts = { url: server.url, cacheDir: dir, sha256: SHA, size: ARCHIVE.length, onProgress: (p: DownloadProgress) => events.push(p), retryDelayMs: 0 };
    const data = await loadImdb({ download: opts });
    expect(data.train.texts).toHaveLength(6);
    expect(server.ranges).toEqual(['', 'bytes=40000-']);
    expect(readFileSync(join(dir, 'aclImdb_v1.tar.gz'))).toEqual(Buffer.from(ARCHIVE));
    expect(existsSync(join(dir, 'aclImdb_v1.tar.gz.part'))).toBe(false);
    // Progress: monotone within each connection, the second resumes at 40000, the last is done.
    const resumed = events.filter((e) => e.resumedFrom === 40_000);
    expect(resumed.length).toBeGreaterThan(1);
    expect(events.filter((e) => e.resumedFrom === 0).at(-1)!.received).toBe(40_000);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ done: true, received: ARCHIVE.length, total: ARCHIVE.length, etaSeconds: 0 });
    expect(last.bytesPerSecond).toBeGreaterThan(0);
    // A second load finds the verified file in the cache: no request at all.
    await loadImdb({ download: opts });
    expect(server.ranges).toHaveLength(2);
  });

  it('resumes from exactly what reached the disk after an abrupt reset', async () => {
    const server = await serve({ dropAfter: 30_000, reset: true });
    const dest = join(cacheDir('reset'), 'a.tgz');
    const firstConnection: number[] = [];
    const onProgress = (p: DownloadProgress) => void (p.resumedFrom === 0 && firstConnection.push(p.received));
    await downloadFile({ url: server.url, dest, sha256: SHA, onProgress, retryDelayMs: 0 });
    const got = firstConnection.at(-1)!;
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThanOrEqual(30_000);
    expect(server.ranges).toEqual(['', `bytes=${got}-`]);
    expect(readFileSync(dest)).toEqual(Buffer.from(ARCHIVE));
  });

  it('continues a .part file left by an interrupted run', async () => {
    const server = await serve();
    const dir = cacheDir('part');
    writeFileSync(join(dir, 'aclImdb_v1.tar.gz.part'), ARCHIVE.subarray(0, 1234));
    await downloadFile({ url: server.url, dest: join(dir, 'aclImdb_v1.tar.gz'), sha256: SHA, size: ARCHIVE.length, onProgress: false });
    expect(server.ranges).toEqual(['bytes=1234-']);
    expect(createHash('sha256').update(readFileSync(join(dir, 'aclImdb_v1.tar.gz'))).digest('hex')).toBe(SHA);
  });

  it('starts over when the server ignores Range, and follows redirects', async () => {
    const server = await serve({ ignoreRange: true });
    const dir = cacheDir('norange');
    writeFileSync(join(dir, 'a.tgz.part'), Buffer.from('garbage that must not stay at the front'));
    await downloadFile({ url: server.url.replace('/data/aclImdb_v1.tar.gz', '/moved'), dest: join(dir, 'a.tgz'), sha256: SHA, onProgress: false });
    expect(server.ranges).toEqual(['bytes=39-']);
    expect(readFileSync(join(dir, 'a.tgz'))).toEqual(Buffer.from(ARCHIVE));
  });

  it('rejects a file that fails its sha256 or size check, and deletes it', async () => {
    const server = await serve();
    const dir = cacheDir('badsha');
    const dest = join(dir, 'x.tar.gz');
    await expect(downloadFile({ url: server.url, dest, sha256: '0'.repeat(64), onProgress: false })).rejects.toThrow(
      new RegExp(`downloadFile: .* failed its check: sha256 ${SHA}, expected 0{64}; the download was deleted`),
    );
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.part`)).toBe(false);
    await expect(downloadFile({ url: server.url, dest, size: 5, onProgress: false })).rejects.toThrow(`downloadFile: ${server.url} is ${ARCHIVE.length} bytes, expected 5`);
  });

  it('reports HTTP errors and gives up after the retries, keeping the partial file', async () => {
    const missing = await serve({ status: 404 });
    const dir = cacheDir('errors');
    await expect(downloadFile({ url: missing.url, dest: join(dir, 'a'), onProgress: false })).rejects.toThrow(/downloadFile: http:\/\/127\.0\.0\.1:\d+\/data\/aclImdb_v1\.tar\.gz answered HTTP 404/);
    expect(missing.ranges).toHaveLength(1); // a 4xx is final
    const failing = await serve({ status: 503 });
    await expect(downloadFile({ url: failing.url, dest: join(dir, 'a'), onProgress: false, retries: 2, retryDelayMs: 0 })).rejects.toThrow(/after 3 attempts \(downloadFile: .* answered HTTP 503/);
    expect(failing.ranges).toHaveLength(3); // a 5xx is retried
    const flaky = await serve({ dropAfter: 10_000, drops: 99 });
    await expect(downloadFile({ url: flaky.url, dest: join(dir, 'b'), onProgress: false, retries: 2, retryDelayMs: 0 })).rejects.toThrow(
      /downloadFile: giving up on .* after 3 attempts .*; the partial file .*b\.part is kept for the next try/,
    );
    expect(flaky.ranges).toEqual(['', 'bytes=10000-', 'bytes=20000-']);
    expect(readFileSync(join(dir, 'b.part'))).toEqual(Buffer.from(ARCHIVE.subarray(0, 30_000)));
    await expect(downloadFile({ url: 'ftp://example.com/x', dest: join(dir, 'c'), onProgress: false, retries: 0 })).rejects.toThrow(/unsupported protocol/);
  });

  it('defaults to the canonical archive and checksum', () => {
    expect(IMDB_ARCHIVE).toEqual({
      url: 'https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz',
      fileName: 'aclImdb_v1.tar.gz',
      size: 84125825,
      sha256: 'c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe',
    });
  });
});

describe('progress reporting', () => {
  const MB = 1024 * 1024;
  const base = { url: 'u', resumedFrom: 0, done: false };

  it('formats bytes, percentage, rate and ETA', () => {
    expect(formatProgress({ ...base, received: 4 * MB, total: 8 * MB, bytesPerSecond: MB, etaSeconds: 4 })).toBe('[############------------]  50.0% 4.0 MB/8.0 MB 1.0 MB/s ETA 4s');
    expect(formatProgress({ ...base, received: 512, total: 1024, bytesPerSecond: 256, etaSeconds: 125 }, 4)).toBe('[##--]  50.0% 0.5 kB/1.0 kB 0.3 kB/s ETA 2m05s');
    expect(formatProgress({ ...base, received: 8 * MB, total: 8 * MB, bytesPerSecond: 2 * MB, etaSeconds: 0, done: true }, 4)).toBe('[####] 100.0% 8.0 MB/8.0 MB 2.0 MB/s done');
    expect(formatProgress({ ...base, received: 3 * MB, total: null, bytesPerSecond: MB, etaSeconds: null })).toBe('3.0 MB 1.0 MB/s');
  });

  it('draws a default progress bar on stderr', async () => {
    const server = await serve();
    const writes: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      await downloadFile({ url: server.url, dest: join(cacheDir('bar'), 'a.tgz'), size: ARCHIVE.length });
    } finally {
      spy.mockRestore();
    }
    const text = writes.join('');
    expect(text).toMatch(/\[#{24}\] 100\.0% .* [kM]B\/s done\n$/);
    expect(text).toMatch(/ETA \d+s/);
  });
});
