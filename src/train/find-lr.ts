import type { Dataset } from '../data/dataset.js';
import { getRngState, setRngState } from '../tensor/creation.js';
import { checkOptions, fail } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { ensureBuilt } from './build.js';
import { batchTensors, toDataset, type ArrayInput } from './inputs.js';
import { DivergenceDetector } from './lr-finder/divergence.js';
import { aggregateSweeps, type SweepAggregate } from './lr-finder/aggregate.js';
import { LrFinderResult } from './lr-finder/result.js';
import { sweepLr } from './lr-finder/sweep.js';
import type { FitModel } from './model.js';
import { ProgressBar } from './progress.js';
import { ReadbackRing } from './readback.js';

export interface FindLrOptions {
  /** Default 1e-6 (the tutorial's range). */
  startLr?: number;
  /** Default 1. */
  endLr?: number;
  /** Sweep length in steps; default epochs × stepsPerEpoch. */
  numIter?: number;
  /** Sweep length in epochs when numIter is not given (default 1). */
  epochs?: number;
  /** Default 32; ignored for a batched Dataset. */
  batchSize?: number;
  mode?: 'exponential' | 'linear';
  /** Stop when the smoothed loss exceeds factor × the best smoothed loss (default 4, after 5 steps), or is not finite. */
  divergence?: { factor?: number; minSteps?: number };
  /** Debiased-EMA factor of the smoothing used by the divergence rule (default 0.98, fastai). */
  beta?: number;
  /** Shuffle seed of the sweep's batches (default 1). Several seeds: see {@link findLearningRateSeeds}. */
  seed?: number;
  /**
   * Also record a validation loss every `every` steps on a fixed subsample (pytorch-lr-finder's
   * val_loader mode). Slower; the default records the training batch loss only.
   */
  validation?: { data: readonly [ArrayInput, ArrayInput] | Dataset; every?: number; samples?: number };
  verbose?: boolean;
  write?: (text: string) => void;
  /** Called as each step's loss arrives (live plots). */
  onStep?: (step: { index: number; lr: number; loss: number; smoothed: number }) => void;
  /**
   * Run the sweep `repeats` times over the shuffle seeds seed, seed+1, … (restoring the model
   * between runs) and attach the aggregate — a median curve with a band and the spread of every
   * rule's suggestion — as `result.repeats`. The result itself is the first seed's sweep.
   * Needs unbatched data (a pre-batched Dataset has a fixed order). Default 1.
   */
  repeats?: number;
}

/** A finished sweep: the analysis plus the optional validation curve. */
export interface FindLrResult extends LrFinderResult {
  validation?: { steps: number[]; lrs: number[]; losses: number[] };
  /** With `repeats: k > 1`: the k sweeps aggregated (band, spread per rule, rules on the median curve). */
  repeats?: SweepAggregate;
}

/** What the readback ring carries for each sweep step besides its loss. */
interface StepMeta {
  index: number;
  lr: number;
  size: number;
  newEpoch: boolean;
}

const FIND_LR_OPTIONS = ['startLr', 'endLr', 'numIter', 'epochs', 'batchSize', 'mode', 'divergence', 'beta', 'seed', 'validation', 'verbose', 'write', 'onStep', 'repeats'];

async function asDataset(v: ArrayInput | Dataset, y?: ArrayInput, model?: FitModel): Promise<Dataset> {
  if (y !== undefined) return toDataset('findLearningRate', v as ArrayInput, y, model);
  if (!(v instanceof Object) || !('stepsPerEpoch' in v)) fail('findLearningRate', 'pass (model, x, y, options) or (model, dataset, options)');
  return v as Dataset;
}

/**
 * The LR range test (Smith 2015; fastai's lr_find): trains one batch per learning rate on an
 * exponential (or linear) sweep, records the raw batch loss, its debiased EMA and Keras's running
 * mean, stops at divergence, and then restores the model's weights, the optimizer's state
 * (moments, step, learning rate) and the RNG exactly — the model is as if never touched.
 *
 * @example
 * const finder = await wg.train.findLearningRate(model, ds, { startLr: 1e-6, endLr: 1, epochs: 5 });
 * finder.suggestion();                     // 'valley' on the smoothed loss: an LR that trains
 * finder.suggestion('steepest', { sma: 20 }); // the tutorial's lrfinder rule
 */
export async function findLearningRate(model: FitModel, data: ArrayInput | Dataset, yOrOptions?: ArrayInput | FindLrOptions, maybeOptions?: FindLrOptions): Promise<FindLrResult> {
  const y = yOrOptions as { data?: unknown } | undefined;
  const isY = y !== undefined && (ArrayBuffer.isView(y) || Array.isArray(y) || ArrayBuffer.isView(y.data) || y instanceof Tensor);
  const options: FindLrOptions = (isY ? maybeOptions : (yOrOptions as FindLrOptions | undefined)) ?? {};
  const op = 'findLearningRate';
  checkOptions(op, options, FIND_LR_OPTIONS);
  if (options.divergence !== undefined) checkOptions(op, options.divergence, ['factor', 'minSteps'], 'options.divergence');
  (model as { assertUsable?(op: string): void }).assertUsable?.(op);
  if (!model.optimizer) fail(op, 'the model is not compiled; call model.compile({ optimizer, loss }) first');
  const startLr = options.startLr ?? 1e-6;
  const endLr = options.endLr ?? 1;
  if (!(startLr > 0 && endLr > startLr && Number.isFinite(endLr))) fail(op, `need 0 < startLr < endLr (finite), got startLr ${startLr}, endLr ${endLr}`);
  if (options.mode !== undefined && options.mode !== 'exponential' && options.mode !== 'linear') fail(op, `mode must be 'exponential' or 'linear', got ${JSON.stringify(options.mode)}`);
  if (options.beta !== undefined && !(options.beta >= 0 && options.beta < 1)) fail(op, `beta must be in [0, 1), got ${options.beta}`);
  if (options.numIter !== undefined && !(Number.isInteger(options.numIter) && options.numIter >= 2)) fail(op, `numIter must be an integer >= 2, got ${options.numIter}`);
  if (options.epochs !== undefined && !(Number.isInteger(options.epochs) && options.epochs > 0)) fail(op, `epochs must be a positive integer, got ${options.epochs}`);
  if (options.batchSize !== undefined && !(Number.isInteger(options.batchSize) && options.batchSize > 0)) fail(op, `batchSize must be a positive integer, got ${options.batchSize}`);
  const optimizer = model.optimizer;
  if (!optimizer?.getState || !optimizer.setState) fail(op, 'the model must be compiled with an optimizer that supports getState/setState');
  let ds = await asDataset(data, isY ? (yOrOptions as ArrayInput) : undefined, model);
  if (options.repeats !== undefined && !(Number.isInteger(options.repeats) && options.repeats >= 1)) fail(op, `repeats must be a positive integer, got ${options.repeats}`);
  if ((options.repeats ?? 1) > 1) {
    if (ds.batchSize !== null) fail(op, 'repeats needs unbatched data (x, y arrays or an unbatched Dataset): a batched Dataset has one fixed order, so every repeat would be the same');
    const { repeats: k, ...one } = options;
    const first = options.seed ?? 1;
    const runs: FindLrResult[] = [];
    for (let i = 0; i < k!; i++) runs.push(await findLearningRate(model, ds, { ...one, seed: first + i }));
    const result = runs[0]!;
    result.repeats = aggregateSweeps(runs);
    return result;
  }
  if (ds.batchSize === null) ds = ds.shuffle({ seed: options.seed ?? 1 }).batch(options.batchSize ?? 32);
  const numIter = options.numIter ?? (options.epochs ?? 1) * ds.stepsPerEpoch;
  if (!(numIter >= 2)) fail('findLearningRate', `the sweep needs at least 2 steps, got ${numIter}`);

  // Keras users sweep right after compile: build from the data so there are weights to snapshot.
  ensureBuilt(model, ds);
  const weights = model.getWeights();
  const optState = optimizer.getState();
  const rng = getRngState();
  const lr0 = optimizer.learningRate;
  const sweep = { startLr, endLr, numSteps: numIter, mode: options.mode ?? 'exponential' } as const;
  const lrs: number[] = [];
  const losses: number[] = [];
  const running: number[] = [];
  const smoothed: number[] = [];
  const detector = new DivergenceDetector({ factor: options.divergence?.factor ?? 4, minSteps: options.divergence?.minSteps ?? 5 });
  const beta = options.beta ?? 0.98;
  let avg = 0;
  let epochSum = 0;
  let epochSamples = 0;
  let divergedAt = -1;
  const bar = options.verbose === false ? null : new ProgressBar({ total: numIter, label: 'LR range test', unit: 'steps/s', ...(options.write ? { write: options.write } : {}) });
  const ring = new ReadbackRing<StepMeta>(2);
  const val = options.validation ? await validationProbe(options.validation) : null;
  const valCurve = { steps: [] as number[], lrs: [] as number[], losses: [] as number[] };
  const record = (due: { value: number; meta: StepMeta }[]) => {
    for (const { value, meta } of due) {
      if (divergedAt >= 0) return;
      if (meta.newEpoch) {
        epochSum = 0;
        epochSamples = 0;
      }
      // Keras weights its running loss by batch size (a short last batch counts less), as fit does.
      epochSum += value * meta.size;
      epochSamples += meta.size;
      avg = value + beta * (avg - value); // fastai's lerp, the same arithmetic as debiasedEma
      const s = avg / (1 - beta ** (losses.length + 1));
      lrs.push(meta.lr);
      losses.push(value);
      running.push(epochSum / epochSamples);
      smoothed.push(s);
      options.onStep?.({ index: meta.index, lr: meta.lr, loss: value, smoothed: s });
      if (detector.update(s)) divergedAt = meta.index;
      bar?.update(losses.length, losses.length, `lr ${meta.lr.toExponential(2)} loss ${value.toFixed(4)}`);
    }
  };
  try {
    let step = 0;
    for (let epoch = 0; step < numIter && divergedAt < 0; epoch++) {
      let first = true;
      for (const b of ds.epoch(epoch)) {
        if (step >= numIter || divergedAt >= 0) break;
        const lr = sweepLr(sweep, step);
        optimizer.learningRate = lr;
        const [xb, yb] = batchTensors(b.x, b.y);
        let outs: Tensor[];
        try {
          outs = model.trainStep(xb, yb);
        } finally {
          xb.dispose();
          yb.dispose();
        }
        const [loss, ...extra] = outs;
        extra.forEach((t) => t.dispose());
        record(await ring.push(loss!, { index: step, lr, size: b.size, newEpoch: first }));
        first = false;
        if (val && step % val.every === 0) {
          valCurve.steps.push(step);
          valCurve.lrs.push(lr);
          valCurve.losses.push(await val.loss(model));
        }
        step++;
      }
    }
    record(await ring.drain());
  } finally {
    // Exact restore: the sweep must leave no trace.
    model.setWeights(weights);
    model.disposeWeights?.(weights);
    optimizer.setState(optState as never);
    // getState() hands out copies the caller owns (one tensor per parameter): free them.
    for (const s of (optState as { slots?: { value?: unknown }[] }).slots ?? []) (s.value as Partial<Tensor> | undefined)?.dispose?.();
    optimizer.learningRate = lr0;
    setRngState(rng);
  }
  bar?.finish(losses.length, losses.length, divergedAt >= 0 ? `stopped: loss diverged at step ${divergedAt}` : '');
  const result = new LrFinderResult({ lrs, losses, runningLosses: running, smoothedLosses: smoothed, numSteps: numIter, divergedAt, ...(options.seed !== undefined ? { seed: options.seed } : {}) }, { beta }) as FindLrResult;
  if (val) result.validation = valCurve;
  return result;
}

async function validationProbe(v: NonNullable<FindLrOptions['validation']>): Promise<{ every: number; loss: (m: FitModel) => Promise<number> }> {
  const ds = Array.isArray(v.data) ? await toDataset('findLearningRate', (v.data as readonly [ArrayInput, ArrayInput])[0], (v.data as readonly [ArrayInput, ArrayInput])[1]) : (v.data as Dataset);
  const sub = ds.take(Math.min(v.samples ?? 512, ds.size)).batch(Math.min(v.samples ?? 512, ds.size));
  return {
    every: v.every ?? 10,
    async loss(model) {
      let total = 0;
      let n = 0;
      for (const b of sub) {
        const [x, y] = batchTensors(b.x, b.y);
        const [l, ...rest] = model.testOnBatch(x, y) as Tensor[];
        total += (await l!.data())[0]! * b.size;
        n += b.size;
        [l!, ...rest, x, y].forEach((t) => t.dispose());
      }
      return total / n;
    },
  };
}

/**
 * Repeats the range test over several shuffle seeds (restoring the model between runs) and
 * aggregates: a median curve with a band and the spread of every rule's suggestion.
 */
export async function findLearningRateSeeds(model: FitModel, data: Dataset, seeds: readonly number[], options: FindLrOptions = {}): Promise<SweepAggregate> {
  const runs: LrFinderResult[] = [];
  for (const seed of seeds) runs.push(await findLearningRate(model, data, { ...options, seed }));
  return aggregateSweeps(runs);
}
