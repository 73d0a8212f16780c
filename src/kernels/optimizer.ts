import updateSource from '../../shaders/optimizer_update.wgsl';
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

/** Names of the bindings in the generated WGSL. */
type Bindings = ReturnType<typeof bindings>;

/** The CPU side's arrays for one element's update (pOut/sOut alias p/s in place). */
type CpuOperands = ReturnType<typeof operands>;

/** What one optimizer's elementwise step is; `updateKernel` supplies the frame around it. */
interface UpdateRule {
  /** Program-cache key of the variant (the layout and clipping are added). */
  key: string;
  /** Whether the step reads and writes state slots. */
  hasState: boolean;
  /** The optimizer's own f32 uniforms, after the common n, nx, start, stride, clipvalue, clipnorm. */
  params: readonly (readonly [name: string, value: number])[];
  /** WGSL statements of the step, given the bindings' names (i, g, p and u.<param> in scope). */
  wgsl(b: Bindings): string;
  /** The same step on the CPU for element i and clipped gradient g. */
  cpu(i: number, g: number, o: CpuOperands): void;
}

/** One fused update kernel: bindings, range, clipping and the program around an optimizer's rule. */
function updateKernel(name: string, layout: UpdateLayout, a: UpdateRange & UpdateClip, rule: UpdateRule): Kernel {
  const start = a.start ?? 0;
  const hasNorm = a.globalClipnorm !== undefined;
  return {
    name,
    inPlace: layout === 'inPlace',
    cpu(inputs, outputs) {
      const o = operands(layout, hasNorm, inputs, outputs);
      const scale = clipScale(a, o.sumsq);
      for (let i = start; i < start + a.n; i++) rule.cpu(i, clippedGradient(o.g[i]!, scale, a.clipValue), o);
    },
    gpu(): GpuProgram {
      const b = bindings(layout, rule.hasState, hasNorm);
      const workgroups = grid(Math.ceil(a.n / WG));
      const common: Uniform[] = [['u32', a.n], ['u32', workgroups[0]], ['u32', start], ['u32', a.stride ?? a.n], ['f32', a.clipValue ?? 0], ['f32', a.globalClipnorm ?? 0]];
      return {
        key: `${rule.key}:${layout}${clipKey(a)}`,
        workgroups,
        uniforms: [...common, ...rule.params.map(([, v]): Uniform => ['f32', v])],
        code: () =>
          fillTemplate(updateSource, {
            BINDINGS: b.code,
            UBIND: b.UBIND,
            P_IN: b.P_IN,
            PARAMS: rule.params.map(([k]) => `${k}: f32`).join(', '),
            CLIP: clipWgsl(a),
            BODY: rule.wgsl(b),
          }),
      };
    },
  };
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

/**
 * One Adam/AdamW step: p ← p − p·decay (AdamW's decoupled weight decay, decay = lr·wd, before the
 * Adam step), m ← m + (g−m)(1−β1), v ← v + (g²−v)(1−β2), p ← p − α·m/(√v̂+ε); state [m | v | v̂].
 */
export function adamKernel(name: string, layout: UpdateLayout, a: AdamArgs): Kernel {
  const { alpha, beta1, beta2, epsilon, decay, amsgrad } = a;
  const stride = a.stride ?? a.n;
  return updateKernel(name, layout, a, {
    key: `adam:${amsgrad ? 'amsgrad' : 'plain'}`,
    hasState: true,
    params: [['alpha', alpha], ['beta1', beta1], ['beta2', beta2], ['eps', epsilon], ['decay', decay]],
    wgsl: ({ S_IN, S_OUT, P_OUT }) =>
      [
        '  p = p - p * u.decay;',
        `  let m = ${S_IN}[i] + (g - ${S_IN}[i]) * (1.0 - u.beta1);`,
        `  let v = ${S_IN}[u.stride + i] + (g * g - ${S_IN}[u.stride + i]) * (1.0 - u.beta2);`,
        `  ${S_OUT}[i] = m;`,
        `  ${S_OUT}[u.stride + i] = v;`,
        '  var denom = v;',
        ...(amsgrad ? [`  denom = max(${S_IN}[2u * u.stride + i], v);`, `  ${S_OUT}[2u * u.stride + i] = denom;`] : []),
        `  ${P_OUT}[i] = p - (m * u.alpha) / (sqrt(denom) + u.eps);`,
      ].join('\n'),
    cpu(i, g, { p, s, pOut, sOut }) {
      const pi = p[i]! - p[i]! * decay;
      const m = s![i]! + (g - s![i]!) * (1 - beta1);
      const v = s![stride + i]! + (g * g - s![stride + i]!) * (1 - beta2);
      let denom = v;
      if (amsgrad) {
        denom = Math.max(s![2 * stride + i]!, v);
        sOut![2 * stride + i] = denom;
      }
      sOut![i] = m;
      sOut![stride + i] = v;
      pOut[i] = pi - (m * alpha) / (Math.sqrt(denom) + epsilon);
    },
  });
}

export interface SgdArgs extends UpdateRange, UpdateClip {
  learningRate: number;
  /** 0 means plain SGD (no state). */
  momentum: number;
  nesterov: boolean;
}

/**
 * One SGD step in Keras's form: with momentum, the velocity m ← momentum·m − lr·g, then p ← p + m
 * (or p + momentum·m − lr·g with Nesterov); without, p ← p − lr·g.
 */
export function sgdKernel(name: string, layout: UpdateLayout, a: SgdArgs): Kernel {
  const { learningRate: lr, momentum, nesterov } = a;
  const hasState = momentum !== 0;
  return updateKernel(name, layout, a, {
    key: `sgd:${hasState ? (nesterov ? 'nesterov' : 'momentum') : 'plain'}`,
    hasState,
    params: [['lr', lr], ['momentum', momentum]],
    wgsl: ({ S_IN, S_OUT, P_OUT }) =>
      !hasState
        ? `  ${P_OUT}[i] = p - g * u.lr;`
        : [`  let m = -g * u.lr + ${S_IN}[i] * u.momentum;`, `  ${S_OUT}[i] = m;`, nesterov ? `  ${P_OUT}[i] = p + (-g * u.lr + m * u.momentum);` : `  ${P_OUT}[i] = p + m;`].join('\n'),
    cpu(i, g, { p, s, pOut, sOut }) {
      if (!hasState) {
        pOut[i] = p[i]! - g * lr;
        return;
      }
      const m = -g * lr + s![i]! * momentum;
      sOut![i] = m;
      pOut[i] = nesterov ? p[i]! + (-g * lr + m * momentum) : p[i]! + m;
    },
  });
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
