import { cyclical, type CyclicalOptions } from '../schedules/cyclical.js';
import { oneCycle, type OneCycleOptions } from '../schedules/one-cycle.js';
import type { MomentumSchedule } from '../schedules/types.js';
import { debiasedEma, sma as smaSmooth } from './smoothing.js';
import {
  fastaiWindow, minimum, slide, steep, steepest, valley, SUGGESTION_RULES,
  type SlideOptions, type SteepestOptions, type Suggestion, type SuggestionRule,
} from './suggestions.js';

/** A recorded LR range test: one entry per trained batch, in sweep order. */
export interface LrCurve {
  /** Learning rate each batch was trained with. */
  lrs: ArrayLike<number>;
  /** Raw loss of each batch. */
  losses: ArrayLike<number>;
  /** Keras-style running mean of the epoch's batch losses (what the tutorial's lrfinder reads), if recorded. */
  runningLosses?: ArrayLike<number>;
  /** Smoothed losses, if the loop already computed them; else the debiased EMA of `losses` is used. */
  smoothedLosses?: ArrayLike<number>;
  /** Steps the sweep was asked for (fastai's num_it); defaults to the recorded length. */
  numSteps?: number;
  /** Index of the step where divergence stopped the sweep; -1 or absent if it ran to the end. */
  divergedAt?: number;
  /** Seed of the run, for multi-seed reports. */
  seed?: number;
}

/** Which recorded curve a rule reads. */
export type LossSource = 'raw' | 'smoothed' | 'running' | 'sma';

/** Options of {@link LrFinderResult.suggest}. */
export interface SuggestOptions extends SteepestOptions, SlideOptions {
  /**
   * The curve to read. Default: 'smoothed' for the fastai rules (fastai reads its debiased EMA),
   * and for 'steepest' 'running' when a running mean was recorded (to reproduce the tutorial's
   * lrfinder exactly), else 'raw'.
   */
  source?: LossSource;
  /** Window of the 'sma' source. Default 20. */
  smaWindow?: number;
  /** fastai rules: points dropped at the start. Default ⌊numSteps/10⌋ (fastai's num_it//10). */
  skipStart?: number;
  /** fastai rules: points dropped at the end. Default 5. */
  skipEnd?: number;
}

/** The rule {@link LrFinderResult.suggestion} uses when none is named. */
export const DEFAULT_RULE: SuggestionRule = 'valley';

const FASTAI_RULES = new Set<SuggestionRule>(['valley', 'steep', 'minimum', 'slide']);

/**
 * The analysis of an LR range test, independent of how it was run: holds the raw batch losses,
 * their debiased-EMA smoothing (fastai, β = 0.98) and optionally the Keras running mean, and
 * answers every suggestion rule.
 *
 * The default rule is 'valley' on the smoothed raw batch loss (fastai's default since 2.5): it
 * lands inside the stretch where the loss falls fastest and is robust to the noise of single
 * batches. 'steepest' with `source: 'running'` reproduces the tutorial's lrfinder to the bit, but
 * the running mean lags the real loss by half an epoch and drags the steepest point towards LRs
 * that do not train (see ARCHITECTURE.md); report it beside the default, don't use it blindly.
 *
 * @example
 * const r = new LrFinderResult({ lrs, losses, runningLosses, numSteps: 245 });
 * r.suggestion();                                          // valley on the smoothed loss
 * r.suggestion('steepest', { sma: 20 });                   // the tutorial's answer (running mean)
 * r.suggestion('steepest', { sma: 20, source: 'raw' });    // the same rule on the batch loss
 * r.toSchedule('oneCycle', { totalSteps: 490 });           // maxLr from the default rule
 */
export class LrFinderResult {
  readonly lrs: number[];
  /** Raw batch losses. */
  readonly losses: number[];
  /** Debiased EMA of the raw losses (or the smoothedLosses given). */
  readonly smoothed: number[];
  /** Keras running mean, when recorded. */
  readonly running: number[] | null;
  readonly numSteps: number;
  readonly divergedAt: number;
  readonly seed: number | undefined;
  readonly beta: number;

  constructor(curve: LrCurve, options: { beta?: number } = {}) {
    this.lrs = Array.from(curve.lrs);
    this.losses = Array.from(curve.losses);
    if (this.lrs.length !== this.losses.length) {
      throw new RangeError(`lrs (${this.lrs.length}) and losses (${this.losses.length}) differ in length`);
    }
    this.beta = options.beta ?? 0.98;
    this.smoothed = curve.smoothedLosses ? Array.from(curve.smoothedLosses) : debiasedEma(this.losses, this.beta);
    this.running = curve.runningLosses ? Array.from(curve.runningLosses) : null;
    for (const [name, a] of [['smoothedLosses', this.smoothed], ['runningLosses', this.running]] as const) {
      if (a && a.length !== this.lrs.length) throw new RangeError(`${name} must have one entry per step`);
    }
    this.numSteps = curve.numSteps ?? this.lrs.length;
    this.divergedAt = curve.divergedAt ?? -1;
    this.seed = curve.seed;
  }

  /** The loss curve a source names. */
  lossesFor(source: LossSource, smaWindow = 20): number[] {
    switch (source) {
      case 'raw': return this.losses;
      case 'smoothed': return this.smoothed;
      case 'sma': return smaSmooth(this.losses, smaWindow);
      case 'running':
        if (!this.running) throw new Error("source 'running' needs runningLosses in the recorded curve");
        return this.running;
      default: throw new RangeError(`unknown loss source '${String(source)}'`);
    }
  }

  /** The source a rule reads by default (see {@link SuggestOptions.source}). */
  defaultSource(rule: SuggestionRule): LossSource {
    if (rule === 'steepest') return this.running ? 'running' : 'raw';
    return 'smoothed';
  }

  /**
   * One rule's full answer; indices refer to the full recorded arrays. The fastai rules see
   * fastai's window (`[skipStart : −skipEnd]`, cut at the first NaN); 'steepest' sees the whole
   * curve and applies its own nSkipBeginning/nSkipEnd. Throws when the curve is too short.
   */
  suggest(rule: SuggestionRule = DEFAULT_RULE, options: SuggestOptions = {}): Suggestion {
    const losses = this.lossesFor(options.source ?? this.defaultSource(rule), options.smaWindow);
    if (rule === 'steepest') return steepest(this.lrs, losses, options);
    if (!FASTAI_RULES.has(rule)) throw new RangeError(`unknown suggestion rule '${String(rule)}'`);
    const skipStart = options.skipStart ?? Math.floor(this.numSteps / 10);
    const [start, end] = fastaiWindow(losses, skipStart, options.skipEnd ?? 5);
    const lrs = this.lrs.slice(start, end);
    const ls = losses.slice(start, end);
    if (lrs.length === 0) {
      throw new RangeError(`${rule}: no points left in the window [${start}, ${end}) of a ${losses.length}-step curve`);
    }
    const s = rule === 'valley' ? valley(lrs, ls)
      : rule === 'steep' ? steep(lrs, ls)
        : rule === 'minimum' ? minimum(lrs, ls)
          : slide(lrs, ls, options);
    return { ...s, index: s.index + start };
  }

  /** The learning rate a rule suggests (default rule: {@link DEFAULT_RULE}). */
  suggestion(rule: SuggestionRule = DEFAULT_RULE, options: SuggestOptions = {}): number {
    return this.suggest(rule, options).lr;
  }

  /**
   * Every rule's answer (each with its default source, unless `options.source` is given); rules
   * that cannot answer on this curve are left out and explained in `errors`.
   */
  suggestions(rules: readonly SuggestionRule[] = SUGGESTION_RULES, options: SuggestOptions = {}):
    { suggestions: Partial<Record<SuggestionRule, Suggestion>>; errors: Partial<Record<SuggestionRule, string>> } {
    const suggestions: Partial<Record<SuggestionRule, Suggestion>> = {};
    const errors: Partial<Record<SuggestionRule, string>> = {};
    for (const rule of rules) {
      try {
        suggestions[rule] = this.suggest(rule, options);
      } catch (e) {
        errors[rule] = (e as Error).message;
      }
    }
    return { suggestions, errors };
  }

  /**
   * Bounds for a cyclical schedule from a rule's suggestion: `maxLr` = the suggestion and
   * `baseLr = maxLr / 4` (Smith 2015: base 1/3–1/4 of max).
   */
  scheduleBounds(rule: SuggestionRule = DEFAULT_RULE, options: SuggestOptions = {}): { baseLr: number; maxLr: number } {
    const maxLr = this.suggestion(rule, options);
    return { baseLr: maxLr / 4, maxLr };
  }

  /**
   * Turns the curve into a schedule: 'oneCycle' peaks at the rule's suggestion (fastai's use of
   * lr_find with fit_one_cycle); 'cyclical' cycles between {@link scheduleBounds}.
   *
   * @example
   * r.toSchedule('cyclical', { stepSize: 4 * stepsPerEpoch });
   */
  toSchedule(kind: 'oneCycle', options: Omit<OneCycleOptions, 'maxLr'> & { rule?: SuggestionRule }): MomentumSchedule;
  toSchedule(kind: 'cyclical', options?: Omit<CyclicalOptions, 'baseLr' | 'maxLr'> & { rule?: SuggestionRule }): MomentumSchedule;
  toSchedule(kind: 'oneCycle' | 'cyclical', options: Record<string, unknown> & { rule?: SuggestionRule } = {}): MomentumSchedule {
    const { rule, ...rest } = options;
    const { baseLr, maxLr } = this.scheduleBounds(rule ?? DEFAULT_RULE);
    if (kind === 'oneCycle') return oneCycle({ ...(rest as unknown as Omit<OneCycleOptions, 'maxLr'>), maxLr });
    if (kind === 'cyclical') return cyclical({ ...(rest as Omit<CyclicalOptions, 'baseLr' | 'maxLr'>), baseLr, maxLr });
    throw new RangeError(`unknown schedule kind '${String(kind)}'`);
  }

  /** Plain data for lr_finder.json. */
  toJSON(): Record<string, unknown> {
    const { suggestions, errors } = this.suggestions();
    return {
      lrs: this.lrs, losses: this.losses, smoothed: this.smoothed, running: this.running,
      numSteps: this.numSteps, divergedAt: this.divergedAt, seed: this.seed, beta: this.beta,
      defaultRule: DEFAULT_RULE, suggestions, errors,
    };
  }
}
