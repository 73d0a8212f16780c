import source from '../../shaders/mean_reduce.wgsl';
import type { GpuProgram, Kernel } from './backend.js';
import { fillTemplate } from './template.js';

/** A per-element term of two inputs and a parameter, in JS and WGSL (over `a`, `b`, `p0`). */
export interface MeanTerm {
  readonly cpu: (a: number, b: number, p0: number) => number;
  readonly wgsl: string;
}

/**
 * out[0] = Σ term(a[i], b[i]) / n over two same-shaped inputs: a loss or metric with its mean in
 * one dispatch (one workgroup: these are batch-sized, and the result feeds no further wide work).
 */
export function meanReduceKernel(name: string, n: number, term: MeanTerm, p0 = 0): Kernel {
  return {
    name,
    cpu(inputs, outputs) {
      const a = inputs[0]!;
      const b = inputs[1]!;
      let acc = 0;
      for (let i = 0; i < n; i++) acc += term.cpu(a[i]!, b[i]!, p0);
      outputs[0]![0] = acc / n;
    },
    gpu(): GpuProgram {
      return {
        key: `meanReduce:${term.wgsl}`,
        workgroups: [1, 1, 1],
        uniforms: [['u32', n], ['f32', n], ['f32', p0]],
        code: () => fillTemplate(source, { TERM: term.wgsl }),
      };
    },
  };
}
