// Autograd semantics on both backends: accumulation, noGrad, detach, shared inputs, reshape views,
// and leaf gradients that outlive scopes.
import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import type { Backend, Tensor } from '../../src/index.js';
import { cpuAndWebgpuForTests } from '../helpers/backends.js';

const backends = cpuAndWebgpuForTests();

const on = <T>(b: Backend, fn: () => T): T => wg.withBackend(b, fn);
const values = async (t: Tensor): Promise<number[]> => Array.from(await t.data());
const close = (actual: number[], expected: number[], digits = 5) => {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(v, `element ${i} of [${actual.join(', ')}]`).toBeCloseTo(expected[i]!, digits));
};

describe.each(['cpu', 'webgpu'] as const)('autograd on %s', (name) => {
  const backend = (ctx: { skip: () => never }): Backend => (name === 'cpu' ? backends.cpu : (backends.gpu ?? ctx.skip()));

  it('accumulates gradients across two backward calls, and starts over when .grad is reset', async (ctx) => {
    const b = backend(ctx);
    const x = on(b, () => wg.variable(wg.tensor([1, 2, 3]), 'x'));
    const step = () => on(b, () => wg.tidy(() => x.mul(x).sum().backward())); // d/dx Σx² = 2x
    step();
    close(await values(x.grad!), [2, 4, 6]);
    const first = x.grad!;
    step();
    close(await values(x.grad!), [4, 8, 12]);
    expect(first.isDisposed, 'the replaced gradient is freed').toBe(true);
    x.grad!.dispose();
    x.grad = null;
    step();
    close(await values(x.grad!), [2, 4, 6]);
    wg.dispose([x, x.grad!]);
  });

  it('noGrad records nothing; a variable inside it still computes values', async (ctx) => {
    const b = backend(ctx);
    const x = on(b, () => wg.variable(wg.tensor([1, -2, 3])));
    const y = on(b, () => wg.noGrad(() => x.mul(2).relu()));
    expect(y.requiresGrad).toBe(false);
    expect(y.creator).toBeNull();
    close(await values(y), [2, 0, 6]);
    expect(() => on(b, () => y.sum().backward())).toThrow(/does not require gradients/);
    // Nested: recording resumes after the inner noGrad returns.
    const z = on(b, () => wg.noGrad(() => wg.noGrad(() => x.add(1))));
    expect(z.requiresGrad).toBe(false);
    const w = on(b, () => x.add(1));
    expect(w.requiresGrad).toBe(true);
    expect(x.grad).toBeNull();
    wg.dispose([x, y, z, w]);
  });

  it('detach cuts the tape but shares the values', async (ctx) => {
    const b = backend(ctx);
    const x = on(b, () => wg.variable(wg.tensor([1, 2, 3])));
    const loss = on(b, () =>
      wg.tidy(() => {
        const y = x.mul(x); // dy/dx = 2x
        const c = y.detach(); // a constant equal to x²
        expect(c.requiresGrad).toBe(false);
        expect(c.creator).toBeNull();
        expect(c.shape).toEqual(y.shape);
        // L = Σ (x² · c) = Σ x⁴ with c held constant: dL/dx = 2x · c = 2x³ (not 4x³).
        const l = y.mul(c).sum();
        l.backward();
        return l;
      }),
    );
    close(await values(loss), [1 + 16 + 81]);
    close(await values(x.grad!), [2, 16, 54]);
    // wg.detach of a leaf: values shared, storage survives disposing either one.
    const d = on(b, () => wg.detach(x));
    expect(d.requiresGrad).toBe(false);
    close(await values(d), [1, 2, 3]);
    d.dispose();
    close(await values(x), [1, 2, 3]);
    wg.dispose([x, x.grad!, loss]);
  });

  it('a diamond graph (x used on two paths, and twice in one op) sums both contributions', async (ctx) => {
    const b = backend(ctx);
    const x = on(b, () => wg.variable(wg.tensor([0.5, -1, 2])));
    on(b, () =>
      wg.tidy(() => {
        // f = Σ (x·x + exp(x)·x) : df/dx = 2x + exp(x)(1 + x)
        const p = x.mul(x);
        const q = x.exp().mul(x);
        p.add(q).sum().backward();
      }),
    );
    const xs = [0.5, -1, 2];
    close(await values(x.grad!), xs.map((v) => 2 * v + Math.exp(v) * (1 + v)), 4);
    // Two variables sharing an intermediate: u = a·b feeds both terms of g = Σ(u + u·a).
    const [a, c] = on(b, () => [wg.variable(wg.tensor([1, 2])), wg.variable(wg.tensor([3, 4]))]);
    on(b, () =>
      wg.tidy(() => {
        const u = a!.mul(c!);
        u.add(u.mul(a!)).sum().backward(); // dg/da = c + 2ac, dg/dc = a + a²
      }),
    );
    close(await values(a!.grad!), [3 + 2 * 3, 4 + 2 * 2 * 4]);
    close(await values(c!.grad!), [1 + 1, 2 + 4]);
    wg.dispose([x, x.grad!, a!, a!.grad!, c!, c!.grad!]);
  });

  it('backward flows through reshape views and the gradient has the leaf shape', async (ctx) => {
    const b = backend(ctx);
    const x = on(b, () => wg.variable(wg.tensor([[1, 2, 3], [4, 5, 6]])));
    on(b, () =>
      wg.tidy(() => {
        const v = x.reshape([3, 2]); // a view: no copy
        const w = wg.tensor([[1, 10], [100, 1000], [1e4, 1e5]]);
        const y = v.mul(w).reshape([6]).reshape([1, 6]).sum();
        y.backward();
      }),
    );
    expect(x.grad!.shape).toEqual([2, 3]);
    close(await values(x.grad!), [1, 10, 100, 1000, 1e4, 1e5]);
    // Reshape of a leaf variable, then matmul, then a -1 reshape.
    const g = on(b, () => wg.variable(wg.tensor([1, 2, 3, 4])));
    on(b, () => wg.tidy(() => g.reshape([2, -1]).matMul(wg.tensor([[1], [1]])).reshape([-1]).sum().backward()));
    close(await values(g.grad!), [1, 1, 1, 1]);
    wg.dispose([x, x.grad!, g, g.grad!]);
  });

  it('a leaf gradient survives tidy, which frees every intermediate gradient', async (ctx) => {
    const b = backend(ctx);
    const w = on(b, () => wg.variable(wg.tensor([[1, 2], [3, 4]]), 'w'));
    const before = on(b, () => wg.stats());
    const loss = on(b, () =>
      wg.tidy(() => {
        const l = wg.tensor([[1, 1]]).matMul(w).sigmoid().mean();
        l.backward();
        return l;
      }),
    );
    const after = on(b, () => wg.stats());
    // What is left: w.grad and the returned loss.
    expect(after.tensors - before.tensors).toBe(2);
    expect(after.buffers - before.buffers).toBe(2);
    expect(w.grad!.isDisposed).toBe(false);
    const s = (z: number) => 1 / (1 + Math.exp(-z));
    const ds = (z: number) => s(z) * (1 - s(z));
    close(await values(loss), [(s(4) + s(6)) / 2]);
    close(await values(w.grad!), [ds(4) / 2, ds(6) / 2, ds(4) / 2, ds(6) / 2]);
    // A nested tidy around backward does not free the leaf gradient either.
    on(b, () => wg.tidy(() => wg.tidy(() => wg.tensor([[1, 1]]).matMul(w).sum().backward())));
    expect(w.grad!.isDisposed).toBe(false);
    close(await values(w.grad!), [ds(4) / 2 + 1, ds(6) / 2 + 1, ds(4) / 2 + 1, ds(6) / 2 + 1]);
    wg.dispose([w, w.grad!, loss]);
  });

  it('only leaves that require gradients receive them; ints and constants do not', async (ctx) => {
    const b = backend(ctx);
    const [x, k] = on(b, () => [wg.variable(wg.tensor([1, 2])), wg.tensor([5, 7])]);
    on(b, () => wg.tidy(() => x!.mul(k!).sum().backward()));
    close(await values(x!.grad!), [5, 7]);
    expect(k!.grad).toBeNull();
    // gather: the table gets a scatter-add gradient, the int32 ids none.
    const table = on(b, () => wg.variable(wg.tensor([[1, 2], [3, 4], [5, 6]])));
    const ids = on(b, () => wg.tensor([2, 0, 2], undefined, 'int32'));
    on(b, () => wg.tidy(() => table.gather(ids).sum().backward()));
    close(await values(table.grad!), [1, 1, 0, 0, 2, 2]);
    expect(ids.grad).toBeNull();
    wg.dispose([x!, x!.grad!, k!, table, table.grad!, ids]);
  });

  it('the gather gradient uses the ids as they were when the tensor was made, not a reused host buffer', async (ctx) => {
    const b = backend(ctx);
    const table = on(b, () => wg.variable(wg.tensor([[1], [2], [3]])));
    const buffer = new Int32Array([0, 0, 1]); // e.g. a data loader's batch buffer, refilled every step
    const ids = on(b, () => wg.tensor(buffer, [3], 'int32'));
    buffer.set([2, 2, 7]); // the next batch is written before this step's backward runs (7 is out of range)
    on(b, () =>
      wg.tidy(() => {
        table.gather(ids).sum().backward();
      }),
    );
    close(await values(table.grad!), [2, 1, 0]);
    expect(Array.from(await ids.data())).toEqual([0, 0, 1]);
    wg.dispose([table, table.grad!, ids]);
  });
});
