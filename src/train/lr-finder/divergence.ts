/** When to stop an LR range test: the loss has blown up. */

/** Options of {@link DivergenceDetector} and {@link findDivergence}. */
export interface DivergenceOptions {
  /** Diverged when loss > factor × best loss so far. Default 4 (fastai, lrfinder; pytorch-lr-finder uses 5). */
  factor?: number;
  /** Steps (0-based index below which) the factor rule is not applied. Default 0 (fastai). */
  minSteps?: number;
  /** A NaN or ±Infinity loss (at or after minSteps) is divergence. Default true. */
  nonFinite?: boolean;
}

/** The rules of the reference tools, for the curve each one watches. */
export const DIVERGENCE_PRESETS = {
  /** fastai `LRFinder`: smoothed (debiased EMA) loss > 4 × best, from the first step. */
  fastai: { factor: 4, minSteps: 0, nonFinite: true },
  /**
   * beringresearch/lrfinder: the logged loss > 4 × best or NaN, only when the batch index within
   * the epoch is > 5 (so steps 0–5 of every epoch are exempt; this preset covers the first epoch).
   */
  lrfinder: { factor: 4, minSteps: 6, nonFinite: true },
  /** pytorch-lr-finder: EMA-smoothed (smooth_f 0.05) loss > 5 × best. */
  pytorchLrFinder: { factor: 5, minSteps: 0, nonFinite: false },
} as const satisfies Record<string, DivergenceOptions>;

/**
 * Streaming divergence check for the sweep loop: feed each step's (smoothed) loss in order.
 * At step i ≥ minSteps the loss has diverged when it is non-finite (if `nonFinite`) or
 * `loss > factor × best`, `best` being the lowest finite loss seen before. Until then `best` is
 * updated with every finite loss.
 *
 * @example
 * const d = new DivergenceDetector({ factor: 4 });
 * for (const loss of [1, 0.8, 0.5, 2.5]) if (d.update(loss)) console.log('diverged at', d.step - 1); // 3
 */
export class DivergenceDetector {
  readonly factor: number;
  readonly minSteps: number;
  readonly nonFinite: boolean;
  /** Lowest finite loss so far. */
  best = Infinity;
  /** Number of losses seen. */
  step = 0;
  /** Index of the divergent step, or -1. */
  divergedAt = -1;

  constructor(options: DivergenceOptions = {}) {
    this.factor = options.factor ?? 4;
    this.minSteps = options.minSteps ?? 0;
    this.nonFinite = options.nonFinite ?? true;
    if (!(this.factor > 0)) throw new RangeError(`factor must be > 0, got ${this.factor}`);
  }

  /**
   * Records the next loss; true when it shows divergence (the first time and after).
   * `batchInEpoch`, when given, is compared with minSteps instead of the global step — exactly
   * lrfinder's `batch > 5` guard, which exempts the first batches of every epoch.
   */
  update(loss: number, batchInEpoch?: number): boolean {
    const i = this.step++;
    if (this.divergedAt >= 0) return true;
    if ((batchInEpoch ?? i) >= this.minSteps) {
      const bad = Number.isFinite(loss) ? loss > this.factor * this.best : this.nonFinite;
      if (bad) {
        this.divergedAt = i;
        return true;
      }
    }
    if (Number.isFinite(loss) && loss < this.best) this.best = loss;
    return false;
  }
}

/**
 * Index of the first divergent step of a recorded curve (see {@link DivergenceDetector}), or -1.
 *
 * @example
 * findDivergence([2, 1, 0.5, 3]);            // 3 (3 > 4·0.5)
 * findDivergence([2, 1, NaN, 0.5]);          // 2
 * findDivergence([2, 1, 0.5, 3], { factor: 8 }); // -1
 */
export function findDivergence(losses: ArrayLike<number>, options: DivergenceOptions = {}): number {
  const d = new DivergenceDetector(options);
  for (let i = 0; i < losses.length; i++) if (d.update(losses[i]!)) return i;
  return -1;
}
