import { elementwiseKernel } from '../../kernels/elementwise.js';
import { matmulKernel, type EpilogueActivation } from '../../kernels/matmul.js';
import { meanReduceKernel, type MeanTerm } from '../../kernels/mean-reduce.js';
import { fail, fmtShape } from '../errors.js';
import { apply, defineOp } from '../registry.js';
import { sameShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { mul, reluGrad, tanhGrad } from './elementwise.js';
import { matMul, matmulChoice, matmulGeometry } from './matmul.js';
import { sum } from './reduce.js';

/**
 * Fused ops for the layers, losses and metrics of a training step: each is one dispatch where the
 * composition of primitive ops took two to eight (the GPU rules: dispatch count dominates small
 * models). Each is exact: the same arithmetic as the composition, in one kernel.
 */

// ---- dense: activation(x·W + b), the bias and activation in the matmul's store ----

export interface DenseAttrs {
  activation: EpilogueActivation;
}

/** inputs [x (M, K), kernel (K, N), bias (N)?] → activation(x·kernel + bias) (M, N). */
export const denseOp = defineOp<DenseAttrs>({
  name: 'dense',
  infer(inputs, { activation }) {
    const [x, w, b] = inputs;
    if (inputs.length < 2 || inputs.length > 3) fail('dense', `expects 2 or 3 inputs (x, kernel, bias), got ${inputs.length}`);
    for (const [name, t] of [['x', x], ['kernel', w], ['bias', b]] as const) if (t && t.dtype !== 'float32') fail('dense', `${name} is ${t.dtype} but float32 is required`);
    if (x!.rank !== 2 || w!.rank !== 2) fail('dense', `x and kernel must be 2-D, got ${fmtShape(x!.shape)} and ${fmtShape(w!.shape)}`);
    if (x!.shape[1] !== w!.shape[0]) fail('dense', `x ${fmtShape(x!.shape)} has ${x!.shape[1]} features but the kernel ${fmtShape(w!.shape)} expects ${w!.shape[0]}`);
    if (b && !sameShape(b.shape, [w!.shape[1]!])) fail('dense', `bias ${fmtShape(b.shape)} must have shape [${w!.shape[1]}]`);
    if (!['linear', 'relu', 'tanh'].includes(activation)) fail('dense', `activation '${activation}' cannot be fused (linear, relu or tanh)`);
    return { shape: [x!.shape[0]!, w!.shape[1]!], dtype: 'float32' };
  },
  kernel(inputs, _outs, { activation }) {
    const [x, w] = inputs;
    return matmulKernel('dense', matmulGeometry(x!, w!, { transposeA: false, transposeB: false }), matmulChoice(x!, 'dense'), { bias: inputs.length === 3, activation });
  },
  grad: ({ dy, inputs: [x, w, b], outputs: [y], attrs: { activation } }) => {
    // The activation's derivative from its output, as the unfused ops do.
    const dz = activation === 'relu' ? reluGrad(dy, y!) : activation === 'tanh' ? tanhGrad(dy, y!) : dy;
    return [
      x!.requiresGrad ? matMul(dz, w!, false, true) : null,
      w!.requiresGrad ? matMul(x!, dz, true, false) : null,
      ...(b ? [b.requiresGrad ? sum(dz, 0) : null] : []),
    ];
  },
  spec: {
    cases: [
      { inputs: [{ shape: [7, 33] }, { shape: [33, 5] }, { shape: [5] }], attrs: { activation: 'linear' } },
      { inputs: [{ shape: [33, 3] }, { shape: [3, 65] }, { shape: [65] }], attrs: { activation: 'relu' } },
      { inputs: [{ shape: [1, 9] }, { shape: [9, 1] }, { shape: [1] }], attrs: { activation: 'tanh' } },
      { inputs: [{ shape: [70, 4] }, { shape: [4, 6] }], attrs: { activation: 'relu' }, note: 'no bias' },
    ],
  },
});

/**
 * activation(x·kernel + bias) in one dispatch (x 2-D, kernel (in, units), bias (units) optional).
 * @example wg.dense(x, w, b, 'relu')
 */
export function dense(x: Tensor, kernel: Tensor, bias: Tensor | null, activation: EpilogueActivation = 'linear'): Tensor {
  return apply(denseOp, bias ? [x, kernel, bias] : [x, kernel], { activation });
}

// ---- losses and metrics: the elementwise term and its mean in one dispatch ----

// log1p(e) for e = exp(−|a|) ∈ (0, 1]: WGSL has no log1p, and log(1 + e) loses e when e < 1e-4.
const LOG1P_E = 'select(log(1.0 + exp(-abs(a))), exp(-abs(a)) * (1.0 - 0.5 * exp(-abs(a))), exp(-abs(a)) < 1e-4)';

const BCE_TERM: MeanTerm = {
  cpu: (x, y) => Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x))),
  wgsl: `max(a, 0.0) - a * b + ${LOG1P_E}`,
};

function checkPair(op: string, a: Tensor, b: Tensor, names: [string, string]): void {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') fail(op, `${names[0]} and ${names[1]} must be float32, got ${a.dtype} and ${b.dtype}`);
  if (!sameShape(a.shape, b.shape)) fail(op, `${names[0]} ${fmtShape(a.shape)} and ${names[1]} ${fmtShape(b.shape)} must have the same shape`);
}

const lossCases = [
  { inputs: [{ shape: [5, 7], low: -4, high: 4 }, { shape: [5, 7], low: 0, high: 1 }], attrs: undefined },
  { inputs: [{ shape: [33, 1], low: -30, high: 30 }, { shape: [33, 1], low: 0, high: 1 }], attrs: undefined, note: 'saturated logits' },
  { inputs: [{ shape: [1030], low: -3, high: 3 }, { shape: [1030], low: 0, high: 1 }], attrs: undefined, note: 'more than one pass of the workgroup' },
];

/** inputs [logits, labels] → mean of max(x,0) − x·y + log1p(exp(−|x|)) (a scalar). */
export const bceWithLogitsMeanOp = defineOp<void>({
  name: 'bceWithLogitsMean',
  infer([x, y]) {
    checkPair('bceWithLogitsMean', x!, y!, ['logits', 'labels']);
    return { shape: [], dtype: 'float32' };
  },
  kernel([x]) {
    return meanReduceKernel('bceWithLogitsMean', x!.size, BCE_TERM);
  },
  grad: ({ dy, inputs: [x, y] }) => [
    // d/dx = dy·(σ(x) − y)/n: one elementwise kernel reading the scalar dy.
    x!.requiresGrad ? apply(bceWithLogitsMeanGradOp, [dy, x!, y!], { scale: 1 / x!.size }) : null,
    // d/dy = −dy·x/n (labels rarely need it).
    y!.requiresGrad ? mul(x!, mul(dy, -1 / y!.size)) : null,
  ],
  spec: { cases: lossCases },
});

/** inputs [dy (scalar), logits, labels] → dy·(σ(x) − y)·scale. */
export const bceWithLogitsMeanGradOp = defineOp<{ scale: number }>({
  name: 'bceWithLogitsMeanGrad',
  infer([dy, x, y]) {
    if (dy!.size !== 1 || dy!.dtype !== 'float32') fail('bceWithLogitsMeanGrad', `dy must be a float32 scalar, got ${fmtShape(dy!.shape)} ${dy!.dtype}`);
    checkPair('bceWithLogitsMeanGrad', x!, y!, ['logits', 'labels']);
    return { shape: x!.shape, dtype: 'float32' };
  },
  kernel([, x], [out], { scale }) {
    return elementwiseKernel({
      name: 'bceWithLogitsMeanGrad',
      fn: { cpu: (g, a, b, p0) => g * (1 / (1 + Math.exp(-a)) - b) * p0, wgsl: 'a * (1.0 / (1.0 + exp(-b)) - c) * p0' },
      inDtypes: ['float32', 'float32', 'float32'],
      outDtype: 'float32',
      outShape: out!.shape,
      inStrides: [out!.shape.map(() => 0), stridesOf(x!.shape), stridesOf(x!.shape)],
      params: [scale, 0],
    });
  },
  spec: {
    noGrad: 'a fused first-order gradient rule',
    cases: [{ inputs: [{ shape: [] }, { shape: [4, 33], low: -6, high: 6 }, { shape: [4, 33], low: 0, high: 1 }], attrs: { scale: 1 / 132 } }],
  },
});

function stridesOf(shape: readonly number[]): number[] {
  const s: number[] = [];
  for (let d = shape.length - 1, acc = 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d]!;
  }
  return s;
}

/** Mean binary cross-entropy from logits (stable form), one dispatch; labels of the logits' shape. */
export function bceWithLogitsMean(labels: Tensor, logits: Tensor): Tensor {
  return apply(bceWithLogitsMeanOp, [logits, labels], undefined);
}

/** inputs [predictions, labels] → the fraction with (p > threshold) == label (Keras binary_accuracy). */
export const binaryAccuracyOp = defineOp<{ threshold: number }>({
  name: 'binaryAccuracy',
  infer([p, y]) {
    checkPair('binaryAccuracy', p!, y!, ['predictions', 'labels']);
    return { shape: [], dtype: 'float32' };
  },
  kernel([p], _outs, { threshold }) {
    const term: MeanTerm = { cpu: (a, b, t) => ((a > t ? 1 : 0) === b ? 1 : 0), wgsl: 'select(0.0, 1.0, select(0.0, 1.0, a > p0) == b)' };
    return meanReduceKernel('binaryAccuracy', p!.size, term, threshold);
  },
  spec: {
    noGrad: 'a metric (piecewise constant)',
    cases: [
      { inputs: [{ shape: [9, 1], low: 0, high: 1 }, { shape: [9, 1], values: [0, 1, 1, 0, 1, 0, 0, 1, 1] }], attrs: { threshold: 0.5 } },
      { inputs: [{ shape: [700], low: -1, high: 1 }, { shape: [700], values: Array.from({ length: 700 }, (_, i) => (i % 3 === 0 ? 1 : i % 7 === 0 ? 0.5 : 0)) }], attrs: { threshold: 0 }, note: 'more than one pass; soft labels never match' },
    ],
  },
});

/** Keras binary_accuracy in one dispatch: mean((p > threshold) == y). */
export function binaryAccuracyFused(labels: Tensor, predictions: Tensor, threshold = 0.5): Tensor {
  return apply(binaryAccuracyOp, [predictions, labels], { threshold });
}

// ---- mean squared error: the loss and its mean in one dispatch, its gradient in one more ----

const SQUARED_ERROR: MeanTerm = { cpu: (p, y) => (p - y) * (p - y), wgsl: '(a - b) * (a - b)' };

/** inputs [predictions, labels] → mean((p − y)²) (a scalar). */
export const meanSquaredErrorOp = defineOp<void>({
  name: 'meanSquaredError',
  infer([p, y]) {
    checkPair('meanSquaredError', p!, y!, ['predictions', 'labels']);
    return { shape: [], dtype: 'float32' };
  },
  kernel([p]) {
    return meanReduceKernel('meanSquaredError', p!.size, SQUARED_ERROR);
  },
  grad: ({ dy, inputs: [p, y] }) => [
    p!.requiresGrad ? apply(scaledDifferenceOp, [dy, p!, y!], { scale: 2 / p!.size }) : null,
    y!.requiresGrad ? apply(scaledDifferenceOp, [dy, y!, p!], { scale: 2 / p!.size }) : null,
  ],
  spec: {
    cases: [
      { inputs: [{ shape: [5, 7] }, { shape: [5, 7] }], attrs: undefined },
      { inputs: [{ shape: [1] }, { shape: [1] }], attrs: undefined },
      { inputs: [{ shape: [300, 3] }, { shape: [300, 3] }], attrs: undefined, note: 'more than one pass of the workgroup' },
    ],
  },
});

/** inputs [dy (scalar), a, b] → dy·(a − b)·scale: the squared error's gradient. */
export const scaledDifferenceOp = defineOp<{ scale: number }>({
  name: 'scaledDifference',
  infer([dy, a, b]) {
    if (dy!.size !== 1 || dy!.dtype !== 'float32') fail('scaledDifference', `dy must be a float32 scalar, got ${fmtShape(dy!.shape)} ${dy!.dtype}`);
    checkPair('scaledDifference', a!, b!, ['a', 'b']);
    return { shape: a!.shape, dtype: 'float32' };
  },
  kernel([, a], [out], { scale }) {
    return elementwiseKernel({
      name: 'scaledDifference',
      fn: { cpu: (g, x, y, p0) => g * (x - y) * p0, wgsl: 'a * (b - c) * p0' },
      inDtypes: ['float32', 'float32', 'float32'],
      outDtype: 'float32',
      outShape: out!.shape,
      inStrides: [out!.shape.map(() => 0), stridesOf(a!.shape), stridesOf(a!.shape)],
      params: [scale, 0],
    });
  },
  spec: { noGrad: 'a fused first-order gradient rule', cases: [{ inputs: [{ shape: [] }, { shape: [3, 17] }, { shape: [3, 17] }], attrs: { scale: 2 / 51 } }] },
});

/** mean((p − y)²) in one dispatch; labels of the predictions' shape. */
export function meanSquaredErrorFused(labels: Tensor, predictions: Tensor): Tensor {
  return apply(meanSquaredErrorOp, [predictions, labels], undefined);
}
