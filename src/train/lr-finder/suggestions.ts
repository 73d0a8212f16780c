import { argminNumpy, gradient, interp } from './stats.js';

/**
 * The suggestion rules. Each reads a curve of (lr, loss) pairs in sweep order (lr increasing).
 * - 'steepest': beringresearch/lrfinder `get_best_lr` (the tutorial's rule).
 * - 'valley', 'steep', 'minimum', 'slide': fastai's `lr_find` suggestion functions (fastai 2.5+).
 */
export type SuggestionRule = 'steepest' | 'valley' | 'steep' | 'minimum' | 'slide';

/** Every rule, in display order. */
export const SUGGESTION_RULES: readonly SuggestionRule[] = ['valley', 'steep', 'minimum', 'slide', 'steepest'];

/** One rule's answer. */
export interface Suggestion {
  rule: SuggestionRule;
  /** The suggested learning rate. */
  lr: number;
  /** Index (into the arrays the rule was given) of the point the rule picked. */
  index: number;
  /** The loss at that point (for 'slide', interpolated at `lr` on log10(lr), as fastai marks it). */
  loss: number;
  /** Learning rate of the marked point (lrs[index]; for 'slide' the suggestion itself). Differs from `lr` for 'minimum'. */
  pointLr: number;
}

function checkCurve(lrs: ArrayLike<number>, losses: ArrayLike<number>, min: number, rule: string): void {
  if (lrs.length !== losses.length) throw new RangeError(`${rule}: lrs (${lrs.length}) and losses (${losses.length}) differ in length`);
  if (losses.length < min) throw new RangeError(`${rule}: needs at least ${min} point(s), got ${losses.length}`);
}

/** Options of {@link steepest} (lrfinder's `get_best_lr` arguments). */
export interface SteepestOptions {
  /** Window of the difference quotient, in batches (lrfinder's `sma`). Default 1. */
  sma?: number;
  /** Batches skipped at the start. Default 10. */
  nSkipBeginning?: number;
  /** Batches skipped at the end. Default 5; 0 means none (Python's `[a:-0]` would be empty). */
  nSkipEnd?: number;
}

/**
 * beringresearch/lrfinder's `get_best_lr(sma, n_skip_beginning=10, n_skip_end=5)`, exactly:
 * `d[i] = 0` for `i < sma` and `d[i] = (L[i] − L[i−sma]) / sma` after; pick
 * `lrs[nSkipBeginning + argmin(d[nSkipBeginning : n − nSkipEnd])]` with NumPy's argmin (first
 * minimum; a NaN wins). Note the zero padding: when nSkipBeginning < sma, a curve whose every
 * slope is positive yields index nSkipBeginning. "Steepest" is per batch, i.e. per step of
 * log(lr) in an exponential sweep.
 *
 * @example
 * steepest(lrs, losses, { sma: 20 }); // what the tutorial's finder.get_best_lr(sma=20) returns
 */
export function steepest(lrs: ArrayLike<number>, losses: ArrayLike<number>, options: SteepestOptions = {}): Suggestion {
  const { sma = 1, nSkipBeginning = 10, nSkipEnd = 5 } = options;
  if (!Number.isInteger(sma) || sma < 1) throw new RangeError(`steepest: sma must be an integer >= 1, got ${sma}`);
  if (!Number.isInteger(nSkipBeginning) || nSkipBeginning < 0 || !Number.isInteger(nSkipEnd) || nSkipEnd < 0) {
    throw new RangeError('steepest: nSkipBeginning and nSkipEnd must be integers >= 0');
  }
  checkCurve(lrs, losses, 1, 'steepest');
  const n = lrs.length;
  const d = new Array<number>(Math.max(n, sma)).fill(0);
  for (let i = sma; i < n; i++) d[i] = (losses[i]! - losses[i - sma]!) / sma;
  const end = d.length - nSkipEnd;
  const k = argminNumpy(d, nSkipBeginning, end);
  if (k < 0) throw new RangeError(`steepest: no points left after skipping ${nSkipBeginning} + ${nSkipEnd} of ${n}`);
  if (k >= n - nSkipEnd) throw new RangeError('steepest: sma is longer than the curve');
  return { rule: 'steepest', lr: lrs[k]!, index: k, loss: losses[k]!, pointLr: lrs[k]! };
}

/**
 * fastai's `valley`: the longest valley, then a point a bit past its middle. Exactly:
 * `lds[i]` is the length of the longest strictly decreasing subsequence (not necessarily
 * contiguous) ending at i; `maxEnd` is the first index where the longest one ends and
 * `maxStart = maxEnd − lds[maxEnd]`; with `s = (maxEnd − maxStart)/3` the pick is
 * `maxStart + ⌊s⌋ + ⌊s/2⌋` — about half-way down the valley (1/3 + 1/6 of it), not 2/3.
 * One edge differs: when that index is −1 (a valley of ≤ 2 points starting at index 0) fastai
 * wraps to the last point (Python indexing); here it is clamped to 0.
 *
 * @example
 * valley(lrs, smoothedLosses).lr
 */
export function valley(lrs: ArrayLike<number>, losses: ArrayLike<number>): Suggestion {
  checkCurve(lrs, losses, 1, 'valley');
  const n = losses.length;
  const lds = new Array<number>(n).fill(1);
  let maxStart = 0;
  let maxEnd = 0;
  for (let i = 1; i < n; i++) {
    const li = losses[i]!;
    for (let j = 0; j < i; j++) {
      if (li < losses[j]! && lds[i]! < lds[j]! + 1) lds[i] = lds[j]! + 1;
      if (lds[maxEnd]! < lds[i]!) {
        maxEnd = i;
        maxStart = maxEnd - lds[maxEnd]!;
      }
    }
  }
  const sections = (maxEnd - maxStart) / 3;
  const idx = Math.max(0, maxStart + Math.trunc(sections) + Math.trunc(sections / 2));
  return { rule: 'valley', lr: lrs[idx]!, index: idx, loss: losses[idx]!, pointLr: lrs[idx]! };
}

/**
 * fastai's `steep`: the steepest descent of loss against log(lr). With
 * `g[i] = (L[i+1] − L[i]) / (ln lr[i+1] − ln lr[i])`, picks `lrs[argmin g]` (the left end of the
 * steepest segment).
 */
export function steep(lrs: ArrayLike<number>, losses: ArrayLike<number>): Suggestion {
  checkCurve(lrs, losses, 2, 'steep');
  const g = new Array<number>(lrs.length - 1);
  for (let i = 0; i < g.length; i++) g[i] = (losses[i + 1]! - losses[i]!) / (Math.log(lrs[i + 1]!) - Math.log(lrs[i]!));
  const k = argminNumpy(g);
  return { rule: 'steep', lr: lrs[k]!, index: k, loss: losses[k]!, pointLr: lrs[k]! };
}

/**
 * fastai's `minimum`: one tenth of the learning rate at the lowest loss (`lrs[argmin L] / 10`);
 * `index`/`loss` are the minimum's, as fastai marks it.
 */
export function minimum(lrs: ArrayLike<number>, losses: ArrayLike<number>): Suggestion {
  checkCurve(lrs, losses, 1, 'minimum');
  const k = argminNumpy(losses);
  return { rule: 'minimum', lr: lrs[k]! / 10, index: k, loss: losses[k]!, pointLr: lrs[k]! };
}

/** Options of {@link slide} (fastai's defaults). */
export interface SlideOptions {
  /** Distance in points between the two ends of the sliding interval. Default 15. */
  lrDiff?: number;
  /** The interval stops sliding when the gradients at its ends differ by at most this. Default 0.005. */
  thresh?: number;
  /** Multiplier of the result. Default 1. */
  adjustValue?: number;
}

/**
 * fastai's `slide` (interval slide rule). With `g = np.gradient(L)`, an interval of `lrDiff`
 * points starts at the right end of the curve (r = n−1, l = r − lrDiff) and slides left while
 * `l ≥ 0` and `|g[r] − g[l]| > thresh`; the answer is `lrs[l₀]` if it never slides, else the `l`
 * of the last position where the condition held (i.e. one point right of where it stopped),
 * times `adjustValue`. Needs more than `lrDiff` points. The marked loss is interpolated at the
 * answer on log10(lr).
 */
export function slide(lrs: ArrayLike<number>, losses: ArrayLike<number>, options: SlideOptions = {}): Suggestion {
  const { lrDiff = 15, thresh = 0.005, adjustValue = 1 } = options;
  if (!Number.isInteger(lrDiff) || lrDiff < 1) throw new RangeError(`slide: lrDiff must be an integer >= 1, got ${lrDiff}`);
  checkCurve(lrs, losses, Math.max(2, lrDiff + 1), 'slide');
  const n = losses.length;
  const g = gradient(losses);
  let r = n - 1;
  let l = r - lrDiff;
  let pick = l;
  while (l >= 0 && Math.abs(g[r]! - g[l]!) > thresh) {
    pick = l;
    r--;
    l--;
  }
  const lr = lrs[pick]! * adjustValue;
  const logLrs = Array.from(lrs, (v) => Math.log10(v));
  return { rule: 'slide', lr, index: pick, loss: interp(Math.log10(lr), logLrs, losses), pointLr: lr };
}

/**
 * fastai's window for its suggestion functions: `[skipStart : −skipEnd]` of the recorded curve
 * (fastai uses `skipStart = num_it // 10`, num_it being the iterations requested, and
 * `skipEnd = 5`), then cut at the first NaN loss. `skipEnd = 0` keeps the end.
 * Returns the half-open index range [start, end) into the full arrays.
 *
 * @example
 * fastaiWindow(losses, Math.floor(100 / 10)); // [10, n − 5) for a 100-iteration sweep without NaN
 */
export function fastaiWindow(losses: ArrayLike<number>, skipStart: number, skipEnd = 5): [number, number] {
  const n = losses.length;
  const start = Math.min(Math.max(0, skipStart), n);
  let end = Math.max(start, skipEnd > 0 ? n - skipEnd : n);
  for (let i = start; i < end; i++) {
    if (Number.isNaN(losses[i]!)) {
      end = i;
      break;
    }
  }
  return [start, end];
}
