import { saveModel } from '../../io/model-io.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { encodeSafetensors } from '../../io/safetensors.js';
import { Sequential } from '../../nn/sequential.js';
import { checkOptions, fail } from '../../tensor/errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Callback } from './base.js';
import { fmtValue, resolveMode, type MonitorMode } from './monitor.js';
import type { CallbackState, CheckpointableCallback, Logs, TrainableModel } from './types.js';

/** Options of {@link modelCheckpoint} (Keras's `ModelCheckpoint`, camelCase). */
export interface ModelCheckpointOptions {
  /**
   * Where to save. Fields in braces are filled in: `{epoch}` (1-based) and any log key such as
   * `{val_loss}`, with an optional format `{epoch:03d}`, `{val_loss:.4f}`. A model folder
   * (wg.saveModel's layout), or with `saveWeightsOnly` one safetensors file.
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
  /** 'epoch' (default) or a number of batches between saves. */
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

/** Fills `{epoch}`, `{epoch:03d}`, `{val_loss:.4f}`, … from the epoch and logs. */
export function fillPath(template: string, epoch: number, logs: Logs = {}): string {
  return template.replace(/\{(\w+)(?::([^}]*))?\}/g, (whole, key: string, spec: string | undefined) => {
    const v = key === 'epoch' ? epoch + 1 : logs[key];
    if (v === undefined) fail('modelCheckpoint', `filepath '${template}' uses {${key}}, which is not in the logs (available: epoch, ${Object.keys(logs).join(', ')})`);
    const int = /^0?(\d+)d$/.exec(spec ?? '');
    if (int) return String(Math.round(v)).padStart(Number(int[1]), spec!.startsWith('0') ? '0' : ' ');
    const fixed = /^\.(\d+)f$/.exec(spec ?? '');
    if (fixed) return v.toFixed(Number(fixed[1]));
    if (spec) fail('modelCheckpoint', `unsupported format '${whole}' in filepath (use {name}, {name:03d} or {name:.4f})`);
    return String(v);
  });
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
  private batchesSinceSave = 0;
  private currentEpoch = 0;
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
  }

  override onEpochBegin(epoch: number): void {
    this.currentEpoch = epoch;
  }

  override async onBatchEnd(_batch: number, logs?: Logs): Promise<void> {
    if (this.saveFreq === 'epoch') return;
    if (++this.batchesSinceSave < this.saveFreq) return;
    this.batchesSinceSave = 0;
    await this.maybeSave(this.currentEpoch, logs ?? {});
  }

  override async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    if (this.saveFreq === 'epoch') await this.maybeSave(epoch, logs ?? {});
  }

  checkpointState(): CallbackState {
    return { state: { best: this.best, batchesSinceSave: this.batchesSinceSave, saved: [...this.saved] } };
  }

  restoreCheckpointState(saved: CallbackState): void {
    const s = saved.state as { best: number; batchesSinceSave: number; saved: string[] };
    this.best = s.best;
    this.batchesSinceSave = s.batchesSinceSave;
    this.saved.splice(0, this.saved.length, ...s.saved);
  }

  private async maybeSave(epoch: number, logs: Logs): Promise<void> {
    const log = this.options.log ?? ((m: string) => console.log(m));
    if (this.saveBestOnly) {
      const current = logs[this.monitor];
      if (current === undefined) {
        (this.options.warn ?? ((m: string) => console.warn(m)))(`Can save best model only with ${this.monitor} available; available: ${Object.keys(logs).join(', ')}. Skipping.`);
        return;
      }
      const better = this.direction === 'min' ? current < this.best : current > this.best;
      if (!better) {
        if ((this.options.verbose ?? 0) > 0) log(`\nEpoch ${epoch + 1}: ${this.monitor} did not improve from ${fmtValue(this.best)}`);
        return;
      }
      if ((this.options.verbose ?? 0) > 0) log(`\nEpoch ${epoch + 1}: ${this.monitor} improved from ${fmtValue(this.best)} to ${fmtValue(current)}, saving model to ${fillPath(this.filepath, epoch, logs)}`);
      this.best = current;
    }
    const path = fillPath(this.filepath, epoch, logs);
    const model = this.requireModel();
    if (this.options.save) await this.options.save(model, path);
    else if (this.saveWeightsOnly) await saveWeightsFile(model, path);
    else {
      if (!(model instanceof Sequential)) fail('modelCheckpoint', 'can save only wg.sequential models; pass save: (model, path) => … for others');
      await saveModel(model, path);
    }
    this.saved.push(path);
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
