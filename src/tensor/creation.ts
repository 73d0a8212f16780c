import type { Backend, DType } from '../kernels/backend.js';
import { engine } from './engine.js';
import { fail, fmtShape } from './errors.js';
import { checkShape, sizeOf, type Shape } from './shape.js';
import { Tensor, type NestedArray } from './tensor.js';
import { allocFor } from './registry.js';

export type TensorLike = number | ArrayLike<number> | NestedArray | readonly NestedArray[];

function inferShape(values: unknown): number[] {
  const shape: number[] = [];
  let v = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

function flatten(values: unknown, shape: number[], depth: number, out: number[]): void {
  if (depth === shape.length) {
    if (typeof values !== 'number') fail('tensor', `expected a number at depth ${depth}, got ${typeof values}`);
    out.push(values);
    return;
  }
  if (!Array.isArray(values) || values.length !== shape[depth]) {
    fail('tensor', `ragged nested array: expected length ${shape[depth]} at depth ${depth}, got ${Array.isArray(values) ? values.length : typeof values}`);
  }
  for (const v of values) flatten(v, shape, depth + 1, out);
}

/** Makes a tensor on `backend` from flat values (no checks beyond the length). */
export function fromFlat(values: ArrayLike<number>, shape: Shape, dtype: DType, backend: Backend = engine.backend): Tensor {
  const t = new Tensor(shape, dtype, allocFor('tensor', backend, shape, dtype, 'a tensor'));
  if (values.length) backend.write(t.storageFor('tensor'), values);
  // A copy: the caller may refill its array (a loader's batch buffer) while this tensor lives on.
  if (dtype === 'int32') t.hostInts = Int32Array.from(values);
  return t;
}

/**
 * Creates a tensor from a number, nested arrays or a typed array.
 *
 * @example
 * wg.tensor([[1, 2], [3, 4]]);                 // shape [2, 2], float32
 * wg.tensor(new Int32Array([3, 1, 2]), [3], 'int32');
 */
export function tensor(values: TensorLike, shape?: Shape, dtype?: DType): Tensor {
  let flat: ArrayLike<number>;
  let inferred: number[];
  if (typeof values === 'number') {
    flat = [values];
    inferred = [];
  } else if (ArrayBuffer.isView(values)) {
    flat = values as unknown as ArrayLike<number>;
    inferred = [flat.length];
  } else {
    inferred = inferShape(values);
    const out: number[] = [];
    flatten(values, inferred, 0, out);
    flat = out;
  }
  const finalShape = shape ?? inferred;
  checkShape('tensor', finalShape);
  if (sizeOf(finalShape) !== flat.length) fail('tensor', `${flat.length} values do not fill shape ${fmtShape(finalShape)} (${sizeOf(finalShape)} elements)`);
  const dt: DType = dtype ?? (values instanceof Int32Array ? 'int32' : 'float32');
  if (dt === 'int32') {
    for (let i = 0; i < flat.length; i++) {
      if (!Number.isInteger(flat[i])) fail('tensor', `int32 tensor got the non-integer value ${flat[i]} at flat index ${i}`);
    }
  }
  return fromFlat(flat, finalShape, dt);
}

/** A rank-0 tensor. */
export function scalar(value: number, dtype: DType = 'float32'): Tensor {
  return tensor(value, [], dtype);
}

/** A tensor filled with `value` on `backend` (on the device: no host array of its size). */
export function fill(shape: Shape, value: number, dtype: DType = 'float32', backend: Backend = engine.backend): Tensor {
  checkShape('fill', shape);
  // int32 tensors carry a host copy of their values (fromFlat): keep that path for them.
  if (dtype === 'int32') return fromFlat(new Int32Array(sizeOf(shape)).fill(value), shape, dtype, backend);
  const t = new Tensor(shape, dtype, allocFor('fill', backend, shape, dtype, 'a tensor'));
  backend.fill(t.storageFor('fill'), value);
  return t;
}

export function zeros(shape: Shape, dtype: DType = 'float32', backend: Backend = engine.backend): Tensor {
  checkShape('zeros', shape);
  return fill(shape, 0, dtype, backend);
}

export function ones(shape: Shape, dtype: DType = 'float32'): Tensor {
  checkShape('ones', shape);
  return fill(shape, 1, dtype);
}

export function zerosLike(t: Tensor): Tensor {
  return zeros(t.shape, t.dtype);
}

export function onesLike(t: Tensor): Tensor {
  return ones(t.shape, t.dtype);
}

/** Uniform in [minval, maxval), drawn from the engine's seeded PRNG (same numbers on every backend). */
export function randomUniform(shape: Shape, minval = 0, maxval = 1): Tensor {
  checkShape('randomUniform', shape);
  return fromFlat(engine.rng.uniform(sizeOf(shape), minval, maxval), shape, 'float32');
}

/** Normal(mean, stddev) from the engine's seeded PRNG. */
export function randomNormal(shape: Shape, mean = 0, stddev = 1): Tensor {
  checkShape('randomNormal', shape);
  return fromFlat(engine.rng.normal(sizeOf(shape), mean, stddev), shape, 'float32');
}

/** Re-seeds the engine's PRNG. */
export function setSeed(seed: number): void {
  engine.rng.setState(seed);
}

/** The PRNG state, for checkpoints and the LR finder's exact restore. */
export function getRngState(): number {
  return engine.rng.getState();
}

export function setRngState(state: number): void {
  engine.rng.setState(state);
}

/** A leaf tensor that records gradients (a parameter). */
export function variable(t: Tensor, name?: string): Tensor {
  t.requiresGrad = true;
  t.name = name;
  return t;
}
