import { copyKernel, type CopyPiece } from '../../kernels/copy.js';
import { fail, fmtShape } from '../errors.js';
import { apply, defineOp, record } from '../registry.js';
import { broadcastShapes, broadcastStrides, checkShape, normAxes, sameShape, sizeOf, stridesOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { zeros } from '../creation.js';
import { sumTo } from './reduce.js';

const f = (shape: number[]) => ({ shape });

// ---- reshape: a view sharing storage; the registered kernel (a copy) keeps the op testable ----
export const reshapeOp = defineOp<{ shape: readonly number[] }>({
  name: 'reshape',
  infer([x], { shape }) {
    checkShape('reshape', shape);
    if (sizeOf(shape) !== x!.size) fail('reshape', `cannot reshape ${fmtShape(x!.shape)} (${x!.size} elements) to ${fmtShape(shape)} (${sizeOf(shape)} elements)`);
    return { shape, dtype: x!.dtype };
  },
  kernel([x]) {
    return copyKernel('reshape', x!.dtype, 1, [{ input: 0, shape: [x!.size], srcOffset: 0, srcStrides: [1], dstOffset: 0, dstStrides: [1] }]);
  },
  grad: ({ dy, inputs: [x] }) => [reshape(dy, x!.shape)],
  spec: { cases: [{ inputs: [f([6, 7])], attrs: { shape: [3, 14] } }, { inputs: [f([1037])], attrs: { shape: [1, 1037, 1] } }] },
});

/** Reshapes without copying; one dimension may be -1 (inferred). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const unknown = shape.indexOf(-1);
  let target = [...shape];
  if (unknown >= 0) {
    const known = sizeOf(shape.filter((_, i) => i !== unknown));
    if (known === 0 || x.size % known !== 0) fail('reshape', `cannot infer the -1 in ${fmtShape(shape)} for ${x.size} elements`);
    target[unknown] = x.size / known;
  }
  if (sameShape(target, x.shape)) return x;
  reshapeOp.infer([x], { shape: target });
  const out = x.view(target);
  record(reshapeOp, [x], [out], { shape: target });
  return out;
}

// ---- transpose ----
export const transposeOp = defineOp<{ perm: readonly number[] }>({
  name: 'transpose',
  infer([x], { perm }) {
    const sorted = [...perm].sort((a, b) => a - b);
    if (perm.length !== x!.rank || sorted.some((v, i) => v !== i)) fail('transpose', `perm [${perm.join(', ')}] is not a permutation of the ${x!.rank} axes of ${fmtShape(x!.shape)}`);
    return { shape: perm.map((p) => x!.shape[p]!), dtype: x!.dtype };
  },
  kernel([x], [out], { perm }) {
    const src = stridesOf(x!.shape);
    return copyKernel('transpose', x!.dtype, 1, [{ input: 0, shape: out!.shape, srcOffset: 0, srcStrides: perm.map((p) => src[p]!), dstOffset: 0, dstStrides: stridesOf(out!.shape) }]);
  },
  grad: ({ dy, attrs: { perm } }) => {
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => (inverse[p] = i));
    return [transpose(dy, inverse)];
  },
  spec: { cases: [{ inputs: [f([7, 33])], attrs: { perm: [1, 0] } }, { inputs: [f([3, 5, 2])], attrs: { perm: [2, 0, 1] } }, { inputs: [f([1, 1030])], attrs: { perm: [1, 0] } }] },
});

/** Permutes axes (default: reverses them). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ?? [...x.shape.keys()].reverse();
  if (p.every((v, i) => v === i)) return x;
  return apply(transposeOp, [x], { perm: p });
}

// ---- slice ----
export const sliceOp = defineOp<{ begin: readonly number[]; size: readonly number[] }>({
  name: 'slice',
  infer([x], { begin, size }) {
    if (begin.length !== x!.rank || size.length !== x!.rank) fail('slice', `begin [${begin.join(', ')}] and size [${size.join(', ')}] must each have ${x!.rank} entries for shape ${fmtShape(x!.shape)}`);
    begin.forEach((b, d) => {
      if (!Number.isInteger(b) || !Number.isInteger(size[d]) || b < 0 || size[d]! < 0 || b + size[d]! > x!.shape[d]!) {
        fail('slice', `begin ${b} + size ${size[d]} is outside dimension ${d} of ${fmtShape(x!.shape)}`);
      }
    });
    return { shape: size, dtype: x!.dtype };
  },
  kernel([x], [out], { begin }) {
    const st = stridesOf(x!.shape);
    const offset = begin.reduce((acc, b, d) => acc + b * st[d]!, 0);
    return copyKernel('slice', x!.dtype, 1, [{ input: 0, shape: out!.shape, srcOffset: offset, srcStrides: st, dstOffset: 0, dstStrides: stridesOf(out!.shape) }]);
  },
  grad: ({ dy, inputs: [x], attrs: { begin, size } }) => [pad(dy, x!.shape.map((d, i) => [begin[i]!, d - begin[i]! - size[i]!] as [number, number]))],
  spec: { cases: [{ inputs: [f([7, 33])], attrs: { begin: [2, 5], size: [3, 20] } }, { inputs: [f([1030])], attrs: { begin: [1], size: [1000] } }] },
});

/** A block of x starting at `begin`; a size of -1 means "to the end" (TF.js semantics). */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  const sz = (size ?? x.shape.map(() => -1)).map((s, d) => (s === -1 ? x.shape[d]! - (begin[d] ?? 0) : s));
  return apply(sliceOp, [x], { begin, size: sz });
}

// ---- pad with the value of a scalar input (zeros: the gradient of slice) ----
export const padOp = defineOp<{ paddings: readonly (readonly [number, number])[] }>({
  name: 'pad',
  infer([x], { paddings }) {
    if (paddings.length !== x!.rank || paddings.some(([a, b]) => !(a >= 0 && b >= 0))) fail('pad', `paddings ${JSON.stringify(paddings)} must be ${x!.rank} non-negative pairs`);
    return { shape: x!.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]), dtype: x!.dtype };
  },
  kernel([x], [out], { paddings }) {
    const dst = stridesOf(out!.shape);
    // Fill the output from the scalar input (read with all-zero strides), then copy x in.
    return copyKernel('pad', x!.dtype, 2, [
      { input: 1, shape: out!.shape, srcOffset: 0, srcStrides: out!.shape.map(() => 0), dstOffset: 0, dstStrides: dst },
      { input: 0, shape: x!.shape, srcOffset: 0, srcStrides: stridesOf(x!.shape), dstOffset: paddings.reduce((a, [p], i) => a + p * dst[i]!, 0), dstStrides: dst },
    ]);
  },
  grad: ({ dy, inputs: [x], attrs: { paddings } }) => [slice(dy, paddings.map(([p]) => p), x!.shape), null],
  spec: { cases: [{ inputs: [f([3, 5]), { shape: [], noGrad: true }], attrs: { paddings: [[1, 2], [0, 3]] } }] },
});

/** Zero padding: paddings[d] = [before, after]. */
export function pad(x: Tensor, paddings: readonly (readonly [number, number])[]): Tensor {
  if (paddings.every(([a, b]) => a === 0 && b === 0)) return x;
  return apply(padOp, [x, zeros([], x.dtype)], { paddings });
}

// ---- concat ----
export const concatOp = defineOp<{ axis: number }>({
  name: 'concat',
  infer(inputs, { axis }) {
    if (inputs.length === 0) fail('concat', 'needs at least one tensor');
    const first = inputs[0]!;
    inputs.forEach((t, k) => {
      if (t.rank !== first.rank || t.dtype !== first.dtype || t.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
        fail('concat', `tensor ${k} of shape ${fmtShape(t.shape)} (${t.dtype}) does not match ${fmtShape(first.shape)} (${first.dtype}) outside axis ${axis}`);
      }
    });
    const shape = [...first.shape];
    shape[axis] = inputs.reduce((n, t) => n + t.shape[axis]!, 0);
    return { shape, dtype: first.dtype };
  },
  kernel(inputs, [out], { axis }) {
    const dst = stridesOf(out!.shape);
    let at = 0;
    const pieces: CopyPiece[] = inputs.map((t, k) => {
      const piece = { input: k, shape: t.shape, srcOffset: 0, srcStrides: stridesOf(t.shape), dstOffset: at * dst[axis]!, dstStrides: dst };
      at += t.shape[axis]!;
      return piece;
    });
    return copyKernel('concat', out!.dtype, inputs.length, pieces.filter((p) => sizeOf(p.shape) > 0));
  },
  grad: ({ dy, inputs, attrs: { axis } }) => {
    let at = 0;
    return inputs.map((t) => {
      const begin = t.shape.map((_, i) => (i === axis ? at : 0));
      at += t.shape[axis]!;
      return slice(dy, begin, t.shape);
    });
  },
  spec: { cases: [{ inputs: [f([3, 5]), f([3, 2]), f([3, 7])], attrs: { axis: 1 } }, { inputs: [f([1, 33]), f([256, 33])], attrs: { axis: 0 } }] },
});

/** Joins tensors along an existing axis. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 1) return tensors[0]!;
  const [a] = normAxes('concat', axis, tensors[0]?.rank ?? 0);
  return apply(concatOp, tensors, { axis: a! });
}

/** Joins tensors along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) fail('stack', 'needs at least one tensor');
  const rank = tensors[0]!.rank;
  const a = axis < 0 ? axis + rank + 1 : axis;
  if (a < 0 || a > rank) fail('stack', `axis ${axis} is out of range for tensors of rank ${rank}`);
  return concat(tensors.map((t) => reshape(t, [...t.shape.slice(0, a), 1, ...t.shape.slice(a)])), a);
}

// ---- reverse ----
export const reverseOp = defineOp<{ axes: readonly number[] }>({
  name: 'reverse',
  infer([x]) {
    return { shape: x!.shape, dtype: x!.dtype };
  },
  kernel([x], [out], { axes }) {
    const st = stridesOf(x!.shape);
    const offset = axes.reduce((acc, a) => acc + (x!.shape[a]! - 1) * st[a]!, 0);
    return copyKernel('reverse', x!.dtype, 1, [{ input: 0, shape: x!.shape, srcOffset: offset, srcStrides: st.map((s, d) => (axes.includes(d) ? -s : s)), dstOffset: 0, dstStrides: stridesOf(out!.shape) }]);
  },
  grad: ({ dy, attrs: { axes } }) => [reverse(dy, axes)],
  spec: { cases: [{ inputs: [f([4, 7, 3])], attrs: { axes: [1] } }, { inputs: [f([5, 257])], attrs: { axes: [0, 1] } }] },
});

/** Reverses the order of elements along the given axes. */
export function reverse(x: Tensor, axis: number | readonly number[]): Tensor {
  return apply(reverseOp, [x], { axes: normAxes('reverse', axis, x.rank) });
}

// ---- broadcastTo ----
export const broadcastToOp = defineOp<{ shape: readonly number[] }>({
  name: 'broadcastTo',
  infer([x], { shape }) {
    const out = broadcastShapes('broadcastTo', x!.shape, shape);
    if (!sameShape(out, shape)) fail('broadcastTo', `${fmtShape(x!.shape)} cannot be broadcast to ${fmtShape(shape)}`);
    return { shape, dtype: x!.dtype };
  },
  kernel([x], [out]) {
    return copyKernel('broadcastTo', x!.dtype, 1, [{ input: 0, shape: out!.shape, srcOffset: 0, srcStrides: broadcastStrides(x!.shape, out!.shape), dstOffset: 0, dstStrides: stridesOf(out!.shape) }]);
  },
  grad: ({ dy, inputs: [x] }) => [sumTo(dy, x!.shape)],
  spec: { cases: [{ inputs: [f([3, 1])], attrs: { shape: [2, 3, 7] } }, { inputs: [f([])], attrs: { shape: [1030] } }] },
});

export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(x.shape, shape)) return x;
  return apply(broadcastToOp, [x], { shape });
}
