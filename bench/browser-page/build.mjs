#!/usr/bin/env node
/**
 * Builds the browser benchmark page into dist/bench-browser/ (or the directory given as the first
 * argument): one esbuild bundle of bench/browser-page/main.ts with webgrad (from source, WGSL as
 * text) and TensorFlow.js 4.22 (tfjs-core, tfjs-layers, tfjs-backend-webgpu, tfjs-backend-wasm),
 * index.html, and TF.js's .wasm files copied to wasm/ next to the page (the page calls
 * setWasmPaths('./wasm/')). Prints one line with the sizes; run by bench/browser.ts.
 * BENCH_PAGE_NOMINIFY=1 keeps the bundle readable (stack traces of page errors).
 */
import { build } from 'esbuild';
import { buildPlugins } from '../../scripts/worker-source.mjs';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');

export async function buildBenchPage(outdir = join(REPO, 'dist/bench-browser')) {
  const t = performance.now();
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(join(outdir, 'wasm'), { recursive: true });
  const result = await build({
    absWorkingDir: REPO,
    entryPoints: { main: 'bench/browser-page/main.ts' },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: !process.env.BENCH_PAGE_NOMINIFY,
    sourcemap: 'linked',
    loader: { '.wgsl': 'text' },
    plugins: buildPlugins,
    // Node-only code paths of webgrad import these lazily; TF.js's wasm backend names Node
    // modules it only touches under Node.
    external: ['webgpu', 'node:*', '@stdlib/*', 'fs', 'path', 'os', 'worker_threads', 'perf_hooks', 'crypto'],
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
    logLevel: 'warning',
  });
  copyFileSync(join(HERE, 'index.html'), join(outdir, 'index.html'));
  const require = createRequire(import.meta.url);
  const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  const wasmFiles = readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'));
  for (const f of wasmFiles) copyFileSync(join(wasmDir, f), join(outdir, 'wasm', f));
  const js = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith('.js')).map(([, o]) => o.bytes);
  return { outdir, bundleBytes: js.reduce((a, b) => a + b, 0), wasmFiles, ms: performance.now() - t };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await buildBenchPage(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(JSON.stringify(r));
}
