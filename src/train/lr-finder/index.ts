/**
 * LR range test analysis — pure functions over recorded (lr, loss) arrays: sweep generators,
 * smoothing, the divergence rule, every suggestion rule (lrfinder's 'steepest', fastai's
 * 'valley' / 'steep' / 'minimum' / 'slide'), and multi-seed aggregation. The sweep loop that
 * trains a model lives with fit().
 *
 * @example
 * import { lrFinder } from 'webgrad';
 * const lrs = lrFinder.lrSweep({ startLr: 1e-6, endLr: 1, numSteps: 200 });
 * // … train one batch per lr, record losses, stop when a DivergenceDetector says so …
 * const result = new lrFinder.LrFinderResult({ lrs: lrs.slice(0, losses.length), losses, numSteps: 200 });
 * result.suggestion(); // 'valley' on the smoothed loss
 */
export { lrSweep, sweepLr, lrfinderSweep, type SweepOptions } from './sweep.js';
export { debiasedEma, ema, sma, kerasRunningMean } from './smoothing.js';
export { DivergenceDetector, findDivergence, DIVERGENCE_PRESETS, type DivergenceOptions } from './divergence.js';
export {
  steepest, valley, steep, minimum, slide, fastaiWindow, SUGGESTION_RULES,
  type Suggestion, type SuggestionRule, type SteepestOptions, type SlideOptions,
} from './suggestions.js';
export { LrFinderResult, DEFAULT_RULE, type LrCurve, type LossSource, type SuggestOptions } from './result.js';
export { aggregateSweeps, type AggregateOptions, type SweepAggregate, type SuggestionSpread } from './aggregate.js';
export { argminNumpy, gradient, interp, quantile, median } from './stats.js';
