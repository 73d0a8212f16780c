import { reduceKernel, type ReduceKind } from '../../kernels/reduce.js';
import { fail, fmtShape } from '../errors.js';
import { apply, defineOp, type OpDef } from '../registry.js';
import { normAxes, sameShape, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { div, equal, mul } from './elementwise.js';
import { broadcastTo, reshape, transpose } from './movement.js';

/** Reduces one block of adjacent axes [start, end) of x; the kernel sees x as [A, R, C]. */
interface ReduceAttrs {
  start: number;
  end: number;
}

function blockDims(shape: readonly number[], { start, end }: ReduceAttrs): [number, number, number] {
  return [sizeOf(shape.slice(0, start)), sizeOf(shape.slice(start, end)), sizeOf(shape.slice(end))];
}

function defineReduce(kind: ReduceKind, grad: OpDef<ReduceAttrs>['grad']): OpDef<ReduceAttrs> {
  return defineOp<ReduceAttrs>({
    name: kind === 'sum' ? 'sum' : 'max',
    infer([x], attrs) {
      if (x!.dtype !== 'float32') fail(kind, `input is ${x!.dtype} but float32 is required (use wg.cast)`);
      if (kind === 'max' && blockDims(x!.shape, attrs)[1] === 0) fail(kind, `cannot take the max over an empty axis of shape ${fmtShape(x!.shape)}`);
      return { shape: [...x!.shape.slice(0, attrs.start), ...x!.shape.slice(attrs.end)], dtype: 'float32' };
    },
    kernel([x], _outs, attrs) {
      return reduceKernel(kind, kind, ...blockDims(x!.shape, attrs));
    },
    ...(grad ? { grad } : {}),
    spec: {
      cases: [
        { inputs: [{ shape: [5, 7, 3] }], attrs: { start: 1, end: 2 } },
        { inputs: [{ shape: [33, 4] }], attrs: { start: 0, end: 1 } },
        { inputs: [{ shape: [2, 1030] }], attrs: { start: 1, end: 2 } },
        { inputs: [{ shape: [3000] }], attrs: { start: 0, end: 1 }, note: 'two-pass' },
        { inputs: [{ shape: [3, 257, 1] }], attrs: { start: 0, end: 2 } },
      ],
    },
  });
}

/** Puts back the reduced axes as size-1 dimensions, then broadcasts to the input's shape. */
function expandBack(dy: Tensor, x: Tensor, { start, end }: ReduceAttrs): Tensor {
  const kept = [...x.shape.slice(0, start), ...x.shape.slice(start, end).map(() => 1), ...x.shape.slice(end)];
  return broadcastTo(reshape(dy, kept), x.shape);
}

export const sumOp = defineReduce('sum', ({ dy, inputs: [x], attrs }) => [expandBack(dy, x!, attrs)]);
export const maxOp = defineReduce('max', ({ dy, inputs: [x], outputs: [y], attrs }) => {
  // The gradient flows to every element equal to the max (ties share it, as in TF.js).
  const mask = equal(x!, expandBack(y!, x!, attrs));
  return [mul(mask, expandBack(dy, x!, attrs))];
});

function reduceAxes(kind: ReduceKind, op: OpDef<ReduceAttrs>, x: Tensor, axis: number | readonly number[] | undefined, keepDims: boolean): Tensor {
  const axes = normAxes(kind, axis, x.rank);
  let out: Tensor;
  if (axes.length === 0) out = x;
  else if (axes[axes.length - 1]! - axes[0]! === axes.length - 1) {
    out = apply(op, [x], { start: axes[0]!, end: axes[axes.length - 1]! + 1 });
  } else {
    // Non-adjacent axes: move them to the end, then reduce that one block.
    const rest = [...x.shape.keys()].filter((d) => !axes.includes(d));
    out = apply(op, [transpose(x, [...rest, ...axes])], { start: rest.length, end: x.rank });
  }
  if (!keepDims) return out;
  return reshape(out, x.shape.map((d, i) => (axes.includes(i) ? 1 : d)));
}

/**
 * Sum over axes (all by default).
 * @example wg.sum(x, 1, true) // shape [n, 1]
 */
export function sum(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  return reduceAxes('sum', sumOp, x, axis, keepDims);
}

/** Max over axes (all by default). */
export function max(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  return reduceAxes('max', maxOp, x, axis, keepDims);
}

/** Mean over axes (all by default). */
export function mean(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  const axes = normAxes('mean', axis, x.rank);
  const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
  return div(sum(x, axes, keepDims), count);
}

/** Sums a broadcast result back to `shape` (the gradient of broadcasting). */
export function sumTo(x: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const lead = x.rank - shape.length;
  const axes = [...x.shape.keys()].filter((d) => d < lead || (shape[d - lead] === 1 && x.shape[d] !== 1));
  return reshape(sum(x, axes, false), shape);
}
