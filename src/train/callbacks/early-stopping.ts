import { checkOptions, fail } from '../../tensor/errors.js';
import { Callback } from './base.js';
import { fmtValue, resolveMode, type MonitorMode } from './monitor.js';
import { snapshotToArrays, type CallbackState, type CheckpointableCallback, type Logs } from './types.js';

/** Why an {@link EarlyStopping} stopped training. */
export type StopReason =
  /** `wait ≥ patience` epochs without an improvement (the Keras rule). */
  | 'patience'
  /** The Keras rule fired while no epoch had beaten `baseline`. */
  | 'baseline'
  /** `checkFinite`: the monitored value was NaN or ±Infinity. */
  | 'non-finite'
  /** The monitored value was worse than `divergenceThreshold`. */
  | 'divergence'
  /** The monitored value was better than `stoppingThreshold` (good enough). */
  | 'threshold';

/** Options of {@link earlyStopping}: every Keras argument (camelCase), then extensions. */
export interface EarlyStoppingOptions {
  /** Metric to watch in the epoch logs. Default 'val_loss'. */
  monitor?: string;
  /** Minimum change that counts as an improvement; its absolute value is used. Default 0. */
  minDelta?: number;
  /** Epochs without improvement after which training stops. Default 0. */
  patience?: number;
  /** 1: log when stopping and restoring. Default 0. */
  verbose?: number;
  /** 'min', 'max', or 'auto' (max for names containing acc/accuracy/auc/precision/recall/f1/iou). Default 'auto'. */
  mode?: MonitorMode;
  /** A value the metric must beat (by more than minDelta) for `wait` to reset. Default none. */
  baseline?: number | null;
  /** Put back the weights of the best epoch when training ends. Default false. */
  restoreBestWeights?: boolean;
  /** Epochs (0-based index below which) to ignore entirely, as a warm-up. Default 0. */
  startFromEpoch?: number;

  // --- extensions (not in Keras) ---
  /** 'abs' (Keras): improvement means beyond best ± minDelta. 'rel': beyond best ± minDelta·|best|. Default 'abs'. */
  minDeltaMode?: 'abs' | 'rel';
  /** Stop at once when the monitored value is NaN or ±Infinity. Default false (Keras counts such an epoch as "no improvement"). */
  checkFinite?: boolean;
  /** Stop at once when the value is worse than this (above it in min mode, below in max mode). */
  divergenceThreshold?: number | null;
  /** Stop at once when the value is strictly better than this (good enough). */
  stoppingThreshold?: number | null;
  /**
   * Arithmetic of the improvement test. 'float32' (default) is Keras 3's: it evaluates
   * `current ∓ minDelta` in float64 and compares in float32 (keras.ops promotes Python floats to
   * floatx), which is also why a change of exactly minDelta is not an improvement. 'float64' is
   * Keras 2.x's NumPy comparison.
   */
  precision?: 'float32' | 'float64';
  /** Where verbose messages and warnings go. Default console.log / console.warn. */
  log?: (message: string) => void;
  warn?: (message: string) => void;
}

const EARLY_STOPPING_OPTIONS = [
  'monitor', 'minDelta', 'patience', 'verbose', 'mode', 'baseline', 'restoreBestWeights', 'startFromEpoch',
  'minDeltaMode', 'checkFinite', 'divergenceThreshold', 'stoppingThreshold', 'precision', 'log', 'warn',
];

/** What {@link EarlyStopping.summary} reports; fit() can store it in the History. */
export interface EarlyStoppingSummary {
  monitor: string;
  mode: 'min' | 'max';
  best: number | null;
  bestEpoch: number | null;
  stoppedEpoch: number | null;
  stopReason: StopReason | null;
  message: string | null;
  restoredBestWeights: boolean;
}

/**
 * Stops training when a monitored metric has stopped improving — Keras 3's `EarlyStopping`,
 * decision for decision, plus a few things users ask for. Epoch indices are 0-based.
 *
 * At the end of each epoch, with `current = logs[monitor]`:
 * 1. no value, or `epoch < startFromEpoch`: nothing happens (a missing value warns once per run);
 * 2. `restoreBestWeights` and no snapshot yet: snapshot the current weights (bestEpoch = epoch);
 * 3. `wait += 1`;
 * 4. improvement — `current + |δ| < best` (min) or `current − |δ| > best` (max), strictly, `best`
 *    starting at ±∞ — sets best/bestEpoch (and the snapshot), resets `wait` to 0 only if `current`
 *    also improves on `baseline` (same test) or there is no baseline, and ends the epoch's check;
 * 5. otherwise, if `wait ≥ patience` and `epoch > 0`: stop (`model.stopTraining = true`).
 * When training ends, with `restoreBestWeights`, the snapshot is restored — whether or not the
 * callback stopped training.
 *
 * Version notes. Steps 1–5 and the restore-at-end are Keras ≥ 3.0 (keras/src/callbacks/
 * early_stopping.py). Keras 2.x (tf.keras ≤ 2.15) differed in two ways: it restored the best
 * weights only when it stopped training (so a run that used all its epochs kept the last
 * weights), and its comparison ran in float64. TF.js's `earlyStopping` has no
 * restoreBestWeights. Restoring at the end even when the callback never fired is therefore an
 * extension relative to Keras 2 and TF.js, and matches Keras 3. Consequences of following Keras
 * exactly, kept on purpose: with patience 0 training never stops after epoch 0; an epoch that
 * improves on `best` but not on `baseline` never stops training by itself (Keras returns before
 * the patience check), though `wait` keeps counting; a NaN value is simply "no improvement"
 * unless `checkFinite` is on. One deliberate difference: `best` is reset in onTrainBegin, so an
 * instance can be reused across fit() calls (Keras 3 keeps the previous run's best).
 *
 * Extensions, all off by default so that default behaviour is Keras's: `minDeltaMode: 'rel'`,
 * `checkFinite`, `divergenceThreshold`, `stoppingThreshold` (checked in that order, before the
 * improvement test, except that a value better than stoppingThreshold is first recorded as the
 * best), and the bookkeeping `stoppedEpoch`, `bestEpoch`, `stopReason`, `stopMessage`, `summary()`.
 *
 * @example
 * // The tutorial's setting: stop once val_accuracy fails to gain 1e-4 for one epoch.
 * const es = earlyStopping({ monitor: 'val_accuracy', minDelta: 1e-4, patience: 1, restoreBestWeights: true });
 * // val_accuracy per epoch: 0.80, 0.84, 0.85, 0.8500 → stops after epoch index 3, restores epoch 2.
 */
export class EarlyStopping extends Callback implements CheckpointableCallback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly verbose: number;
  readonly mode: MonitorMode;
  /** The resolved direction: 'min' or 'max'. */
  readonly direction: 'min' | 'max';
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  readonly minDeltaMode: 'abs' | 'rel';
  readonly checkFinite: boolean;
  readonly divergenceThreshold: number | null;
  readonly stoppingThreshold: number | null;
  readonly precision: 'float32' | 'float64';

  /** Epochs since the last improvement (Keras `wait`). */
  wait = 0;
  /** Best monitored value so far (±Infinity before the first). */
  best: number;
  /** 0-based epoch of `best` (or of the first snapshot, as Keras); null before any monitored epoch. */
  bestEpoch: number | null = null;
  /** 0-based epoch at which this callback stopped training; null if it did not. */
  stoppedEpoch: number | null = null;
  stopReason: StopReason | null = null;
  /** One human-readable sentence on why training stopped. */
  stopMessage: string | null = null;
  /** Whether onTrainEnd put the best weights back. */
  restoredBestWeights = false;

  private bestWeights: unknown = undefined;
  private hasBestWeights = false;
  private baselineBeaten = false;
  private hasBest = false;
  private warnedMissing = false;
  private readonly log: (m: string) => void;
  private readonly warn: (m: string) => void;

  constructor(options: EarlyStoppingOptions = {}) {
    super();
    checkOptions('earlyStopping', options, EARLY_STOPPING_OPTIONS);
    if (options.mode !== undefined && !['auto', 'min', 'max'].includes(options.mode)) throw new RangeError(`earlyStopping: mode must be 'auto', 'min' or 'max', got ${JSON.stringify(options.mode)}`);
    if (options.monitor !== undefined && typeof options.monitor !== 'string') fail('earlyStopping', `monitor must be a metric name such as 'val_loss', got ${String(options.monitor)}`);
    this.monitor = options.monitor ?? 'val_loss';
    this.minDelta = Math.abs(options.minDelta ?? 0);
    this.patience = options.patience ?? 0;
    this.verbose = options.verbose ?? 0;
    this.mode = options.mode ?? 'auto';
    this.direction = resolveMode(this.monitor, this.mode);
    this.baseline = options.baseline ?? null;
    this.restoreBestWeights = options.restoreBestWeights ?? false;
    this.startFromEpoch = options.startFromEpoch ?? 0;
    this.minDeltaMode = options.minDeltaMode ?? 'abs';
    this.checkFinite = options.checkFinite ?? false;
    this.divergenceThreshold = options.divergenceThreshold ?? null;
    this.stoppingThreshold = options.stoppingThreshold ?? null;
    this.precision = options.precision ?? 'float32';
    this.log = options.log ?? ((m) => console.log(m));
    this.warn = options.warn ?? ((m) => console.warn(m));
    if (!Number.isFinite(this.minDelta)) throw new RangeError(`earlyStopping: minDelta must be finite, got ${options.minDelta}`);
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new RangeError(`earlyStopping: patience must be an integer >= 0, got ${this.patience}`);
    if (!Number.isInteger(this.startFromEpoch) || this.startFromEpoch < 0) {
      throw new RangeError(`earlyStopping: startFromEpoch must be an integer >= 0, got ${this.startFromEpoch}`);
    }
    if (this.minDeltaMode !== 'abs' && this.minDeltaMode !== 'rel') throw new RangeError(`earlyStopping: minDeltaMode must be 'abs' or 'rel', got ${JSON.stringify(this.minDeltaMode)}`);
    this.best = this.direction === 'min' ? Infinity : -Infinity;
  }

  /**
   * The improvement test: `current` beats `reference` by more than minDelta, strictly.
   * min: `current + δ < reference`; max: `current − δ > reference` (δ = minDelta, or
   * minDelta·|reference| in 'rel' mode), compared in float32 unless precision is 'float64'.
   */
  isImprovement(current: number, reference: number): boolean {
    const delta = this.minDeltaMode === 'rel'
      ? (Number.isFinite(reference) ? this.minDelta * Math.abs(reference) : 0)
      : this.minDelta;
    let a = this.direction === 'min' ? current + delta : current - delta;
    let b = reference;
    if (this.precision === 'float32') {
      a = Math.fround(a);
      b = Math.fround(b);
    }
    return this.direction === 'min' ? a < b : a > b;
  }

  override async onTrainBegin(): Promise<void> {
    this.wait = 0;
    this.best = this.direction === 'min' ? Infinity : -Infinity;
    this.bestEpoch = null;
    this.stoppedEpoch = null;
    this.stopReason = null;
    this.stopMessage = null;
    this.restoredBestWeights = false;
    this.baselineBeaten = false;
    this.hasBest = false;
    this.warnedMissing = false;
    this.dropSnapshot();
  }

  override async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    const current = logs?.[this.monitor];
    if (current === undefined || current === null) {
      if (!this.warnedMissing) {
        this.warnedMissing = true;
        this.warn(`Early stopping conditioned on metric \`${this.monitor}\` which is not available. `
          + `Available metrics are: ${Object.keys(logs ?? {}).join(',')}`);
      }
      return;
    }
    if (epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && !this.hasBestWeights) {
      await this.snapshot();
      this.bestEpoch = epoch;
    }
    this.wait += 1;

    if (this.checkFinite && !Number.isFinite(current)) {
      return this.stop(epoch, 'non-finite', `${this.monitor} = ${current} is not finite`);
    }
    if (this.divergenceThreshold !== null && this.isWorseThan(current, this.divergenceThreshold)) {
      return this.stop(epoch, 'divergence',
        `${this.monitor} = ${fmtValue(current)} is worse than the divergence threshold ${fmtValue(this.divergenceThreshold)}`);
    }

    const improved = this.isImprovement(current, this.best);
    if (improved) {
      this.best = current;
      this.hasBest = true;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) await this.snapshot();
      if (this.baseline === null || this.isImprovement(current, this.baseline)) {
        this.wait = 0;
        this.baselineBeaten = true;
      }
    }
    if (this.stoppingThreshold !== null && this.isBetterThan(current, this.stoppingThreshold)) {
      return this.stop(epoch, 'threshold',
        `${this.monitor} = ${fmtValue(current)} reached the stopping threshold ${fmtValue(this.stoppingThreshold)}`);
    }
    if (improved) return;

    if (this.wait >= this.patience && epoch > 0) {
      const bestText = `best ${fmtValue(this.best)} at epoch ${this.bestEpoch === null ? '-' : this.bestEpoch + 1}`;
      if (this.baseline !== null && !this.baselineBeaten) {
        this.stop(epoch, 'baseline',
          `${this.monitor} did not beat the baseline ${fmtValue(this.baseline)} within ${this.wait} epoch(s) (${bestText})`);
      } else {
        this.stop(epoch, 'patience',
          `${this.monitor} did not improve by more than ${fmtValue(this.minDelta)}${this.minDeltaMode === 'rel' ? ' (relative)' : ''} `
          + `for ${this.wait} epoch(s) (patience ${this.patience}; ${bestText})`);
      }
    }
  }

  override async onTrainEnd(): Promise<void> {
    if (this.stoppedEpoch !== null && this.verbose > 0) this.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.hasBestWeights) {
      if (this.verbose > 0) {
        this.log(`Restoring model weights from the end of the best epoch: ${(this.bestEpoch ?? 0) + 1}.`);
      }
      const model = this.requireModel();
      await model.setWeights(this.bestWeights);
      this.restoredBestWeights = true;
      this.dropSnapshot();
    }
  }

  /** Everything a resumed run needs (fit's checkpoints): counters, best value and the best weights. */
  async checkpointState(): Promise<CallbackState> {
    const state = {
      wait: this.wait, best: this.best, hasBest: this.hasBest, bestEpoch: this.bestEpoch, stoppedEpoch: this.stoppedEpoch,
      stopReason: this.stopReason, stopMessage: this.stopMessage, baselineBeaten: this.baselineBeaten,
      warnedMissing: this.warnedMissing, hasBestWeights: this.hasBestWeights,
    };
    return { state, arrays: this.hasBestWeights ? await snapshotToArrays(this.bestWeights) : [] };
  }

  restoreCheckpointState(saved: CallbackState): void {
    const s = saved.state as Record<string, unknown>;
    this.wait = s.wait as number;
    this.best = s.best as number;
    this.hasBest = s.hasBest as boolean;
    this.bestEpoch = s.bestEpoch as number | null;
    this.stoppedEpoch = s.stoppedEpoch as number | null;
    this.stopReason = s.stopReason as StopReason | null;
    this.stopMessage = s.stopMessage as string | null;
    this.baselineBeaten = s.baselineBeaten as boolean;
    this.warnedMissing = s.warnedMissing as boolean;
    this.dropSnapshot();
    if (s.hasBestWeights) {
      // Host arrays: setWeights accepts them, and disposeWeights leaves them alone.
      this.bestWeights = saved.arrays ?? [];
      this.hasBestWeights = true;
    }
  }

  /** The outcome of the run so far, for the History and reports. */
  summary(): EarlyStoppingSummary {
    return {
      monitor: this.monitor,
      mode: this.direction,
      best: this.hasBest ? this.best : null,
      bestEpoch: this.bestEpoch,
      stoppedEpoch: this.stoppedEpoch,
      stopReason: this.stopReason,
      message: this.stopMessage,
      restoredBestWeights: this.restoredBestWeights,
    };
  }

  private isWorseThan(v: number, threshold: number): boolean {
    return this.direction === 'min' ? v > threshold : v < threshold;
  }

  private isBetterThan(v: number, threshold: number): boolean {
    return this.direction === 'min' ? v < threshold : v > threshold;
  }

  private stop(epoch: number, reason: StopReason, message: string): void {
    this.stoppedEpoch = epoch;
    this.stopReason = reason;
    this.stopMessage = message;
    this.requireModel().stopTraining = true;
  }

  private async snapshot(): Promise<void> {
    const w = await this.requireModel().getWeights();
    this.dropSnapshot();
    this.bestWeights = w;
    this.hasBestWeights = true;
  }

  private dropSnapshot(): void {
    if (this.hasBestWeights && this.model?.disposeWeights) this.model.disposeWeights(this.bestWeights);
    this.bestWeights = undefined;
    this.hasBestWeights = false;
  }
}

/**
 * Creates an {@link EarlyStopping} callback (TF.js `tf.callbacks.earlyStopping`).
 *
 * @example
 * model.fit(x, y, { epochs: 30, validationData: [xv, yv],
 *   callbacks: [earlyStopping({ monitor: 'val_accuracy', minDelta: 1e-4, patience: 1, restoreBestWeights: true })] });
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStopping {
  return new EarlyStopping(options);
}
