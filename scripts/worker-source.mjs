// `import s from './x.js?worker-source'`: module x bundled into one classic script, as a string,
// for worker threads (src/worker-source.d.ts). Shared by the esbuild build and the vitest config.
import { buildSync } from 'esbuild';
import { dirname, resolve } from 'node:path';

export const WORKER_SUFFIX = '?worker-source';

/** The bundled script of the module at `file` (a .js specifier may name a .ts source). */
export function bundleWorker(file) {
  const entry = file.replace(/\.js$/, '.ts');
  const out = buildSync({
    entryPoints: [entry], bundle: true, write: false, format: 'iife', platform: 'neutral', target: 'es2022',
    loader: { '.wgsl': 'text' }, logLevel: 'warning', minifyWhitespace: true,
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
    b.onLoad({ filter: /.*/, namespace: 'worker-source' }, (a) => ({ contents: bundleWorker(a.path), loader: 'text' }));
  },
};
