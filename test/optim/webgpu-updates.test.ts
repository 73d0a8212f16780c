// The optimizers' fused arena updates on WebGPU equal the CPU reference (every variant, subsets
// of parameters, late parameters), and adopted parameters (views at aligned offsets of one
// buffer) keep working: reads, writes, kernels, copies between views of one buffer, ownership.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/kernels/cpu/backend.js';
import type { GpuStorage, WebGPUBackend } from '../../src/kernels/webgpu/backend.js';
import { copyKernel } from '../../src/kernels/copy.js';
import { assign } from '../../src/nn/assign.js';
import { fromFlat, mul, resetStats, tidy, train, variable, withBackend, type Backend } from '../../src/index.js';
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
  clipvalue: () => train.adam({ learningRate: 0.01, clipvalue: 0.5 }),
  globalClipnorm: () => train.sgd({ learningRate: 0.1, momentum: 0.5, globalClipnorm: 1 }),
};

/** Which parameters get a gradient at each step: all, a subset, a late one. */
const SCHEDULE = [[0, 1, 2], [0, 2], [1, 2, 3], [0, 1, 2, 3]];

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
      const params = [...sizes, 70].map((n) => variable(fromFlat(rng.uniform(n, -1, 1), [n], 'float32', backend)));
      const opt = make();
      for (const which of SCHEDULE) {
        tidy(() => opt.applyGradients(which.map((i) => params[i]!).map((p) => [p, fromFlat(rng.uniform(p.size, -2, 2), p.shape, 'float32', backend)])));
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

describe('adopted parameters on WebGPU (views of one buffer)', () => {
  let gpu: WebGPUBackend | null = null;
  beforeAll(async () => {
    gpu = await webgpuForTests({ poisonOutputs: true });
  });
  afterAll(() => gpu?.dispose());

  it('read, write, compute with and copy between views; ownership returns on dispose; buffers stay flat', async () => {
    if (!gpu) return;
    const b = gpu;
    const base = b.stats();
    const rng = new Rng(3);
    const init = [5, 300, 1, 64].map((n) => rng.uniform(n, -1, 1));
    const ps = withBackend(b, () => init.map((v) => variable(fromFlat(v, [v.length], 'float32', b))));
    const opt = train.sgd({ learningRate: 0 }); // lr 0: the values stay put
    const stepOnce = () => withBackend(b, () => tidy(() => opt.applyGradients(ps.map((p) => [p, fromFlat(new Float32Array(p.size).fill(1), p.shape, 'float32', b)]))));
    withBackend(b, () => resetStats());
    stepOnce();
    expect(b.stats().dispatches, 'one update dispatch').toBe(1);
    expect(b.stats().submits, 'the step is submitted').toBe(1);
    const storages = ps.map((p) => p.storageFor('test') as GpuStorage);
    expect(storages.every((s) => s.view && s.buffer === storages[0]!.buffer)).toBe(true);
    const align = b.viewAlignment;
    const up = (n: number) => align * Math.ceil(n / align);
    const offsets = [0, up(5)];
    offsets.push(up(offsets[1]! + 300), up(up(offsets[1]! + 300) + 1));
    expect(storages.map((s) => (s.offset ?? 0) / 4)).toEqual(offsets);
    // Reads honour the offsets.
    for (const [i, p] of ps.entries()) expectAllClose(Array.from(await p.data()), init[i]!, { rtol: 1e-7, what: `read ${i}` });
    // Kernels read views (a fresh output) and write views (a copy into place when the source is in the same buffer).
    const doubled = withBackend(b, () => tidy(() => mul(ps[1]!, 2)));
    expectAllClose(Array.from(await doubled.data()), init[1]!.map((v) => 2 * v), { rtol: 1e-6, what: 'kernel on a view' });
    withBackend(b, () => tidy(() => assign(ps[2]!, fromFlat([7], [1], 'float32', b))));
    expect(Array.from(await ps[2]!.data())).toEqual([7]);
    const other = withBackend(b, () => variable(fromFlat(new Float32Array(64), [64], 'float32', b)));
    withBackend(b, () => assign(other, ps[3]!)); // view → own buffer
    expectAllClose(Array.from(await other.data()), init[3]!, { rtol: 1e-7, what: 'copy out of the arena' });
    withBackend(b, () => tidy(() => assign(ps[3]!, mul(other, -1)))); // own buffer → view (a kernel writes at an offset)
    withBackend(b, () => assign(ps[0]!, ps[0]!)); // the same storage: nothing to do
    expectAllClose(Array.from(await ps[3]!.data()), init[3]!.map((v) => -v), { rtol: 1e-7, what: 'written through a view' });
    // Two views of one buffer as source and target of one kernel: computed in scratch, copied into place.
    withBackend(b, () => tidy(() => assign(ps[1]!, mul(ps[1]!, 0).add(ps[1]!))));
    withBackend(b, () => b.dispatch(copyAll(5), [ps[0]!.storageFor('test')], [b.view((ps[1]!.storageFor('test') as GpuStorage), 0, 5)]));
    expectAllClose(Array.from(await ps[1]!.data()).slice(0, 5), init[0]!, { rtol: 1e-7, what: 'kernel from one view into another of the same buffer' });
    expectAllClose(Array.from(await ps[1]!.data()).slice(5), init[1]!.slice(5), { rtol: 1e-7, what: 'the rest of the target view' });
    // Writes honour the offsets and leave the neighbours alone.
    withBackend(b, () => b.write(ps[1]!.storageFor('test'), new Float32Array(300).fill(3)));
    expect(Array.from(await ps[1]!.data()).every((v) => v === 3)).toBe(true);
    expectAllClose(Array.from(await ps[0]!.data()), init[0]!, { rtol: 1e-7, what: 'neighbour untouched' });
    doubled.dispose();
    other.dispose();
    const live = b.stats();
    for (let i = 0; i < 20; i++) stepOnce();
    expect(b.stats().buffers).toBe(live.buffers);
    expect(b.stats().bytes).toBe(live.bytes);
    const before = await Promise.all(ps.map(async (p) => Array.from(await p.data())));
    opt.dispose();
    expect(ps.every((p) => !(p.storageFor('test') as GpuStorage).view)).toBe(true);
    expect(await Promise.all(ps.map(async (p) => Array.from(await p.data())))).toEqual(before);
    ps.forEach((p) => p.dispose());
    expect(b.stats().buffers).toBe(base.buffers);
    expect(b.stats().bytes).toBe(base.bytes);
  });
});

/** A plain copy kernel (element i → i) for n elements. */
function copyAll(n: number) {
  return copyKernel('copy', 'float32', 1, [{ input: 0, shape: [n], srcOffset: 0, srcStrides: [1], dstOffset: 0, dstStrides: [1] }]);
}
