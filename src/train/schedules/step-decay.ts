import { checkInteger, checkPositive, checkStep, type Schedule } from './types.js';

/** Options of {@link stepDecay}. */
export interface StepDecayOptions {
  /** Learning rate for steps 0 … stepSize−1. */
  initialLearningRate: number;
  /** Number of steps (batches) between drops. */
  stepSize: number;
  /** Multiplicative factor of each drop. Default 0.1 (PyTorch StepLR's gamma). */
  gamma?: number;
}

/**
 * Step decay (PyTorch `StepLR`): `lr = initialLearningRate · gamma^⌊step / stepSize⌋`.
 *
 * @example
 * const s = stepDecay({ initialLearningRate: 0.1, stepSize: 100, gamma: 0.5 });
 * s(99);  // 0.1
 * s(100); // 0.05
 * s(250); // 0.025
 */
export function stepDecay(options: StepDecayOptions): Schedule {
  const { initialLearningRate, stepSize, gamma = 0.1 } = options;
  checkPositive('initialLearningRate', initialLearningRate, true);
  checkInteger('stepSize', stepSize, 1);
  checkPositive('gamma', gamma, true);
  return (step: number) => {
    checkStep(step);
    return initialLearningRate * gamma ** Math.floor(step / stepSize);
  };
}
