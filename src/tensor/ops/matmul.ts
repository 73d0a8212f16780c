import { matmulKernel, type MatmulChoice, type MatmulGeometry, type MatmulVariant } from '../../kernels/matmul.js';
import { fail, fmtShape } from '../errors.js';
import { apply, defineOp } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { sum } from './reduce.js';

export interface MatmulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** Rows, cols and batch of an operand as the product reads it. */
function dims(t: Tensor, trans: boolean): { batch: number; rows: number; cols: number } {
  const [r, c] = t.shape.slice(-2) as [number, number];
  return { batch: t.rank === 3 ? t.shape[0]! : 1, rows: trans ? c : r, cols: trans ? r : c };
}

export function matmulGeometry(a: Tensor, b: Tensor, { transposeA, transposeB }: MatmulAttrs): MatmulGeometry {
  const A = dims(a, transposeA);
  const B = dims(b, transposeB);
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  return {
    batch: Math.max(A.batch, B.batch),
    M: A.rows, N: B.cols, K: A.cols,
    aBatch: a.rank === 3 ? ar * ac : 0, aM: transposeA ? 1 : ac, aK: transposeA ? ac : 1,
    bBatch: b.rank === 3 ? br * bc : 0, bK: transposeB ? 1 : bc, bN: transposeB ? bc : 1,
  };
}

/** Which matmul kernel the current backend prefers (tests can force one). */
export const matmulConfig: { variant: MatmulVariant | 'auto' } = { variant: 'auto' };

/**
 * The matmul programs for the backend `t` lives on: the tiled family on GPUs, the register family
 * (with its private-memory row programs) on software adapters and the CPU; matmulConfig.variant
 * overrides the family.
 */
export function matmulChoice(t: Tensor, op: string): MatmulChoice {
  const software = (t.storageFor(op).backend as { variant?: 'tiled' | 'fallback' }).variant !== 'tiled';
  return { variant: matmulConfig.variant !== 'auto' ? matmulConfig.variant : software ? 'register' : 'tiled', privateSpill: software };
}

export const matmulOp = defineOp<MatmulAttrs>({
  name: 'matmul',
  infer([a, b], attrs) {
    for (const [name, t] of [['a', a!], ['b', b!]] as const) {
      if (t.dtype !== 'float32') fail('matmul', `${name} is ${t.dtype} but float32 is required`);
      if (t.rank < 2 || t.rank > 3) fail('matmul', `${name} must be 2-D or 3-D (batched), got shape ${fmtShape(t.shape)}`);
    }
    const A = dims(a!, attrs.transposeA);
    const B = dims(b!, attrs.transposeB);
    if (A.cols !== B.rows) {
      fail('matmul', `inner dimensions differ: a ${fmtShape(a!.shape)}${attrs.transposeA ? 'ᵀ' : ''} has ${A.cols} columns, b ${fmtShape(b!.shape)}${attrs.transposeB ? 'ᵀ' : ''} has ${B.rows} rows`);
    }
    if (A.batch !== B.batch && a!.rank === 3 && b!.rank === 3) fail('matmul', `batch sizes differ: ${A.batch} vs ${B.batch}`);
    const batch = Math.max(A.batch, B.batch);
    return { shape: a!.rank === 3 || b!.rank === 3 ? [batch, A.rows, B.cols] : [A.rows, B.cols], dtype: 'float32' };
  },
  kernel([a, b], _outs, attrs) {
    return matmulKernel('matmul', matmulGeometry(a!, b!, attrs), matmulChoice(a!, 'matmul'));
  },
  grad: ({ dy, inputs: [a, b], attrs: { transposeA, transposeB } }) => {
    // C = op(A)·op(B): dA = dC·op(B)ᵀ (transposed back if A was read transposed), likewise dB.
    let da = transposeA ? matmul(b!, dy, transposeB, true) : matmul(dy, b!, false, !transposeB);
    let db = transposeB ? matmul(dy, a!, true, transposeA) : matmul(a!, dy, !transposeA, false);
    // A 2-D operand broadcast over a batch gets the batch's sum.
    if (a!.rank === 2 && da.rank === 3) da = sum(da, 0);
    if (b!.rank === 2 && db.rank === 3) db = sum(db, 0);
    return [da, db];
  },
  spec: {
    cases: [
      { inputs: [{ shape: [7, 33] }, { shape: [33, 5] }], attrs: { transposeA: false, transposeB: false } },
      { inputs: [{ shape: [33, 7] }, { shape: [33, 65] }], attrs: { transposeA: true, transposeB: false } },
      { inputs: [{ shape: [7, 33] }, { shape: [5, 33] }], attrs: { transposeA: false, transposeB: true } },
      { inputs: [{ shape: [3, 1] }, { shape: [257, 3] }], attrs: { transposeA: true, transposeB: true } },
      { inputs: [{ shape: [3, 5, 7] }, { shape: [3, 7, 2] }], attrs: { transposeA: false, transposeB: false } },
      { inputs: [{ shape: [2, 70, 9] }, { shape: [9, 66] }], attrs: { transposeA: false, transposeB: false }, note: 'batched × shared' },
      { inputs: [{ shape: [1030, 16] }, { shape: [16, 3] }], attrs: { transposeA: false, transposeB: false }, note: 'skinny' },
    ],
  },
});

/**
 * Matrix product of 2-D or batched 3-D tensors (a 2-D operand is shared across the batch).
 * @example wg.matMul(x, w) // [n, k]·[k, m] → [n, m]
 */
export function matMul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  return apply(matmulOp, [a, b], { transposeA, transposeB });
}
export const matmul = matMul;
