/**
 * The CPU GRU split over the CPU backend's threads by batch: sequences are independent, so each
 * thread runs the fused loops of gru-cpu.ts on a contiguous slice of the batch (slices of the
 * shared arrays, no copies). Backward, each thread also sums its own weight gradients in float64;
 * the calling thread adds those partials in slice order, so a given thread count always gives
 * the same bits.
 */
import type { HostArray } from './backend.js';
import type { CpuThreads } from './cpu/threads/pool.js';
import { allShared, shardRange } from './cpu/threads/shard.js';
import type { ThreadTask } from './cpu/threads/tasks.js';
import { gateWidth, type GruGeometry, type GruGradInputs } from './gru.js';
import { gruBackwardCpu, gruForwardCpu } from './gru-cpu.js';

/** gru-cpu.ts runs sequences four at a time: slices start at multiples of this. */
const LOCKSTEP = 4;
/** Below this many multiply-adds a call is cheaper than waking a worker (~0.1 ms). */
const MIN_PARALLEL_MACS = 1 << 20;

/** The batch slices to run, or null to run on the calling thread alone. */
function slices(g: GruGeometry, threads: CpuThreads | undefined, arrays: readonly HostArray[]): [number, number][] | null {
  if (!threads || threads.size < 2) return null;
  if (g.B * g.T * g.D * 3 * g.units * (g.units + g.F) < MIN_PARALLEL_MACS) return null;
  const s = shardRange(g.B, threads.size, LOCKSTEP);
  return s.length > 1 && allShared(arrays) ? s : null;
}

/** Elements per batch row of each array (0: not split, every slice sees all of it). */
const slice = (a: HostArray, perRow: number, [b0, b1]: [number, number]): HostArray => (perRow === 0 ? a : a.subarray(b0 * perRow, b1 * perRow));

export function gruForwardThreaded(threads: CpuThreads | undefined, g: GruGeometry, x: HostArray, W: HostArray, U: HostArray, bias: HostArray, H: HostArray, HL: HostArray, G: HostArray): void {
  const arrays = [x, W, U, bias, H, HL, G];
  const parts = slices(g, threads, arrays);
  if (!parts) return gruForwardCpu(g, x, W, U, bias, H, HL, G);
  const { T, F, D, units: u } = g;
  const rows = [T * F, 0, 0, 0, T * D * u, D * u, g.save ? T * D * gateWidth(u, g.resetAfter) : 0];
  threads!.run(parts.map((p): ThreadTask<'gruForward'> => ({
    task: 'gruForward',
    params: { ...g, B: p[1] - p[0] },
    arrays: arrays.map((a, i) => slice(a, rows[i]!, p)),
  })));
}

/** inputs [x, W, U, G, H, dH?, dHL?, dG?], outputs [dx, dW, dU, dBias]: see gruBackwardCpu. */
export function gruBackwardThreaded(threads: CpuThreads | undefined, g: GruGeometry, has: GruGradInputs, inputs: readonly HostArray[], outputs: readonly HostArray[]): void {
  const parts = slices(g, threads, [...inputs, ...outputs]);
  if (!parts) return gruBackwardCpu(g, has, inputs, outputs);
  const { T, F, D, units: u, resetAfter } = g;
  const GW = gateWidth(u, resetAfter);
  const perRow = [T * F, 0, 0, T * D * GW, T * D * u];
  if (has.dH) perRow.push(T * D * u);
  if (has.dHL) perRow.push(D * u);
  if (has.dG) perRow.push(T * D * GW);
  const [dx, dW, dU, dBias] = outputs as [HostArray, HostArray, HostArray, HostArray];
  // Per-slice float64 weight gradients, in shared memory so a worker can write them.
  const sizes = [dW.length, dU.length, dBias.length];
  const partials = parts.map(() => sizes.map((n) => new Float64Array(new SharedArrayBuffer(8 * n))));
  threads!.run(parts.map((p, k): ThreadTask<'gruBackward'> => ({
    task: 'gruBackward',
    params: { g: { ...g, B: p[1] - p[0] }, has, inputs: inputs.length },
    arrays: [...inputs.map((a, i) => slice(a, perRow[i]!, p)), has.dx ? slice(dx, T * F, p) : dx, ...partials[k]!],
  })));
  [dW, dU, dBias].forEach((out, j) => {
    for (let i = 0; i < out.length; i++) {
      let s = 0;
      for (const part of partials) s += part[j]![i]!;
      out[i] = s;
    }
  });
}
