/** Learning-rate sweeps for the LR range test. */

/** Options of {@link lrSweep}. */
export interface SweepOptions {
  /** First learning rate. */
  startLr: number;
  /** Last learning rate (reached at step numSteps−1 when `endpoint`, never otherwise). */
  endLr: number;
  /** Number of steps (batches) in the sweep. */
  numSteps: number;
  /** 'exponential' (default): evenly spaced in log(lr). 'linear': evenly spaced in lr (Smith's original test). */
  mode?: 'exponential' | 'linear';
  /**
   * true (default, pytorch-lr-finder): lr_i uses i/(N−1), so the last step trains at endLr.
   * false: i/N, as fastai and beringresearch/lrfinder, where endLr itself is never used.
   */
  endpoint?: boolean;
}

/**
 * The learning rate of step `i` of a sweep:
 * exponential `startLr · (endLr/startLr)^(i/D)`, linear `startLr + (endLr − startLr) · i/D`,
 * with `D = numSteps − 1` (endpoint) or `numSteps`.
 *
 * @example
 * sweepLr({ startLr: 1e-6, endLr: 1, numSteps: 7 }, 3); // 1e-3
 */
export function sweepLr(options: SweepOptions, i: number): number {
  const { startLr, endLr, numSteps, mode = 'exponential', endpoint = true } = options;
  checkSweep(options);
  if (!Number.isInteger(i) || i < 0) throw new RangeError(`sweep step must be an integer >= 0, got ${i}`);
  const d = endpoint ? numSteps - 1 : numSteps;
  const t = d === 0 ? 0 : i / d;
  return mode === 'linear' ? startLr + (endLr - startLr) * t : startLr * (endLr / startLr) ** t;
}

/**
 * All `numSteps` learning rates of a sweep (see {@link sweepLr}).
 *
 * @example
 * lrSweep({ startLr: 1e-4, endLr: 1, numSteps: 5 });                   // [1e-4, 1e-3, 1e-2, 1e-1, 1]
 * lrSweep({ startLr: 1e-4, endLr: 1, numSteps: 4, endpoint: false });  // [1e-4, 1e-3, 1e-2, 1e-1]
 * lrSweep({ startLr: 0, endLr: 1, numSteps: 5, mode: 'linear' });      // [0, 0.25, 0.5, 0.75, 1]
 */
export function lrSweep(options: SweepOptions): number[] {
  checkSweep(options);
  return Array.from({ length: options.numSteps }, (_, i) => sweepLr(options, i));
}

/**
 * The learning rates beringresearch/lrfinder actually trains with, bit for bit: it stores
 * startLr in Keras's float32 LR variable and after every batch multiplies by
 * `mult = (endLr/startLr)^(1/numBatches)` (float64), storing float32 again. So
 * `lr_0 = f32(startLr)`, `lr_{i+1} = f32(lr_i · mult)` — nominally `startLr·(endLr/startLr)^(i/N)`,
 * with float32 rounding accumulated. `numBatches` is its `epochs × steps_per_epoch`.
 *
 * @example
 * lrfinderSweep(1e-6, 1, 5 * 49); // the tutorial's 5-epoch sweep at 49 batches per epoch
 */
export function lrfinderSweep(startLr: number, endLr: number, numBatches: number): number[] {
  checkSweep({ startLr, endLr, numSteps: numBatches });
  const mult = (endLr / startLr) ** (1 / numBatches);
  const out = new Array<number>(numBatches);
  let lr = Math.fround(startLr);
  for (let i = 0; i < numBatches; i++) {
    out[i] = lr;
    lr = Math.fround(lr * mult);
  }
  return out;
}

function checkSweep(o: SweepOptions): void {
  const mode = o.mode ?? 'exponential';
  if (mode !== 'exponential' && mode !== 'linear') throw new RangeError(`sweep mode must be 'exponential' or 'linear', got '${String(mode)}'`);
  if (!Number.isInteger(o.numSteps) || o.numSteps < 1) throw new RangeError(`numSteps must be an integer >= 1, got ${o.numSteps}`);
  if (!Number.isFinite(o.startLr) || !Number.isFinite(o.endLr)) throw new RangeError('startLr and endLr must be finite');
  if (mode === 'exponential' && !(o.startLr > 0 && o.endLr > 0)) {
    throw new RangeError(`an exponential sweep needs startLr > 0 and endLr > 0, got ${o.startLr}, ${o.endLr}`);
  }
  if (mode === 'linear' && (o.startLr < 0 || o.endLr < 0)) throw new RangeError('learning rates must be >= 0');
}
