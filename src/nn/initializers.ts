import { engine } from '../tensor/engine.js';
import { sizeOf } from '../tensor/shape.js';

/**
 * Keras's initialisers, drawn on the host in float64 from the engine's one seeded PRNG and then
 * uploaded: a seed gives the same initial weights on every backend.
 */
export type Initializer = (shape: readonly number[]) => Float64Array;

export const zerosInit: Initializer = (shape) => new Float64Array(sizeOf(shape));

/** Uniform in [minval, maxval) (Keras Embedding uses ±0.05). */
export const uniformInit = (minval: number, maxval: number): Initializer => (shape) => engine.rng.uniform(sizeOf(shape), minval, maxval);

/** Keras's fans: a 2-D (in, out) matrix gives (in, out); higher ranks multiply in the receptive field. */
export function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  const field = sizeOf(shape.slice(0, -2));
  return [shape[shape.length - 2]! * field, shape[shape.length - 1]! * field];
}

/** glorot_uniform: U(−l, l) with l = √(6 / (fanIn + fanOut)), over the whole matrix. */
export const glorotUniform: Initializer = (shape) => {
  const [fanIn, fanOut] = fans(shape);
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return engine.rng.uniform(sizeOf(shape), -limit, limit);
};

/**
 * Keras's Orthogonal for a (rows, cols) matrix: QR of a normal (max, min) matrix, Q's columns
 * signed so that R's diagonal is positive, transposed when rows < cols, times `gain`. Modified
 * Gram–Schmidt with one re-orthogonalisation pass yields exactly that sign convention.
 */
export const orthogonal = (gain = 1): Initializer => (shape) => {
  const cols = shape[shape.length - 1] ?? 1;
  const rows = sizeOf(shape) / Math.max(cols, 1);
  const n = Math.max(rows, cols);
  const k = Math.min(rows, cols);
  const a = engine.rng.normal(n * k); // a[i*k + j]: row i, column j of the (n, k) matrix
  const q = qrQ(a, n, k);
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      // q is (n, k); the result is q (rows ≥ cols) or qᵀ (rows < cols).
      if (rows >= cols) out[i * cols + j] = gain * q[i * k + j]!;
      else out[j * cols + i] = gain * q[i * k + j]!;
    }
  }
  return out;
};

/** Q of the thin QR of an (n, k) row-major matrix (n ≥ k), with R's diagonal positive. */
export function qrQ(a: Float64Array, n: number, k: number): Float64Array {
  const q = Float64Array.from(a);
  for (let j = 0; j < k; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += q[i * k + p]! * q[i * k + j]!;
        for (let i = 0; i < n; i++) q[i * k + j]! -= dot * q[i * k + p]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += q[i * k + j]! ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) throw new Error('orthogonal: the random matrix is singular (draw again with another seed)');
    for (let i = 0; i < n; i++) q[i * k + j]! /= norm;
  }
  return q;
}
