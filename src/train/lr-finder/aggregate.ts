import { LrFinderResult, type LossSource, type LrCurve, type SuggestOptions } from './result.js';
import { median, quantile, std } from './stats.js';
import { fastaiWindow, minimum, slide, steep, steepest, valley, SUGGESTION_RULES, type Suggestion, type SuggestionRule } from './suggestions.js';

/** Options of {@link aggregateSweeps}. */
export interface AggregateOptions {
  /** Band around the median curve: 'iqr' (25th–75th percentile, default) or 'minmax'. */
  band?: 'iqr' | 'minmax';
  /** Curve to aggregate. Default 'smoothed'. */
  source?: LossSource;
  /** Rules whose spread to report. Default all. */
  rules?: readonly SuggestionRule[];
  /** Passed to every rule (each run's rules use each rule's default source unless this names one). */
  suggest?: SuggestOptions;
}

/** How much one rule's answer moves between seeds. */
export interface SuggestionSpread {
  /** One value per sweep that could answer (in sweep order). */
  values: number[];
  median: number;
  min: number;
  max: number;
  /** max / min: 1 means every seed agreed. */
  ratio: number;
  /** Standard deviation of log10(lr): 0.1 ≈ ±26 %. */
  log10Std: number;
  /** Sweeps where the rule could not answer. */
  failed: number;
}

/** The result of several sweeps (one per seed). */
export interface SweepAggregate {
  /** LR grid: the longest sweep's learning rates. */
  lrs: number[];
  /** Per-LR median loss over the sweeps that reached it. */
  median: number[];
  /** Lower and upper edge of the band (see `band`). */
  lower: number[];
  upper: number[];
  /** How many sweeps contributed at each LR (sweeps stop at different points when they diverge). */
  count: number[];
  band: 'iqr' | 'minmax';
  source: LossSource;
  /** Per rule: every seed's answer and their spread. */
  spread: Partial<Record<SuggestionRule, SuggestionSpread>>;
  /** Each rule applied once to the median curve (fastai window for the fastai rules). */
  onMedian: Partial<Record<SuggestionRule, Suggestion>>;
  /** The individual analyses, in the order given. */
  runs: LrFinderResult[];
}

/**
 * Aggregates repeated LR range tests (different seeds, same sweep): a median curve with a band,
 * and the spread of every rule's suggestion — the honest answer to "which LR?" is a range.
 *
 * Sweeps that share the LR grid (the usual case, possibly cut short by divergence) are aligned by
 * step; others are interpolated linearly in log(lr) onto the longest sweep's grid (no
 * extrapolation). Non-finite losses are left out of each point's statistics.
 *
 * @example
 * const agg = aggregateSweeps(runs, { band: 'iqr' });
 * agg.spread.valley?.median;   // the typical suggestion
 * agg.spread.valley?.ratio;    // 1.3 → seeds agree within 30 %
 */
export function aggregateSweeps(curves: ReadonlyArray<LrFinderResult | LrCurve>, options: AggregateOptions = {}): SweepAggregate {
  if (curves.length === 0) throw new RangeError('aggregateSweeps needs at least one sweep');
  const band = options.band ?? 'iqr';
  const source = options.source ?? 'smoothed';
  const rules = options.rules ?? SUGGESTION_RULES;
  const runs = curves.map((c) => (c instanceof LrFinderResult ? c : new LrFinderResult(c)));
  const longest = runs.reduce((a, b) => (b.lrs.length > a.lrs.length ? b : a));
  const grid = longest.lrs;
  const aligned = runs.map((r) => alignToGrid(r.lrs, r.lossesFor(source), grid));

  const med: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  const count: number[] = [];
  for (let i = 0; i < grid.length; i++) {
    const col = aligned.map((a) => a[i]!).filter((v) => Number.isFinite(v));
    count.push(col.length);
    med.push(median(col));
    lower.push(quantile(col, band === 'iqr' ? 0.25 : 0));
    upper.push(quantile(col, band === 'iqr' ? 0.75 : 1));
  }

  const spread: Partial<Record<SuggestionRule, SuggestionSpread>> = {};
  for (const rule of rules) {
    const values: number[] = [];
    let failed = 0;
    for (const r of runs) {
      try {
        values.push(r.suggestion(rule, options.suggest));
      } catch {
        failed++;
      }
    }
    const min = values.length ? Math.min(...values) : NaN;
    const max = values.length ? Math.max(...values) : NaN;
    spread[rule] = {
      values, median: median(values), min, max, ratio: max / min,
      log10Std: std(values.map((v) => Math.log10(v))), failed,
    };
  }

  const onMedian: Partial<Record<SuggestionRule, Suggestion>> = {};
  const usable = med.findIndex((v) => !Number.isFinite(v));
  const end = usable < 0 ? med.length : usable;
  for (const rule of rules) {
    try {
      if (rule === 'steepest') {
        onMedian[rule] = steepest(grid.slice(0, end), med.slice(0, end), options.suggest);
        continue;
      }
      const [a, b] = fastaiWindow(med, options.suggest?.skipStart ?? Math.floor(longest.numSteps / 10), options.suggest?.skipEnd ?? 5);
      const l = grid.slice(a, b);
      const m = med.slice(a, b);
      const s = rule === 'valley' ? valley(l, m) : rule === 'steep' ? steep(l, m) : rule === 'minimum' ? minimum(l, m) : slide(l, m, options.suggest);
      onMedian[rule] = { ...s, index: s.index + a };
    } catch {
      // too short for this rule: left out
    }
  }
  return { lrs: grid.slice(), median: med, lower, upper, count, band, source, spread, onMedian, runs };
}

function alignToGrid(lrs: readonly number[], losses: readonly number[], grid: readonly number[]): number[] {
  const samePrefix = lrs.length <= grid.length && lrs.every((v, i) => Math.abs(v - grid[i]!) <= 1e-9 * Math.abs(grid[i]!));
  if (samePrefix) return grid.map((_, i) => (i < losses.length ? losses[i]! : NaN));
  const logs = lrs.map((v) => Math.log(v));
  return grid.map((g) => {
    const x = Math.log(g);
    if (!(x >= logs[0]! && x <= logs[logs.length - 1]!)) return NaN;
    const hi = logs.findIndex((v) => v >= x); // ≥ 1 unless x equals logs[0]
    if (logs[hi] === x) return losses[hi]!;
    const lo = hi - 1;
    const t = (x - logs[lo]!) / (logs[hi]! - logs[lo]!);
    return losses[lo]! + t * (losses[hi]! - losses[lo]!);
  });
}
