import { csrOfIds, gatherKernel, segmentSumKernel } from '../../kernels/gather.js';
import { fromFlat } from '../creation.js';
import { fail, fmtShape } from '../errors.js';
import { apply, defineOp } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { reshape } from './movement.js';

function checkIds(op: string, ids: Tensor, V: number): void {
  if (ids.dtype !== 'int32') fail(op, `indices are ${ids.dtype} but int32 is required`);
  const host = ids.hostInts;
  if (!host) return;
  for (let i = 0; i < host.length; i++) {
    const id = host[i]!;
    if (id < 0 || id >= V) {
      const pos = ids.shape.length > 1 ? ` (position [${unravel(i, ids.shape).join(', ')}])` : '';
      fail(op, `index ${id} at flat position ${i}${pos} is outside [0, ${V})`);
    }
  }
}

function unravel(i: number, shape: readonly number[]): number[] {
  const out: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return out;
}

/** out[...ids.shape, D] = table[ids, :] for a [V, D] table (an embedding lookup). */
export const gatherOp = defineOp<void>({
  name: 'gather',
  infer([table, ids]) {
    if (table!.rank !== 2 || table!.dtype !== 'float32') fail('gather', `table must be a 2-D float32 tensor, got ${fmtShape(table!.shape)} ${table!.dtype}`);
    checkIds('gather', ids!, table!.shape[0]!);
    return { shape: [...ids!.shape, table!.shape[1]!], dtype: 'float32' };
  },
  kernel([table, ids]) {
    return gatherKernel('gather', table!.shape[0]!, table!.shape[1]!, ids!.size);
  },
  grad: ({ dy, inputs: [table, ids] }) => {
    const [V, D] = table!.shape as [number, number];
    if (!ids!.hostInts) fail('gather', 'the gradient needs indices created from host data (wg.tensor(..., "int32")); these were computed on the device');
    const { rows, offsets } = csrOfIds(ids!.hostInts, V);
    const r = fromFlat(rows, [rows.length], 'int32', dy.storageFor('gather').backend);
    const o = fromFlat(offsets, [offsets.length], 'int32', dy.storageFor('gather').backend);
    return [apply(segmentSumOp, [reshape(dy, [ids!.size, D]), r, o], { rows: V }), null];
  },
  spec: {
    cases: [
      { inputs: [{ shape: [7, 5] }, { shape: [3, 4], dtype: 'int32', low: 0, high: 7, noGrad: true }], attrs: undefined },
      { inputs: [{ shape: [1030, 3] }, { shape: [257], dtype: 'int32', low: 0, high: 1030, noGrad: true }], attrs: undefined },
    ],
  },
});

/** out[v, :] = Σ dy[rows[j], :] over j in [offsets[v], offsets[v+1]): the gather's gradient. */
export const segmentSumOp = defineOp<{ rows: number }>({
  name: 'segmentSum',
  infer([dy, rows, offsets], { rows: V }) {
    if (dy!.rank !== 2) fail('segmentSum', `dy must be 2-D, got ${fmtShape(dy!.shape)}`);
    if (rows!.dtype !== 'int32' || offsets!.dtype !== 'int32' || offsets!.size !== V + 1) fail('segmentSum', `needs int32 rows and ${V + 1} int32 offsets`);
    return { shape: [V, dy!.shape[1]!], dtype: 'float32' };
  },
  kernel([dy], _outs, { rows: V }) {
    return segmentSumKernel('segmentSum', V, dy!.shape[1]!);
  },
  spec: {
    noGrad: 'only used as the gradient of gather',
    cases: [
      {
        inputs: [{ shape: [6, 3] }, { shape: [6], dtype: 'int32', values: [4, 0, 2, 5, 1, 3] }, { shape: [5], dtype: 'int32', values: [0, 2, 2, 5, 6] }],
        attrs: { rows: 4 },
      },
    ],
  },
});

/**
 * Rows of `table` at `indices` (int32, any shape): TF.js `gather` on axis 0.
 * @example wg.gather(embeddings, ids) // [vocab, dim] at [batch, time] → [batch, time, dim]
 */
export function gather(table: Tensor, indices: Tensor): Tensor {
  return apply(gatherOp, [table, indices], undefined);
}
