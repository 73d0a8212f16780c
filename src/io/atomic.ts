/**
 * Crash-safe file writes (Node): the content goes to a temporary file in the same folder, which is
 * flushed to disk and then renamed over the target. Readers see the old file or the new one, never
 * a half-written one; if the writer fails, the temporary file is removed and the target is left as
 * it was.
 */

/** What {@link writeFileAtomic} accepts: bytes, text, or chunks produced as it goes. */
export type AtomicContent = string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

export interface AtomicWriteOptions {
  /** fsync the file before the rename and the folder after it (default true). */
  fsync?: boolean;
  /** File mode of a new file (default 0o644). */
  mode?: number;
}

let counter = 0;

/** The temporary name used for a file called `base`: hidden, unique per process and call. */
function tempName(base: string): string {
  return `.${base}.${process.pid}.${++counter}${Math.random().toString(36).slice(2, 8)}.tmp`;
}

/** Whether a file name is one of our temporary files (for cleanup and tests). */
export function isTempName(name: string): boolean {
  return /^\..+\.\d+\.\d+[a-z0-9]*\.tmp$/.test(name);
}

/**
 * Writes `content` to `path` atomically (temp file + fsync + rename). The folder must exist.
 *
 * @example
 * await writeFileAtomic('run/history.json', JSON.stringify(history));
 */
export async function writeFileAtomic(path: string, content: AtomicContent, options: AtomicWriteOptions = {}): Promise<void> {
  const fsp = await import('node:fs/promises');
  const { dirname, basename, join } = await import('node:path');
  const sync = options.fsync ?? true;
  const tmp = join(dirname(path), tempName(basename(path)));
  const handle = await fsp.open(tmp, 'wx', options.mode ?? 0o644);
  let closed = false;
  try {
    if (typeof content === 'string' || content instanceof Uint8Array) {
      await handle.writeFile(content);
    } else {
      for await (const chunk of content as AsyncIterable<string | Uint8Array>) {
        // writeFile writes the whole chunk at the current position (write() may stop short).
        await handle.writeFile(chunk);
      }
    }
    if (sync) await handle.sync();
    await handle.close();
    closed = true;
    await fsp.rename(tmp, path);
  } catch (e) {
    if (!closed) await handle.close().catch(() => {});
    await fsp.rm(tmp, { force: true }).catch(() => {});
    throw e;
  }
  if (sync) await syncDir(dirname(path));
}

/** fsync a folder so a rename in it survives a power cut (best effort: not every OS allows it). */
async function syncDir(dir: string): Promise<void> {
  const fsp = await import('node:fs/promises');
  let h: import('node:fs/promises').FileHandle | undefined;
  try {
    h = await fsp.open(dir, 'r');
    await h.sync();
  } catch {
    // Folders cannot be opened or synced on some platforms; the rename itself is still atomic.
  } finally {
    await h?.close().catch(() => {});
  }
}

/** {@link writeFileAtomic} for JSON, pretty-printed with a final newline. */
export async function writeJsonAtomic(path: string, value: unknown, options: AtomicWriteOptions = {}): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, options);
}
