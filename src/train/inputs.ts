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
  if (Array.isArray(v)) return { data: Float32Array.from(v), shape: [v.length] };
  if (ArrayBuffer.isView(v)) return { data: v as TypedArray, shape: [(v as TypedArray).length] };
  const a = v as ArrayData;
  if (!a || !ArrayBuffer.isView(a.data) || !Array.isArray(a.shape)) fail(op, `${name} must be a tensor, {data, shape}, a typed array or a number array; got ${String(v).slice(0, 60)}`);
  return a;
}

export async function toDataset(op: string, x: ArrayInput, y: ArrayInput): Promise<Dataset> {
  const xa = await toArrayData(op, 'x', x);
  const ya = await toArrayData(op, 'y', y);
  if (xa.shape[0] !== ya.shape[0]) fail(op, `x has ${xa.shape[0]} samples but y has ${ya.shape[0]}`);
  for (let i = 0; i < ya.data.length; i++) {
    if (!Number.isFinite(ya.data[i]!)) fail(op, `y holds the non-finite value ${ya.data[i]} at flat index ${i}`);
  }
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
