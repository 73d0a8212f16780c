/** Bundles the `webgrad` executable for tests that spawn it, as scripts/build.mjs does for dist/cli/main.js. */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildPlugins } from '../../scripts/worker-source.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Writes the bundle to `outfile` (inside the repository, so `webgpu` resolves from node_modules). */
export async function bundleCli(outfile: string): Promise<string> {
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [join(ROOT, 'src/cli/main.ts')], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20',
    loader: { '.wgsl': 'text' }, plugins: buildPlugins, external: ['webgpu', '@stdlib/*'], banner: { js: '#!/usr/bin/env node' }, logLevel: 'error',
  });
  return outfile;
}
