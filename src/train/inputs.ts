import { Dataset, dataset } from '../data/dataset.js';
import type { ArrayData, TypedArray } from '../data/types.js';
import { fromFlat } from '../tensor/creation.js';
import { fail } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';

/** What fit/evaluate accept as x or y: a tensor, a dense array with its shape, a 1-D typed array, or numbers. */
export type ArrayInput = Tensor | ArrayData | TypedArray | readonly number[];

export async function toArrayData(op: string, name: string, v: ArrayInput): Promise<ArrayData> {
  if (v instanceof Tensor) {
    const data = v.hostInts ?? (await v.data());
    return { data, shape: [...v.shape] };
  }
  if (Array.isArray(v)) {
    if (v.some((e) => typeof e !== 'number')) fail(op, `${name} must be a flat number array (nested arrays: use wg.tensor(...) or {data, shape}); element ${v.findIndex((e) => typeof e !== 'number')} is ${JSON.stringify(v.find((e) => typeof e !== 'number'))?.slice(0, 40)}`);
    return { data: Float32Array.from(v), shape: [v.length] };
  }
  if (ArrayBuffer.isView(v)) return { data: v as TypedArray, shape: [(v as TypedArray).length] };
  const a = v as ArrayData;
  if (!a || !ArrayBuffer.isView(a.data) || !Array.isArray(a.shape)) fail(op, `${name} must be a tensor, {data, shape}, a typed array or a number array; got ${v === null ? 'null' : typeof v === 'object' ? JSON.stringify(v)?.slice(0, 60) : String(v).slice(0, 60)}`);
  if (!a.shape.every((d) => Number.isInteger(d) && d >= 0) || a.shape.reduce((p, d) => p * d, 1) !== a.data.length) {
    fail(op, `${name} has shape [${a.shape.join(', ')}] but ${a.data.length} values`);
  }
  return a;
}

/** What fit/evaluate ask of a model to check a whole data set before the first step (Sequential implements it). */
interface ValidatingModel {
  validateData?(op: string, x: ArrayData, y?: ArrayData, names?: readonly [string, string]): void;
}

/**
 * x and y as a Dataset, checked up front: matching sample counts, at least one sample, finite
 * labels, and whatever the model checks (ids in range, input shape, label range), so that bad data
 * fails before any step has changed the weights.
 */
export async function toDataset(op: string, x: ArrayInput, y: ArrayInput, model?: unknown, names: readonly [string, string] = ['x', 'y']): Promise<Dataset> {
  const [xn, yn] = names;
  const xa = await toArrayData(op, xn, x);
  const ya = await toArrayData(op, yn, y);
  if (xa.shape.length === 0 || ya.shape.length === 0) fail(op, `${xa.shape.length === 0 ? xn : yn} is a scalar; it needs a sample dimension`);
  if (xa.shape[0] !== ya.shape[0]) fail(op, `${xn} has ${xa.shape[0]} samples but ${yn} has ${ya.shape[0]}`);
  if (xa.shape[0] === 0) fail(op, `${xn} has 0 samples (shape [${xa.shape.join(', ')}]); there is nothing to train or evaluate on`);
  for (let i = 0; i < ya.data.length; i++) {
    if (!Number.isFinite(ya.data[i]!)) fail(op, `${yn} holds the non-finite value ${ya.data[i]} at flat index ${i}`);
  }
  (model as ValidatingModel | undefined)?.validateData?.(op, xa, ya, names);
  return dataset(xa, ya);
}

/** A batch's arrays as tensors on the current backend (ids become int32 with a host copy). */
export function batchTensors(x: ArrayData<TypedArray>, y: ArrayData<TypedArray>): [Tensor, Tensor] {
  const isFloat = x.data instanceof Float32Array || x.data instanceof Float64Array;
  // A copy: shuffled batches live in buffers the dataset reuses two batches later.
  const xt = isFloat ? fromFlat(x.data, x.shape, 'float32') : fromFlat(Int32Array.from(x.data), x.shape, 'int32');
  const yt = fromFlat(y.data, y.shape.length === 1 ? [y.shape[0]!, 1] : y.shape, 'float32');
  return [xt, yt];
}
