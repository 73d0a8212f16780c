// Shared by the GRU kernel tests: build inputs on a backend, run a sequence function, back-propagate
// a fixed random weighting of its output, read back the output and every input's gradient.
import type { Backend } from '../../src/kernels/backend.js';
import { fromFlat, mul, sum, tidy, withBackend, type Tensor } from '../../src/index.js';
import { Rng } from '../../src/tensor/random.js';

export interface GruProblem {
  B: number;
  T: number;
  F: number;
  u: number;
  resetAfter: boolean;
  /** Values of x, kernel, recurrentKernel, bias. */
  values: Float64Array[];
  shapes: number[][];
}

/** Random data at the scale of Keras's initialisers (glorot kernel, ~orthogonal recurrent kernel). */
export function gruProblem(B: number, T: number, F: number, u: number, resetAfter: boolean, seed = 7, D = 1): GruProblem {
  const rng = new Rng(seed);
  const wLim = Math.sqrt(6 / (F + 3 * u));
  const uLim = Math.sqrt(3 / u);
  const shapes = D === 1
    ? [[B, T, F], [F, 3 * u], [u, 3 * u], resetAfter ? [2, 3 * u] : [3 * u]]
    : [[B, T, F], [F, D * 3 * u], [D, u, 3 * u], resetAfter ? [D, 2, 3 * u] : [D, 3 * u]];
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const values = [
    rng.uniform(size(shapes[0]!), -1, 1),
    rng.uniform(size(shapes[1]!), -wLim, wLim),
    rng.uniform(size(shapes[2]!), -uLim, uLim),
    rng.uniform(size(shapes[3]!), -0.3, 0.3),
  ];
  return { B, T, F, u, resetAfter, values, shapes };
}

export interface RunResult {
  out: Float64Array;
  grads: Float64Array[];
  shape: readonly number[];
}

/**
 * Runs `fn` on `backend` with the problem's inputs, back-propagates Σ y ⊙ w for fixed random w,
 * and reads everything back.
 */
export async function runGru(backend: Backend, p: GruProblem, fn: (x: Tensor, W: Tensor, U: Tensor, b: Tensor) => Tensor, grad = true): Promise<RunResult> {
  return withBackend(backend, async () => {
    const { y, grads } = tidy(() => {
      const inputs = p.values.map((v, k) => {
        const t = fromFlat(v, p.shapes[k]!, 'float32', backend);
        t.requiresGrad = grad;
        return t;
      });
      const y = fn(inputs[0]!, inputs[1]!, inputs[2]!, inputs[3]!);
      if (grad) {
        const w = new Rng(99).uniform(y.size, -1, 1);
        sum(mul(y, fromFlat(w, y.shape, 'float32', backend))).backward();
      }
      return { y, grads: grad ? inputs.map((t) => t.grad!) : [] };
    });
    const read = async (t: Tensor) => Float64Array.from(await t.data());
    const result = { out: await read(y), grads: await Promise.all(grads.map(read)), shape: y.shape };
    y.dispose();
    for (const g of grads) g.dispose();
    return result;
  });
}
