// CPU seconds per training step of the tutorial model (Embedding 10000×16 → Bidirectional GRU(32)
// → Dense 6 relu → Dense 1 sigmoid; batch 512, T 120) on one CPU thread, with this tree's
// src/kernels/gru-cpu.ts against a git revision's (default HEAD): the library is bundled twice and
// the two models step in turn in one process, so load on the machine hits both alike. Reports the
// whole step and the GRU kernels (gru, gruGrad) per step.
// Usage: npm run bench:gru-cpu -- [steps] [revision]   (e.g. 4 22acd7d: the last commit before the WASM kernels)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildPlugins } from '../scripts/worker-source.mjs';

const steps = Number(process.argv[2] ?? 4);
const revision = process.argv[3] ?? 'HEAD';
const dir = mkdtempSync(join(tmpdir(), 'bench-gru-cpu-'));
// The revision's file (its imports are type-only, so it bundles from anywhere).
const before = join(dir, 'gru-cpu.before.ts');
writeFileSync(before, execFileSync('git', ['show', `${revision}:src/kernels/gru-cpu.ts`]));
const swap = { name: 'gru-cpu-before', setup: (b) => b.onResolve({ filter: /\/gru-cpu\.js$/ }, () => ({ path: before })) };

/** The library bundled (with gru-cpu.ts swapped for the revision's when `old`), imported. */
async function library(name, old) {
  const outfile = join(dir, `${name}.mjs`);
  await build({
    entryPoints: [resolve('src/index.ts')], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20',
    external: ['webgpu', '@stdlib/*', '@tensorflow/*', 'playwright-core'], loader: { '.wgsl': 'text' },
    plugins: old ? [swap, ...buildPlugins] : buildPlugins, logLevel: 'warning',
  });
  return import(pathToFileURL(outfile).href);
}

const cpuSeconds = (since) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1e6;
};

/** A tutorial model on a 1-thread CPU backend whose dispatches are timed by kernel name. */
function setup(wg) {
  const backend = new wg.CpuBackend({ threads: 1 });
  const kernels = new Map();
  const dispatch = backend.dispatch.bind(backend);
  backend.dispatch = (k, i, o) => {
    const c = process.cpuUsage();
    dispatch(k, i, o);
    kernels.set(k.name, (kernels.get(k.name) ?? 0) + cpuSeconds(c));
  };
  return wg.withBackend(backend, () => {
    wg.setSeed(1);
    const { layers } = wg;
    const model = wg.sequential({ layers: [
      layers.embedding({ inputDim: 10000, outputDim: 16 }), layers.bidirectional({ layer: layers.gru({ units: 32 }) }),
      layers.dense({ units: 6, activation: 'relu' }), layers.dense({ units: 1, activation: 'sigmoid' }),
    ] });
    model.compile({ optimizer: wg.train.adam(), loss: 'binaryCrossentropy' });
    const B = 512;
    const T = 120;
    const x = wg.fromFlat(Int32Array.from({ length: B * T }, (_, i) => (i * 7919) % 10000), [B, T], 'int32');
    const y = wg.fromFlat(Float32Array.from({ length: B }, (_, i) => i % 2), [B, 1], 'float32');
    return { wg, backend, kernels, model, x, y, total: 0 };
  });
}

async function step(run) {
  const c = process.cpuUsage();
  await run.wg.withBackend(run.backend, async () => {
    const loss = run.model.trainOnBatch(run.x, run.y);
    await loss.data();
    loss.dispose();
  });
  return cpuSeconds(c);
}

const runs = { before: setup(await library('before', true)), now: setup(await library('now', false)) };
for (const run of Object.values(runs)) {
  await step(run); // warm-up: compiles and allocates
  run.kernels.clear();
}
for (let s = 0; s < steps; s++) for (const run of Object.values(runs)) run.total += await step(run);
for (const [name, { total, kernels }] of Object.entries(runs)) {
  const per = (k) => ((kernels.get(k) ?? 0) / steps).toFixed(3);
  console.log(`${name.padEnd(7)} step ${(total / steps).toFixed(3)} s  gru ${per('gru')} s  gruGrad ${per('gruGrad')} s  (CPU seconds per step, mean of ${steps})`);
}
