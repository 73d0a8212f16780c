import type { Kernel } from '../kernels/backend.js';
import { adamKernel } from '../kernels/optimizer.js';
import { fail } from '../tensor/errors.js';
import { adamSlots } from '../tensor/ops/optimizer-updates.js';
import { Optimizer, type OptimizerArgs, type UpdateSpan } from './optimizer.js';

export interface AdamArgs extends OptimizerArgs {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  amsgrad?: boolean;
}

/**
 * Adam with Keras's defaults (lr 1e-3, β1 0.9, β2 0.999, ε 1e-7) and update form
 * θ −= lr·√(1−β2^t)/(1−β1^t) · m/(√v + ε); amsgrad uses max(v̂, v) in the denominator.
 */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;

  constructor(args: AdamArgs = {}, className = 'Adam') {
    super(className, args, 1e-3);
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.999;
    this.epsilon = args.epsilon ?? 1e-7;
    this.amsgrad = args.amsgrad ?? false;
    for (const k of ['beta1', 'beta2'] as const) if (!(this[k] >= 0 && this[k] < 1)) fail(className, `${k} must be in [0, 1), got ${this[k]}`);
  }

  protected slotCount(): number {
    return adamSlots(this.amsgrad);
  }

  /** lr·weightDecay for AdamW (0 here). */
  protected decay(): number {
    return 0;
  }

  protected updateKernel(span: UpdateSpan, step: number): Kernel {
    const alpha = (this.learningRate * Math.sqrt(1 - this.beta2 ** step)) / (1 - this.beta1 ** step);
    return adamKernel('adamUpdate', 'inPlace', { ...span, alpha, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, decay: this.decay(), amsgrad: this.amsgrad });
  }
}

export interface AdamWArgs extends AdamArgs {
  /** Decoupled weight decay (Keras default 0.004): θ −= lr·wd·θ before the Adam step. */
  weightDecay?: number;
}

/** AdamW (Keras): Adam plus decoupled weight decay θ −= lr·wd·θ, fused into the same dispatch. */
export class AdamW extends Adam {
  readonly weightDecay: number;

  constructor(args: AdamWArgs = {}) {
    super(args, 'AdamW');
    this.weightDecay = args.weightDecay ?? 0.004;
    if (!(this.weightDecay >= 0)) fail('AdamW', `weightDecay must be ≥ 0, got ${this.weightDecay}`);
  }

  protected override decay(): number {
    return this.learningRate * this.weightDecay;
  }
}
