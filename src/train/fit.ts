import type { Dataset } from '../data/dataset.js';
import { fail } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { Callback, CallbackList, type CallbackHooks } from './callbacks/base.js';
import type { Logs } from './callbacks/types.js';
import { batchTensors, toDataset, type ArrayInput } from './inputs.js';
import type { FitModel } from './model.js';
import { ProgressBar } from './progress.js';
import { ReadbackRing } from './readback.js';

export interface FitArgs {
  /** Default 1. */
  epochs?: number;
  /** Default 32 (Keras). Ignored when x is a batched Dataset. */
  batchSize?: number;
  /** Reshuffle the training data every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffle order (default 1). */
  seed?: number;
  validationData?: readonly [ArrayInput, ArrayInput] | Dataset;
  /** Fraction of the training data held out for validation: the LAST samples, before shuffling (Keras). */
  validationSplit?: number;
  /** Epoch to start from (resume). */
  initialEpoch?: number;
  callbacks?: ReadonlyArray<Callback | CallbackHooks>;
  /** 0 silent, 1 progress bar (default), 2 one line per epoch. */
  verbose?: 0 | 1 | 2;
  /** Where progress goes (default stderr in Node, console in browsers). */
  write?: (text: string) => void;
}

/** Per-epoch logs, as Keras's History: history.loss[epoch], history.val_accuracy[epoch], … */
export interface History {
  epoch: number[];
  history: Record<string, number[]>;
  /** Why training ended before `epochs` (from a callback that stopped it), if it did. */
  stopReason?: string;
  /** Wall-clock seconds and training throughput. */
  seconds: number;
  samplesPerSec: number;
}

/** Mean of per-batch values weighted by batch size. */
class WeightedMeans {
  private sums = new Map<string, number>();
  private count = 0;
  add(names: readonly string[], values: readonly number[], n: number): void {
    names.forEach((k, i) => this.sums.set(k, (this.sums.get(k) ?? 0) + values[i]! * n));
    this.count += n;
  }
  result(prefix = ''): Logs {
    const out: Logs = {};
    for (const [k, v] of this.sums) out[prefix + k] = v / Math.max(this.count, 1);
    return out;
  }
}

async function asDataset(op: string, v: readonly [ArrayInput, ArrayInput] | Dataset): Promise<Dataset> {
  return Array.isArray(v) ? toDataset(op, (v as readonly [ArrayInput, ArrayInput])[0], (v as readonly [ArrayInput, ArrayInput])[1]) : (v as Dataset);
}

/**
 * Loss and metrics over a dataset in batches, weighted by batch size (Keras `evaluate`).
 * Every batch's scalars are read back together at the end: no per-batch stall.
 */
export async function evaluateDataset(model: FitModel, ds: Dataset, batchSize = 32): Promise<Logs> {
  const batched = ds.batchSize === null ? ds.batch(batchSize) : ds;
  const pending: { values: Tensor[]; n: number }[] = [];
  for (const b of batched) {
    const [x, y] = batchTensors(b.x, b.y);
    pending.push({ values: model.testOnBatch(x, y), n: b.size });
    x.dispose();
    y.dispose();
  }
  const means = new WeightedMeans();
  for (const p of pending) {
    const vals = await Promise.all(p.values.map(async (t) => (await t.data())[0]!));
    p.values.forEach((t) => t.dispose());
    means.add(model.metricsNames, vals, p.n);
  }
  return means.result();
}

/**
 * Trains for a number of epochs (TF.js/Keras `model.fit`). Losses come back a couple of steps
 * late through a readback ring, so the device never waits for JavaScript; batch logs carry both
 * the raw batch loss (`batch_loss`) and Keras's running mean (`loss`).
 *
 * @example
 * const h = await fit(model, x, y, { epochs: 30, batchSize: 512, validationData: [xv, yv],
 *   callbacks: [earlyStopping({ monitor: 'val_accuracy', minDelta: 1e-4, patience: 1 })] });
 */
export async function fit(model: FitModel, x: ArrayInput | Dataset, y: ArrayInput | undefined, args: FitArgs = {}): Promise<History> {
  const op = 'fit';
  const epochs = args.epochs ?? 1;
  const batchSize = args.batchSize ?? 32;
  const initialEpoch = args.initialEpoch ?? 0;
  const verbose = args.verbose ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) fail(op, `epochs must be a non-negative integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize <= 0) fail(op, `batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) fail(op, `initialEpoch must be a non-negative integer, got ${initialEpoch}`);
  if (args.validationSplit !== undefined && !(args.validationSplit > 0 && args.validationSplit < 1)) fail(op, `validationSplit must be in (0, 1), got ${args.validationSplit}`);
  if (args.validationSplit !== undefined && args.validationData) fail(op, 'give validationData or validationSplit, not both');

  let train: Dataset;
  if (y === undefined) {
    if (!(x instanceof Object) || !('stepsPerEpoch' in x)) fail(op, 'y is missing (pass y, or a Dataset as x)');
    train = x as Dataset;
  } else {
    train = await toDataset(op, x as ArrayInput, y);
  }
  let validation = args.validationData ? await asDataset(op, args.validationData) : null;
  if (args.validationSplit !== undefined) [train, validation] = train.validationSplit(args.validationSplit);
  if (train.batchSize === null) {
    if (args.shuffle ?? true) train = train.shuffle({ seed: args.seed ?? 1 });
    train = train.batch(batchSize);
  }

  const callbacks = new CallbackList(args.callbacks ?? []);
  model.stopTraining = false;
  const steps = train.stepsPerEpoch;
  callbacks.setModel(model);
  callbacks.setParams({ epochs, steps, samples: train.size, batchSize, initialEpoch, verbose });
  const history: History = { epoch: [], history: {}, seconds: 0, samplesPerSec: 0 };
  const started = Date.now();
  let samples = 0;
  await callbacks.onTrainBegin();
  for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
    await callbacks.onEpochBegin(epoch);
    const bar = verbose === 1 ? new ProgressBar({ total: steps, label: `Epoch ${epoch + 1}/${epochs}`, unit: 'samples/s', ...(args.write ? { write: args.write } : {}) }) : null;
    const ring = new ReadbackRing<{ batch: number; size: number; lr: number; extra: Tensor[] }>(2);
    const means = new WeightedMeans();
    let epochSamples = 0;
    let delivered = 0;
    const deliver = async (due: { value: number; meta: { batch: number; size: number; lr: number; extra: Tensor[] } }[]) => {
      for (const { value, meta } of due) {
        const extra = await Promise.all(meta.extra.map(async (t) => (await t.data())[0]!));
        meta.extra.forEach((t) => t.dispose());
        means.add(model.metricsNames, [value, ...extra], meta.size);
        const logs: Logs = { ...means.result(), batch_loss: value, size: meta.size, learning_rate: meta.lr };
        await callbacks.onBatchEnd(meta.batch, logs);
        delivered++;
        bar?.update(delivered, epochSamples, `loss ${logs.loss!.toFixed(4)}`);
      }
    };
    for (const b of train.epoch(epoch)) {
      if (model.stopTraining) break;
      await callbacks.onBatchBegin(b.index, { size: b.size });
      const [xb, yb] = batchTensors(b.x, b.y);
      const lr = model.optimizer?.learningRate ?? NaN;
      const [loss, ...extra] = model.trainStep(xb, yb);
      xb.dispose();
      yb.dispose();
      epochSamples += b.size;
      await deliver(await ring.push(loss!, { batch: b.index, size: b.size, lr, extra }));
    }
    await deliver(await ring.drain());
    samples += epochSamples;
    const logs: Logs = { ...means.result(), learning_rate: model.optimizer?.learningRate ?? NaN };
    if (validation) Object.assign(logs, prefix(await evaluateDataset(model, validation, batchSize), 'val_'));
    bar?.finish(delivered, epochSamples, Object.entries(logs).filter(([k]) => k !== 'learning_rate').map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' '));
    if (verbose === 2) (args.write ?? ((s: string) => console.log(s)))(`Epoch ${epoch + 1}/${epochs} ${Object.entries(logs).map(([k, v]) => `${k}=${v.toPrecision(5)}`).join(' ')}`);
    history.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (history.history[k] ??= []).push(v);
    await callbacks.onEpochEnd(epoch, logs);
  }
  await callbacks.onTrainEnd();
  const reason = callbacks.callbacks.map((c) => (c as { stopReason?: string | null }).stopReason).find((r) => typeof r === 'string' && r);
  if (reason) history.stopReason = reason;
  history.seconds = (Date.now() - started) / 1000;
  history.samplesPerSec = samples / Math.max(history.seconds, 1e-9);
  return history;
}

function prefix(logs: Logs, p: string): Logs {
  return Object.fromEntries(Object.entries(logs).map(([k, v]) => [p + k, v]));
}

/** Keras `evaluate` on arrays: [loss, ...metrics] keyed by name. */
export async function evaluate(model: FitModel, x: ArrayInput, y: ArrayInput, { batchSize = 32 }: { batchSize?: number } = {}): Promise<Logs> {
  return evaluateDataset(model, await toDataset('evaluate', x, y), batchSize);
}
