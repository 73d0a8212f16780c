// The budget for one training step of the tutorial model on WebGPU: at most 40 dispatches
// and exactly one submit (no readback inside the step; the optimizer's single fused update ends
// it), and live buffers, bytes and tensors flat over 300 steps. The dispatch count does not depend
// on the batch size (checked at 512 × 120 by hand, see the report), so a small batch is used here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kernel, Storage } from '../../src/kernels/backend.js';
import type { WebGPUBackend } from '../../src/kernels/webgpu/backend.js';
import { add, equal, fromFlat, greater, matMul, matmulConfig, mean, mul, relu, resetStats, setSeed, sigmoidCrossEntropyWithLogits, square, stats, sub, sum, tidy, train, withBackend, type Sequential, type Tensor } from '../../src/index.js';
import { bceWithLogitsMean, binaryAccuracyFused, dense, meanSquaredErrorFused } from '../../src/tensor/ops/fused.js';
import { CpuBackend } from '../../src/kernels/cpu/backend.js';
import { Rng } from '../../src/tensor/random.js';
import { expectAllClose } from '../helpers/allclose.js';
import { webgpuForTests } from '../helpers/webgpu.js';
import { tutorialModel } from '../nn/tutorial-model.js';

const BUDGET = 40;

describe('dispatch budget of a training step (WebGPU)', () => {
  let gpu: WebGPUBackend | null = null;
  /** Kernel names (× programs) dispatched since the last reset. */
  const ops: string[] = [];
  beforeAll(async () => {
    gpu = await webgpuForTests();
    if (!gpu) return;
    const dispatch = gpu.dispatch.bind(gpu);
    gpu.dispatch = (kernel: Kernel, inputs: readonly Storage[], outputs: readonly Storage[]) => {
      const before = gpu!.stats().dispatches;
      dispatch(kernel, inputs, outputs);
      const n = gpu!.stats().dispatches - before;
      ops.push(n === 1 ? kernel.name : `${kernel.name}×${n}`);
    };
  });
  afterAll(() => gpu?.dispose());

  function compiled(b: WebGPUBackend): Sequential {
    return withBackend(b, () => {
      setSeed(5);
      const model = tutorialModel();
      model.compile({ optimizer: train.adam(), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
      return model;
    });
  }

  function batch(b: WebGPUBackend, B: number, T: number, seed: number): [Tensor, Tensor] {
    const rng = new Rng(seed);
    return withBackend(b, () => [fromFlat(rng.ints(B * T, 0, 10000), [B, T], 'int32', b), fromFlat(Array.from({ length: B }, (_, i) => i % 2), [B, 1], 'float32', b)]);
  }

  it(`one step of the tutorial model (Adam, loss + accuracy): ≤ ${BUDGET} dispatches, exactly 1 submit`, async () => {
    if (!gpu) return;
    const b = gpu;
    const model = compiled(b);
    const [x, y] = batch(b, 8, 20, 1);
    // The first step adopts the parameters into the optimizer's arena and compiles the pipelines.
    for (let i = 0; i < 2; i++) withBackend(b, () => model.trainStep(x, y)).forEach((t) => t.dispose());
    await b.sync();
    withBackend(b, () => resetStats());
    ops.length = 0;
    const out = withBackend(b, () => model.trainStep(x, y));
    const s = b.stats();
    console.log(`[dispatch budget] one training step, batch 8 × 20 on ${b.description}: ${s.dispatches} dispatches, ${s.submits} submit(s): ${ops.join(' ')}`);
    expect(s.dispatches, ops.join(' ')).toBeLessThanOrEqual(BUDGET);
    expect(s.submits, 'the step submits once, and reads nothing back').toBe(1);
    expect(ops.filter((o) => o === 'adamUpdate'), 'the update of all parameters is one dispatch').toHaveLength(1);
    const [loss, acc] = await Promise.all(out.map(async (t) => (await t.data())[0]!));
    expect(Number.isFinite(loss)).toBe(true);
    expect(acc).toBeGreaterThanOrEqual(0);
    out.forEach((t) => t.dispose());
    x.dispose();
    y.dispose();
    model.dispose();
  });

  it('live buffers, bytes and tensors stay flat over 300 steps', async () => {
    if (!gpu) return;
    const b = gpu;
    const model = compiled(b);
    const [x, y] = batch(b, 2, 6, 2);
    const snapshot = () => {
      const s = withBackend(b, () => stats());
      return { tensors: s.tensors, buffers: s.buffers, bytes: s.bytes, pipelines: s.pipelines };
    };
    const pending: Tensor[] = [];
    const losses: number[] = [];
    let warm: ReturnType<typeof snapshot> | null = null;
    const t0 = performance.now();
    for (let i = 0; i < 300; i++) {
      const [loss, ...rest] = withBackend(b, () => model.trainStep(x, y));
      rest.forEach((t) => t.dispose());
      pending.push(loss!);
      // Read back a step late every 25 steps (as training's loss readback does).
      if (i % 25 === 24) {
        const l = pending.shift()!;
        losses.push((await l.data())[0]!);
        l.dispose();
      }
      while (pending.length > 1) pending.shift()!.dispose();
      if (i === 4) warm = snapshot();
      if (i > 4 && i % 50 === 0) expect(snapshot(), `after step ${i + 1}`).toEqual(warm);
    }
    pending.forEach((t) => t.dispose());
    pending.length = 0;
    const ms = performance.now() - t0;
    const last = snapshot();
    console.log(`[dispatch budget] 300 steps at batch 2 × 6: ${(ms / 300).toFixed(1)} ms/step; live ${last.tensors} tensors, ${last.buffers} buffers, ${last.bytes} bytes`);
    expect({ ...last }).toEqual({ ...warm!, tensors: warm!.tensors - 1, buffers: warm!.buffers - 1, bytes: warm!.bytes - 16 });
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!, 'it learns the two examples').toBeLessThan(losses[0]!);
    x.dispose();
    y.dispose();
    model.dispose();
  }, 120_000);

  // The registry test runs the dense op on the adapter's own matmul variant (register blocking on
  // SwiftShader); the epilogue must also be right in the workgroup-tiled variant real GPUs use.
  it('the fused dense kernel (bias and activation in the matmul store) equals the CPU in the tiled matmul variant too', async () => {
    if (!gpu) return;
    const b = gpu;
    const rng = new Rng(8);
    const [M, K, N] = [67, 9, 70];
    const xs = rng.uniform(M * K, -1, 1);
    const ws = rng.uniform(K * N, -1, 1);
    const bs = rng.uniform(N, -1, 1);
    const run = (backend: CpuBackend | WebGPUBackend, act: 'linear' | 'relu' | 'tanh') =>
      withBackend(backend, () => tidy(() => dense(fromFlat(xs, [M, K], 'float32', backend), fromFlat(ws, [K, N], 'float32', backend), fromFlat(bs, [N], 'float32', backend), act)));
    const cpu = new CpuBackend();
    for (const variant of ['tiled'] as const) {
      for (const act of ['relu'] as const) {
        matmulConfig.variant = variant;
        try {
          const got = run(b, act);
          const want = run(cpu, act);
          expectAllClose(Array.from(await got.data()), Array.from(want.dataSync()), { rtol: 1e-5, atol: 1e-6, what: `${variant} ${act}` });
          got.dispose();
          want.dispose();
        } finally {
          matmulConfig.variant = 'auto';
        }
      }
    }
  });
});

describe('the fused ops equal the compositions they replace (float64 CPU, values and gradients)', () => {
  const cpu = new CpuBackend({ precision: 'float64' });
  const rng = new Rng(11);
  const leaf = (v: Float64Array, shape: number[]) => {
    const t = fromFlat(v, shape, 'float32', cpu);
    t.requiresGrad = true;
    return t;
  };
  /** The value and the inputs' gradients of f, on fresh leaves of the same values. */
  const evaluate = (f: (xs: Tensor[]) => Tensor, values: Float64Array[], shapes: number[][]) =>
    withBackend(cpu, () =>
      tidy(() => {
        const xs = values.map((v, i) => leaf(v, shapes[i]!));
        const y = f(xs);
        y.backward();
        const out = { value: Array.from(y.dataSync()), grads: xs.map((x) => Array.from(x.grad!.dataSync())) };
        xs.forEach((x) => x.grad!.dispose());
        return out;
      }),
    );
  const same = (a: ReturnType<typeof evaluate>, b: ReturnType<typeof evaluate>, what: string) => {
    expectAllClose(a.value, b.value, { rtol: 1e-12, atol: 1e-15, what: `${what} value` });
    a.grads.forEach((g, i) => expectAllClose(g, b.grads[i]!, { rtol: 1e-12, atol: 1e-15, what: `${what} gradient ${i}` }));
  };

  it('dense = matMul + add + relu', () => {
    const shapes = [[13, 5], [5, 4], [4]];
    const values = shapes.map((s) => rng.uniform(s.reduce((a, b) => a * b, 1), -1, 1));
    same(
      evaluate(([x, w, b]) => sum(mul(dense(x!, w!, b!, 'relu'), 0.5)), values, shapes),
      evaluate(([x, w, b]) => sum(mul(relu(add(matMul(x!, w!), b!)), 0.5)), values, shapes),
      'dense relu',
    );
  });

  it('bceWithLogitsMean = mean(sigmoidCrossEntropyWithLogits); meanSquaredError = mean(square(sub))', () => {
    const shapes = [[9, 1], [9, 1]];
    const values = [rng.uniform(9, -5, 5), rng.uniform(9, 0, 1)];
    same(evaluate(([x, y]) => bceWithLogitsMean(y!, x!), values, shapes), evaluate(([x, y]) => mean(sigmoidCrossEntropyWithLogits(y!, x!)), values, shapes), 'bce');
    same(evaluate(([p, y]) => meanSquaredErrorFused(y!, p!), values, shapes), evaluate(([p, y]) => mean(square(sub(p!, y!))), values, shapes), 'mse');
  });

  it('binaryAccuracy = mean(equal(greater(p, t), y))', () =>
    withBackend(cpu, () =>
      tidy(() => {
        const p = fromFlat([0.2, 0.5, 0.51, 0.9, 0.49, 0.7], [6, 1], 'float32', cpu);
        const y = fromFlat([0, 1, 1, 0, 0, 1], [6, 1], 'float32', cpu);
        expect(binaryAccuracyFused(y, p).dataSync()[0]).toBe(mean(equal(greater(p, 0.5), y)).dataSync()[0]);
        expect(binaryAccuracyFused(y, p).dataSync()[0]).toBeCloseTo(4 / 6, 6);
      }),
    ));
});
