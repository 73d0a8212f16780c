import { checkPositive, checkStep, type Schedule } from './types.js';

/** Options of {@link constant}. */
export interface ConstantOptions {
  /** The learning rate returned for every step. */
  learningRate: number;
}

/**
 * The same learning rate at every step.
 *
 * @example
 * const s = constant({ learningRate: 1e-3 });
 * s(0) === s(10_000); // true, both 1e-3
 */
export function constant(options: ConstantOptions): Schedule {
  const { learningRate } = options;
  checkPositive('learningRate', learningRate, true);
  return (step: number) => {
    checkStep(step);
    return learningRate;
  };
}
