import { checkPositive, checkStep, type Schedule } from './types.js';

/** Options of {@link exponentialDecay} (the names of Keras's `ExponentialDecay`). */
export interface ExponentialDecayOptions {
  /** Learning rate at step 0. */
  initialLearningRate: number;
  /** Number of steps over which the rate is multiplied by `decayRate` once. */
  decaySteps: number;
  /** Factor applied every `decaySteps` steps (continuously in between unless `staircase`). */
  decayRate: number;
  /** Decay in discrete jumps: use ⌊step / decaySteps⌋ instead of step / decaySteps. Default false. */
  staircase?: boolean;
}

/**
 * Exponential decay, as Keras `ExponentialDecay`:
 * `lr = initialLearningRate · decayRate^(step / decaySteps)` (the exponent floored with `staircase`).
 *
 * @example
 * const s = exponentialDecay({ initialLearningRate: 1e-2, decaySteps: 1000, decayRate: 0.5 });
 * s(0);    // 0.01
 * s(1000); // 0.005
 * s(500);  // 0.01 · 0.5^0.5 ≈ 0.00707
 */
export function exponentialDecay(options: ExponentialDecayOptions): Schedule {
  const { initialLearningRate, decaySteps, decayRate, staircase = false } = options;
  checkPositive('initialLearningRate', initialLearningRate, true);
  checkPositive('decaySteps', decaySteps);
  checkPositive('decayRate', decayRate, true);
  return (step: number) => {
    checkStep(step);
    const p = step / decaySteps;
    return initialLearningRate * decayRate ** (staircase ? Math.floor(p) : p);
  };
}
