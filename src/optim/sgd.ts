import { fail } from '../tensor/errors.js';
import { sgdUpdateInPlace } from '../tensor/ops/optimizer-updates.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, type OptimizerArgs } from './optimizer.js';

export interface SGDArgs extends OptimizerArgs {
  momentum?: number;
  nesterov?: boolean;
}

/**
 * SGD in Keras's form (lr default 0.01): with momentum, m ← momentum·m − lr·g and θ ← θ + m
 * (Nesterov: θ ← θ + momentum·m − lr·g); without, θ ← θ − lr·g.
 */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(args: SGDArgs = {}) {
    super('SGD', args, 0.01);
    this.momentum = args.momentum ?? 0;
    this.nesterov = args.nesterov ?? false;
    if (!(this.momentum >= 0 && this.momentum <= 1)) fail('SGD', `momentum must be in [0, 1], got ${this.momentum}`);
  }

  protected slotCount(): number {
    return this.momentum !== 0 ? 1 : 0;
  }

  protected update(param: Tensor, grad: Tensor, state: Tensor | null): void {
    sgdUpdateInPlace(param, grad, state, { learningRate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov });
  }
}
