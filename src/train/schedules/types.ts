/**
 * Learning-rate schedules are pure functions of the 0-based global step: the index of the batch
 * about to be trained, counted across epochs (step 0 is the first batch of the first epoch). They
 * hold no state, so the value for any step can be asked for at any time, in any order, and a
 * resumed run (initialEpoch > 0) gets the same values as an uninterrupted one.
 *
 * @example
 * import { oneCycle } from './one-cycle.js';
 * const s = oneCycle({ maxLr: 1e-2, totalSteps: 1000 });
 * s(0);          // 4e-4 (maxLr / divFactor)
 * s(299);        // 1e-2 (the peak, end of the warm-up phase)
 * s.momentum(0); // 0.95
 */
export type Schedule = (step: number) => number;

/** A schedule that also cycles momentum (SGD momentum, or Adam's β1) inversely to the LR. */
export interface MomentumSchedule extends Schedule {
  /** Momentum (or β1) for the same step. */
  momentum: Schedule;
}

/** Throws unless `step` is a finite integer ≥ 0. Schedules call this on every lookup. */
export function checkStep(step: number): void {
  if (!Number.isInteger(step) || step < 0) {
    throw new RangeError(`schedule step must be an integer >= 0 (the 0-based batch index), got ${step}`);
  }
}

/** Throws unless `v` is a finite number > 0 (or ≥ 0 with `allowZero`). */
export function checkPositive(name: string, v: number, allowZero = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || (allowZero ? v < 0 : v <= 0)) {
    throw new RangeError(`${name} must be a finite number ${allowZero ? '>= 0' : '> 0'}, got ${v}`);
  }
}

/** Throws unless `v` is an integer ≥ `min`. */
export function checkInteger(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
}
