// The optimizers' in-place update kernels on WebGPU equal the CPU reference (every variant).
import { afterAll, beforeAll, describe, it } from 'vitest';
import { CpuBackend } from '../../src/kernels/cpu/backend.js';
import type { WebGPUBackend } from '../../src/kernels/webgpu/backend.js';
import { fromFlat, tidy, train, variable, withBackend, type Backend } from '../../src/index.js';
import { Rng } from '../../src/tensor/random.js';
import { expectAllClose } from '../helpers/allclose.js';
import { webgpuForTests } from '../helpers/webgpu.js';

const VARIANTS = {
  adam: () => train.adam({ learningRate: 0.01 }),
  amsgrad: () => train.adam({ learningRate: 0.01, amsgrad: true }),
  adamw: () => train.adamw({ learningRate: 0.01, weightDecay: 0.1 }),
  sgd: () => train.sgd({ learningRate: 0.1 }),
  momentum: () => train.sgd({ learningRate: 0.1, momentum: 0.9 }),
  nesterov: () => train.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }),
  clipnorm: () => train.adam({ learningRate: 0.01, clipnorm: 0.5 }),
};

describe('in-place optimizer updates: WebGPU == CPU', () => {
  let gpu: WebGPUBackend | null = null;
  beforeAll(async () => {
    gpu = await webgpuForTests();
  });
  afterAll(() => gpu?.dispose());

  async function run(backend: Backend, make: () => { applyGradients: (p: [ReturnType<typeof variable>, ReturnType<typeof variable>][]) => void; dispose(): void }) {
    const rng = new Rng(5);
    const sizes = [1, 257, 33];
    return withBackend(backend, async () => {
      const params = sizes.map((n) => variable(fromFlat(rng.uniform(n, -1, 1), [n], 'float32', backend)));
      const opt = make();
      for (let s = 0; s < 3; s++) {
        tidy(() => opt.applyGradients(params.map((p) => [p, fromFlat(rng.uniform(p.size, -2, 2), p.shape, 'float32', backend)])));
      }
      const out = await Promise.all(params.map(async (p) => Array.from(await p.data())));
      params.forEach((p) => p.dispose());
      opt.dispose();
      return out;
    });
  }

  for (const [name, make] of Object.entries(VARIANTS)) {
    it(name, async () => {
      if (!gpu) return;
      const want = await run(new CpuBackend(), make);
      const got = await run(gpu, make);
      want.forEach((w, i) => expectAllClose(got[i]!, w, { rtol: 1e-5, atol: 1e-6, what: `${name} parameter ${i}` }));
    });
  }
});
