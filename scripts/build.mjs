// Builds the library for Node and for browsers (WGSL bundled as text), the CLI and benches,
// and emits type declarations.
import { build } from 'esbuild';
import { execSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { buildPlugins } from './worker-source.mjs';

const common = { bundle: true, format: 'esm', sourcemap: true, loader: { '.wgsl': 'text' }, logLevel: 'warning', plugins: buildPlugins };
const nodeExternal = ['webgpu', '@stdlib/*', '@tensorflow/*', 'playwright-core'];

await build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/node/index.js', platform: 'node', target: 'node20', external: nodeExternal });
await build({
  ...common, entryPoints: ['src/index.ts'], outfile: 'dist/browser/index.js', platform: 'browser', target: 'es2022',
  // Node-only modules stay external: product code imports them lazily, inside Node-only paths.
  external: ['webgpu', 'node:*', '@stdlib/*'],
});
const benches = existsSync('bench') ? readdirSync('bench').filter((f) => f.endsWith('.ts')).map((f) => `bench/${f}`) : [];
if (benches.length) {
  await build({ ...common, entryPoints: benches, outdir: 'dist/bench', platform: 'node', target: 'node20', external: nodeExternal });
}
if (existsSync('src/cli/main.ts')) {
  await build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli/main.js', platform: 'node', target: 'node20', external: nodeExternal, banner: { js: '#!/usr/bin/env node' } });
}
execSync('npx tsc -p tsconfig.build.json', { stdio: 'inherit' });
