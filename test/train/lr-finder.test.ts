import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  aggregateSweeps, debiasedEma, DIVERGENCE_PRESETS, DivergenceDetector, ema, fastaiWindow, findDivergence, kerasRunningMean,
  LrFinderResult, lrfinderSweep, lrSweep, minimum, slide, sma, steep, steepest, sweepLr, valley,
} from '../../src/train/lr-finder/index.js';
import { close } from './helpers.js';

interface Fixture {
  lrfinder: { startLr: number; endLr: number; epochs: number; stepsPerEpoch: number; lrs: number[]; rawLosses: number[]; runningLosses: number[];
    stoppedAt: number; expectedSteepest: Record<string, { lr: number; index: number }>; expectedSteepestRawSma20: { lr: number; index: number } };
  fastai: { startLr: number; endLr: number; numIt: number; beta: number; lrs: number[]; rawLosses: number[]; smoothedLosses: number[];
    expected: { valley: number; valleyIndex: number; slide: number; minimum: number; steep: number } };
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/lr-curve.json', import.meta.url), 'utf8')) as Fixture;
const allClose = (a: number[], b: number[], rel = 1e-12) => a.length === b.length && a.every((v, i) => close(v, b[i]!, rel));

describe('sweeps', () => {
  it('exponential, linear, with and without the endpoint', () => {
    expect(allClose(lrSweep({ startLr: 1e-4, endLr: 1, numSteps: 5 }), [1e-4, 1e-3, 1e-2, 1e-1, 1])).toBe(true);
    expect(allClose(lrSweep({ startLr: 1e-4, endLr: 1, numSteps: 4, endpoint: false }), [1e-4, 1e-3, 1e-2, 1e-1])).toBe(true);
    expect(lrSweep({ startLr: 0, endLr: 1, numSteps: 5, mode: 'linear' })).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(close(sweepLr({ startLr: 1e-6, endLr: 1, numSteps: 7 }, 3), 1e-3)).toBe(true);
    expect(lrSweep({ startLr: 0.1, endLr: 1, numSteps: 1 })).toEqual([0.1]);
    expect(() => lrSweep({ startLr: 0, endLr: 1, numSteps: 5 })).toThrow(RangeError);
    expect(() => lrSweep({ startLr: 1e-3, endLr: 1, numSteps: 0 })).toThrow(RangeError);
  });
  it("reproduces lrfinder's float32-compounded learning rates bit for bit", () => {
    const { startLr, endLr, epochs, stepsPerEpoch, lrs } = fx.lrfinder;
    expect(lrfinderSweep(startLr, endLr, epochs * stepsPerEpoch).slice(0, lrs.length)).toEqual(lrs);
  });
});

describe('smoothing', () => {
  it('debiased EMA (fastai) by hand and on the fixture', () => {
    expect(debiasedEma([3, 3, 3, 3]).every((v) => close(v, 3))).toBe(true);
    const [a, b] = debiasedEma([1, 0], 0.5);
    expect(a).toBe(1); // 0.5 / (1 − 0.5)
    expect(close(b!, 1 / 3)).toBe(true); // 0.25 / (1 − 0.25)
    expect(allClose(debiasedEma(fx.fastai.rawLosses, 0.98), fx.fastai.smoothedLosses, 1e-13)).toBe(true);
    expect(Number.isNaN(debiasedEma([1, NaN, 1])[2])).toBe(true);
  });
  it('EMA (pytorch-lr-finder), SMA, Keras running mean', () => {
    expect(ema([1, 0, 0], 0.5)).toEqual([1, 0.5, 0.25]);
    expect(sma([1, 2, 3, 4], 2)).toEqual([1, 1.5, 2.5, 3.5]);
    expect(kerasRunningMean([4, 2, 3, 1], { stepsPerEpoch: 2 })).toEqual([4, 3, 3, 2]);
    expect(kerasRunningMean([4, 2], { batchSizes: [3, 1] })).toEqual([4, 3.5]);
    const { rawLosses, runningLosses, stepsPerEpoch } = fx.lrfinder;
    expect(allClose(kerasRunningMean(rawLosses, { stepsPerEpoch }), runningLosses, 1e-13)).toBe(true);
  });
});

describe('divergence', () => {
  it('loss > factor × best, or non-finite, after minSteps', () => {
    expect(findDivergence([2, 1, 0.5, 3])).toBe(3);
    expect(findDivergence([2, 1, 0.5, 2])).toBe(-1); // 2 = 4 × 0.5 is not >
    expect(findDivergence([2, 1, NaN, 0.5])).toBe(2);
    expect(findDivergence([2, 1, NaN, 0.5], { nonFinite: false })).toBe(-1);
    expect(findDivergence([1, 10, 0.1], { minSteps: 2 })).toBe(-1);
    expect(findDivergence([1, 10, 5], { minSteps: 2 })).toBe(2);
    const d = new DivergenceDetector({ factor: 5 });
    expect([1, 0.5, 2, 2.6].map((l) => d.update(l))).toEqual([false, false, false, true]);
    expect(d.divergedAt).toBe(3);
    expect(d.update(0.1)).toBe(true); // stays diverged
  });
  it("finds where lrfinder stopped the fixture's sweep", () => {
    expect(findDivergence(fx.lrfinder.runningLosses, DIVERGENCE_PRESETS.lrfinder)).toBe(fx.lrfinder.stoppedAt);
    expect(findDivergence(fx.fastai.smoothedLosses, DIVERGENCE_PRESETS.fastai)).toBe(-1);
    // lrfinder's guard is per epoch: feed the batch index within the epoch
    const d = new DivergenceDetector(DIVERGENCE_PRESETS.lrfinder);
    const at = fx.lrfinder.runningLosses.findIndex((l, i) => d.update(l, i % fx.lrfinder.stepsPerEpoch));
    expect(at).toBe(fx.lrfinder.stoppedAt);
    const e = new DivergenceDetector({ factor: 4, minSteps: 6 });
    expect([1, 1, 1, 1, 1, 1, 1, 9].map((l, i) => e.update(l, i % 4))).toEqual([false, false, false, false, false, false, false, false]);
  });
});

describe("'steepest' = beringresearch/lrfinder get_best_lr", () => {
  it('matches the recorded fixture exactly for sma 1, 5, 20 (running mean) and on the raw loss', () => {
    const { lrs, runningLosses, rawLosses } = fx.lrfinder;
    for (const sma of [1, 5, 20]) {
      const s = steepest(lrs, runningLosses, { sma });
      expect({ lr: s.lr, index: s.index }).toEqual(fx.lrfinder.expectedSteepest[String(sma)]);
    }
    const r = steepest(lrs, rawLosses, { sma: 20 });
    expect({ lr: r.lr, index: r.index }).toEqual(fx.lrfinder.expectedSteepestRawSma20);
    // The running mean restarts every epoch, so its steepest "drop" sits on an epoch boundary.
    expect(fx.lrfinder.expectedSteepest['20']!.index % fx.lrfinder.stepsPerEpoch).toBe(0);
  });
  it('keeps the zero padding, NumPy argmin ties and NaN, and the skip window', () => {
    const lrs = Array.from({ length: 40 }, (_, i) => 10 ** (-6 + i / 8));
    const rising = lrs.map((_, i) => i);
    expect(steepest(lrs, rising, { sma: 20 }).index).toBe(10); // d[10..19] = 0 beats every positive slope
    const falling = lrs.map((_, i) => -i * i);
    expect(steepest(lrs, falling, { sma: 1 }).index).toBe(34); // last index before the 5 skipped
    expect(steepest(lrs, falling, { sma: 1, nSkipEnd: 0 }).index).toBe(39);
    const withNaN = falling.slice();
    withNaN[12] = NaN;
    expect(steepest(lrs, withNaN, { sma: 1 }).index).toBe(12); // np.argmin returns the first NaN
    expect(() => steepest(lrs.slice(0, 12), rising.slice(0, 12))).toThrow(/no points left/);
  });
});

describe('fastai rules', () => {
  const L = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 2, 3];
  const lrs = L.map((_, i) => 10 ** (-6 + i / 2));
  it('valley: longest decreasing subsequence, then ⌊s⌋ + ⌊s/2⌋ past its start', () => {
    // lds[9] = 10, maxStart = 9 − 10 = −1, s = 10/3 → idx = −1 + 3 + 1 = 3
    expect(valley(lrs, L).index).toBe(3);
    // Not contiguous: 5, 4, 3, 2, 1 at indices 0, 1, 3, 4, 6 → lds[6] = 5, start 1, s = 5/3 → idx 2
    const bumpy = [5, 4, 4.5, 3, 2, 2.5, 1, 3, 4];
    expect(valley(bumpy.map((_, i) => i + 1), bumpy).index).toBe(2);
    // Tiny valley starting at 0: fastai's index −1 would wrap to the end; clamped to 0
    expect(valley([1, 2], [2, 1]).index).toBe(0);
    expect(valley([1], [1]).index).toBe(0);
  });
  it('steep: steepest segment against log(lr), left end', () => {
    const l7 = [1, 1, 0.9, 0.5, 0.45, 0.44, 2];
    const lr7 = l7.map((_, i) => 10 ** (-6 + i));
    expect(steep(lr7, l7).index).toBe(2);
    expect(steep(lr7, l7).lr).toBe(lr7[2]);
  });
  it('minimum: a tenth of the lr at the lowest loss', () => {
    const s = minimum(lrs, L);
    expect(s.index).toBe(9);
    expect(close(s.lr, lrs[9]! / 10)).toBe(true);
  });
  it('slide: interval slides left until the end gradients agree', () => {
    // np.gradient([0,0,0,0,1,3,6]) = [0,0,0,0.5,1.5,2.5,3]; with lrDiff 2, thresh 0.1 the
    // interval slides (6,4) → (5,3) → (4,2) → (3,1) and stops at (2,0): answer lrs[1]
    const l = [0, 0, 0, 0, 1, 3, 6];
    const x = l.map((_, i) => 10 ** (-5 + i));
    const s = slide(x, l, { lrDiff: 2, thresh: 0.1 });
    expect(s.index).toBe(1);
    expect(s.lr).toBe(x[1]);
    expect(slide(x, l, { lrDiff: 2, thresh: 10 }).index).toBe(4); // never slides: lrs[n−1−lrDiff]
    expect(() => slide(x, l, { lrDiff: 7 })).toThrow(RangeError);
  });
  it('window: [skipStart : −5], cut at the first NaN', () => {
    expect(fastaiWindow(new Array(100).fill(1), 10)).toEqual([10, 95]);
    const l = new Array(100).fill(1);
    l[50] = NaN;
    expect(fastaiWindow(l, 10)).toEqual([10, 50]);
    expect(fastaiWindow([1, 2, 3], 0, 5)).toEqual([0, 0]);
  });
  it('match fastai 2.7 on the fixture (smoothed loss, window [num_it//10 : −5])', () => {
    const { lrs, rawLosses, smoothedLosses, numIt, expected } = fx.fastai;
    const r = new LrFinderResult({ lrs, losses: rawLosses, smoothedLosses, numSteps: numIt });
    const v = r.suggest('valley');
    expect([v.lr, v.index]).toEqual([expected.valley, expected.valleyIndex]);
    expect(r.suggestion('slide')).toBe(expected.slide);
    expect(r.suggestion('minimum')).toBe(expected.minimum);
    expect(r.suggestion('steep')).toBe(expected.steep);
    // And with our own smoothing of the raw losses
    expect(new LrFinderResult({ lrs, losses: rawLosses, numSteps: numIt }).suggestion()).toBe(expected.valley);
  });
});

/** A clean synthetic curve: flat, then falls fastest around lr = 1e-3, bottoms out near 3e-2, then explodes. */
function synthetic(n = 200, shift = 0, noise = 0, seed = 1) {
  let s = seed;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5);
  const lrs = lrSweep({ startLr: 1e-6, endLr: 1, numSteps: n });
  const losses = lrs.map((lr) => {
    const x = Math.log10(lr) - shift;
    return 0.7 - 0.4 / (1 + Math.exp(-(x + 3) * 3)) + (x > -1.5 ? (x + 1.5) ** 2 * 2 : 0) + noise * rand();
  });
  return { lrs, losses };
}

describe('LrFinderResult', () => {
  it('defaults: valley on the smoothed loss lands on the steep descent, which trains', () => {
    const { lrs, losses } = synthetic(200, 0, 0.05);
    const r = new LrFinderResult({ lrs, losses });
    const lr = r.suggestion();
    expect(lr).toBeGreaterThan(1e-4);
    expect(lr).toBeLessThan(1e-2);
    expect(r.defaultSource('valley')).toBe('smoothed');
    expect(r.defaultSource('steepest')).toBe('raw');
    const all = r.suggestions();
    expect(Object.keys(all.suggestions).sort()).toEqual(['minimum', 'slide', 'steep', 'steepest', 'valley']);
    expect(all.errors).toEqual({});
  });
  it("'steepest' reads the running mean when recorded (the tutorial), and can be pointed elsewhere", () => {
    const { lrs, runningLosses, rawLosses, stepsPerEpoch, epochs } = fx.lrfinder;
    const r = new LrFinderResult({ lrs, losses: rawLosses, runningLosses, numSteps: epochs * stepsPerEpoch, divergedAt: fx.lrfinder.stoppedAt });
    expect(r.defaultSource('steepest')).toBe('running');
    expect(r.suggestion('steepest', { sma: 20 })).toBe(fx.lrfinder.expectedSteepest['20']!.lr);
    expect(r.suggestion('steepest', { sma: 20, source: 'raw' })).toBe(fx.lrfinder.expectedSteepestRawSma20.lr);
    expect(() => new LrFinderResult({ lrs, losses: rawLosses }).suggestion('steepest', { source: 'running' })).toThrow(/runningLosses/);
  });
  it('reports rules that cannot answer on a short curve', () => {
    const r = new LrFinderResult({ lrs: [1e-3, 1e-2, 1e-1], losses: [1, 0.5, 2] });
    const { suggestions, errors } = r.suggestions();
    expect(Object.keys(suggestions)).toEqual([]);
    expect(Object.keys(errors).length).toBe(5);
    // lds = [1, 2, 1] → maxStart = −1, idx −1: fastai would wrap to the last point; clamped to 0
    expect(r.suggest('valley', { skipEnd: 0 }).index).toBe(0);
    expect(r.suggest('minimum', { skipEnd: 0 }).index).toBe(1);
  });
  it('toSchedule: one-cycle peaks at the suggestion, cyclical spans [max/4, max]', () => {
    const { lrs, losses } = synthetic();
    const r = new LrFinderResult({ lrs, losses });
    const lr = r.suggestion();
    const oc = r.toSchedule('oneCycle', { totalSteps: 100 });
    expect(close(oc(29), lr)).toBe(true);
    const cy = r.toSchedule('cyclical', { stepSize: 10 });
    expect(close(cy(0), lr / 4)).toBe(true);
    expect(close(cy(10), lr)).toBe(true);
    expect(r.scheduleBounds('minimum').maxLr).toBe(r.suggestion('minimum'));
    expect(JSON.parse(JSON.stringify(r)).defaultRule).toBe('valley');
  });
  it('validates its input', () => {
    expect(() => new LrFinderResult({ lrs: [1, 2], losses: [1] })).toThrow(RangeError);
    expect(() => new LrFinderResult({ lrs: [1, 2], losses: [1, 2], runningLosses: [1] })).toThrow(RangeError);
  });
});

describe('aggregateSweeps (multi-seed)', () => {
  it('median and band: IQR and min/max per learning rate', () => {
    const lrs = [1e-3, 1e-2, 1e-1];
    const runs = [1, 2, 3, 4].map((c) => ({ lrs, losses: [c, c, c], smoothedLosses: [c, c, c] }));
    const iqr = aggregateSweeps(runs);
    expect(iqr.median).toEqual([2.5, 2.5, 2.5]);
    expect(iqr.lower).toEqual([1.75, 1.75, 1.75]);
    expect(iqr.upper).toEqual([3.25, 3.25, 3.25]);
    const mm = aggregateSweeps(runs, { band: 'minmax' });
    expect([mm.lower[0], mm.upper[0]]).toEqual([1, 4]);
    expect(mm.count).toEqual([4, 4, 4]);
  });
  it('sweeps cut short by divergence contribute where they exist; other grids are interpolated in log(lr)', () => {
    const a = { lrs: [1e-3, 1e-2, 1e-1, 1], losses: [1, 1, 1, 1], smoothedLosses: [1, 2, 3, 4] };
    const b = { lrs: [1e-3, 1e-2], losses: [1, 1], smoothedLosses: [3, 4] };
    const c = { lrs: [10 ** -2.5, 10 ** -0.5], losses: [1, 1], smoothedLosses: [0, 10] };
    const agg = aggregateSweeps([a, b, c], { band: 'minmax' });
    expect(agg.lrs).toEqual(a.lrs);
    expect(agg.count).toEqual([2, 3, 2, 1]);
    // c at 1e-2 and 1e-1: a quarter and three quarters of the way from 0 to 10 in log(lr)
    expect(close(agg.upper[1]!, 4)).toBe(true);
    expect(close(agg.lower[1]!, 2)).toBe(true);
    expect(close(agg.median[2]!, (3 + 7.5) / 2)).toBe(true);
    expect(agg.median[3]).toBe(4);
  });
  it('spread of each rule over seeds, and rules on the median curve', () => {
    const runs = [0, 0.1, -0.1, 0.2, -0.2].map((shift, k) => {
      const { lrs, losses } = synthetic(200, shift, 0.02, k + 1);
      return new LrFinderResult({ lrs, losses, seed: k });
    });
    const agg = aggregateSweeps(runs);
    const v = agg.spread.valley!;
    expect(v.values).toHaveLength(5);
    expect(v.failed).toBe(0);
    expect(v.min).toBeLessThanOrEqual(v.median);
    expect(v.max).toBeGreaterThanOrEqual(v.median);
    expect(v.ratio).toBeGreaterThan(1);
    expect(v.ratio).toBeLessThan(10); // shifts of ±0.2 decades, plus noise
    expect(v.log10Std).toBeGreaterThan(0);
    expect(agg.onMedian.valley!.lr).toBeGreaterThan(1e-4);
    expect(agg.onMedian.valley!.lr).toBeLessThan(1e-2);
    const same = aggregateSweeps([runs[0]!, runs[0]!, runs[0]!]);
    expect(same.spread.steep!.ratio).toBe(1);
    expect(same.lower).toEqual(same.upper);
    expect(() => aggregateSweeps([])).toThrow(RangeError);
  });
});
