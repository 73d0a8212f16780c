import adamSource from '../../shaders/adam.wgsl';
import sgdSource from '../../shaders/sgd.wgsl';
import type { GpuProgram, HostArray, Kernel } from './backend.js';
import { fillTemplate, grid, WG } from './template.js';

/**
 * Optimizer update kernels, one dispatch per parameter. Two binding layouts share one shader:
 * - functional (the registry's form, testable with poisoned outputs): inputs [p, g, s], outputs [p', s'];
 * - in place (what optimizers run): inputs [g], outputs [p, s], each read and written.
 * WebGPU forbids binding one buffer twice when one binding is writable, hence the two layouts.
 */
export type UpdateLayout = 'functional' | 'inPlace';

function bindings(layout: UpdateLayout, hasState: boolean): { code: string; P_IN: string; P_OUT: string; S_IN: string; S_OUT: string; UBIND: number } {
  const rw = (b: number, name: string) => `@group(0) @binding(${b}) var<storage, read_write> ${name}: array<f32>;`;
  const ro = (b: number, name: string) => `@group(0) @binding(${b}) var<storage, read> ${name}: array<f32>;`;
  if (layout === 'inPlace') {
    const code = [ro(0, 'grad'), rw(1, 'param'), ...(hasState ? [rw(2, 'state')] : [])].join('\n');
    return { code, P_IN: 'param', P_OUT: 'param', S_IN: 'state', S_OUT: 'state', UBIND: hasState ? 3 : 2 };
  }
  const code = hasState
    ? [ro(0, 'p_in'), ro(1, 'grad'), ro(2, 's_in'), rw(3, 'p_out'), rw(4, 's_out')].join('\n')
    : [ro(0, 'p_in'), ro(1, 'grad'), rw(2, 'p_out')].join('\n');
  return { code, P_IN: 'p_in', P_OUT: 'p_out', S_IN: 's_in', S_OUT: 's_out', UBIND: hasState ? 5 : 3 };
}

/** [p, g, s] in the functional layout and [pOut, sOut] where results go; aliases in place. */
function operands(layout: UpdateLayout, inputs: readonly HostArray[], outputs: readonly HostArray[]) {
  if (layout === 'inPlace') return { p: outputs[0]!, g: inputs[0]!, s: outputs[1], pOut: outputs[0]!, sOut: outputs[1] };
  return { p: inputs[0]!, g: inputs[1]!, s: inputs[2], pOut: outputs[0]!, sOut: outputs[1] };
}

export interface AdamArgs {
  /** Parameter size n; the state holds 2n (m, v) or 3n (m, v, vhat) values. */
  n: number;
  /** The step size lr·√(1−β2^t)/(1−β1^t). */
  alpha: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** lr·weightDecay for AdamW's decoupled decay (0 for Adam). */
  decay: number;
  amsgrad: boolean;
}

/** One Adam/AdamW step: m ← m + (g−m)(1−β1), v ← v + (g²−v)(1−β2), p ← p − α·m/(√v̂+ε). */
export function adamKernel(name: string, layout: UpdateLayout, a: AdamArgs): Kernel {
  const { n, alpha, beta1, beta2, epsilon, decay, amsgrad } = a;
  return {
    name,
    inPlace: layout === 'inPlace',
    cpu(inputs, outputs) {
      const { p, g, s, pOut, sOut } = operands(layout, inputs, outputs);
      for (let i = 0; i < n; i++) {
        const gi = g[i]!;
        const pi = p[i]! - p[i]! * decay;
        const m = s![i]! + (gi - s![i]!) * (1 - beta1);
        const v = s![n + i]! + (gi * gi - s![n + i]!) * (1 - beta2);
        let denom = v;
        if (amsgrad) {
          denom = Math.max(s![2 * n + i]!, v);
          sOut![2 * n + i] = denom;
        }
        sOut![i] = m;
        sOut![n + i] = v;
        pOut[i] = pi - (m * alpha) / (Math.sqrt(denom) + epsilon);
      }
    },
    gpu(): GpuProgram {
      const b = bindings(layout, true);
      const workgroups = grid(Math.ceil(n / WG));
      const amsgradCode = amsgrad ? `  denom = max(${b.S_IN}[2u * u.n + i], v);\n  ${b.S_OUT}[2u * u.n + i] = denom;` : '';
      return {
        key: `adam:${layout}:${amsgrad ? 'amsgrad' : 'plain'}`,
        workgroups,
        uniforms: [['u32', n], ['u32', workgroups[0]], ['f32', alpha], ['f32', beta1], ['f32', beta2], ['f32', epsilon], ['f32', decay], ['u32', 0]],
        code: () => fillTemplate(adamSource, { BINDINGS: b.code, UBIND: b.UBIND, P_IN: b.P_IN, P_OUT: b.P_OUT, S_IN: b.S_IN, S_OUT: b.S_OUT, AMSGRAD: amsgradCode }),
      };
    },
  };
}

export interface SgdArgs {
  n: number;
  learningRate: number;
  /** 0 means plain SGD (no state). */
  momentum: number;
  nesterov: boolean;
}

/** One SGD step in Keras's form (velocity m ← momentum·m − lr·g). */
export function sgdKernel(name: string, layout: UpdateLayout, a: SgdArgs): Kernel {
  const { n, learningRate: lr, momentum, nesterov } = a;
  const hasState = momentum !== 0;
  return {
    name,
    inPlace: layout === 'inPlace',
    cpu(inputs, outputs) {
      const { p, g, s, pOut, sOut } = operands(layout, inputs, outputs);
      for (let i = 0; i < n; i++) {
        if (!hasState) {
          pOut[i] = p[i]! - g[i]! * lr;
          continue;
        }
        const m = -g[i]! * lr + s![i]! * momentum;
        sOut![i] = m;
        pOut[i] = nesterov ? p[i]! + (-g[i]! * lr + m * momentum) : p[i]! + m;
      }
    },
    gpu(): GpuProgram {
      const b = bindings(layout, hasState);
      const workgroups = grid(Math.ceil(n / WG));
      const body = !hasState
        ? `  ${b.P_OUT}[i] = p - g * u.lr;`
        : [`  let m = -g * u.lr + ${b.S_IN}[i] * u.momentum;`, `  ${b.S_OUT}[i] = m;`, nesterov ? `  ${b.P_OUT}[i] = p + (-g * u.lr + m * u.momentum);` : `  ${b.P_OUT}[i] = p + m;`].join('\n');
      return {
        key: `sgd:${layout}:${hasState ? (nesterov ? 'nesterov' : 'momentum') : 'plain'}`,
        workgroups,
        uniforms: [['u32', n], ['u32', workgroups[0]], ['f32', lr], ['f32', momentum]],
        code: () => fillTemplate(sgdSource, { BINDINGS: b.code, UBIND: b.UBIND, P_IN: b.P_IN, BODY: body }),
      };
    },
  };
}
