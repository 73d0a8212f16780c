/**
 * A tiny static file server for driving pages in a browser: binds 127.0.0.1 on an ephemeral port,
 * serves one directory (the repository root by default, so a page under test/fixtures/ can import
 * /dist/browser/index.js), and is closed by the caller. Test and benchmark tooling only — not part
 * of the webgrad package.
 *
 * Why a server at all: `navigator.gpu` exists only in a secure context (https, http://localhost or
 * http://127.0.0.1), never on about:blank or file://, and ES modules need a real origin.
 *
 * @example
 * const server = await startStaticServer({ root: repoRoot });
 * try {
 *   await page.goto(`${server.origin}/test/fixtures/browser/bundle.html`);
 * } finally {
 *   await server.close();
 * }
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';

/** Content types by extension (lower case, with the dot). Unknown extensions get application/octet-stream. */
export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  // WebAssembly.instantiateStreaming / compileStreaming reject any other type.
  '.wasm': 'application/wasm',
  // The MIME type registered by the WGSL specification.
  '.wgsl': 'text/wgsl; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.tsv': 'text/tab-separated-values; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.bin': 'application/octet-stream',
  '.gz': 'application/gzip',
  '.tgz': 'application/gzip',
  '.tar': 'application/x-tar',
};

/** The Content-Type for a file name (by extension). */
export function mimeType(path: string): string {
  return MIME_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export interface StaticServerOptions {
  /** Directory to serve. Requests cannot escape it (`..`, encoded or not, is refused). */
  root: string;
  /** Host to bind; default 127.0.0.1 (never a public interface). */
  host?: string;
  /** Port; default 0 (an ephemeral port chosen by the OS). */
  port?: number;
  /**
   * Send `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`
   * so pages are cross-origin isolated (SharedArrayBuffer, wasm threads, precise timers).
   */
  crossOriginIsolated?: boolean;
  /** Extra headers on every response. */
  headers?: Record<string, string>;
  /** File served for `/` and for directory paths (default index.html). */
  index?: string;
  /**
   * Runs before static lookup; return true when it answered the request itself (e.g. a POST that
   * a benchmark page uses to hand back results). Errors become a 500.
   */
  handle?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
  /** Called once per request with its outcome (for debugging failed module loads). */
  log?: (line: string) => void;
}

export interface StaticServer {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  readonly origin: string;
  /** Same port under the name `localhost` (also a secure context). */
  readonly localhostOrigin: string;
  readonly port: number;
  readonly server: Server;
  /** Stops accepting connections, drops idle keep-alive sockets, resolves when closed. Idempotent. */
  close(): Promise<void>;
}

/** Starts the server; resolves once it listens. */
export async function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const root = resolve(options.root);
  const host = options.host ?? '127.0.0.1';
  const index = options.index ?? 'index.html';
  const baseHeaders: Record<string, string> = {
    // Tests rebuild dist/ between runs; never let the browser reuse a stale bundle.
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...(options.crossOriginIsolated
      ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' }
      : {}),
    ...options.headers,
  };

  const server = createServer((req, res) => {
    void serve(req, res).catch((e: unknown) => {
      options.log?.(`500 ${req.method} ${req.url}: ${(e as Error).message}`);
      if (!res.headersSent) res.writeHead(500, { ...baseHeaders, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`500 ${(e as Error).message}\n`);
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (options.handle && (await options.handle(req, res))) return;
    const reply = (status: number, text: string) => {
      options.log?.(`${status} ${req.method} ${req.url}`);
      res.writeHead(status, { ...baseHeaders, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : `${status} ${text}\n`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'method not allowed');
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return reply(400, 'bad path');
    }
    if (pathname.includes('\0')) return reply(400, 'bad path');
    let file = resolve(join(root, pathname));
    if (file !== root && !file.startsWith(root + sep)) return reply(403, 'outside the served root');
    let st = await stat(file).catch(() => null);
    if (st?.isDirectory()) {
      file = join(file, index);
      st = await stat(file).catch(() => null);
    }
    if (!st?.isFile()) return reply(404, `not found: ${pathname}`);
    options.log?.(`200 ${req.method} ${req.url}`);
    res.writeHead(200, { ...baseHeaders, 'Content-Type': mimeType(file), 'Content-Length': String(st.size) });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await new Promise<void>((done, fail) => {
      const stream = createReadStream(file);
      stream.on('error', fail);
      res.on('close', () => {
        stream.destroy();
        done();
      });
      stream.pipe(res);
    });
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    localhostOrigin: `http://localhost:${port}`,
    port,
    server,
    close() {
      closing ??= new Promise<void>((ok) => {
        server.close(() => ok());
        // Browsers keep connections alive; without this close() waits for their timeout.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
