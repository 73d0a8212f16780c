/**
 * Resumable file download (Node only) with size and sha256 checks and progress reporting.
 *
 * Why resumable: the IMDB archive is 84 MB on a server that is often slow; a dropped connection
 * should continue from the bytes already on disk (HTTP Range), not start over. Node modules are
 * imported lazily so that importing src/data in a browser does not fail.
 */
import type { IncomingMessage } from 'node:http';

/** A progress report. `total` is null when the server does not say. */
export interface DownloadProgress {
  url: string;
  received: number;
  total: number | null;
  /** Average rate of the current connection. */
  bytesPerSecond: number;
  /** Seconds left at the current rate, or null when unknown. */
  etaSeconds: number | null;
  /** Byte offset this connection resumed from (0 for a fresh start). */
  resumedFrom: number;
  done: boolean;
}

export interface DownloadOptions {
  url: string;
  /** Final path of the file; `<dest>.part` holds the bytes while downloading. */
  dest: string;
  /** Expected size in bytes. */
  size?: number;
  /** Expected sha256 (hex). */
  sha256?: string;
  /** Progress callback; default a progress bar on stderr; `false` for silence. */
  onProgress?: ((p: DownloadProgress) => void) | false;
  /** How many times a dropped connection is resumed. Default 5. */
  retries?: number;
  /** Delay before a retry, multiplied by the attempt number. Default 500 ms. */
  retryDelayMs?: number;
  /** A connection idle this long is dropped (and resumed). Default 30 s. */
  idleTimeoutMs?: number;
}

/** Thrown when the server answers with an error status or the file fails its checks. */
export class DownloadError extends Error {
  override name = 'DownloadError';
}

const MB = 1024 * 1024;

function fmtBytes(n: number): string {
  return n >= MB ? `${(n / MB).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} kB`;
}

function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

/** One line of the default progress bar, e.g. `[#####-----]  50.0% 4.0 MB/8.0 MB 1.0 MB/s ETA 4s`. */
export function formatProgress(p: DownloadProgress, width = 24): string {
  const rate = `${fmtBytes(p.bytesPerSecond)}/s`;
  if (p.total === null || p.total <= 0) return `${fmtBytes(p.received)} ${rate}`;
  const frac = Math.min(1, p.received / p.total);
  const filled = Math.round(frac * width);
  const eta = p.done ? 'done' : `ETA ${p.etaSeconds === null ? '?' : fmtSeconds(p.etaSeconds)}`;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(frac * 100).toFixed(1).padStart(5)}% ${fmtBytes(p.received)}/${fmtBytes(p.total)} ${rate} ${eta}`;
}

/** The default reporter: redraws one stderr line (TTY) or prints every 10% (logs). */
export function stderrProgressBar(): (p: DownloadProgress) => void {
  const tty = Boolean(process.stderr.isTTY);
  let lastDraw = 0;
  let lastDecile = -1;
  return (p) => {
    if (tty) {
      const now = Date.now();
      if (!p.done && now - lastDraw < 100) return;
      lastDraw = now;
      process.stderr.write(`\r${formatProgress(p)}${p.done ? '\n' : ''}`);
    } else {
      const decile = p.total ? Math.floor((10 * p.received) / p.total) : -1;
      if (p.done || decile > lastDecile) {
        lastDecile = decile;
        process.stderr.write(`${formatProgress(p)}\n`);
      }
    }
  };
}

/** sha256 (hex) of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  const { createReadStream } = await import('node:fs');
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: MB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function fileSize(path: string): Promise<number | null> {
  const { stat } = await import('node:fs/promises');
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}

/** GET with redirects; resolves with the response of the final hop. */
async function get(url: string, headers: Record<string, string>, idleTimeoutMs: number, hops = 0): Promise<IncomingMessage> {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new DownloadError(`downloadFile: unsupported protocol in ${url}`);
  const mod = u.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = mod.get(u, { headers }, resolve);
    req.setTimeout(idleTimeoutMs, () => req.destroy(new Error(`no data for ${idleTimeoutMs} ms`)));
    req.on('error', reject);
  });
  const status = res.statusCode ?? 0;
  if (status >= 300 && status < 400 && res.headers.location) {
    res.resume();
    if (hops >= 5) throw new DownloadError(`downloadFile: too many redirects for ${url}`);
    return get(new URL(res.headers.location, u).toString(), headers, idleTimeoutMs, hops + 1);
  }
  return res;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Downloads `url` to `dest`, resuming `<dest>.part` with a Range request after a dropped
 * connection or an earlier interrupted run, then checks size and sha256. An existing `dest`
 * that passes the checks is reused without any request.
 *
 * @example
 * await downloadFile({ url, dest: '/tmp/aclImdb_v1.tar.gz', size: 84125825, sha256: 'c40f…' });
 */
export async function downloadFile(options: DownloadOptions): Promise<string> {
  const { url, dest, size, sha256, retries = 5, retryDelayMs = 500, idleTimeoutMs = 30_000 } = options;
  const report = options.onProgress === false ? null : (options.onProgress ?? stderrProgressBar());
  const fs = await import('node:fs');
  const fsp = await import('node:fs/promises');
  const { dirname } = await import('node:path');

  const verify = async (path: string): Promise<string | null> => {
    const n = await fileSize(path);
    if (size !== undefined && n !== size) return `size ${n} bytes, expected ${size}`;
    if (sha256 !== undefined) {
      const got = await sha256File(path);
      if (got !== sha256.toLowerCase()) return `sha256 ${got}, expected ${sha256.toLowerCase()}`;
    }
    return null;
  };

  if ((await fileSize(dest)) !== null && (await verify(dest)) === null) return dest;
  await fsp.mkdir(dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  let lastError: unknown = null;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0 && retryDelayMs > 0) await sleep(retryDelayMs * attempt);
    let start = (await fileSize(part)) ?? 0;
    if (size !== undefined && start > size) {
      await fsp.rm(part, { force: true });
      start = 0;
    }
    if (size !== undefined && start === size) {
      lastError = null; // complete already; verified below
      break;
    }
    let res: IncomingMessage;
    try {
      res = await get(url, start > 0 ? { range: `bytes=${start}-` } : {}, idleTimeoutMs);
    } catch (e) {
      lastError = e;
      continue;
    }
    const status = res.statusCode ?? 0;
    if (status === 416) {
      // Our .part is at least as long as the file: keep it if it is whole, else start over.
      res.resume();
      const total = Number(/\/(\d+)$/.exec(String(res.headers['content-range'] ?? ''))?.[1]);
      if (total === start) {
        lastError = null;
        break;
      }
      await fsp.rm(part, { force: true });
      lastError = new DownloadError(`downloadFile: server rejected the resume range for ${url}`);
      continue;
    }
    if (status !== 200 && status !== 206) {
      res.resume();
      const err = new DownloadError(`downloadFile: ${url} answered HTTP ${status} ${res.statusMessage ?? ''}`.trim());
      if (status >= 500) {
        lastError = err; // a server hiccup: worth another try
        continue;
      }
      throw err;
    }
    // 206 must continue exactly where we are; 200 (server ignores Range) means from zero.
    const rangeStart = status === 206 ? Number(/^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''))?.[1]) : 0;
    if (status === 206 && rangeStart !== start) {
      res.resume();
      await fsp.rm(part, { force: true });
      lastError = new DownloadError(`downloadFile: server resumed at byte ${rangeStart}, not ${start}`);
      continue;
    }
    const offset = status === 206 ? start : 0;
    const length = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : null;
    const total = length !== null ? offset + length : (size ?? null);
    if (size !== undefined && total !== null && total !== size) {
      res.resume();
      throw new DownloadError(`downloadFile: ${url} is ${total} bytes, expected ${size}`);
    }
    let received = offset;
    const t0 = Date.now();
    const progress = (done: boolean): DownloadProgress => {
      const secs = Math.max(1e-3, (Date.now() - t0) / 1000);
      const bytesPerSecond = (received - offset) / secs;
      const etaSeconds = total !== null && bytesPerSecond > 0 ? (total - received) / bytesPerSecond : null;
      return { url, received, total, bytesPerSecond, etaSeconds, resumedFrom: offset, done };
    };
    // Copy with 'data' events and no pausing, rather than pipeline() or for-await: when the
    // connection drops, a paused response discards the chunks it buffered (and pipeline()
    // destroys the file stream with its pending bytes). Here every byte received reaches the
    // disk before the resume; a disk slower than the network only grows the write queue.
    const out = fs.createWriteStream(part, { flags: offset > 0 ? 'a' : 'w' });
    let dropped: unknown = null;
    await new Promise<void>((resolve) => {
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        report?.(progress(false));
        out.write(chunk);
      });
      res.on('error', (e) => (dropped = e));
      res.on('close', () => resolve());
    });
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    if (dropped !== null) {
      lastError = dropped; // loop and resume from what reached the disk
      continue;
    }
    if (length !== null && received < offset + length) {
      lastError = new DownloadError(`downloadFile: connection closed after ${received} of ${offset + length} bytes`);
      continue;
    }
    report?.(progress(true));
    lastError = null;
    break;
  }
  if (lastError !== null) {
    const msg = lastError instanceof Error ? lastError.message : String(lastError);
    throw new DownloadError(`downloadFile: giving up on ${url} after ${retries + 1} attempts (${msg}); the partial file ${part} is kept for the next try`);
  }
  const problem = await verify(part);
  if (problem !== null) {
    await fsp.rm(part, { force: true });
    throw new DownloadError(`downloadFile: ${url} failed its check: ${problem}; the download was deleted`);
  }
  await fsp.rename(part, dest);
  return dest;
}
