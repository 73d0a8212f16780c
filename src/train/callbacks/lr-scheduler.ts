import { Callback } from './base.js';
import { requireOptimizer } from './reduce-lr-on-plateau.js';
import type { Logs } from './types.js';

/** A per-epoch schedule: the 0-based epoch and the current LR in, the LR for this epoch out. */
export type EpochSchedule = (epoch: number, lr: number) => number;

/**
 * Keras's `LearningRateScheduler`: at the start of every epoch sets
 * `optimizer.learningRate = schedule(epoch, currentLr)`, and records the LR in the epoch's logs
 * as `learning_rate`. A schedule that returns anything but a finite number is an error.
 * For per-batch schedules use {@link batchLearningRateScheduler}.
 *
 * @example
 * // Keep the LR for 10 epochs, then decay it by e^-0.1 per epoch (the Keras docs' example).
 * const cb = learningRateScheduler((epoch, lr) => (epoch < 10 ? lr : lr * Math.exp(-0.1)));
 */
export class LearningRateScheduler extends Callback {
  constructor(readonly schedule: EpochSchedule, readonly verbose = 0, private readonly log: (m: string) => void = (m) => console.log(m)) {
    super();
  }

  override onEpochBegin(epoch: number): void {
    const opt = requireOptimizer(this, 'LearningRateScheduler');
    const lr = this.schedule(epoch, opt.learningRate);
    if (typeof lr !== 'number' || !Number.isFinite(lr)) {
      throw new TypeError(`The output of the \`schedule\` function should be a finite number, got ${String(lr)}`);
    }
    opt.learningRate = lr;
    if (this.verbose > 0) this.log(`\nEpoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.`);
  }

  override onEpochEnd(_epoch: number, logs?: Logs): void {
    if (logs) logs.learning_rate = requireOptimizer(this, 'LearningRateScheduler').learningRate;
  }
}

/** Creates a {@link LearningRateScheduler}. */
export function learningRateScheduler(schedule: EpochSchedule, verbose = 0): LearningRateScheduler {
  return new LearningRateScheduler(schedule, verbose);
}
