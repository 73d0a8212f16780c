import adamSource from '../../shaders/adam.wgsl';
import sgdSource from '../../shaders/sgd.wgsl';
import sumSquaresSource from '../../shaders/sum_squares.wgsl';
import type { GpuProgram, HostArray, Kernel, Uniform } from './backend.js';
import { fillTemplate, grid, WG } from './template.js';

/**
 * Optimizer update kernels. Optimizers run them ONCE per step over flat arenas holding every
 * parameter, gradient and state slot (see src/optim/arena.ts); the registry's functional ops run
 * them over one parameter. Two binding layouts share one shader:
 * - functional (testable with poisoned outputs): inputs [p, g, s], outputs [p', s'];
 * - in place (what optimizers run): inputs [g, (sumsq)], outputs [p, s], each read and written.
 * WebGPU forbids binding one buffer twice when one binding is writable, hence the two layouts.
 *
 * The elements updated are [start, start + n); the state packs its slots `stride` elements apart
 * (slot k of element i at k·stride + i), so one parameter's packed [m | v] (stride = n) and an
 * arena's [m-arena | v-arena] (stride = the arena's length) are the same layout.
 */
export type UpdateLayout = 'functional' | 'inPlace';

/** Gradient preprocessing fused into the update (Keras's clipvalue and global_clipnorm). */
export interface UpdateClip {
  /** g ← clamp(g, −clipValue, clipValue). */
  clipValue?: number | undefined;
  /**
   * g ← g·c / max(‖all‖, c) with c = globalClipnorm, ‖all‖² read from the extra input (the sum of
   * squares of every gradient, from `sumSquaresKernel`).
   */
  globalClipnorm?: number | undefined;
}

export interface UpdateRange {
  /** Elements to update. */
  n: number;
  /** First element (default 0). */
  start?: number;
  /** Distance between state slots (default n). */
  stride?: number;
}

function bindings(layout: UpdateLayout, hasState: boolean, hasNorm: boolean): { code: string; P_IN: string; P_OUT: string; S_IN: string; S_OUT: string; UBIND: number } {
  const rw = (b: number, name: string) => `@group(0) @binding(${b}) var<storage, read_write> ${name}: array<f32>;`;
  const ro = (b: number, name: string) => `@group(0) @binding(${b}) var<storage, read> ${name}: array<f32>;`;
  if (layout === 'inPlace') {
    const lines = [ro(0, 'grad'), ...(hasNorm ? [ro(1, 'sumsq')] : [])];
    lines.push(rw(lines.length, 'param'));
    if (hasState) lines.push(rw(lines.length, 'state'));
    return { code: lines.join('\n'), P_IN: 'param', P_OUT: 'param', S_IN: 'state', S_OUT: 'state', UBIND: lines.length };
  }
  if (hasNorm) throw new Error('optimizer kernels: the functional layout has no global-norm input');
  const code = hasState
    ? [ro(0, 'p_in'), ro(1, 'grad'), ro(2, 's_in'), rw(3, 'p_out'), rw(4, 's_out')].join('\n')
    : [ro(0, 'p_in'), ro(1, 'grad'), rw(2, 'p_out')].join('\n');
  return { code, P_IN: 'p_in', P_OUT: 'p_out', S_IN: 's_in', S_OUT: 's_out', UBIND: hasState ? 5 : 3 };
}

/** [p, g, s] to read, [pOut, sOut] to write (aliases in place), and the global sum of squares. */
function operands(layout: UpdateLayout, hasNorm: boolean, inputs: readonly HostArray[], outputs: readonly HostArray[]) {
  if (layout === 'inPlace') return { p: outputs[0]!, g: inputs[0]!, s: outputs[1], pOut: outputs[0]!, sOut: outputs[1], sumsq: hasNorm ? inputs[1]![0]! : 0 };
  return { p: inputs[0]!, g: inputs[1]!, s: inputs[2], pOut: outputs[0]!, sOut: outputs[1], sumsq: 0 };
}

/** The CPU form of the fused clipping; returns g·scale clipped. */
function clipScale(clip: UpdateClip, sumsq: number): number {
  if (clip.globalClipnorm === undefined) return 1;
  const c = clip.globalClipnorm;
  return c / Math.max(Math.sqrt(sumsq), c);
}

/** WGSL lines turning `g` (declared `var`) into the clipped gradient; the uniforms they read. */
function clipWgsl(clip: UpdateClip): string {
  const lines: string[] = [];
  if (clip.globalClipnorm !== undefined) lines.push('  g = g * (u.clipnorm / max(sqrt(sumsq[0]), u.clipnorm));');
  if (clip.clipValue !== undefined) lines.push('  g = clamp(g, -u.clipvalue, u.clipvalue);');
  return lines.join('\n');
}

const clipKey = (clip: UpdateClip) => `${clip.globalClipnorm !== undefined ? ':gnorm' : ''}${clip.clipValue !== undefined ? ':cval' : ''}`;

/** Common uniforms: n, nx, start, stride, clipvalue, clipnorm (then the optimizer's own). */
function rangeUniforms(r: UpdateRange, nx: number, clip: UpdateClip): Uniform[] {
  return [['u32', r.n], ['u32', nx], ['u32', r.start ?? 0], ['u32', r.stride ?? r.n], ['f32', clip.clipValue ?? 0], ['f32', clip.globalClipnorm ?? 0]];
}

export interface AdamArgs extends UpdateRange, UpdateClip {
  /** The step size lr·√(1−β2^t)/(1−β1^t). */
  alpha: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** lr·weightDecay for AdamW's decoupled decay (0 for Adam). */
  decay: number;
  amsgrad: boolean;
}

/** A gradient element after global-norm scaling and value clipping (the CPU side of CLIP). */
function clippedGradient(g: number, scale: number, clipValue: number | undefined): number {
  const gi = g * scale;
  return clipValue === undefined ? gi : Math.min(Math.max(gi, -clipValue), clipValue);
}

/** One Adam/AdamW step: m ← m + (g−m)(1−β1), v ← v + (g²−v)(1−β2), p ← p − α·m/(√v̂+ε). */
export function adamKernel(name: string, layout: UpdateLayout, a: AdamArgs): Kernel {
  const { n, alpha, beta1, beta2, epsilon, decay, amsgrad } = a;
  const start = a.start ?? 0;
  const stride = a.stride ?? n;
  const hasNorm = a.globalClipnorm !== undefined;
  const cv = a.clipValue;
  return {
    name,
    inPlace: layout === 'inPlace',
    cpu(inputs, outputs) {
      const { p, g, s, pOut, sOut, sumsq } = operands(layout, hasNorm, inputs, outputs);
      const scale = clipScale(a, sumsq);
      for (let i = start; i < start + n; i++) {
        const gi = clippedGradient(g[i]!, scale, cv);
        const pi = p[i]! - p[i]! * decay;
        const m = s![i]! + (gi - s![i]!) * (1 - beta1);
        const v = s![stride + i]! + (gi * gi - s![stride + i]!) * (1 - beta2);
        let denom = v;
        if (amsgrad) {
          denom = Math.max(s![2 * stride + i]!, v);
          sOut![2 * stride + i] = denom;
        }
        sOut![i] = m;
        sOut![stride + i] = v;
        pOut[i] = pi - (m * alpha) / (Math.sqrt(denom) + epsilon);
      }
    },
    gpu(): GpuProgram {
      const b = bindings(layout, true, hasNorm);
      const workgroups = grid(Math.ceil(n / WG));
      const amsgradCode = amsgrad ? `  denom = max(${b.S_IN}[2u * u.stride + i], v);\n  ${b.S_OUT}[2u * u.stride + i] = denom;` : '';
      return {
        key: `adam:${layout}:${amsgrad ? 'amsgrad' : 'plain'}${clipKey(a)}`,
        workgroups,
        uniforms: [...rangeUniforms(a, workgroups[0], a), ['f32', alpha], ['f32', beta1], ['f32', beta2], ['f32', epsilon], ['f32', decay]],
        code: () => fillTemplate(adamSource, { BINDINGS: b.code, UBIND: b.UBIND, P_IN: b.P_IN, P_OUT: b.P_OUT, S_IN: b.S_IN, S_OUT: b.S_OUT, CLIP: clipWgsl(a), AMSGRAD: amsgradCode }),
      };
    },
  };
}

export interface SgdArgs extends UpdateRange, UpdateClip {
  learningRate: number;
  /** 0 means plain SGD (no state). */
  momentum: number;
  nesterov: boolean;
}

/** One SGD step in Keras's form (velocity m ← momentum·m − lr·g). */
export function sgdKernel(name: string, layout: UpdateLayout, a: SgdArgs): Kernel {
  const { n, learningRate: lr, momentum, nesterov } = a;
  const start = a.start ?? 0;
  const hasState = momentum !== 0;
  const hasNorm = a.globalClipnorm !== undefined;
  const cv = a.clipValue;
  return {
    name,
    inPlace: layout === 'inPlace',
    cpu(inputs, outputs) {
      const { p, g, s, pOut, sOut, sumsq } = operands(layout, hasNorm, inputs, outputs);
      const scale = clipScale(a, sumsq);
      for (let i = start; i < start + n; i++) {
        const gi = clippedGradient(g[i]!, scale, cv);
        if (!hasState) {
          pOut[i] = p[i]! - gi * lr;
          continue;
        }
        const m = -gi * lr + s![i]! * momentum;
        sOut![i] = m;
        pOut[i] = nesterov ? p[i]! + (-gi * lr + m * momentum) : p[i]! + m;
      }
    },
    gpu(): GpuProgram {
      const b = bindings(layout, hasState, hasNorm);
      const workgroups = grid(Math.ceil(n / WG));
      const body = !hasState
        ? `  ${b.P_OUT}[i] = p - g * u.lr;`
        : [`  let m = -g * u.lr + ${b.S_IN}[i] * u.momentum;`, `  ${b.S_OUT}[i] = m;`, nesterov ? `  ${b.P_OUT}[i] = p + (-g * u.lr + m * u.momentum);` : `  ${b.P_OUT}[i] = p + m;`].join('\n');
      return {
        key: `sgd:${layout}:${hasState ? (nesterov ? 'nesterov' : 'momentum') : 'plain'}${clipKey(a)}`,
        workgroups,
        uniforms: [...rangeUniforms(a, workgroups[0], a), ['f32', lr], ['f32', momentum]],
        code: () => fillTemplate(sgdSource, { BINDINGS: b.code, UBIND: b.UBIND, P_IN: b.P_IN, CLIP: clipWgsl(a), BODY: body }),
      };
    },
  };
}

/**
 * Σ x² of a flat buffer into a one-element output (one workgroup; global gradient clipping reads
 * it inside the update kernel, so nothing is read back).
 */
export function sumSquaresKernel(name: string, n: number): Kernel {
  return {
    name,
    cpu(inputs, outputs) {
      const x = inputs[0]!;
      let acc = 0;
      for (let i = 0; i < n; i++) acc += x[i]! * x[i]!;
      outputs[0]![0] = acc;
    },
    gpu(): GpuProgram {
      return { key: 'sumSquares', workgroups: [1, 1, 1], uniforms: [['u32', n]], code: () => sumSquaresSource };
    },
  };
}
