import { fail } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';

/** What a model needs from an optimizer (src/optim implements it; nn does not import optim). */
export interface OptimizerLike {
  /** Applies one step for these (parameter, gradient) pairs; runs inside the caller's tidy. */
  applyGradients(pairs: readonly (readonly [Tensor, Tensor])[]): void;
  /** Read and set between steps (schedules, the LR finder). */
  learningRate: number;
  /** Moments and step count, for checkpoints and the LR finder's exact restore. */
  getState?(): unknown;
  setState?(state: never): void;
}

let resolver: ((name: string) => OptimizerLike) | null = null;

/** src/optim registers how names such as 'adam' become optimizers (with default options). */
export function registerOptimizerResolver(fn: (name: string) => OptimizerLike): void {
  resolver = fn;
}

export function getOptimizer(optimizer: string | OptimizerLike): OptimizerLike {
  if (typeof optimizer !== 'string') return optimizer;
  if (!resolver) fail('compile', `optimizer '${optimizer}' given by name, but no optimizers are loaded; import them from 'webgrad' (wg.train.adam())`);
  return resolver(optimizer);
}
