import { checkPositive, checkStep, type MomentumSchedule } from './types.js';

/** The three policies of Smith (2015), "Cyclical Learning Rates for Training Neural Networks". */
export type CyclicalMode = 'triangular' | 'triangular2' | 'exp_range';

/** Options of {@link cyclical}. Defaults are PyTorch `CyclicLR`'s. */
export interface CyclicalOptions {
  /** Lower bound of the cycle (the LR at step 0). */
  baseLr: number;
  /** Upper bound; reached at the peak of the first cycle (later peaks may be scaled down). */
  maxLr: number;
  /** Iterations (batches) in the increasing half of a cycle. Default 2000. Smith suggests 2–10 epochs' worth. */
  stepSize?: number;
  /** Iterations in the decreasing half. Default: `stepSize` (a symmetric triangle). */
  stepSizeDown?: number;
  /** Amplitude policy. Default 'triangular'. */
  mode?: CyclicalMode;
  /** For 'exp_range': the amplitude is scaled by gamma^step. Default 1. */
  gamma?: number;
  /** Custom amplitude scaling in [0, 1]; overrides `mode`. */
  scaleFn?: (x: number) => number;
  /** What `scaleFn` receives: the 1-based cycle number or the step. Default 'cycle' (only used with scaleFn). */
  scaleMode?: 'cycle' | 'iterations';
  /** Momentum at the peak LR. Default 0.8. */
  baseMomentum?: number;
  /** Momentum at the lowest LR. Default 0.9. */
  maxMomentum?: number;
}

/**
 * Cyclical learning rate (Smith 2015), with PyTorch `CyclicLR`'s arithmetic:
 *
 * ```
 * total = stepSize + stepSizeDown;   cycle = ⌊1 + step/total⌋;   x = 1 + step/total − cycle
 * scale = x ≤ up/total ? x / (up/total) : (x − 1) / (up/total − 1)
 * lr = baseLr + (maxLr − baseLr) · scale · amp
 * ```
 * with `amp = 1` ('triangular'), `1 / 2^(cycle−1)` ('triangular2', the amplitude halves every
 * cycle) or `gamma^step` ('exp_range'). For a symmetric cycle this is Smith's
 * `base + (max − base)·max(0, 1 − |step/stepSize − 2·cycle + 1|)`. Momentum runs the other way:
 * `maxMomentum − (maxMomentum − baseMomentum) · scale · amp`.
 *
 * @example
 * const s = cyclical({ baseLr: 1e-4, maxLr: 1e-2, stepSize: 500 });
 * s(0);    // 1e-4  (start of cycle 1)
 * s(500);  // 1e-2  (peak)
 * s(1000); // 1e-4  (start of cycle 2)
 * s.momentum(500); // 0.8
 */
export function cyclical(options: CyclicalOptions): MomentumSchedule {
  const {
    baseLr, maxLr, stepSize = 2000, mode = 'triangular', gamma = 1, scaleFn,
    baseMomentum = 0.8, maxMomentum = 0.9,
  } = options;
  const stepSizeDown = options.stepSizeDown ?? stepSize;
  checkPositive('baseLr', baseLr, true);
  checkPositive('maxLr', maxLr, true);
  checkPositive('stepSize', stepSize);
  checkPositive('stepSizeDown', stepSizeDown);
  checkPositive('gamma', gamma);
  if (!['triangular', 'triangular2', 'exp_range'].includes(mode) && !scaleFn) {
    throw new RangeError(`cyclical: unknown mode '${mode}' (triangular | triangular2 | exp_range)`);
  }
  // PyTorch: a built-in mode fixes the scale mode; a custom scaleFn uses scaleMode (default 'cycle').
  const scaleMode = scaleFn ? (options.scaleMode ?? 'cycle') : mode === 'exp_range' ? 'iterations' : 'cycle';
  const amplitude = scaleFn ?? (
    mode === 'triangular' ? () => 1
      : mode === 'triangular2' ? (c: number) => 1 / 2 ** (c - 1)
        : (i: number) => gamma ** i);
  const total = stepSize + stepSizeDown;
  const ratio = stepSize / total;

  const shape = (step: number): number => {
    checkStep(step);
    const cycle = Math.floor(1 + step / total);
    const x = 1 + step / total - cycle;
    const scale = x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
    return scale * amplitude(scaleMode === 'cycle' ? cycle : step);
  };
  const lr = ((step: number) => baseLr + (maxLr - baseLr) * shape(step)) as MomentumSchedule;
  lr.momentum = (step: number) => maxMomentum - (maxMomentum - baseMomentum) * shape(step);
  return lr;
}
