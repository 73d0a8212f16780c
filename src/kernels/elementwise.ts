import source from '../../shaders/elementwise.wgsl';
import type { DType, GpuProgram, HostArray, Kernel, Uniform } from './backend.js';
import { fillTemplate, grid, WG, wgslType } from './template.js';

const NAMES = ['a', 'b', 'c'] as const;

/** A scalar function applied elementwise, with its WGSL expression over `a`, `b`, `c`, `p0`, `p1`. */
export interface ElementwiseFn {
  cpu: (a: number, b: number, c: number, p0: number, p1: number) => number;
  wgsl: string;
}

export interface ElementwiseArgs {
  name: string;
  fn: ElementwiseFn;
  inDtypes: readonly DType[];
  outDtype: DType;
  outShape: readonly number[];
  /** Per input, its strides in the output's index space (0 on broadcast dimensions). */
  inStrides: readonly (readonly number[])[];
  params?: readonly [number, number];
}

function isContiguous(strides: readonly number[], shape: readonly number[]): boolean {
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== acc) return false;
    acc *= shape[d]!;
  }
  return true;
}

/** Builds the kernel for one elementwise op over broadcast inputs. */
export function elementwiseKernel(args: ElementwiseArgs): Kernel {
  const { name, fn, inDtypes, outDtype, outShape, inStrides } = args;
  const [p0, p1] = args.params ?? [0, 0];
  const rank = outShape.length;
  const n = outShape.reduce((a, b) => a * b, 1);
  // Per input: 'c' contiguous (index i), 's' scalar (index 0), 'b' broadcast (strided).
  const modes = inStrides.map((s) => (s.every((v) => v === 0) ? 's' : isContiguous(s, outShape) ? 'c' : 'b'));
  const outStrides: number[] = [];
  for (let d = rank - 1, acc = 1; d >= 0; d--) {
    outStrides[d] = acc;
    acc *= outShape[d]!;
  }
  return {
    name,
    cpu(inputs: readonly HostArray[], outputs: readonly HostArray[]) {
      const out = outputs[0]!;
      const [a, b, c] = inputs;
      const f = fn.cpu;
      if (modes.every((m) => m === 'c')) {
        if (inputs.length === 1) for (let i = 0; i < n; i++) out[i] = f(a![i]!, 0, 0, p0, p1);
        else if (inputs.length === 2) for (let i = 0; i < n; i++) out[i] = f(a![i]!, b![i]!, 0, p0, p1);
        else for (let i = 0; i < n; i++) out[i] = f(a![i]!, b![i]!, c![i]!, p0, p1);
        return;
      }
      const idx = new Array<number>(inputs.length).fill(0);
      const coord = new Array<number>(rank).fill(0);
      const v = [0, 0, 0];
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < inputs.length; k++) v[k] = inputs[k]![idx[k]!]!;
        out[i] = f(v[0]!, v[1]!, v[2]!, p0, p1);
        // Advance the odometer and every input's offset with it.
        for (let d = rank - 1; d >= 0; d--) {
          coord[d]!++;
          for (let k = 0; k < inputs.length; k++) idx[k]! += inStrides[k]![d]!;
          if (coord[d]! < outShape[d]!) break;
          for (let k = 0; k < inputs.length; k++) idx[k]! -= inStrides[k]![d]! * outShape[d]!;
          coord[d] = 0;
        }
      }
    },
    gpu(): GpuProgram {
      const strided = modes.map((m, k) => (m === 'b' ? k : -1)).filter((k) => k >= 0);
      const uniforms: Uniform[] = [['u32', n], ['u32', 0], ['f32', p0], ['f32', p1]];
      const fields: string[] = [];
      if (strided.length) {
        for (let d = 0; d < rank; d++) {
          fields.push(`  os${d}: u32,`);
          uniforms.push(['u32', outStrides[d]!]);
        }
        for (const k of strided) {
          for (let d = 0; d < rank; d++) {
            fields.push(`  s${k}_${d}: u32,`);
            uniforms.push(['u32', inStrides[k]![d]!]);
          }
        }
      }
      const workgroups = grid(Math.ceil(n / WG));
      uniforms[1] = ['u32', workgroups[0]];
      const index: string[] = [];
      if (strided.length) {
        index.push('  var rem = i;');
        for (const k of strided) index.push(`  var j${k} = 0u;`);
        for (let d = 0; d < rank; d++) {
          index.push(`  { let q = rem / u.os${d}; rem = rem % u.os${d};${strided.map((k) => ` j${k} += q * u.s${k}_${d};`).join('')} }`);
        }
      }
      const bindings = inDtypes
        .map((dt, k) => `@group(0) @binding(${k}) var<storage, read> in_${NAMES[k]}: array<${wgslType(dt)}>;`)
        .concat(`@group(0) @binding(${inDtypes.length}) var<storage, read_write> out: array<${wgslType(outDtype)}>;`);
      const loads = modes.map((m, k) => `  let ${NAMES[k]} = in_${NAMES[k]}[${m === 'c' ? 'i' : m === 's' ? '0u' : `j${k}`}];`);
      const key = `ew:${name}:${fn.wgsl}:${inDtypes.join(',')}>${outDtype}:${modes.join('')}:r${strided.length ? rank : 0}`;
      return {
        key,
        workgroups,
        uniforms,
        code: () =>
          fillTemplate(source, {
            BINDINGS: bindings.join('\n'),
            FIELDS: fields.join('\n'),
            UBIND: inDtypes.length + 1,
            INDEX: index.join('\n'),
            LOADS: loads.join('\n'),
            EXPR: fn.wgsl,
          }),
      };
    },
  };
}
