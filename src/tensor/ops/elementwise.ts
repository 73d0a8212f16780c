import type { DType } from '../../kernels/backend.js';
import { elementwiseKernel, type ElementwiseFn } from '../../kernels/elementwise.js';
import { fail } from '../errors.js';
import { apply, defineOp, type GradContext, type OpCase, type OpDef } from '../registry.js';
import { broadcastShapes, broadcastStrides } from '../shape.js';
import { scalar } from '../creation.js';
import { Tensor } from '../tensor.js';
import { sumTo } from './reduce.js';

/** Which input dtypes an op accepts. */
type DTypeRule = 'float' | 'any';

interface ElementwiseSpec<A> {
  name: string;
  arity: 1 | 2 | 3;
  fn: (attrs: A) => ElementwiseFn;
  params?: (attrs: A) => [number, number];
  dtypes?: DTypeRule;
  outDtype?: (inDtype: DType, attrs: A) => DType;
  grad?: (ctx: GradContext<A>) => readonly (Tensor | null)[];
  noGrad?: string;
  cases: readonly OpCase<A>[];
}

function defineElementwise<A>(spec: ElementwiseSpec<A>): OpDef<A> {
  const rule = spec.dtypes ?? 'float';
  return defineOp<A>({
    name: spec.name,
    infer(inputs, attrs) {
      if (inputs.length !== spec.arity) fail(spec.name, `expects ${spec.arity} inputs, got ${inputs.length}`);
      const dt = inputs[0]!.dtype;
      inputs.forEach((t, k) => {
        if (rule === 'float' && t.dtype !== 'float32') fail(spec.name, `input ${k} is ${t.dtype} but float32 is required (use wg.cast)`);
        if (t.dtype !== dt && spec.name !== 'where') fail(spec.name, `inputs have different dtypes (${dt} and ${t.dtype})`);
      });
      const shape = broadcastShapes(spec.name, ...inputs.map((t) => t.shape));
      return { shape, dtype: spec.outDtype?.(dt, attrs) ?? dt };
    },
    kernel(inputs, [out], attrs) {
      return elementwiseKernel({
        name: spec.name,
        fn: spec.fn(attrs),
        inDtypes: inputs.map((t) => t.dtype),
        outDtype: out!.dtype,
        outShape: out!.shape,
        inStrides: inputs.map((t) => broadcastStrides(t.shape, out!.shape)),
        ...(spec.params ? { params: spec.params(attrs) } : {}),
      });
    },
    ...(spec.grad ? { grad: spec.grad } : {}),
    spec: { cases: spec.cases, ...(spec.noGrad ? { noGrad: spec.noGrad } : {}) },
  });
}

/** Numbers become scalars of the other operand's dtype. */
export type Operand = Tensor | number;

function lift(x: Operand, like: Tensor | undefined): Tensor {
  return x instanceof Tensor ? x : scalar(x, like?.dtype ?? 'float32');
}

function binary(op: OpDef<void>, a: Operand, b: Operand): Tensor {
  const ta = lift(a, b instanceof Tensor ? b : undefined);
  return apply(op, [ta, lift(b, ta)], undefined);
}

const f = (shape: number[], low = -2, high = 2) => ({ shape, low, high });
const unaryCases = [{ inputs: [f([3, 7])], attrs: undefined }, { inputs: [f([1])], attrs: undefined }, { inputs: [f([1037])], attrs: undefined }];
const binaryCases = [
  { inputs: [f([4, 33]), f([4, 33])], attrs: undefined },
  { inputs: [f([3, 1, 7]), f([5, 1])], attrs: undefined, note: 'broadcast both ways' },
  { inputs: [f([257]), f([])], attrs: undefined, note: 'scalar' },
  { inputs: [f([2, 1003]), f([1003])], attrs: undefined },
];
const positive = (shape: number[]) => f(shape, 0.2, 3);

// ---- unary ----
export const negOp: OpDef<void> = defineElementwise<void>({ name: 'neg', arity: 1, dtypes: 'any', fn: () => ({ cpu: (a) => -a, wgsl: '-a' }), grad: ({ dy }) => [neg(dy)], cases: unaryCases });
export const expOp: OpDef<void> = defineElementwise<void>({ name: 'exp', arity: 1, fn: () => ({ cpu: Math.exp, wgsl: 'exp(a)' }), grad: ({ dy, outputs }) => [mul(dy, outputs[0]!)], cases: unaryCases });
export const logOp: OpDef<void> = defineElementwise<void>({ name: 'log', arity: 1, fn: () => ({ cpu: Math.log, wgsl: 'log(a)' }), grad: ({ dy, inputs }) => [div(dy, inputs[0]!)], cases: [{ inputs: [positive([3, 7])], attrs: undefined }, { inputs: [positive([1037])], attrs: undefined }] });
export const log1pOp: OpDef<void> = defineElementwise<void>({ name: 'log1p', arity: 1, fn: () => ({ cpu: Math.log1p, wgsl: 'log(1.0 + a)' }), grad: ({ dy, inputs }) => [div(dy, add(inputs[0]!, 1))], cases: [{ inputs: [positive([3, 7])], attrs: undefined }] });
export const sqrtOp: OpDef<void> = defineElementwise<void>({ name: 'sqrt', arity: 1, fn: () => ({ cpu: Math.sqrt, wgsl: 'sqrt(a)' }), grad: ({ dy, outputs }) => [div(dy, mul(outputs[0]!, 2))], cases: [{ inputs: [positive([3, 7])], attrs: undefined }, { inputs: [positive([1037])], attrs: undefined }] });
export const squareOp: OpDef<void> = defineElementwise<void>({ name: 'square', arity: 1, fn: () => ({ cpu: (a) => a * a, wgsl: 'a * a' }), grad: ({ dy, inputs }) => [mul(dy, mul(inputs[0]!, 2))], cases: unaryCases });
export const absOp: OpDef<void> = defineElementwise<void>({ name: 'abs', arity: 1, dtypes: 'any', fn: () => ({ cpu: Math.abs, wgsl: 'abs(a)' }), grad: ({ dy, inputs }) => [mul(dy, sign(inputs[0]!))], cases: unaryCases });
export const signOp: OpDef<void> = defineElementwise<void>({ name: 'sign', arity: 1, fn: () => ({ cpu: Math.sign, wgsl: 'sign(a)' }), noGrad: 'zero almost everywhere', cases: unaryCases });
export const reluOp: OpDef<void> = defineElementwise<void>({ name: 'relu', arity: 1, fn: () => ({ cpu: (a) => (a > 0 ? a : 0), wgsl: 'max(a, 0.0)' }), grad: ({ dy, outputs }) => [reluGrad(dy, outputs[0]!)], cases: unaryCases });
export const sigmoidOp: OpDef<void> = defineElementwise<void>({
  name: 'sigmoid', arity: 1,
  // exp(-a) overflows to +inf for very negative a, and 1/(1+inf) = 0 is the right limit.
  fn: () => ({ cpu: (a) => 1 / (1 + Math.exp(-a)), wgsl: '1.0 / (1.0 + exp(-a))' }),
  grad: ({ dy, outputs }) => [sigmoidGrad(dy, outputs[0]!)],
  cases: unaryCases,
});
export const tanhOp: OpDef<void> = defineElementwise<void>({
  name: 'tanh', arity: 1,
  // Some WGSL implementations compute tanh through exp and return NaN for large |a|; tanh(±10) is ±1 in f32.
  fn: () => ({ cpu: Math.tanh, wgsl: 'tanh(clamp(a, -10.0, 10.0))' }),
  grad: ({ dy, outputs }) => [tanhGrad(dy, outputs[0]!)],
  cases: [...unaryCases, { inputs: [f([9], -40, 40)], attrs: undefined, note: 'saturation' }],
});
export const powScalarOp: OpDef<{ exponent: number }> = defineElementwise<{ exponent: number }>({
  name: 'powScalar', arity: 1,
  params: ({ exponent }) => [exponent, Number.isInteger(exponent) && exponent % 2 !== 0 ? -1 : 1],
  // WGSL pow is undefined for a < 0; integer exponents keep the sign rule (p1 = -1 for odd ones).
  fn: () => ({ cpu: (a, _b, _c, p) => Math.pow(a, p), wgsl: 'select(pow(abs(a), p0), p1 * pow(abs(a), p0), a < 0.0)' }),
  grad: ({ dy, inputs, attrs }) => [mul(dy, mul(powScalar(inputs[0]!, attrs.exponent - 1), attrs.exponent))],
  cases: [{ inputs: [f([3, 7])], attrs: { exponent: 3 } }, { inputs: [positive([33])], attrs: { exponent: 0.5 } }, { inputs: [f([8])], attrs: { exponent: 2 } }],
});
export const clipOp: OpDef<{ min: number; max: number }> = defineElementwise<{ min: number; max: number }>({
  name: 'clip', arity: 1,
  params: ({ min, max }) => [min, max],
  fn: () => ({ cpu: (a, _b, _c, lo, hi) => Math.min(Math.max(a, lo), hi), wgsl: 'clamp(a, p0, p1)' }),
  grad: ({ dy, inputs, attrs }) => [mul(dy, mul(greaterEqual(inputs[0]!, attrs.min), lessEqual(inputs[0]!, attrs.max)))],
  cases: [{ inputs: [f([5, 33])], attrs: { min: -0.5, max: 1 } }],
});
export const castOp: OpDef<{ dtype: DType }> = defineElementwise<{ dtype: DType }>({
  name: 'cast', arity: 1, dtypes: 'any',
  outDtype: (_, { dtype }) => dtype,
  // Float to int truncates toward zero, as in TF.js and WGSL's i32().
  fn: ({ dtype }) => ({ cpu: (a) => (dtype === 'int32' ? Math.trunc(a) : a), wgsl: dtype === 'int32' ? 'i32(a)' : 'f32(a)' }),
  grad: ({ dy, inputs }) => [inputs[0]!.dtype === 'float32' ? dy : null],
  cases: [{ inputs: [f([7, 3], -50, 50)], attrs: { dtype: 'int32' } }, { inputs: [{ shape: [33], dtype: 'int32', low: -9, high: 9 }], attrs: { dtype: 'float32' } }],
});

// ---- binary ----
const gradAdd = ({ dy, inputs }: GradContext<void>) => [sumTo(dy, inputs[0]!.shape), sumTo(dy, inputs[1]!.shape)];
export const addOp: OpDef<void> = defineElementwise<void>({ name: 'add', arity: 2, dtypes: 'any', fn: () => ({ cpu: (a, b) => a + b, wgsl: 'a + b' }), grad: gradAdd, cases: binaryCases });
export const subOp: OpDef<void> = defineElementwise<void>({ name: 'sub', arity: 2, dtypes: 'any', fn: () => ({ cpu: (a, b) => a - b, wgsl: 'a - b' }), grad: ({ dy, inputs }) => [sumTo(dy, inputs[0]!.shape), sumTo(neg(dy), inputs[1]!.shape)], cases: binaryCases });
export const mulOp: OpDef<void> = defineElementwise<void>({
  name: 'mul', arity: 2, dtypes: 'any', fn: () => ({ cpu: (a, b) => a * b, wgsl: 'a * b' }),
  grad: ({ dy, inputs: [a, b] }) => [sumTo(mul(dy, b!), a!.shape), sumTo(mul(dy, a!), b!.shape)],
  cases: binaryCases,
});
export const divOp: OpDef<void> = defineElementwise<void>({
  name: 'div', arity: 2, fn: () => ({ cpu: (a, b) => a / b, wgsl: 'a / b' }),
  grad: ({ dy, inputs: [a, b], outputs: [y] }) => [sumTo(div(dy, b!), a!.shape), sumTo(neg(div(mul(dy, y!), b!)), b!.shape)],
  cases: [{ inputs: [f([4, 33]), positive([4, 33])], attrs: undefined }, { inputs: [f([3, 1, 7]), positive([5, 1])], attrs: undefined }],
});
export const maximumOp: OpDef<void> = defineElementwise<void>({
  name: 'maximum', arity: 2, fn: () => ({ cpu: (a, b) => Math.max(a, b), wgsl: 'max(a, b)' }),
  grad: ({ dy, inputs: [a, b] }) => {
    const m = greaterEqual(a!, b!);
    return [sumTo(mul(dy, m), a!.shape), sumTo(mul(dy, sub(1, m)), b!.shape)];
  },
  cases: binaryCases,
});
export const minimumOp: OpDef<void> = defineElementwise<void>({
  name: 'minimum', arity: 2, fn: () => ({ cpu: (a, b) => Math.min(a, b), wgsl: 'min(a, b)' }),
  grad: ({ dy, inputs: [a, b] }) => {
    const m = lessEqual(a!, b!);
    return [sumTo(mul(dy, m), a!.shape), sumTo(mul(dy, sub(1, m)), b!.shape)];
  },
  cases: binaryCases,
});
/** Fused gradient rules: one dispatch instead of two or three. */
export const reluGradOp: OpDef<void> = defineElementwise<void>({ name: 'reluGrad', arity: 2, noGrad: 'a fused first-order gradient rule', fn: () => ({ cpu: (dy, y) => (y > 0 ? dy : 0), wgsl: 'select(0.0, a, b > 0.0)' }), cases: binaryCases.slice(0, 1) });
export const sigmoidGradOp: OpDef<void> = defineElementwise<void>({ name: 'sigmoidGrad', arity: 2, noGrad: 'a fused first-order gradient rule', fn: () => ({ cpu: (dy, y) => dy * y * (1 - y), wgsl: 'a * b * (1.0 - b)' }), cases: binaryCases.slice(0, 1) });
export const tanhGradOp: OpDef<void> = defineElementwise<void>({ name: 'tanhGrad', arity: 2, noGrad: 'a fused first-order gradient rule', fn: () => ({ cpu: (dy, y) => dy * (1 - y * y), wgsl: 'a * (1.0 - b * b)' }), cases: binaryCases.slice(0, 1) });

// ---- comparisons: float32 masks of 0 and 1, no gradient ----
function comparison(name: string, cpu: (a: number, b: number) => boolean, wgslOp: string): OpDef<void> {
  return defineElementwise<void>({
    name, arity: 2, dtypes: 'any', outDtype: () => 'float32', noGrad: 'a comparison is piecewise constant',
    fn: () => ({ cpu: (a, b) => (cpu(a, b) ? 1 : 0), wgsl: `select(0.0, 1.0, a ${wgslOp} b)` }),
    cases: [...binaryCases, { inputs: [{ shape: [7, 5], dtype: 'int32', low: -3, high: 3 }, { shape: [5], dtype: 'int32', low: -3, high: 3 }], attrs: undefined }],
  });
}
export const greaterOp: OpDef<void> = comparison('greater', (a, b) => a > b, '>');
export const greaterEqualOp: OpDef<void> = comparison('greaterEqual', (a, b) => a >= b, '>=');
export const lessOp: OpDef<void> = comparison('less', (a, b) => a < b, '<');
export const lessEqualOp: OpDef<void> = comparison('lessEqual', (a, b) => a <= b, '<=');
export const equalOp: OpDef<void> = comparison('equal', (a, b) => a === b, '==');
export const notEqualOp: OpDef<void> = comparison('notEqual', (a, b) => a !== b, '!=');

// ---- ternary ----
export const whereOp: OpDef<void> = defineElementwise<void>({
  name: 'where', arity: 3,
  fn: () => ({ cpu: (c, a, b) => (c !== 0 ? a : b), wgsl: 'select(c, b, a != 0.0)' }),
  grad: ({ dy, inputs: [c, a, b] }) => {
    const pick = notEqual(c!, 0);
    return [null, sumTo(mul(dy, pick), a!.shape), sumTo(mul(dy, sub(1, pick)), b!.shape)];
  },
  cases: [{ inputs: [{ shape: [4, 7], low: 0, high: 2, noGrad: true }, f([4, 7]), f([7])], attrs: undefined }],
});

// ---- public functions (TF.js names) ----
export const neg = (x: Tensor): Tensor => apply(negOp, [x], undefined);
export const exp = (x: Tensor): Tensor => apply(expOp, [x], undefined);
export const log = (x: Tensor): Tensor => apply(logOp, [x], undefined);
export const log1p = (x: Tensor): Tensor => apply(log1pOp, [x], undefined);
export const sqrt = (x: Tensor): Tensor => apply(sqrtOp, [x], undefined);
export const square = (x: Tensor): Tensor => apply(squareOp, [x], undefined);
export const abs = (x: Tensor): Tensor => apply(absOp, [x], undefined);
export const sign = (x: Tensor): Tensor => apply(signOp, [x], undefined);
export const relu = (x: Tensor): Tensor => apply(reluOp, [x], undefined);
export const sigmoid = (x: Tensor): Tensor => apply(sigmoidOp, [x], undefined);
export const tanh = (x: Tensor): Tensor => apply(tanhOp, [x], undefined);
/** x^exponent for a number exponent (TF.js `pow` with a scalar). */
export const powScalar = (x: Tensor, exponent: number): Tensor => apply(powScalarOp, [x], { exponent });
export const clipByValue = (x: Tensor, min: number, max: number): Tensor => {
  if (!(min <= max)) fail('clipByValue', `min ${min} must not exceed max ${max}`);
  return apply(clipOp, [x], { min, max });
};
export const cast = (x: Tensor, dtype: DType): Tensor => (x.dtype === dtype ? x : apply(castOp, [x], { dtype }));
export const add = (a: Operand, b: Operand): Tensor => binary(addOp, a, b);
export const sub = (a: Operand, b: Operand): Tensor => binary(subOp, a, b);
export const mul = (a: Operand, b: Operand): Tensor => binary(mulOp, a, b);
export const div = (a: Operand, b: Operand): Tensor => binary(divOp, a, b);
export const maximum = (a: Operand, b: Operand): Tensor => binary(maximumOp, a, b);
export const minimum = (a: Operand, b: Operand): Tensor => binary(minimumOp, a, b);
export const greater = (a: Operand, b: Operand): Tensor => binary(greaterOp, a, b);
export const greaterEqual = (a: Operand, b: Operand): Tensor => binary(greaterEqualOp, a, b);
export const less = (a: Operand, b: Operand): Tensor => binary(lessOp, a, b);
export const lessEqual = (a: Operand, b: Operand): Tensor => binary(lessEqualOp, a, b);
export const equal = (a: Operand, b: Operand): Tensor => binary(equalOp, a, b);
export const notEqual = (a: Operand, b: Operand): Tensor => binary(notEqualOp, a, b);
export const reluGrad = (dy: Tensor, y: Tensor): Tensor => apply(reluGradOp, [dy, y], undefined);
export const sigmoidGrad = (dy: Tensor, y: Tensor): Tensor => apply(sigmoidGradOp, [dy, y], undefined);
export const tanhGrad = (dy: Tensor, y: Tensor): Tensor => apply(tanhGradOp, [dy, y], undefined);
/** Picks a where condition ≠ 0, else b (condition is a float mask). */
export const where = (condition: Tensor, a: Operand, b: Operand): Tensor => {
  const ta = lift(a, undefined);
  return apply(whereOp, [condition, ta, lift(b, ta)], undefined);
};
