// The tutorial model on WebGPU equals the CPU reference: same seed → same initial weights, the
// same outputs and every weight's gradient, and the same training steps (in-place Adam kernels).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/kernels/cpu/backend.js';
import type { WebGPUBackend } from '../../src/kernels/webgpu/backend.js';
import { fromFlat, losses, setSeed, tidy, train, withBackend, type Backend, type Sequential, type Tensor } from '../../src/index.js';
import { Rng } from '../../src/tensor/random.js';
import { expectAllClose } from '../helpers/allclose.js';
import { webgpuForTests } from '../helpers/webgpu.js';
import { tutorialModel } from './tutorial-model.js';

// The acceptance size (batch 512, length 120) is opt-in: WEBGRAD_FULL_SIZE=1.
const FULL = process.env.WEBGRAD_FULL_SIZE === '1';
const B = FULL ? 512 : 4;
const T = FULL ? 120 : 6;
const rng = new Rng(77);
const idValues = rng.ints(B * T, 0, 10000);
const labels = Array.from({ length: B }, (_, i) => i % 2);
const timeout = FULL ? 600_000 : 120_000;
const tol = { rtol: 1e-4, atol: 1e-5 };

function build(backend: Backend): Sequential {
  return withBackend(backend, () => {
    setSeed(2024);
    const m = tutorialModel();
    m.build();
    return m;
  });
}

async function forwardBackward(backend: Backend, model: Sequential): Promise<{ out: number[]; grads: number[][] }> {
  const { out, grads } = withBackend(backend, () =>
    tidy(() => {
      const x = fromFlat(idValues, [B, T], 'int32', backend);
      const y = fromFlat(labels, [B, 1], 'float32', backend);
      const pred = model.applyOne(x, { training: true });
      losses.binaryCrossentropy(y, pred).backward();
      return { out: pred, grads: model.weights.map((w) => w.value.grad!) };
    }),
  );
  const result = { out: Array.from(await out.data()), grads: await Promise.all(grads.map(async (g) => Array.from(await g.data()))) };
  out.dispose();
  for (const w of model.weights) {
    w.value.grad?.dispose();
    w.value.grad = null;
  }
  return result;
}

describe('tutorial model: WebGPU == CPU', () => {
  let gpu: WebGPUBackend | null = null;
  const cpu = new CpuBackend();
  let onCpu: Sequential;
  let onGpu: Sequential;
  beforeAll(async () => {
    gpu = await webgpuForTests({ poisonOutputs: true });
    onCpu = build(cpu);
    if (gpu) onGpu = build(gpu);
  });
  afterAll(() => {
    onCpu?.dispose();
    onGpu?.dispose();
    gpu?.dispose();
  });

  it('the same seed gives the same initial weights', async () => {
    if (!gpu) return;
    const a = onCpu.weights.map((w) => w.value.dataSync());
    const b = await Promise.all(onGpu.weights.map((w) => w.value.data()));
    a.forEach((w, i) => expect(Array.from(b[i]!), onCpu.weights[i]!.name).toEqual(Array.from(w)));
  });

  it(`outputs and every gradient (batch ${B}, length ${T}, random ids)`, async () => {
    if (!gpu) return;
    const want = await forwardBackward(cpu, onCpu);
    const got = await forwardBackward(gpu, onGpu);
    expectAllClose(got.out, want.out, { ...tol, what: 'output' });
    want.grads.forEach((g, i) => expectAllClose(got.grads[i]!, g, { ...tol, what: `gradient of ${onCpu.weights[i]!.name}` }));
  }, timeout);

  it('three Adam training steps (in-place fused updates) give the same losses and weights', async () => {
    if (!gpu) return;
    const run = async (backend: Backend, model: Sequential) => {
      model.compile({ optimizer: train.adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy' });
      const ls: Tensor[] = withBackend(backend, () => {
        const x = fromFlat(idValues, [B, T], 'int32', backend);
        const y = fromFlat(labels, [B], 'float32', backend);
        const out = [0, 1, 2].map(() => model.trainOnBatch(x, y));
        x.dispose();
        y.dispose();
        return out;
      });
      const values = await Promise.all(ls.map(async (l) => (await l.data())[0]!));
      ls.forEach((l) => l.dispose());
      return { values, weights: await Promise.all(model.weights.map(async (w) => Array.from(await w.value.data()))) };
    };
    const want = await run(cpu, onCpu);
    const got = await run(gpu, onGpu);
    expectAllClose(got.values, want.values, { ...tol, what: 'losses' });
    want.weights.forEach((w, i) => expectAllClose(got.weights[i]!, w, { ...tol, what: onCpu.weights[i]!.name }));
  }, timeout);
});
