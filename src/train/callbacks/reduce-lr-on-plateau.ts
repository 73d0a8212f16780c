import { checkOptions } from '../../tensor/errors.js';
import { Callback } from './base.js';
import { resolveMode, type MonitorMode } from './monitor.js';
import type { CallbackState, CheckpointableCallback, Logs, OptimizerLike } from './types.js';

/** Options of {@link reduceLROnPlateau} (Keras's arguments and defaults). */
export interface ReduceLROnPlateauOptions {
  /** Metric to watch. Default 'val_loss'. */
  monitor?: string;
  /** new_lr = lr · factor. Must be < 1. Default 0.1. */
  factor?: number;
  /** Epochs without improvement before reducing. Default 10. */
  patience?: number;
  verbose?: number;
  /** 'auto' | 'min' | 'max'. Default 'auto'. */
  mode?: MonitorMode;
  /** Threshold for an improvement. Default 1e-4. */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again. Default 0. */
  cooldown?: number;
  /** Lower bound of the LR. Default 0. */
  minLr?: number;
  log?: (message: string) => void;
  warn?: (message: string) => void;
}

/**
 * Reduces the learning rate when a metric has stopped improving — Keras 3's
 * `ReduceLROnPlateau`, step for step. At each epoch end (after writing the current LR to
 * `logs.learning_rate`):
 * - in cooldown: `cooldownCounter -= 1`, `wait = 0`;
 * - improvement (`current < best − minDelta` in min mode, `current > best + minDelta` in max mode,
 *   float64, `best` from ±∞): `best = current`, `wait = 0`;
 * - otherwise, when not in cooldown: `wait += 1`, and at `wait ≥ patience`, if
 *   `lr > fround(minLr)`: `lr = max(lr · factor, minLr)`, `cooldownCounter = cooldown`, `wait = 0`.
 *
 * One difference: 'auto' uses the same name rule as {@link earlyStopping} (acc/auc/precision/
 * recall/f1/iou → max); Keras's ReduceLROnPlateau looks for 'acc' only, so for 'val_auc' Keras
 * would minimise.
 *
 * @example
 * const cb = reduceLROnPlateau({ monitor: 'val_loss', factor: 0.5, patience: 2, minLr: 1e-5 });
 */
export class ReduceLROnPlateau extends Callback implements CheckpointableCallback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly verbose: number;
  readonly direction: 'min' | 'max';
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  wait = 0;
  cooldownCounter = 0;
  best: number;
  private readonly log: (m: string) => void;
  private readonly warn: (m: string) => void;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    super();
    checkOptions('reduceLROnPlateau', options, ['monitor', 'factor', 'patience', 'verbose', 'mode', 'minDelta', 'cooldown', 'minLr', 'log', 'warn']);
    this.monitor = options.monitor ?? 'val_loss';
    this.factor = options.factor ?? 0.1;
    if (!(this.factor < 1.0)) {
      throw new RangeError(`reduceLROnPlateau: factor must be < 1.0 (ReduceLROnPlateau does not support a factor >= 1.0), got factor=${this.factor}`);
    }
    this.patience = options.patience ?? 10;
    this.verbose = options.verbose ?? 0;
    this.direction = resolveMode(this.monitor, options.mode ?? 'auto');
    this.minDelta = options.minDelta ?? 1e-4;
    this.cooldown = options.cooldown ?? 0;
    this.minLr = options.minLr ?? 0;
    this.log = options.log ?? ((m) => console.log(m));
    this.warn = options.warn ?? ((m) => console.warn(m));
    this.best = this.direction === 'min' ? Infinity : -Infinity;
  }

  private improves(current: number, best: number): boolean {
    return this.direction === 'min' ? current < best - this.minDelta : current > best + this.minDelta;
  }

  checkpointState(): CallbackState {
    return { state: { wait: this.wait, cooldownCounter: this.cooldownCounter, best: this.best } };
  }

  restoreCheckpointState(saved: CallbackState): void {
    const s = saved.state as { wait: number; cooldownCounter: number; best: number };
    this.wait = s.wait;
    this.cooldownCounter = s.cooldownCounter;
    this.best = s.best;
  }

  inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  override onTrainBegin(): void {
    this.best = this.direction === 'min' ? Infinity : -Infinity;
    this.cooldownCounter = 0;
    this.wait = 0;
  }

  override onEpochEnd(epoch: number, logs?: Logs): void {
    const opt = requireOptimizer(this, 'ReduceLROnPlateau');
    if (logs) logs.learning_rate = opt.learningRate;
    const current = logs?.[this.monitor];
    if (current === undefined || current === null) {
      this.warn(`Learning rate reduction is conditioned on metric \`${this.monitor}\` which is not available. `
        + `Available metrics are: ${Object.keys(logs ?? {}).join(',')}.`);
      return;
    }
    if (this.inCooldown()) {
      this.cooldownCounter -= 1;
      this.wait = 0;
    }
    if (this.improves(current, this.best)) {
      this.best = current;
      this.wait = 0;
    } else if (!this.inCooldown()) {
      this.wait += 1;
      if (this.wait >= this.patience) {
        const oldLr = opt.learningRate;
        if (oldLr > Math.fround(this.minLr)) {
          const newLr = Math.max(oldLr * this.factor, this.minLr);
          opt.learningRate = newLr;
          if (this.verbose > 0) this.log(`\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${newLr}.`);
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}

/** Creates a {@link ReduceLROnPlateau} callback. */
export function reduceLROnPlateau(options: ReduceLROnPlateauOptions = {}): ReduceLROnPlateau {
  return new ReduceLROnPlateau(options);
}

/** The model's optimizer, or a clear error. */
export function requireOptimizer(cb: Callback, who: string): OptimizerLike {
  const model = cb.model;
  if (!model) throw new Error(`${who}: no model set (call setModel before training)`);
  if (!model.optimizer) throw new Error(`${who}: the model has no optimizer (compile it first)`);
  return model.optimizer;
}
