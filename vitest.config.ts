import { defineConfig } from 'vitest/config';
import { readFileSync } from 'node:fs';

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
