/**
 * A small streaming tar reader: entries come out one by one from an async byte stream (e.g. a
 * gunzip stream), and bodies nobody asks for are skipped without being buffered. Why our own:
 * reading aclImdb_v1.tar.gz must not need extraction to disk or a dependency, and the 50k unsup
 * reviews plus the .feat files should cost only the time to stream past them.
 *
 * Supports ustar (with the `prefix` field), GNU long names/links (types 'L'/'K') and pax headers
 * ('x' per entry, 'g' global: path, linkpath, size, mtime). Platform-neutral (no node: imports).
 */

/** One archive member. Its body can be read once, before iteration moves on. */
export interface TarEntry {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';
  /** The raw type flag character ('0', '5', ...; '' for an old NUL flag). */
  typeflag: string;
  size: number;
  mode: number;
  /** Modification time, seconds since the epoch. */
  mtime: number;
  linkPath: string;
  /** The whole body. May share memory with the source chunk; copy it to keep it long. */
  bytes(): Promise<Uint8Array>;
  /** The body decoded as UTF-8. */
  text(): Promise<string>;
}

const BLOCK = 512;
// ignoreBOM keeps a leading U+FEFF, as Python and fs.readFile(..., 'utf8') do, so an archive and
// an extracted folder give identical texts.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Thrown for archives that are cut short or have damaged headers. */
export class TarError extends Error {
  override name = 'TarError';
}

/** Pulls exact byte counts out of a chunked stream, without copying when a chunk suffices. */
class ByteReader {
  private chunk: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private ended = false;
  /** Bytes consumed so far (for error messages). */
  offset = 0;

  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  private async fill(): Promise<boolean> {
    while (this.pos >= this.chunk.length) {
      if (this.ended) return false;
      const r = await this.source.next();
      if (r.done) {
        this.ended = true;
        return false;
      }
      this.chunk = r.value;
      this.pos = 0;
    }
    return true;
  }

  /** Exactly n bytes; null only if the stream ended before the first byte. */
  async read(n: number, what: string): Promise<Uint8Array | null> {
    if (!(await this.fill())) {
      if (n === 0) return new Uint8Array(0);
      return null;
    }
    if (this.chunk.length - this.pos >= n) {
      const out = this.chunk.subarray(this.pos, this.pos + n);
      this.pos += n;
      this.offset += n;
      return out;
    }
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      if (!(await this.fill())) throw new TarError(`truncated archive: ${what} ends after ${got} of ${n} bytes (at byte ${this.offset})`);
      const take = Math.min(n - got, this.chunk.length - this.pos);
      out.set(this.chunk.subarray(this.pos, this.pos + take), got);
      this.pos += take;
      this.offset += take;
      got += take;
    }
    return out;
  }

  async skip(n: number, what: string): Promise<void> {
    let left = n;
    while (left > 0) {
      if (!(await this.fill())) throw new TarError(`truncated archive: ${what} ends ${left} bytes short (at byte ${this.offset})`);
      const take = Math.min(left, this.chunk.length - this.pos);
      this.pos += take;
      this.offset += take;
      left -= take;
    }
  }
}

function cString(b: Uint8Array, start: number, len: number): string {
  let end = start;
  while (end < start + len && b[end] !== 0) end++;
  return utf8.decode(b.subarray(start, end));
}

/** Numeric field: octal text, or GNU base-256 when the high bit of the first byte is set. */
function numeric(b: Uint8Array, start: number, len: number): number {
  if (b[start] & 0x80) {
    let v = b[start] & 0x7f;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + b[i];
    return v;
  }
  const s = cString(b, start, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarError(`corrupt archive: bad numeric field ${JSON.stringify(s)}`);
  return parseInt(s, 8);
}

function isZeroBlock(b: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

function checksumOk(b: Uint8Array): boolean {
  let stored: number;
  try {
    stored = numeric(b, 148, 8);
  } catch {
    return false; // not even an octal number: not a header
  }
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const v = i >= 148 && i < 156 ? 0x20 : b[i];
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  return stored === unsigned || stored === signed; // some old writers summed signed chars
}

/** Parses pax records "<len> <key>=<value>\n" into a map. */
function parsePax(body: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < body.length) {
    let sp = pos;
    while (sp < body.length && body[sp] !== 0x20) sp++;
    const len = parseInt(utf8.decode(body.subarray(pos, sp)), 10);
    if (!Number.isFinite(len) || len <= 0 || pos + len > body.length) {
      if (body[pos] === 0) break; // NUL padding
      throw new TarError('corrupt archive: malformed pax header record');
    }
    const rec = utf8.decode(body.subarray(sp + 1, pos + len - 1)); // drop the trailing '\n'
    const eq = rec.indexOf('=');
    if (eq > 0) out.set(rec.slice(0, eq), rec.slice(eq + 1));
    pos += len;
  }
  return out;
}

const TYPES: Record<string, TarEntry['type']> = { '': 'file', '0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '5': 'directory' };

/**
 * Iterates the entries of a tar stream. Unread bodies are skipped when the loop moves on;
 * breaking out of the loop releases the source (its iterator's `return` is called).
 *
 * @example
 * for await (const e of readTar(fs.createReadStream(f).pipe(zlib.createGunzip()))) {
 *   if (e.path.endsWith('.txt')) console.log(e.path, (await e.text()).length);
 * }
 */
export async function* readTar(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry, void, undefined> {
  const it = source[Symbol.asyncIterator]();
  const r = new ByteReader(it);
  let longName: string | null = null;
  let longLink: string | null = null;
  let pax = new Map<string, string>();
  const globalPax = new Map<string, string>();
  try {
    for (;;) {
      const at = r.offset;
      const h = await r.read(BLOCK, 'a header');
      if (h === null) throw new TarError(`truncated archive: no end-of-archive marker after byte ${at}`);
      if (isZeroBlock(h)) return;
      if (!checksumOk(h)) throw new TarError(`corrupt archive: header checksum mismatch at byte ${at} (not a tar file, or damaged)`);
      const typeflag = h[156] === 0 ? '' : String.fromCharCode(h[156]);
      const meta = { ...Object.fromEntries(globalPax), ...Object.fromEntries(pax) } as Record<string, string | undefined>;
      const size = meta.size !== undefined ? Number(meta.size) : numeric(h, 124, 12);
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      if (typeflag === 'L' || typeflag === 'K' || typeflag === 'x' || typeflag === 'g') {
        // Metadata for the next entry: small, so it is read whole.
        const body = (await r.read(size, 'a long-name/pax record')) ?? new Uint8Array(0);
        if (body.length < size) throw new TarError(`truncated archive: metadata record at byte ${at} is incomplete`);
        const copy = body.slice();
        await r.skip(padded - size, 'record padding');
        if (typeflag === 'L') longName = cString(copy, 0, copy.length);
        else if (typeflag === 'K') longLink = cString(copy, 0, copy.length);
        else if (typeflag === 'x') pax = parsePax(copy);
        else for (const [k, v] of parsePax(copy)) globalPax.set(k, v);
        continue;
      }
      let path = cString(h, 0, 100);
      // POSIX ustar ("ustar\0") splits long paths into prefix + name; GNU ("ustar  ") does not.
      if (cString(h, 257, 6) === 'ustar' && h[262] === 0) {
        const prefix = cString(h, 345, 155);
        if (prefix) path = `${prefix}/${path}`;
      }
      path = meta.path ?? longName ?? path;
      let type = TYPES[typeflag] ?? 'other';
      if (type === 'file' && path.endsWith('/')) type = 'directory'; // pre-POSIX directories
      const linkPath = meta.linkpath ?? longLink ?? cString(h, 157, 100);
      longName = longLink = null;
      pax = new Map();
      let state = 'pending' as 'pending' | 'read' | 'gone';
      const bytes = async (): Promise<Uint8Array> => {
        if (state !== 'pending') throw new TarError(`readTar: the body of ${path} was already read or skipped; read it before advancing`);
        state = 'read';
        const b = await r.read(size, `the body of ${path}`);
        return b ?? (size === 0 ? new Uint8Array(0) : Promise.reject(new TarError(`truncated archive: the body of ${path} is missing`)));
      };
      yield {
        path,
        type,
        typeflag,
        size,
        mode: numeric(h, 100, 8),
        mtime: meta.mtime !== undefined ? Number(meta.mtime) : numeric(h, 136, 12),
        linkPath,
        bytes,
        text: async () => utf8.decode(await bytes()),
      };
      const wasRead = state === 'read';
      state = 'gone';
      await r.skip(wasRead ? padded - size : padded, `the body of ${path}`);
    }
  } finally {
    await it.return?.();
  }
}
