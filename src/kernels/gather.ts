import gatherSource from '../../shaders/gather.wgsl';
import segmentSource from '../../shaders/segment_sum.wgsl';
import type { HostArray, Kernel } from './backend.js';
import { grid, WG } from './template.js';

/** out[i, :] = table[ids[i], :] for a [V, D] table and N ids. */
export function gatherKernel(name: string, V: number, D: number, N: number): Kernel {
  return {
    name,
    cpu([table, ids]: readonly HostArray[], [out]: readonly HostArray[]) {
      for (let i = 0; i < N; i++) {
        const id = ids![i]!;
        if (id < 0 || id >= V) throw new Error(`${name}: id ${id} at position ${i} is outside [0, ${V})`);
        out!.set(table!.subarray(id * D, id * D + D), i * D);
      }
    },
    gpu() {
      const workgroups = grid(Math.ceil((N * D) / WG));
      return { key: 'gather', workgroups, uniforms: [['u32', N], ['u32', D], ['u32', V], ['u32', workgroups[0]], ['u32', 0x7fc00000]], code: () => gatherSource };
    },
  };
}

/** out[v, :] = Σ dy[rows[j], :] for j in [offsets[v], offsets[v+1]): the gather's gradient. */
export function segmentSumKernel(name: string, V: number, D: number): Kernel {
  return {
    name,
    cpu([dy, rows, offsets]: readonly HostArray[], [out]: readonly HostArray[]) {
      for (let v = 0; v < V; v++) {
        for (let d = 0; d < D; d++) {
          let acc = 0;
          for (let j = offsets![v]!; j < offsets![v + 1]!; j++) acc += dy![rows![j]! * D + d]!;
          out![v * D + d] = acc;
        }
      }
    },
    gpu() {
      const workgroups = grid(Math.ceil((V * D) / WG));
      return { key: 'segmentSum', workgroups, uniforms: [['u32', V], ['u32', D], ['u32', workgroups[0]]], code: () => segmentSource };
    },
  };
}

/** Stable counting sort of ids into CSR form: rows grouped by id, in increasing position. */
export function csrOfIds(ids: Int32Array, V: number): { rows: Int32Array; offsets: Int32Array } {
  const offsets = new Int32Array(V + 1);
  for (const id of ids) offsets[id + 1]!++;
  for (let v = 0; v < V; v++) offsets[v + 1]! += offsets[v]!;
  const next = offsets.slice(0, V);
  const rows = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) rows[next[ids[i]!]!++] = i;
  return { rows, offsets };
}
