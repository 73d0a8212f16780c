import { defineConfig } from 'vitest/config';
import { readFileSync } from 'node:fs';
import { watModule } from './scripts/wat.mjs';
import { bundleWorker, workerPath, WORKER_SUFFIX } from './scripts/worker-source.mjs';

export default defineConfig({
  plugins: [
    {
      // Same contract as the esbuild `text` loader used by the build: a .wgsl import is its source.
      name: 'wgsl-as-text',
      transform(_code: string, id: string) {
        if (!id.endsWith('.wgsl')) return null;
        return { code: `export default ${JSON.stringify(readFileSync(id, 'utf8'))};`, map: null };
      },
    },
    {
      // Same contract as scripts/wat.mjs's esbuild plugin: a .wat import is its compiled binary.
      name: 'wat',
      transform(_code: string, id: string) {
        return id.endsWith('.wat') ? { code: watModule(id), map: null } : null;
      },
    },
    {
      // Same contract as scripts/worker-source.mjs's esbuild plugin: the bundled worker script.
      name: 'worker-source',
      enforce: 'pre' as const,
      resolveId(id: string, importer?: string) {
        return id.endsWith(WORKER_SUFFIX) && importer ? `\0${workerPath(id, importer)}${WORKER_SUFFIX}` : null;
      },
      async load(id: string) {
        if (!id.startsWith('\0') || !id.endsWith(WORKER_SUFFIX)) return null;
        return { code: `export default ${JSON.stringify(await bundleWorker(id.slice(1, -WORKER_SUFFIX.length)))};`, map: null };
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Dawn is one native instance per process; forks keep WebGPU files isolated and stable.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
