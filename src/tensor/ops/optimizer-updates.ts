import { adamKernel, sgdKernel, type AdamArgs } from '../../kernels/optimizer.js';
import { fail, fmtShape } from '../errors.js';
import { applyMulti, defineOp } from '../registry.js';
import type { Tensor } from '../tensor.js';

/**
 * Fused optimizer updates over one parameter. The registered (functional) form returns new
 * tensors and is what the registry tests; optimizers run the same kernels in place, once per step
 * over flat arenas of all their parameters (src/optim/arena.ts).
 */
export type AdamAttrs = Pick<AdamArgs, 'alpha' | 'beta1' | 'beta2' | 'epsilon' | 'decay' | 'amsgrad'>;

export interface SgdAttrs {
  learningRate: number;
  momentum: number;
  nesterov: boolean;
}

/** Slots per element of the packed state. */
export const adamSlots = (amsgrad: boolean): number => (amsgrad ? 3 : 2);

function checkUpdate(op: string, p: Tensor, g: Tensor, s: Tensor | undefined, slots: number): void {
  for (const [what, t] of [['parameter', p], ['gradient', g], ['state', s]] as const) {
    if (t && t.dtype !== 'float32') fail(op, `the ${what} is ${t.dtype} but float32 is required`);
  }
  if (g.size !== p.size) fail(op, `gradient of shape ${fmtShape(g.shape)} does not match the parameter's ${fmtShape(p.shape)}`);
  if (slots > 0 && s!.size !== slots * p.size) fail(op, `state has ${s!.size} elements, expected ${slots} × ${p.size}`);
}

const stateSpec = (n: number, k: number) => ({ shape: [k * n], low: 0.2, high: 2 });

/** inputs [param, grad, state] → [param', state']. */
export const adamUpdateOp = defineOp<AdamAttrs>({
  name: 'adamUpdate',
  infer([p, g, s], attrs) {
    checkUpdate('adamUpdate', p!, g!, s, adamSlots(attrs.amsgrad));
    return [{ shape: p!.shape, dtype: 'float32' }, { shape: s!.shape, dtype: 'float32' }];
  },
  kernel([p], _outs, attrs) {
    return adamKernel('adamUpdate', 'functional', { ...attrs, n: p!.size });
  },
  spec: {
    noGrad: 'an optimizer update (not differentiated)',
    cases: [
      { inputs: [{ shape: [7, 33] }, { shape: [7, 33] }, stateSpec(231, 2)], attrs: { alpha: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, decay: 0, amsgrad: false } },
      { inputs: [{ shape: [1] }, { shape: [1] }, stateSpec(1, 2)], attrs: { alpha: 0.1, beta1: 0.5, beta2: 0.9, epsilon: 1e-3, decay: 0.01, amsgrad: false }, note: 'adamw' },
      { inputs: [{ shape: [257] }, { shape: [257] }, stateSpec(257, 3)], attrs: { alpha: 0.01, beta1: 0.9, beta2: 0.99, epsilon: 1e-7, decay: 0, amsgrad: true }, note: 'amsgrad' },
    ],
  },
});

/** inputs [param, grad, velocity] → [param', velocity'] with momentum; [param, grad] → [param'] without. */
export const sgdUpdateOp = defineOp<SgdAttrs>({
  name: 'sgdUpdate',
  infer([p, g, s], attrs) {
    const slots = attrs.momentum !== 0 ? 1 : 0;
    checkUpdate('sgdUpdate', p!, g!, s, slots);
    const out = { shape: p!.shape, dtype: 'float32' as const };
    return slots ? [out, { shape: s!.shape, dtype: 'float32' as const }] : [out];
  },
  kernel([p], _outs, attrs) {
    return sgdKernel('sgdUpdate', 'functional', { ...attrs, n: p!.size });
  },
  spec: {
    noGrad: 'an optimizer update (not differentiated)',
    cases: [
      { inputs: [{ shape: [5, 7] }, { shape: [5, 7] }], attrs: { learningRate: 0.1, momentum: 0, nesterov: false } },
      { inputs: [{ shape: [1037] }, { shape: [1037] }, { shape: [1037] }], attrs: { learningRate: 0.01, momentum: 0.9, nesterov: false }, note: 'momentum' },
      { inputs: [{ shape: [33] }, { shape: [33] }, { shape: [33] }], attrs: { learningRate: 0.05, momentum: 0.5, nesterov: true }, note: 'nesterov' },
    ],
  },
});

/** Functional Adam step (new tensors); optimizers run the in-place form over their arenas. */
export function adamUpdate(param: Tensor, grad: Tensor, state: Tensor, attrs: AdamAttrs): [Tensor, Tensor] {
  const [p, s] = applyMulti(adamUpdateOp, [param, grad, state], attrs);
  return [p!, s!];
}

export function sgdUpdate(param: Tensor, grad: Tensor, state: Tensor | null, attrs: SgdAttrs): Tensor[] {
  return applyMulti(sgdUpdateOp, state ? [param, grad, state] : [param, grad], attrs);
}
