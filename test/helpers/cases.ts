import type { Backend } from '../../src/kernels/backend.js';
import { CpuBackend } from '../../src/kernels/cpu/backend.js';
import { fromFlat, type InputSpec, type Tensor } from '../../src/index.js';
import { Rng } from '../../src/tensor/random.js';
import { sizeOf } from '../../src/tensor/shape.js';

/** Deterministic random values for one input spec (never all zeros). */
export function valuesFor(spec: InputSpec, rng: Rng): Float64Array | Int32Array {
  const n = sizeOf(spec.shape);
  if (spec.values) return spec.dtype === 'int32' ? Int32Array.from(spec.values) : Float64Array.from(spec.values);
  const low = spec.low ?? -2;
  const high = spec.high ?? 2;
  if (spec.dtype === 'int32') return rng.ints(n, low, high);
  return rng.uniform(n, low, high);
}

export function makeInput(spec: InputSpec, values: ArrayLike<number>, backend: Backend, requiresGrad: boolean): Tensor {
  const t = fromFlat(values, spec.shape, spec.dtype ?? 'float32', backend);
  t.requiresGrad = requiresGrad && (spec.dtype ?? 'float32') === 'float32' && !spec.noGrad;
  return t;
}

/** Full-precision values of a tensor on a float64 CPU backend. */
export function raw(t: Tensor): ArrayLike<number> {
  const s = t.storageFor('test');
  return (s.backend as CpuBackend).raw(s);
}
