import source from '../../shaders/copy.wgsl';
import type { DType, GpuProgram, HostArray, Kernel, Uniform } from './backend.js';
import { fillTemplate, grid, WG, wgslType } from './template.js';

/** One block copied from input `input` into the output. Strides may be negative. */
export interface CopyPiece {
  input: number;
  shape: readonly number[];
  srcOffset: number;
  srcStrides: readonly number[];
  dstOffset: number;
  dstStrides: readonly number[];
}

/** A kernel made of strided block copies (one dispatch each) into a single output. */
export function copyKernel(name: string, dtype: DType, nInputs: number, pieces: readonly CopyPiece[]): Kernel {
  return {
    name,
    cpu(inputs: readonly HostArray[], outputs: readonly HostArray[]) {
      const dst = outputs[0]!;
      for (const p of pieces) {
        const src = inputs[p.input]!;
        const rank = p.shape.length;
        const n = p.shape.reduce((a, b) => a * b, 1);
        if (n === 0) continue;
        const coord = new Array<number>(rank).fill(0);
        let s = p.srcOffset;
        let d = p.dstOffset;
        for (let i = 0; i < n; i++) {
          dst[d] = src[s]!;
          for (let k = rank - 1; k >= 0; k--) {
            coord[k]!++;
            s += p.srcStrides[k]!;
            d += p.dstStrides[k]!;
            if (coord[k]! < p.shape[k]!) break;
            s -= p.srcStrides[k]! * p.shape[k]!;
            d -= p.dstStrides[k]! * p.shape[k]!;
            coord[k] = 0;
          }
        }
      }
    },
    gpu(): GpuProgram[] {
      return pieces.map((p) => {
        const rank = p.shape.length;
        const n = p.shape.reduce((a, b) => a * b, 1);
        const workgroups = grid(Math.ceil(n / WG));
        const uniforms: Uniform[] = [['u32', n], ['u32', workgroups[0]], ['i32', p.srcOffset], ['i32', p.dstOffset]];
        const fields: string[] = [];
        const index: string[] = [];
        let acc = 1;
        const inner: number[] = [];
        for (let d = rank - 1; d >= 0; d--) {
          inner[d] = acc;
          acc *= p.shape[d]!;
        }
        for (let d = 0; d < rank; d++) {
          fields.push(`  in${d}: u32,`, `  ss${d}: i32,`, `  ds${d}: i32,`);
          uniforms.push(['u32', inner[d]!], ['i32', p.srcStrides[d]!], ['i32', p.dstStrides[d]!]);
          index.push(`  { let q = i32(rem / u.in${d}); rem = rem % u.in${d}; s += q * u.ss${d}; d += q * u.ds${d}; }`);
        }
        return {
          key: `copy:${dtype}:r${rank}`,
          workgroups,
          uniforms,
          bind: [p.input, nInputs],
          code: () => fillTemplate(source, { T: wgslType(dtype), FIELDS: fields.join('\n'), INDEX: index.join('\n') }),
        };
      });
    },
  };
}
