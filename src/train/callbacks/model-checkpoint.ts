import { saveModel } from '../../io/model-io.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { encodeSafetensors } from '../../io/safetensors.js';
import { Sequential } from '../../nn/sequential.js';
import { checkOptions, fail } from '../../tensor/errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Callback } from './base.js';
import { fmtValue, resolveMode, type MonitorMode } from './monitor.js';
import { snapshotToArrays, type CallbackState, type CheckpointableCallback, type Logs, type TrainableModel } from './types.js';

/** Options of {@link modelCheckpoint} (Keras's `ModelCheckpoint`, camelCase). */
export interface ModelCheckpointOptions {
  /**
   * Where to save. Fields in braces are filled in: `{epoch}` (1-based), `{batch}` (1-based, with
   * a batch `saveFreq`) and any log key such as `{val_loss}`, with an optional format
   * `{epoch:03d}`, `{val_loss:.4f}`. A model folder (wg.saveModel's layout), or with
   * `saveWeightsOnly` one safetensors file.
   */
  filepath: string;
  /** Metric that decides "best" (default 'val_loss'). */
  monitor?: string;
  /** 'auto' (default), 'min' or 'max'. */
  mode?: MonitorMode;
  /** Only save when the monitored value improves on the best so far (default false: save every time). */
  saveBestOnly?: boolean;
  /** Save only the weights, as one safetensors file (default false: the whole model folder). */
  saveWeightsOnly?: boolean;
  /**
   * 'epoch' (default) or a number of batches N: the model as it was right after every Nth
   * batch's update (counted across epochs), judged and named by that batch's logs.
   */
  saveFreq?: 'epoch' | number;
  /** With saveBestOnly, a value the first save must beat. */
  initialValueThreshold?: number;
  verbose?: number;
  /** Custom saver (e.g. to add a tokenizer): called with the model and the filled-in path. */
  save?: (model: TrainableModel, path: string) => Promise<void>;
  log?: (message: string) => void;
  warn?: (message: string) => void;
}

const OPTIONS = ['filepath', 'monitor', 'mode', 'saveBestOnly', 'saveWeightsOnly', 'saveFreq', 'initialValueThreshold', 'verbose', 'save', 'log', 'warn'];

/**
 * Fills `{epoch}`, `{epoch:03d}`, `{val_loss:.4f}`, … from the epoch and logs, and `{batch}`
 * (1-based within the epoch, as Keras) when a batch is given.
 */
export function fillPath(template: string, epoch: number, logs: Logs = {}, batch?: number): string {
  return template.replace(/\{(\w+)(?::([^}]*))?\}/g, (whole, key: string, spec: string | undefined) => {
    const v = key === 'epoch' ? epoch + 1 : key === 'batch' && batch !== undefined ? batch + 1 : logs[key];
    if (v === undefined) fail('modelCheckpoint', `filepath '${template}' uses {${key}}, which is not in the logs (available: epoch, ${batch !== undefined ? 'batch, ' : ''}${Object.keys(logs).join(', ')})`);
    const int = /^0?(\d+)d$/.exec(spec ?? '');
    if (int) return String(Math.round(v)).padStart(Number(int[1]), spec!.startsWith('0') ? '0' : ' ');
    const fixed = /^\.(\d+)f$/.exec(spec ?? '');
    if (fixed) return v.toFixed(Number(fixed[1]));
    if (spec) fail('modelCheckpoint', `unsupported format '${whole}' in filepath (use {name}, {name:03d} or {name:.4f})`);
    return String(v);
  });
}

/**
 * A batch that ends a `saveFreq` period. fit delivers its logs (onBatchEnd) a couple of steps
 * late (src/train/readback.ts), so the weights right after its update are copied when the next
 * batch begins, and written once the logs arrive; `snapshot` stays null while no later batch has
 * begun (the model still holds those weights).
 */
interface DueSave {
  batch: number;
  snapshot: { weights: unknown } | null;
}

/**
 * Saves the model during training — Keras's `ModelCheckpoint`: after every epoch (or every
 * `saveFreq` batches), or with `saveBestOnly` only when `monitor` improves (strictly). Every file
 * is written to a temporary name and renamed (wg.saveModel; safetensors for `saveWeightsOnly`),
 * so a crash never leaves a half-written model behind. For resuming an interrupted run with the
 * optimizer's state and the data position, use fit's `checkpoint` option instead.
 *
 * @example
 * callbacks: [wg.callbacks.modelCheckpoint({ filepath: 'runs/best', monitor: 'val_accuracy', saveBestOnly: true })]
 */
export class ModelCheckpoint extends Callback implements CheckpointableCallback {
  readonly filepath: string;
  readonly monitor: string;
  readonly direction: 'min' | 'max';
  readonly saveBestOnly: boolean;
  readonly saveWeightsOnly: boolean;
  readonly saveFreq: 'epoch' | number;
  /** Best monitored value so far. */
  best: number;
  /** Paths written, in order. */
  readonly saved: string[] = [];
  /** Batches begun since the last save point (counted across epochs, as Keras). */
  private batchesSinceSave = 0;
  private currentEpoch = 0;
  /** Save points whose logs have not arrived yet, oldest first. */
  private dueSaves: DueSave[] = [];
  private readonly options: ModelCheckpointOptions;

  constructor(options: ModelCheckpointOptions) {
    super();
    checkOptions('modelCheckpoint', options, OPTIONS);
    if (!options || typeof options.filepath !== 'string' || options.filepath === '') fail('modelCheckpoint', `filepath must be a non-empty path, got ${JSON.stringify(options?.filepath)}`);
    if (options.mode !== undefined && !['auto', 'min', 'max'].includes(options.mode)) fail('modelCheckpoint', `mode must be 'auto', 'min' or 'max', got ${JSON.stringify(options.mode)}`);
    const freq = options.saveFreq ?? 'epoch';
    if (freq !== 'epoch' && !(Number.isInteger(freq) && freq > 0)) fail('modelCheckpoint', `saveFreq must be 'epoch' or a positive number of batches, got ${JSON.stringify(freq)}`);
    this.options = options;
    this.filepath = options.filepath;
    this.monitor = options.monitor ?? 'val_loss';
    this.direction = resolveMode(this.monitor, options.mode ?? 'auto');
    this.saveBestOnly = options.saveBestOnly ?? false;
    this.saveWeightsOnly = options.saveWeightsOnly ?? false;
    this.saveFreq = freq;
    this.best = this.initialBest();
  }

  private initialBest(): number {
    return this.options.initialValueThreshold ?? (this.direction === 'min' ? Infinity : -Infinity);
  }

  override onTrainBegin(): void {
    this.best = this.initialBest();
    this.batchesSinceSave = 0;
    this.dropDueSaves();
  }

  override onEpochBegin(epoch: number): void {
    this.currentEpoch = epoch;
  }

  /** Before this batch's update: copy the weights a due save needs, then count this batch. */
  override async onBatchBegin(batch: number): Promise<void> {
    if (this.saveFreq === 'epoch') return;
    const last = this.dueSaves.at(-1);
    if (last && !last.snapshot) last.snapshot = { weights: await this.requireModel().getWeights() };
    if (++this.batchesSinceSave < this.saveFreq) return;
    this.batchesSinceSave = 0;
    this.dueSaves.push({ batch, snapshot: null });
  }

  /** Logs arrive in batch order, so a due save is always the oldest one. */
  override async onBatchEnd(batch: number, logs?: Logs): Promise<void> {
    if (this.dueSaves[0]?.batch !== batch) return;
    const due = this.dueSaves.shift()!;
    try {
      await this.maybeSave(this.currentEpoch, logs ?? {}, due);
    } finally {
      if (due.snapshot) this.model?.disposeWeights?.(due.snapshot.weights);
    }
  }

  override async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    if (this.saveFreq === 'epoch') await this.maybeSave(epoch, logs ?? {});
    // Logs that never came (a non-finite step stopped training) leave their saves undone.
    this.dropDueSaves();
  }

  override onTrainEnd(): void {
    this.dropDueSaves();
  }

  async checkpointState(): Promise<CallbackState> {
    const due: { batch: number; arrays: number | null }[] = [];
    const arrays: Float32Array[] = [];
    for (const d of this.dueSaves) {
      const copy = d.snapshot ? await snapshotToArrays(d.snapshot.weights) : null;
      due.push({ batch: d.batch, arrays: copy?.length ?? null });
      if (copy) arrays.push(...copy);
    }
    return { state: { best: this.best, batchesSinceSave: this.batchesSinceSave, saved: [...this.saved], epoch: this.currentEpoch, due }, arrays };
  }

  restoreCheckpointState(saved: CallbackState): void {
    const s = saved.state as { best: number; batchesSinceSave: number; saved: string[]; epoch?: number; due?: { batch: number; arrays: number | null }[] };
    this.best = s.best;
    this.batchesSinceSave = s.batchesSinceSave;
    this.saved.splice(0, this.saved.length, ...s.saved);
    // A run resumed mid-epoch gets no onEpochBegin for that epoch.
    this.currentEpoch = s.epoch ?? 0;
    const arrays = saved.arrays ?? [];
    let next = 0;
    // Host arrays: setWeights accepts them, and disposeWeights leaves them alone.
    this.dueSaves = (s.due ?? []).map((d) => ({ batch: d.batch, snapshot: d.arrays === null ? null : { weights: arrays.slice(next, (next += d.arrays)) } }));
  }

  private dropDueSaves(): void {
    for (const d of this.dueSaves) if (d.snapshot) this.model?.disposeWeights?.(d.snapshot.weights);
    this.dueSaves = [];
  }

  private async maybeSave(epoch: number, logs: Logs, due?: DueSave): Promise<void> {
    const log = this.options.log ?? ((m: string) => console.log(m));
    const path = () => fillPath(this.filepath, epoch, logs, due?.batch);
    const at = due ? `Epoch ${epoch + 1}, batch ${due.batch + 1}` : `Epoch ${epoch + 1}`;
    if (this.saveBestOnly) {
      const current = logs[this.monitor];
      if (current === undefined) {
        (this.options.warn ?? ((m: string) => console.warn(m)))(`Can save best model only with ${this.monitor} available; available: ${Object.keys(logs).join(', ')}. Skipping.`);
        return;
      }
      const better = this.direction === 'min' ? current < this.best : current > this.best;
      if (!better) {
        if ((this.options.verbose ?? 0) > 0) log(`\n${at}: ${this.monitor} did not improve from ${fmtValue(this.best)}`);
        return;
      }
      if ((this.options.verbose ?? 0) > 0) log(`\n${at}: ${this.monitor} improved from ${fmtValue(this.best)} to ${fmtValue(current)}, saving model to ${path()}`);
      this.best = current;
    }
    const target = path();
    const model = this.requireModel();
    if (due?.snapshot) await withWeights(model, due.snapshot.weights, () => this.write(model, target));
    else await this.write(model, target);
    this.saved.push(target);
  }

  private async write(model: TrainableModel, path: string): Promise<void> {
    if (this.options.save) await this.options.save(model, path);
    else if (this.saveWeightsOnly) await saveWeightsFile(model, path);
    else {
      if (!(model instanceof Sequential)) fail('modelCheckpoint', 'can save only wg.sequential models; pass save: (model, path) => … for others');
      await saveModel(model, path);
    }
  }
}

/**
 * Runs `write` with the model holding `weights`, then puts its current weights back (the
 * training loop awaits callbacks, so no step runs in between). Every saver sees the same model.
 */
async function withWeights(model: TrainableModel, weights: unknown, write: () => Promise<void>): Promise<void> {
  const current = await model.getWeights();
  try {
    await model.setWeights(weights);
    await write();
  } finally {
    await model.setWeights(current);
    model.disposeWeights?.(current);
  }
}

/** The model's weights as one safetensors file (Keras names), written atomically. */
async function saveWeightsFile(model: TrainableModel, path: string): Promise<void> {
  const ws = (model as { weights?: readonly { name: string; value: Tensor }[] }).weights;
  if (!Array.isArray(ws)) fail('modelCheckpoint', 'saveWeightsOnly needs a model that lists its weights (model.weights)');
  const entries = await Promise.all(ws.map(async (w) => ({ name: w.name, shape: [...w.value.shape], data: Float32Array.from(await w.value.data()) })));
  const { dirname } = await import('node:path');
  const fsp = await import('node:fs/promises');
  await fsp.mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, encodeSafetensors(entries, { format: 'webgrad-weights' }));
}

/** Creates a {@link ModelCheckpoint} callback (Keras/TF.js name). */
export function modelCheckpoint(options: ModelCheckpointOptions): ModelCheckpoint {
  return new ModelCheckpoint(options);
}
