/** Loss smoothing for the LR range test. All functions return new arrays and propagate NaN. */

/**
 * fastai's debiased exponential moving average (`AvgSmoothLoss`, β = 0.98 by default):
 * `avg_i = x_i + β·(avg_{i−1} − x_i)` (a lerp, from avg_{−1} = 0) and
 * `smoothed_i = avg_i / (1 − β^(i+1))`, which removes the bias towards 0 at the start.
 *
 * @example
 * debiasedEma([1, 1, 1]); // [1, 1, 1] — a constant stays constant thanks to the debiasing
 */
export function debiasedEma(values: ArrayLike<number>, beta = 0.98): number[] {
  if (!(beta >= 0 && beta < 1)) throw new RangeError(`beta must be in [0, 1), got ${beta}`);
  const out = new Array<number>(values.length);
  let avg = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    avg = x + beta * (avg - x);
    out[i] = avg / (1 - beta ** (i + 1));
  }
  return out;
}

/**
 * pytorch-lr-finder's exponential smoothing (`smooth_f`, 0.05 by default, the weight of the new
 * value): `s_0 = x_0`, `s_i = α·x_i + (1 − α)·s_{i−1}`. Not debiased; starts at the first value.
 */
export function ema(values: ArrayLike<number>, alpha = 0.05): number[] {
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`alpha must be in [0, 1], got ${alpha}`);
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    out[i] = i === 0 ? values[0]! : alpha * values[i]! + (1 - alpha) * out[i - 1]!;
  }
  return out;
}

/**
 * Trailing simple moving average over `window` values (fewer at the start: the mean of what there is).
 *
 * @example
 * sma([1, 2, 3, 4], 2); // [1, 1.5, 2.5, 3.5]
 */
export function sma(values: ArrayLike<number>, window: number): number[] {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be an integer >= 1, got ${window}`);
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const lo = Math.max(0, i - window + 1);
    let s = 0;
    for (let j = lo; j <= i; j++) s += values[j]!;
    out[i] = s / (i - lo + 1);
  }
  return out;
}

/**
 * What Keras puts in `logs['loss']` at each batch end: the running mean of the batch losses
 * since the start of the epoch (weighted by batch size when given), reset every `stepsPerEpoch`
 * batches. This is the curve beringresearch/lrfinder records; reproduce the tutorial with it.
 *
 * @example
 * kerasRunningMean([4, 2, 3, 1], { stepsPerEpoch: 2 }); // [4, 3, 3, 2]
 */
export function kerasRunningMean(
  values: ArrayLike<number>,
  options: { stepsPerEpoch?: number; batchSizes?: ArrayLike<number> } = {},
): number[] {
  const steps = options.stepsPerEpoch ?? Infinity;
  const out = new Array<number>(values.length);
  let sum = 0;
  let weight = 0;
  for (let i = 0; i < values.length; i++) {
    if (i % steps === 0) {
      sum = 0;
      weight = 0;
    }
    const w = options.batchSizes ? options.batchSizes[i]! : 1;
    sum += values[i]! * w;
    weight += w;
    out[i] = sum / weight;
  }
  return out;
}
