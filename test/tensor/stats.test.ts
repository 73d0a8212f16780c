// A training-like loop inside tidy must not leak: wg.stats() stays flat over 200 iterations of a
// small MLP's forward and backward on both backends. On WebGPU the work is batched: no submit
// happens until a readback or an explicit flush.
import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import type { Backend, Tensor } from '../../src/index.js';
import { cpuAndWebgpuForTests } from '../helpers/backends.js';

const backends = cpuAndWebgpuForTests();

/** A 2-layer MLP (matmul, bias add, relu, sigmoid, squared error, mean) and its data. */
function makeModel(b: Backend) {
  return wg.withBackend(b, () => {
    wg.setSeed(7);
    const params = {
      w1: wg.variable(wg.randomNormal([6, 16], 0, 0.5), 'w1'),
      b1: wg.variable(wg.zeros([16]), 'b1'),
      w2: wg.variable(wg.randomNormal([16, 1], 0, 0.5), 'w2'),
      b2: wg.variable(wg.zeros([1]), 'b2'),
    };
    const x = wg.randomUniform([33, 6], -1, 1);
    const y = wg.tidy(() => wg.randomUniform([33, 1]).greater(0.5));
    /** One forward + backward inside a scope; returns the loss (kept). */
    const step = (): Tensor =>
      wg.withBackend(b, () =>
        wg.tidy(() => {
          const h = x.matMul(params.w1).add(params.b1).relu();
          const p = h.matMul(params.w2).add(params.b2).sigmoid();
          const loss = p.sub(y).square().mean();
          loss.backward();
          return loss;
        }),
      );
    const all = () => [...Object.values(params), ...Object.values(params).map((p) => p.grad), x, y].filter((t): t is Tensor => !!t);
    return { params, step, dispose: () => wg.dispose(all()) };
  });
}

const snapshot = (b: Backend) => {
  const s = wg.withBackend(b, () => wg.stats());
  return { tensors: s.tensors, buffers: s.buffers, bytes: s.bytes, pipelines: s.pipelines };
};

describe.each(['cpu', 'webgpu'] as const)('stats stay flat on %s', (name) => {
  it('over 200 iterations of a 2-layer MLP forward+backward inside tidy', async (ctx) => {
    const b: Backend = name === 'cpu' ? backends.cpu : (backends.gpu ?? ctx.skip());
    const base = snapshot(b);
    const model = makeModel(b);
    const start = snapshot(b);
    expect(start.tensors - base.tensors).toBe(6);
    // Warm up: the first step creates the parameters' gradients and compiles pipelines.
    for (let i = 0; i < 3; i++) model.step().dispose();
    const warm = snapshot(b);
    // Four parameter gradients appear once and then are replaced in place (accumulated).
    expect(warm.tensors - start.tensors).toBe(4);
    wg.withBackend(b, () => wg.resetStats());
    const dispatches: number[] = [];
    let last = 0;
    const losses: Tensor[] = [];
    for (let i = 0; i < 200; i++) {
      const loss = model.step();
      const now = wg.withBackend(b, () => wg.stats()).dispatches;
      dispatches.push(now - last);
      last = now;
      if (i % 50 === 49) losses.push(loss); // a few read back below, a step late (as training does)
      else loss.dispose();
      if (i % 50 === 0 && losses.length) {
        const l = losses.shift()!;
        expect(Number.isFinite((await l.data())[0]!)).toBe(true);
        l.dispose();
      }
      if (i % 20 === 19) {
        const s = snapshot(b);
        expect(s, `after iteration ${i + 1}`).toEqual({ ...warm, tensors: warm.tensors + losses.length, buffers: warm.buffers + losses.length, bytes: warm.bytes + losses.length * (name === 'webgpu' ? 16 : 4) });
      }
    }
    for (const l of losses) l.dispose();
    expect(snapshot(b)).toEqual(warm);
    // The same work every step: the dispatch count per step never changes.
    expect(new Set(dispatches).size, `dispatches per step: ${[...new Set(dispatches)].join(', ')}`).toBe(1);
    expect(dispatches[0]!).toBeGreaterThan(10);
    // The gradient accumulated over all 203 steps is finite and non-zero.
    const g = await model.params.w1.grad!.data();
    expect(g.every(Number.isFinite)).toBe(true);
    expect(g.some((v) => v !== 0)).toBe(true);
    model.dispose();
    expect(snapshot(b)).toEqual({ ...base, pipelines: warm.pipelines });
  });
});

describe('WebGPU command batching', () => {
  it('one training step issues no submit until a readback or a flush', async (ctx) => {
    const b = backends.gpu ?? ctx.skip();
    const model = makeModel(b);
    model.step().dispose(); // compile pipelines, fill the pool
    await b.sync();
    wg.withBackend(b, () => wg.resetStats());
    const loss = model.step();
    let s = wg.withBackend(b, () => wg.stats());
    expect(s.dispatches).toBeGreaterThan(10);
    expect(s.submits).toBe(0);
    // A readback submits the batch once.
    const value = (await loss.data())[0]!;
    expect(Number.isFinite(value)).toBe(true);
    s = wg.withBackend(b, () => wg.stats());
    expect(s.submits).toBe(1);
    loss.dispose();
    // Two more steps, still nothing submitted; an explicit flush submits them together.
    model.step().dispose();
    model.step().dispose();
    expect(wg.withBackend(b, () => wg.stats()).submits).toBe(1);
    wg.withBackend(b, () => wg.flush());
    expect(wg.withBackend(b, () => wg.stats()).submits).toBe(2);
    // Nothing pending: another flush does not submit an empty batch.
    wg.withBackend(b, () => wg.flush());
    expect(wg.withBackend(b, () => wg.stats()).submits).toBe(2);
    // Creating tensors from host data does not submit either (uploads go through the queue).
    wg.withBackend(b, () => wg.tensor([1, 2, 3]).dispose());
    expect(wg.withBackend(b, () => wg.stats()).submits).toBe(2);
    model.dispose();
  });

  it('a write to a buffer that pending commands read lands after them', async (ctx) => {
    const b = backends.gpu ?? ctx.skip();
    await b.sync();
    const x = wg.withBackend(b, () => wg.tensor([1, 2, 3]));
    const y = wg.withBackend(b, () => x.mul(10)); // queued, not submitted
    b.write(x.storageFor('test'), [7, 8, 9]);
    const z = wg.withBackend(b, () => x.mul(10)); // must see the new values
    expect(Array.from(await y.data())).toEqual([10, 20, 30]);
    expect(Array.from(await z.data())).toEqual([70, 80, 90]);
    expect(Array.from(await x.data())).toEqual([7, 8, 9]);
    wg.dispose([x, y, z]);
  });
});
