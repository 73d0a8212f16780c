import { elementwiseKernel, type ElementwiseFn } from '../../kernels/elementwise.js';
import { fail } from '../errors.js';
import { apply, defineOp, type OpDef } from '../registry.js';
import { broadcastShapes, broadcastStrides } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { mul, neg } from './elementwise.js';
import { sumTo } from './reduce.js';

/**
 * Binary cross-entropy from logits in the stable form max(x,0) − x·y + log1p(exp(−|x|)): never
 * overflows and never takes log(0). Its gradient w.r.t. the logits is σ(x) − y (one fused kernel).
 */

// log1p(e) for e = exp(−|x|) ∈ (0, 1]: WGSL has no log1p, and log(1 + e) loses e when e < 1e-4.
const LOG1P_E = 'select(log(1.0 + exp(-abs(a))), exp(-abs(a)) * (1.0 - 0.5 * exp(-abs(a))), exp(-abs(a)) < 1e-4)';

function defineBinaryFused(name: string, arity: 2 | 3, fn: ElementwiseFn, rest: Pick<OpDef<void>, 'grad' | 'spec'>): OpDef<void> {
  return defineOp<void>({
    name,
    infer(inputs) {
      inputs.forEach((t, k) => {
        if (t.dtype !== 'float32') fail(name, `input ${k} is ${t.dtype} but float32 is required (use wg.cast)`);
      });
      if (inputs.length !== arity) fail(name, `expects ${arity} inputs, got ${inputs.length}`);
      return { shape: broadcastShapes(name, ...inputs.map((t) => t.shape)), dtype: 'float32' };
    },
    kernel(inputs, [out]) {
      return elementwiseKernel({
        name, fn, inDtypes: inputs.map((t) => t.dtype), outDtype: 'float32', outShape: out!.shape,
        inStrides: inputs.map((t) => broadcastStrides(t.shape, out!.shape)),
      });
    },
    ...rest,
  });
}

const cases = [
  { inputs: [{ shape: [5, 7], low: -4, high: 4 }, { shape: [5, 7], low: 0, high: 1 }], attrs: undefined },
  { inputs: [{ shape: [33, 1], low: -30, high: 30 }, { shape: [33, 1], low: 0, high: 1 }], attrs: undefined, note: 'saturated logits' },
  { inputs: [{ shape: [3, 257], low: -3, high: 3 }, { shape: [257], low: 0, high: 1 }], attrs: undefined, note: 'broadcast labels' },
];

/** inputs [logits, labels] → elementwise loss. */
export const bceWithLogitsOp: OpDef<void> = defineBinaryFused(
  'bceWithLogits', 2,
  { cpu: (x, y) => Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x))), wgsl: `max(a, 0.0) - a * b + ${LOG1P_E}` },
  {
    grad: ({ dy, inputs: [x, y] }) => [sumTo(bceWithLogitsGrad(dy, x!, y!), x!.shape), sumTo(mul(dy, neg(x!)), y!.shape)],
    spec: { cases },
  },
);

/** inputs [dy, logits, labels] → dy·(σ(x) − y). */
export const bceWithLogitsGradOp: OpDef<void> = defineBinaryFused(
  'bceWithLogitsGrad', 3,
  { cpu: (dy, x, y) => dy * (1 / (1 + Math.exp(-x)) - y), wgsl: 'a * (1.0 / (1.0 + exp(-b)) - c)' },
  { spec: { noGrad: 'a fused first-order gradient rule', cases: [{ inputs: [{ shape: [4, 33] }, { shape: [4, 33], low: -6, high: 6 }, { shape: [4, 33], low: 0, high: 1 }], attrs: undefined }] } },
);

/** Elementwise binary cross-entropy of `labels` given `logits` (TF's sigmoid_cross_entropy_with_logits). */
export function sigmoidCrossEntropyWithLogits(labels: Tensor, logits: Tensor): Tensor {
  return apply(bceWithLogitsOp, [logits, labels], undefined);
}

export function bceWithLogitsGrad(dy: Tensor, logits: Tensor, labels: Tensor): Tensor {
  return apply(bceWithLogitsGradOp, [dy, logits, labels], undefined);
}
