/**
 * The batch-size study: trains fresh copies of a model at several batch sizes under the same
 * budget and seed, and reports validation accuracy and loss, the generalization gap, time per
 * epoch and throughput — plus the gradient noise scale B_simple (McCandlish et al. 2018) measured
 * on a fresh copy, and a recommended batch size near it within the tested range.
 */
import type { Dataset } from '../data/dataset.js';
import { barChart } from '../plot/bar-chart.js';
import { lineChart } from '../plot/line-chart.js';
import { setSeed } from '../tensor/creation.js';
import { checkOptions, fail } from '../tensor/errors.js';
import type { CallbackHooks } from './callbacks/base.js';
import { fit, type History } from './fit.js';
import type { ArrayInput } from './inputs.js';
import type { FitModel } from './model.js';
import { measureNoiseScale, type GradientModel, type NoiseScaleResult } from './noise-scale.js';

export interface StudyBatchOptions {
  /** Batch sizes to compare (at least one). */
  batchSizes: readonly number[];
  /** Epochs per batch size (default 1), unless `budget` is given. */
  epochs?: number;
  /**
   * A fixed budget per batch size instead of epochs: optimizer `steps`, training `samples`, or
   * wall-clock `seconds` (training stops after the first batch begun past it).
   */
  budget?: { steps?: number; samples?: number; seconds?: number };
  /** Learning-rate scaling from (baseBatchSize, baseLr): none (default), linear b/B, sqrt √(b/B). */
  lrScaling?: 'none' | 'linear' | 'sqrt';
  /** Default: the smallest batch size. */
  baseBatchSize?: number;
  /** Default: the learning rate of the first fresh model's optimizer. */
  baseLr?: number;
  validationData?: readonly [ArrayInput, ArrayInput] | Dataset;
  validationSplit?: number;
  /** Weight-init seed (wg.setSeed before every makeModel()) and shuffle seed (default 1). */
  seed?: number;
  /**
   * Gradient noise scale probe on a fresh copy: false to skip; otherwise bSmall (default the
   * smallest batch size), bBig (default the largest, rounded down to a multiple of bSmall) and
   * batches (default 16).
   */
  noiseScale?: false | { bSmall?: number; bBig?: number; batches?: number };
  /** Called after each batch size finishes. */
  onResult?: (entry: StudyBatchEntry) => void;
}

export interface StudyBatchEntry {
  batchSize: number;
  lr: number;
  epochs: number;
  steps: number;
  /** Metrics at the end of training (NaN when absent, e.g. no accuracy metric). */
  valAccuracy: number;
  valLoss: number;
  trainAccuracy: number;
  trainLoss: number;
  /** trainAccuracy − valAccuracy. */
  generalizationGap: number;
  secondsPerEpoch: number;
  samplesPerSec: number;
  seconds: number;
  history: History;
}

export interface StudyBatchResult {
  entries: StudyBatchEntry[];
  /** null when skipped or not measurable (fewer samples than bBig). */
  noiseScale: NoiseScaleResult | null;
  /** The tested batch size closest to B_simple in log scale (the best val accuracy when B_simple is unavailable). */
  recommendedBatchSize: number;
  /** Why it was picked. */
  recommendation: string;
}

const OPTIONS = ['batchSizes', 'epochs', 'budget', 'lrScaling', 'baseBatchSize', 'baseLr', 'validationData', 'validationSplit', 'seed', 'noiseScale', 'onResult'];

const last = (h: History, k: string): number => {
  const v = h.history[k];
  return v && v.length > 0 ? v[v.length - 1]! : NaN;
};

function sampleCount(x: ArrayInput | Dataset): number {
  if (x instanceof Object && 'stepsPerEpoch' in x) return (x as Dataset).size;
  const a = x as { shape?: readonly number[]; length?: number };
  return a.shape ? a.shape[0]! : a.length!;
}

/**
 * Trains `makeModel()` (a compiled model, built fresh each time after wg.setSeed(seed)) at every
 * batch size and compares them.
 *
 * @example
 * const study = await wg.train.studyBatchSize(() => makeModel(), x, y, {
 *   batchSizes: [32, 128, 512], epochs: 2, lrScaling: 'sqrt', validationSplit: 0.2 });
 * study.recommendedBatchSize; study.noiseScale?.bSimple;
 * fs.writeFileSync('study.svg', wg.train.studyBatchChart(study));
 */
export async function studyBatchSize(makeModel: () => FitModel, x: ArrayInput | Dataset, y: ArrayInput | undefined, options: StudyBatchOptions): Promise<StudyBatchResult> {
  const op = 'studyBatchSize';
  checkOptions(op, options, OPTIONS);
  if (options.budget) checkOptions(op, options.budget, ['steps', 'samples', 'seconds'], 'options.budget');
  const sizes = [...options.batchSizes];
  if (sizes.length === 0 || !sizes.every((b) => Number.isInteger(b) && b > 0)) fail(op, `batchSizes must be positive integers, got [${sizes.join(', ')}]`);
  const scaling = options.lrScaling ?? 'none';
  if (!['none', 'linear', 'sqrt'].includes(scaling)) fail(op, `lrScaling must be 'none', 'linear' or 'sqrt', got ${JSON.stringify(scaling)}`);
  if (options.epochs !== undefined && options.budget) fail(op, 'give epochs or budget, not both');
  const seed = options.seed ?? 1;
  const baseB = options.baseBatchSize ?? Math.min(...sizes);
  const fresh = (): FitModel => {
    setSeed(seed);
    const m = makeModel();
    if (!m.optimizer) fail(op, 'makeModel() must return a compiled model');
    return m;
  };
  const n = sampleCount(x) * (options.validationSplit !== undefined ? 1 - options.validationSplit : 1);
  const entries: StudyBatchEntry[] = [];
  let baseLr = options.baseLr;
  for (const b of sizes) {
    const model = fresh();
    baseLr ??= model.optimizer!.learningRate;
    const ratio = b / baseB;
    const lr = scaling === 'linear' ? baseLr * ratio : scaling === 'sqrt' ? baseLr * Math.sqrt(ratio) : baseLr;
    model.optimizer!.learningRate = lr;
    const stepsPerEpoch = Math.ceil(n / b);
    const budget = options.budget;
    let epochs = options.epochs ?? 1;
    let maxSteps = Infinity;
    if (budget?.steps !== undefined) maxSteps = budget.steps;
    if (budget?.samples !== undefined) maxSteps = Math.min(maxSteps, Math.ceil(budget.samples / b));
    if (Number.isFinite(maxSteps)) epochs = Math.ceil(maxSteps / stepsPerEpoch);
    else if (budget?.seconds !== undefined) epochs = 1_000_000;
    let steps = 0;
    const t0 = performance.now();
    // fit checks stopTraining before each batch, so stopping from onBatchBegin ends training
    // after exactly this batch (batch-end logs arrive a step or two late, read back asynchronously).
    const stopper: CallbackHooks = {
      onBatchBegin: () => {
        steps++;
        const m = model as unknown as { stopTraining: boolean };
        if (steps >= maxSteps) m.stopTraining = true;
        if (budget?.seconds !== undefined && (performance.now() - t0) / 1000 >= budget.seconds) m.stopTraining = true;
      },
    };
    const history = await fit(model, x, y, {
      epochs, batchSize: b, seed, verbose: 0, callbacks: [stopper],
      ...(options.validationData ? { validationData: options.validationData } : {}),
      ...(options.validationSplit !== undefined ? { validationSplit: options.validationSplit } : {}),
    });
    const epochsRun = history.epoch.length;
    const trainAcc = last(history, 'accuracy');
    const valAcc = last(history, 'val_accuracy');
    const entry: StudyBatchEntry = {
      batchSize: b, lr, epochs: epochsRun, steps,
      valAccuracy: valAcc, valLoss: last(history, 'val_loss'), trainAccuracy: trainAcc, trainLoss: last(history, 'loss'),
      generalizationGap: trainAcc - valAcc,
      secondsPerEpoch: epochsRun > 0 ? history.seconds / epochsRun : NaN,
      samplesPerSec: history.samplesPerSec, seconds: history.seconds, history,
    };
    entries.push(entry);
    options.onResult?.(entry);
    (model as { dispose?(): void }).dispose?.();
  }

  let noiseScale: NoiseScaleResult | null = null;
  if (options.noiseScale !== false) {
    const ns = options.noiseScale ?? {};
    const bSmall = ns.bSmall ?? Math.min(...sizes);
    let bBig = ns.bBig ?? Math.max(...sizes);
    bBig = Math.floor(bBig / bSmall) * bSmall;
    if (bBig > bSmall && n >= bBig) {
      const model = fresh();
      try {
        noiseScale = await measureNoiseScale(model as unknown as GradientModel, x, y, { bSmall, bBig, batches: ns.batches ?? 16, seed });
      } finally {
        (model as { dispose?(): void }).dispose?.();
      }
    }
  }
  const { recommendedBatchSize, recommendation } = recommend(entries, noiseScale);
  return { entries, noiseScale, recommendedBatchSize, recommendation };
}

/** The tested size nearest B_simple in log scale; else the best validation accuracy. */
export function recommend(entries: readonly Pick<StudyBatchEntry, 'batchSize' | 'valAccuracy'>[], noiseScale: Pick<NoiseScaleResult, 'bSimple'> | null): { recommendedBatchSize: number; recommendation: string } {
  const sizes = entries.map((e) => e.batchSize);
  const bs = noiseScale?.bSimple;
  if (bs !== undefined && Number.isFinite(bs) && bs > 0) {
    const best = sizes.reduce((a, b) => (Math.abs(Math.log(b / bs)) < Math.abs(Math.log(a / bs)) ? b : a));
    const lo = Math.min(...sizes);
    const hi = Math.max(...sizes);
    const clamp = bs < lo ? ` (below the tested range; clamped to ${lo})` : bs > hi ? ` (above the tested range; clamped to ${hi})` : '';
    return { recommendedBatchSize: best, recommendation: `nearest tested size to the gradient noise scale B_simple ≈ ${bs.toPrecision(3)}${clamp}` };
  }
  const scored = entries.filter((e) => Number.isFinite(e.valAccuracy));
  if (scored.length > 0) {
    const best = scored.reduce((a, b) => (b.valAccuracy > a.valAccuracy ? b : a));
    return { recommendedBatchSize: best.batchSize, recommendation: 'best validation accuracy (no noise-scale estimate available)' };
  }
  return { recommendedBatchSize: sizes[0]!, recommendation: 'no noise-scale estimate or validation accuracy; the first size' };
}

/**
 * Two SVG charts of a study: bars of validation accuracy and generalization gap per batch size,
 * and a line of samples/s against batch size (log x) with B_simple and the recommendation marked.
 */
export function studyBatchCharts(study: StudyBatchResult, options: { title?: string } = {}): { accuracy: string; throughput: string } {
  const cats = study.entries.map((e) => String(e.batchSize));
  const accuracy = barChart({
    title: options.title ?? 'Batch-size study',
    subtitle: `recommended batch size ${study.recommendedBatchSize}: ${study.recommendation}`,
    categories: cats,
    series: [
      { name: 'val accuracy', values: study.entries.map((e) => e.valAccuracy) },
      { name: 'generalization gap', values: study.entries.map((e) => e.generalizationGap) },
    ],
    x: { label: 'batch size' },
    y: { label: 'accuracy' },
  });
  const bs = study.noiseScale?.bSimple;
  const throughput = lineChart({
    title: 'Throughput and gradient noise scale',
    subtitle: bs !== undefined && Number.isFinite(bs) ? `B_simple ≈ ${bs.toPrecision(3)} (McCandlish et al. 2018)` : 'no noise-scale estimate',
    x: { label: 'batch size', log: true },
    y: { label: 'samples/s' },
    series: [{ name: 'samples/s', x: study.entries.map((e) => e.batchSize), y: study.entries.map((e) => e.samplesPerSec), dots: true }],
    markers: [
      ...(bs !== undefined && Number.isFinite(bs) && bs > 0 ? [{ x: bs, label: 'B_simple' }] : []),
      { x: study.recommendedBatchSize, label: 'recommended', emphasis: true },
    ],
  });
  return { accuracy, throughput };
}
