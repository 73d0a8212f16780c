import { expect } from 'vitest';
import { CpuBackend } from '../../src/kernels/cpu/backend.js';
import { add, fromFlat, mul, noGrad, sum, tidy, type Tensor } from '../../src/index.js';
import { Rng } from '../../src/tensor/random.js';
import { expectAllClose } from '../helpers/allclose.js';
import { raw } from '../helpers/cases.js';

export { raw };

/** The float64 reference backend the finite-difference checks run on. */
export const cpu64 = new CpuBackend({ precision: 'float64' });

/** Σ_k sum(y_k · w_k) with fixed random weights, so every output element reaches the loss. */
export function weightedSum(sizes: readonly number[], rng: Rng): (outs: Tensor | readonly Tensor[]) => Tensor {
  const ws = sizes.map((n) => rng.uniform(n, -1, 1));
  return (outs) => {
    const list = Array.isArray(outs) ? outs : [outs as Tensor];
    if (list.length !== ws.length) throw new Error(`weightedSum: expected ${ws.length} outputs, got ${list.length}`);
    return list.map((o, k) => sum(mul(o, fromFlat(ws[k]!, o.shape, 'float32', o.storageFor('test').backend)))).reduce((a, b) => add(a, b));
  };
}

/**
 * Central-difference check (float64 CPU) of d loss/d p for every tensor in `params`, at up to
 * `picks` random elements of each. `loss` must rebuild the scalar from the current values.
 */
export function gradCheck(params: readonly Tensor[], loss: () => Tensor, { picks = 8, seed = 7, rtol = 1e-5, atol = 1e-7, what = '' } = {}): void {
  const rng = new Rng(seed);
  for (const p of params) {
    p.grad?.dispose();
    p.grad = null;
    p.requiresGrad = true;
  }
  tidy(() => loss().backward());
  const f = () => noGrad(() => tidy(() => raw(loss())[0]!));
  params.forEach((p, k) => {
    expect(p.grad, `${what}: param ${k} (${p.name ?? p.shape.join('x')}) got no gradient`).not.toBeNull();
    const analytic = raw(p.grad!);
    const values = raw(p) as Float64Array;
    const idx = p.size <= picks ? [...Array(p.size).keys()] : Array.from({ length: picks }, () => Math.floor(rng.next() * p.size));
    const numeric: number[] = [];
    const expected: number[] = [];
    for (const j of idx) {
      const v = values[j]!;
      const h = 1e-6 * Math.max(1, Math.abs(v));
      values[j] = v + h;
      const plus = f();
      values[j] = v - h;
      const minus = f();
      values[j] = v;
      numeric.push((plus - minus) / (2 * h));
      expected.push(analytic[j]!);
    }
    expectAllClose(expected, numeric, { rtol, atol, what: `${what} d loss / d ${p.name ?? `param ${k}`}` });
    p.grad!.dispose();
    p.grad = null;
  });
}

/** Overwrites every weight of a layer with U(lo, hi) values (defaults make gates non-trivial). */
export function randomizeWeights(weights: readonly { value: Tensor }[], rng: Rng, lo = -0.6, hi = 0.6): void {
  for (const w of weights) (raw(w.value) as Float64Array).set(rng.uniform(w.value.size, lo, hi));
}
