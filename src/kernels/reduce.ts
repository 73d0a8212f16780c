import source from '../../shaders/reduce.wgsl';
import type { GpuProgram, HostArray, Kernel } from './backend.js';
import { fillTemplate, grid, WG } from './template.js';

export type ReduceKind = 'sum' | 'max';

const WGSL = {
  sum: { INIT: '0.0', COMBINE: 'acc + v' },
  max: { INIT: 'bitcast<f32>(0xff7fffffu)', COMBINE: 'max(acc, v)' }, // -FLT_MAX
};

/** Below this many outputs and above this many rows, reduce in two passes. */
const SPLIT_OUTPUTS = 1024;
const SPLIT_ROWS = 2048;

/** Reduces the middle axis of x viewed as [A, R, C] (output [A, C]). */
export function reduceKernel(name: string, kind: ReduceKind, A: number, R: number, C: number): Kernel {
  const split = A * C < SPLIT_OUTPUTS && R > SPLIT_ROWS;
  const chunk = split ? Math.ceil(Math.sqrt(R)) : R;
  const K = Math.ceil(R / chunk);
  const pass = (chunkRows: number, rows: number, k: number, bind: number[]): GpuProgram => {
    const workgroups = grid(Math.ceil((A * k * C) / WG));
    return {
      key: `reduce:${kind}`,
      workgroups,
      bind,
      uniforms: [['u32', A], ['u32', rows], ['u32', C], ['u32', chunkRows], ['u32', k], ['u32', workgroups[0]]],
      code: () => fillTemplate(source, WGSL[kind]),
    };
  };
  return {
    name,
    ...(split ? { temps: [{ size: A * K * C, dtype: 'float32' as const }] } : {}),
    cpu(inputs: readonly HostArray[], outputs: readonly HostArray[]) {
      const x = inputs[0]!;
      const out = outputs[0]!;
      for (let a = 0; a < A; a++) {
        for (let c = 0; c < C; c++) {
          let acc = kind === 'sum' ? 0 : -Infinity;
          for (let r = 0; r < R; r++) {
            const v = x[(a * R + r) * C + c]!;
            acc = kind === 'sum' ? acc + v : Math.max(acc, v);
          }
          out[a * C + c] = acc;
        }
      }
    },
    gpu() {
      // Bindings: [x, out, partials].
      return split ? [pass(chunk, R, K, [0, 2]), pass(K, K, 1, [2, 1])] : pass(R, R, 1, [0, 1]);
    },
  };
}
