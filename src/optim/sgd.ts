import type { Kernel } from '../kernels/backend.js';
import { sgdKernel } from '../kernels/optimizer.js';
import { fail } from '../tensor/errors.js';
import { Optimizer, type OptimizerArgs, type UpdateSpan } from './optimizer.js';

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

  protected updateKernel(span: UpdateSpan): Kernel {
    return sgdKernel('sgdUpdate', 'inPlace', { ...span, learningRate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov });
  }
}
