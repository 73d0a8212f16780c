// `import s from './x.js?worker-source'`: module x bundled into one classic script, as a string,
// for worker threads (src/worker-source.d.ts). Shared by the esbuild build and the vitest config.
import { build } from 'esbuild';
import { dirname, resolve } from 'node:path';
import { watPlugin } from './wat.mjs';

export const WORKER_SUFFIX = '?worker-source';

/** The bundled script of the module at `file` (a .js specifier may name a .ts source). */
export async function bundleWorker(file) {
  const entry = file.replace(/\.js$/, '.ts');
  const out = await build({
    entryPoints: [entry], bundle: true, write: false, format: 'iife', platform: 'neutral', target: 'es2022',
    loader: { '.wgsl': 'text' }, plugins: buildPlugins, logLevel: 'warning', minifyWhitespace: true,
  });
  return out.outputFiles[0].text;
}

/** Resolves a `?worker-source` specifier against the importing file. */
export function workerPath(specifier, importer) {
  return resolve(dirname(importer), specifier.slice(0, -WORKER_SUFFIX.length));
}

/** The esbuild plugin. */
export const workerSourcePlugin = {
  name: 'worker-source',
  setup(b) {
    b.onResolve({ filter: /\?worker-source$/ }, (a) => ({ path: workerPath(a.path, a.importer), namespace: 'worker-source' }));
    b.onLoad({ filter: /.*/, namespace: 'worker-source' }, async (a) => ({ contents: await bundleWorker(a.path), loader: 'text' }));
  },
};

/** The plugins every esbuild build of src/ registers (the worker bundle too: it imports .wat modules). */
export const buildPlugins = [watPlugin, workerSourcePlugin];
