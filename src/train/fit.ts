import type { Dataset } from '../data/dataset.js';
import { getRngState, setRngState } from '../tensor/creation.js';
import { checkOptions, fail, WebgradError } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { ensureBuilt } from './build.js';
import { Callback, CallbackList, type CallbackHooks } from './callbacks/base.js';
import type { CheckpointableCallback, Logs } from './callbacks/types.js';
import { applyModelState, captureModelState, checkCompatible, loadCheckpoint, saveCheckpoint, type CheckpointOptions, type PendingStep, type TrainingCheckpoint } from './checkpoint.js';
import { batchTensors, toDataset, type ArrayInput } from './inputs.js';
import type { FitModel } from './model.js';
import { NonFiniteGuard } from './nan-guard.js';
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
  /**
   * Write resumable training checkpoints (Node): weights, optimizer state (moments, step), RNG,
   * epoch and batch position, shuffle seed, callback state and history, atomically into
   * `dir/checkpoint.safetensors` at the end of every epoch (or every `everyEpochs`) and, with
   * `everyBatches`, every that many steps. Resume with `resumeFrom`.
   */
  checkpoint?: CheckpointOptions;
  /**
   * Continue a run from its checkpoint (a folder written by `checkpoint`, the file, or a loaded
   * {@link TrainingCheckpoint}); the final weights are those of an uninterrupted run. The data,
   * batch size, seed and stateful callbacks must be the same; `epochs` may be larger.
   */
  resumeFrom?: string | TrainingCheckpoint;
  /**
   * What a NaN or ±Infinity training loss (or gradient, see `checkGradients`) does. 'stop'
   * (default): training stops with a message in `history.stopReason`, and the weights and
   * optimizer state from before the first bad step are put back. 'throw': the same, then fit
   * rejects with that message. 'ignore': Keras's behaviour (training goes on; pair it with
   * callbacks.terminateOnNaN()), and no per-step snapshot is taken.
   */
  nonFinite?: 'stop' | 'throw' | 'ignore';
  /**
   * Check every step that the gradients are finite (read back with the loss, so no stall).
   * Default: on when the optimizer clips (clipnorm, clipvalue or globalClipnorm), since clipping
   * cannot repair a NaN or infinite gradient.
   */
  checkGradients?: boolean;
}

const FIT_ARGS = [
  'epochs', 'batchSize', 'shuffle', 'seed', 'validationData', 'validationSplit', 'initialEpoch', 'callbacks', 'verbose', 'write',
  'checkpoint', 'resumeFrom', 'nonFinite', 'checkGradients',
];

/** Per-epoch logs, as Keras's History: history.loss[epoch], history.val_accuracy[epoch], … */
export interface History {
  epoch: number[];
  history: Record<string, number[]>;
  /** Why training ended before `epochs` (from a callback that stopped it, or a non-finite loss), if it did. */
  stopReason?: string;
  /** Wall-clock seconds and training throughput. */
  seconds: number;
  samplesPerSec: number;
  /** Where a NaN/±Infinity loss or gradient stopped training, and which state was put back. */
  nonFinite?: { what: 'loss' | 'gradient'; value: number; epoch: number; batch: number; step: number; restoredToStep: number | null };
  /** The checkpoint position this run resumed from. */
  resumedFrom?: { epoch: number; batch: number; step: number };
  /** Path of the last checkpoint written. */
  checkpoint?: string;
}

/** Mean of per-batch values weighted by batch size. */
class WeightedMeans {
  sums = new Map<string, number>();
  count = 0;
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

/** What the readback ring carries for each step besides its loss. */
interface StepMeta {
  batch: number;
  size: number;
  lr: number;
  step: number;
  extra: (Tensor | number)[];
  grad: Tensor | number | null;
}

const readScalar = async (t: Tensor | number): Promise<number> => (typeof t === 'number' ? t : (await t.data())[0]!);
const release = (t: Tensor | number | null): void => {
  if (t !== null && typeof t !== 'number') t.dispose();
};

async function asDataset(op: string, v: readonly [ArrayInput, ArrayInput] | Dataset, model?: FitModel, names: readonly [string, string] = ['x', 'y']): Promise<Dataset> {
  if (Array.isArray(v)) {
    if (v.length !== 2) fail(op, `${names[0].replace(/\[0\]$/, '')} must be [x, y] or a Dataset, got an array of ${v.length}`);
    return toDataset(op, (v as readonly [ArrayInput, ArrayInput])[0], (v as readonly [ArrayInput, ArrayInput])[1], model, names);
  }
  if (!(v instanceof Object) || !('stepsPerEpoch' in v)) fail(op, `${names[0].replace(/\[0\]$/, '')} must be [x, y] or a Dataset, got ${String(v).slice(0, 40)}`);
  return v as Dataset;
}

/**
 * Loss and metrics over a dataset in batches, weighted by batch size (Keras `evaluate`).
 * Every batch's scalars are read back together at the end: no per-batch stall.
 */
export async function evaluateDataset(model: FitModel, ds: Dataset, batchSize = 32): Promise<Logs> {
  if (!Number.isInteger(batchSize) || batchSize <= 0) fail('evaluate', `batchSize must be a positive integer, got ${batchSize}`);
  (model as { assertUsable?(op: string): void }).assertUsable?.('evaluate');
  if ((model as { loss?: unknown }).loss === null) fail('evaluate', 'the model is not compiled; call model.compile({ optimizer, loss }) before evaluate');
  const batched = ds.batchSize === null ? ds.batch(batchSize) : ds;
  const pending: { values: Tensor[]; n: number }[] = [];
  try {
    for (const b of batched) {
      const [x, y] = batchTensors(b.x, b.y);
      try {
        pending.push({ values: model.testOnBatch(x, y), n: b.size });
      } finally {
        x.dispose();
        y.dispose();
      }
    }
    const means = new WeightedMeans();
    for (const p of pending) {
      const vals = await Promise.all(p.values.map(readScalar));
      means.add(model.metricsNames, vals, p.n);
    }
    return means.result();
  } finally {
    for (const p of pending) p.values.forEach((t) => t.dispose());
  }
}

function checkFitArgs(op: string, args: FitArgs): void {
  checkOptions(op, args, FIT_ARGS, 'args');
  const { epochs = 1, batchSize = 32, initialEpoch = 0 } = args;
  if (!Number.isInteger(epochs) || epochs < 0) fail(op, `epochs must be a non-negative integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize <= 0) fail(op, `batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) fail(op, `initialEpoch must be a non-negative integer, got ${initialEpoch}`);
  if (args.validationSplit !== undefined && !(args.validationSplit > 0 && args.validationSplit < 1)) fail(op, `validationSplit must be in (0, 1), got ${args.validationSplit}`);
  if (args.validationSplit !== undefined && args.validationData) fail(op, 'give validationData or validationSplit, not both');
  if (args.verbose !== undefined && ![0, 1, 2].includes(args.verbose)) fail(op, `verbose must be 0, 1 or 2, got ${JSON.stringify(args.verbose)}`);
  if (args.shuffle !== undefined && typeof args.shuffle !== 'boolean') fail(op, `shuffle must be true or false, got ${JSON.stringify(args.shuffle)}`);
  if (args.seed !== undefined && !(Number.isInteger(args.seed) && args.seed >= 0 && args.seed <= 0xffffffff)) fail(op, `seed must be an integer in [0, 2^32), got ${args.seed}`);
  if (args.nonFinite !== undefined && !['stop', 'throw', 'ignore'].includes(args.nonFinite)) fail(op, `nonFinite must be 'stop', 'throw' or 'ignore', got ${JSON.stringify(args.nonFinite)}`);
  if (args.callbacks !== undefined && !Array.isArray(args.callbacks)) fail(op, `callbacks must be a list, got ${String(args.callbacks).slice(0, 40)}`);
  const c = args.checkpoint;
  if (c !== undefined) {
    if (!c || typeof c !== 'object') fail(op, `checkpoint must be { dir, everyBatches?, everyEpochs? }, got ${JSON.stringify(c)}`);
    checkOptions(op, c, ['dir', 'everyBatches', 'everyEpochs'], 'args.checkpoint');
    if (typeof c.dir !== 'string' || c.dir === '') fail(op, `checkpoint.dir must be a folder path, got ${JSON.stringify(c.dir)}`);
    for (const k of ['everyBatches', 'everyEpochs'] as const) {
      if (c[k] !== undefined && !(Number.isInteger(c[k]) && c[k]! > 0)) fail(op, `checkpoint.${k} must be a positive integer, got ${c[k]}`);
    }
  }
}

/** Anything stateful among the callbacks (fit checkpoints their state). */
function statefulCallbacks(list: CallbackList): (Callback & CheckpointableCallback)[] {
  return list.callbacks.filter((c): c is Callback & CheckpointableCallback => typeof (c as Partial<CheckpointableCallback>).checkpointState === 'function' && typeof (c as Partial<CheckpointableCallback>).restoreCheckpointState === 'function');
}

/**
 * Trains for a number of epochs (TF.js/Keras `model.fit`). Losses come back a couple of steps
 * late through a readback ring, so the device never waits for JavaScript; batch logs carry both
 * the raw batch loss (`batch_loss`) and Keras's running mean (`loss`).
 *
 * Reliability: a NaN/±Infinity loss stops training and puts back the last good weights (see
 * `nonFinite`); `checkpoint` writes crash-safe checkpoints and `resumeFrom` continues from one
 * bit-identically (the same final weights as an uninterrupted run on the same backend).
 *
 * @example
 * const h = await fit(model, x, y, { epochs: 30, batchSize: 512, validationData: [xv, yv],
 *   callbacks: [earlyStopping({ monitor: 'val_accuracy', minDelta: 1e-4, patience: 1 })] });
 */
export async function fit(model: FitModel, x: ArrayInput | Dataset, y: ArrayInput | undefined, args: FitArgs = {}): Promise<History> {
  const op = 'fit';
  checkFitArgs(op, args);
  const epochs = args.epochs ?? 1;
  const batchSize = args.batchSize ?? 32;
  const initialEpoch = args.initialEpoch ?? 0;
  const verbose = args.verbose ?? 1;
  const seed = args.seed ?? 1;
  const shuffle = args.shuffle ?? true;
  const nonFinite = args.nonFinite ?? 'stop';
  (model as { assertUsable?(op: string): void }).assertUsable?.(op);
  if (!model.optimizer) fail(op, 'the model is not compiled; call model.compile({ optimizer, loss }) before fit');

  let train: Dataset;
  if (y === undefined) {
    if (!(x instanceof Object) || !('stepsPerEpoch' in x)) fail(op, 'y is missing (pass y, or a Dataset as x)');
    train = x as Dataset;
  } else {
    train = await toDataset(op, x as ArrayInput, y, model);
  }
  let validation = args.validationData ? await asDataset(op, args.validationData, model, ['validationData[0]', 'validationData[1]']) : null;
  if (args.validationSplit !== undefined) [train, validation] = train.validationSplit(args.validationSplit);
  const batchedByUs = train.batchSize === null;
  if (batchedByUs) {
    if (shuffle) train = train.shuffle({ seed });
    train = train.batch(batchSize);
  }
  const steps = train.stepsPerEpoch;
  const runData: TrainingCheckpoint['data'] = { samples: train.size, stepsPerEpoch: steps, batchSize: train.batchSize ?? batchSize, seed, shuffle: batchedByUs && shuffle };

  const callbacks = new CallbackList(args.callbacks ?? []);
  const stateful = statefulCallbacks(callbacks);

  // Resume: read and check everything before the model changes.
  let resume: TrainingCheckpoint | null = null;
  const from = { op, arg: 'resumeFrom' };
  if (args.resumeFrom !== undefined) {
    resume = typeof args.resumeFrom === 'string' ? await loadCheckpoint(args.resumeFrom, from) : args.resumeFrom;
    if (!resume || typeof resume !== 'object' || !resume.position) fail(op, `resumeFrom must be a checkpoint folder, file or loaded checkpoint, got ${String(args.resumeFrom).slice(0, 60)}`);
    ensureBuilt(model, train);
    checkCompatible(model, resume, runData, from);
    const names = stateful.map((c) => c.constructor.name);
    const saved = resume.callbacks.map((c) => c.className);
    if (names.join() !== saved.join()) {
      fail(op, `resumeFrom '${resume.source ?? 'checkpoint'}' holds the state of the callbacks [${saved.join(', ')}] but this fit has [${names.join(', ')}]; pass the same callbacks`);
    }
  }

  // Weights must exist before the first step for the non-finite guard's snapshots and for checkpoints.
  ensureBuilt(model, train);
  const ckptOpts = args.checkpoint;
  const checkGradients = args.checkGradients ?? ['clipnorm', 'clipvalue', 'globalClipnorm'].some((k) => (model.optimizer as unknown as Record<string, unknown>)[k] !== undefined);
  const guard = nonFinite === 'ignore' ? null : new NonFiniteGuard(model);
  model.stopTraining = false;
  callbacks.setModel(model);
  callbacks.setParams({ epochs, steps, samples: train.size, batchSize, initialEpoch, verbose });
  const history: History = { epoch: [], history: {}, seconds: 0, samplesPerSec: 0 };
  const started = Date.now();
  let samples = 0;
  let samplesBefore = 0;
  let step = initialEpoch * steps;
  let startEpoch = initialEpoch;
  let skip = 0;
  let lastCheckpoint: { path: string; position: TrainingCheckpoint['position'] } | null = null;
  let where = { epoch: startEpoch, batch: 0 };
  let halted: History['nonFinite'] | null = null;

  try {
    if (resume) {
      applyModelState(model, resume);
      setRngState(resume.rng);
      history.epoch.push(...resume.history.epoch);
      for (const [k, v] of Object.entries(resume.history.history)) history.history[k] = [...v];
      startEpoch = resume.position.epoch;
      skip = resume.position.batch;
      step = resume.position.step;
      samplesBefore = resume.samplesSeen;
      history.resumedFrom = { ...resume.position };
      lastCheckpoint = resume.source ? { path: resume.source, position: resume.position } : null;
    }
    await callbacks.onTrainBegin();
    if (resume) {
      for (let i = 0; i < stateful.length; i++) await stateful[i]!.restoreCheckpointState(resume.callbacks[i]!);
      model.stopTraining = resume.stopped;
    }

    const writeCheckpoint = async (position: TrainingCheckpoint['position'], extra: Pick<TrainingCheckpoint, 'epochState' | 'pending'>): Promise<void> => {
      if (!ckptOpts || halted) return;
      // A bad step still in flight: the guard deals with it when it is delivered; keep the last good checkpoint.
      if (extra.pending.some((p) => !Number.isFinite(p.value) || (p.grad !== null && !Number.isFinite(p.grad)))) return;
      const state = await captureModelState(model, op);
      if (state.weights.some((w) => w.values.some((v) => !Number.isFinite(v)))) return;
      const cbs = [];
      for (const c of stateful) {
        const s = await c.checkpointState();
        cbs.push({ className: c.constructor.name, state: s.state, arrays: s.arrays ?? [] });
      }
      const ckpt: TrainingCheckpoint = {
        created: new Date().toISOString(), position, epochs, data: runData, rng: getRngState(), ...state, callbacks: cbs,
        history: { epoch: [...history.epoch], history: Object.fromEntries(Object.entries(history.history).map(([k, v]) => [k, [...v]])) },
        stopped: model.stopTraining, samplesSeen: samplesBefore + samples, ...extra,
      };
      lastCheckpoint = { path: await saveCheckpoint(ckptOpts.dir, ckpt), position };
      history.checkpoint = lastCheckpoint.path;
    };

    for (let epoch = startEpoch; epoch < epochs && !model.stopTraining; epoch++) {
      const resumingMidEpoch = resume !== null && epoch === startEpoch && skip > 0;
      where = { epoch, batch: resumingMidEpoch ? skip : 0 };
      if (!resumingMidEpoch) await callbacks.onEpochBegin(epoch);
      const bar = verbose === 1 ? new ProgressBar({ total: steps, label: `Epoch ${epoch + 1}/${epochs}`, unit: 'samples/s', ...(args.write ? { write: args.write } : {}) }) : null;
      const ring = new ReadbackRing<StepMeta>(2);
      const means = new WeightedMeans();
      let epochSamples = 0;
      let delivered = 0;
      if (resumingMidEpoch && resume) {
        const es = resume.epochState;
        if (es) {
          means.sums = new Map(es.sums);
          means.count = es.count;
          epochSamples = es.samples;
          delivered = es.delivered;
        }
        ring.prefill(resume.pending.map(({ value, ...meta }) => ({ value, meta })));
      }
      const deliver = async (due: { value: number; meta: StepMeta }[]) => {
        for (const { value, meta } of due) {
          if (halted) {
            meta.extra.forEach(release);
            release(meta.grad);
            continue;
          }
          const extra = await Promise.all(meta.extra.map(readScalar));
          const grad = meta.grad === null ? null : await readScalar(meta.grad);
          meta.extra.forEach(release);
          release(meta.grad);
          if (guard && (!Number.isFinite(value) || (grad !== null && !Number.isFinite(grad)))) {
            const what = Number.isFinite(value) ? 'gradient' : 'loss';
            const restoredToStep = await guard.restoreBefore(meta.step);
            halted = { what, value: what === 'loss' ? value : grad!, epoch, batch: meta.batch, step: meta.step, restoredToStep };
            model.stopTraining = true;
            const lastGood = history.history.loss?.at(-1);
            const restored = restoredToStep === null
              ? 'no snapshot without NaN/Infinity was left to restore, so the weights may hold NaN'
              : restoredToStep === meta.step
                ? 'the weights and optimizer state from before that step were restored'
                : `that state held NaN/Infinity too, so the state from before step ${restoredToStep} was restored`;
            history.stopReason = `${op}: the ${what === 'loss' ? 'loss' : 'gradient (summed)'} was ${halted.value} at epoch ${epoch + 1}, batch ${meta.batch} (step ${meta.step}); training stopped and ${restored}`
              + `${lastGood !== undefined ? ` (last epoch loss ${lastGood.toPrecision(5)})` : ''}. Lower the learning rate, clip gradients (clipnorm) or check the data for NaN/Infinity.`;
            if (verbose > 0) (args.write ?? ((s: string) => console.warn(s)))(`\n${history.stopReason}\n`);
            continue;
          }
          means.add(model.metricsNames, [value, ...extra], meta.size);
          const logs: Logs = { ...means.result(), batch_loss: value, size: meta.size, learning_rate: meta.lr };
          await callbacks.onBatchEnd(meta.batch, logs);
          delivered++;
          bar?.update(delivered, epochSamples, `loss ${logs.loss!.toFixed(4)}`);
        }
      };
      try {
        for (const b of train.epoch(epoch)) {
          if (resumingMidEpoch && b.index < skip) continue;
          if (model.stopTraining) break;
          where = { epoch, batch: b.index };
          await callbacks.onBatchBegin(b.index, { size: b.size });
          guard?.capture(step);
          const [xb, yb] = batchTensors(b.x, b.y);
          const lr = model.optimizer?.learningRate ?? NaN;
          let outs: Tensor[];
          try {
            outs = checkGradients ? model.trainStep(xb, yb, { checkGradients: true }) : model.trainStep(xb, yb);
          } finally {
            xb.dispose();
            yb.dispose();
          }
          const grad = checkGradients ? outs.pop()! : null;
          const [loss, ...extra] = outs;
          epochSamples += b.size;
          await deliver(await ring.push(loss!, { batch: b.index, size: b.size, lr, step, extra, grad }));
          step++;
          if (ckptOpts?.everyBatches && step % ckptOpts.everyBatches === 0 && b.index + 1 < steps && !model.stopTraining) {
            const inFlight = await ring.peek();
            const pending: PendingStep[] = await Promise.all(inFlight.map(async ({ value, meta }) => ({
              batch: meta.batch, size: meta.size, lr: meta.lr, step: meta.step, value,
              extra: await Promise.all(meta.extra.map(readScalar)), grad: meta.grad === null ? null : await readScalar(meta.grad),
            })));
            await writeCheckpoint({ epoch, batch: b.index + 1, step }, { epochState: { sums: [...means.sums], count: means.count, samples: epochSamples, delivered }, pending });
          }
        }
        await deliver(await ring.drain());
      } catch (e) {
        // Free what is still in flight (its readback may fail on a lost device).
        for (const { meta } of await ring.drain().catch(() => [])) {
          meta.extra.forEach(release);
          release(meta.grad);
        }
        throw e;
      }
      samples += epochSamples;
      const logs: Logs = { ...means.result(), learning_rate: model.optimizer?.learningRate ?? NaN };
      if (validation) Object.assign(logs, prefix(await evaluateDataset(model, validation, batchSize), 'val_'));
      bar?.finish(delivered, epochSamples, Object.entries(logs).filter(([k]) => k !== 'learning_rate').map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' '));
      if (verbose === 2) (args.write ?? ((s: string) => console.log(s)))(`Epoch ${epoch + 1}/${epochs} ${Object.entries(logs).map(([k, v]) => `${k}=${v.toPrecision(5)}`).join(' ')}`);
      history.epoch.push(epoch);
      for (const [k, v] of Object.entries(logs)) (history.history[k] ??= []).push(v);
      await callbacks.onEpochEnd(epoch, logs);
      if (ckptOpts && ((epoch + 1) % (ckptOpts.everyEpochs ?? 1) === 0 || epoch + 1 === epochs || model.stopTraining)) {
        await writeCheckpoint({ epoch: epoch + 1, batch: 0, step }, { epochState: null, pending: [] });
      }
    }
  } catch (e) {
    throw ckptOpts || resume ? withResumeHint(op, e, where, epochs, lastCheckpoint, ckptOpts?.dir) : e;
  } finally {
    guard?.dispose();
  }
  await callbacks.onTrainEnd();
  if (halted) history.nonFinite = halted;
  const reason = callbacks.callbacks.map((c) => (c as { stopReason?: string | null }).stopReason).find((r) => typeof r === 'string' && r);
  if (reason && !halted) history.stopReason = reason;
  history.seconds = (Date.now() - started) / 1000;
  history.samplesPerSec = samples / Math.max(history.seconds, 1e-9);
  if (halted && nonFinite === 'throw') fail(op, history.stopReason!.slice(op.length + 2));
  return history;
}

/** An error thrown while training, with where it happened and how to resume. */
function withResumeHint(op: string, e: unknown, at: { epoch: number; batch: number }, epochs: number, last: { path: string; position: TrainingCheckpoint['position'] } | null, dir: string | undefined): unknown {
  if (!(e instanceof Error) || (e instanceof WebgradError && e.op === op)) return e;
  const hint = last
    ? `The last checkpoint (${last.path}: epoch ${last.position.epoch + 1}, batch ${last.position.batch}, step ${last.position.step}) is intact: continue with fit(model, x, y, { ...sameArgs, resumeFrom: '${dir ?? last.path}' }) on a new backend (wg.ready()) or on the CPU (wg.setBackend(new wg.CpuBackend())).`
    : 'No checkpoint had been written yet.';
  const wrapped = new WebgradError(op, `training stopped at epoch ${at.epoch + 1}/${epochs}, batch ${at.batch}: ${e.message}. ${hint}`);
  (wrapped as Error & { cause?: unknown }).cause = e;
  return wrapped;
}

function prefix(logs: Logs, p: string): Logs {
  return Object.fromEntries(Object.entries(logs).map(([k, v]) => [p + k, v]));
}

/** Keras `evaluate` on arrays: [loss, ...metrics] keyed by name. */
export async function evaluate(model: FitModel, x: ArrayInput, y: ArrayInput, options: { batchSize?: number } = {}): Promise<Logs> {
  checkOptions('evaluate', options, ['batchSize'], 'args');
  (model as { assertUsable?(op: string): void }).assertUsable?.('evaluate');
  return evaluateDataset(model, await toDataset('evaluate', x, y, model), options.batchSize ?? 32);
}
