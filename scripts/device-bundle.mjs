// Builds the Node benchmarks as self-contained bundles for a machine with no registry and no
// node_modules (the lent GPU machines of this workplace): TensorFlow.js is bundled in; only Dawn
// (`webgpu`, a native addon carried beside the bundles) stays external.
//   node scripts/device-bundle.mjs OUTDIR   → OUTDIR/bench/{train-step,profile-step,imdb-tutorial,step-timeline}.js
import { build } from 'esbuild';
import { buildPlugins } from './worker-source.mjs';

const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/device-bundle.mjs OUTDIR');
  process.exit(2);
}
await build({
  entryPoints: ['bench/train-step.ts', 'bench/profile-step.ts', 'bench/imdb-tutorial.ts', 'bench/step-timeline.ts'],
  outdir: `${out}/bench`,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  loader: { '.wgsl': 'text' },
  plugins: buildPlugins,
  external: ['webgpu', 'node:*'],
  // TF.js's CommonJS builds call require(); an ESM bundle needs one in scope.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
console.log(`wrote ${out}/bench`);
