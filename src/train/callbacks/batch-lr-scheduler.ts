import type { MomentumSchedule, Schedule } from '../schedules/types.js';
import { Callback } from './base.js';
import { requireOptimizer } from './reduce-lr-on-plateau.js';
import type { CallbackState, CheckpointableCallback, Logs } from './types.js';

/** Options of {@link batchLearningRateScheduler}. */
export interface BatchLearningRateSchedulerOptions {
  /**
   * Global step of the first batch. Default: `params.initialEpoch × params.steps` (0 for a fresh
   * run), so a resumed fit continues the schedule where it left off.
   */
  initialStep?: number;
  /**
   * Momentum schedule, applied to the optimizer's `beta1` (Adam) or else `momentum` (SGD).
   * Default: the schedule's own `.momentum` (one-cycle, cyclical) when the optimizer has either
   * field; `false` disables momentum cycling.
   */
  momentum?: Schedule | false;
  verbose?: number;
  log?: (message: string) => void;
}

/**
 * Applies a per-batch {@link Schedule} (src/train/schedules) to `model.optimizer.learningRate`
 * before every batch, with the global step counted across epochs. Batch and epoch logs get
 * `learning_rate` (and `momentum` when cycled). Steps past the schedule's end are the
 * schedule's business (one-cycle holds its final value).
 *
 * @example
 * const steps = Math.ceil(25000 / 512) * 10;
 * callbacks: [batchLearningRateScheduler(oneCycle({ maxLr: 3e-3, totalSteps: steps }))]
 */
export class BatchLearningRateScheduler extends Callback implements CheckpointableCallback {
  /** Global step of the next batch to begin (counted when a batch begins, not when its loss arrives). */
  step = 0;
  /** LR applied to the last batch begun. */
  lastLr = NaN;
  /** Momentum applied to the last batch begun (NaN when not cycled). */
  lastMomentum = NaN;
  /** Index within its epoch of the last batch begun, to place the late onBatchEnd calls. */
  private lastBatch = -1;
  private readonly options: BatchLearningRateSchedulerOptions;
  private readonly log: (m: string) => void;

  constructor(readonly schedule: Schedule, options: BatchLearningRateSchedulerOptions = {}) {
    super();
    this.options = options;
    this.log = options.log ?? ((m) => console.log(m));
  }

  checkpointState(): CallbackState {
    return { state: { step: this.step, lastLr: this.lastLr, lastMomentum: this.lastMomentum } };
  }

  restoreCheckpointState(saved: CallbackState): void {
    const s = saved.state as { step: number; lastLr: number; lastMomentum: number };
    this.step = s.step;
    this.lastLr = s.lastLr;
    this.lastMomentum = s.lastMomentum;
  }

  override onTrainBegin(): void {
    this.step = this.options.initialStep ?? (this.params.initialEpoch ?? 0) * (this.params.steps ?? 0);
    this.lastLr = NaN;
    this.lastMomentum = NaN;
    this.lastBatch = -1;
  }

  private momentumSchedule(): Schedule | undefined {
    return this.options.momentum === false ? undefined : this.options.momentum ?? (this.schedule as Partial<MomentumSchedule>).momentum;
  }

  override onBatchBegin(batch: number): void {
    const opt = requireOptimizer(this, 'BatchLearningRateScheduler');
    const lr = this.schedule(this.step);
    if (!Number.isFinite(lr)) throw new TypeError(`schedule(${this.step}) returned ${lr}, not a finite number`);
    opt.learningRate = lr;
    this.lastLr = lr;
    const mom = this.momentumSchedule();
    if (mom) {
      const m = mom(this.step);
      if (typeof opt.beta1 === 'number') {
        opt.beta1 = m;
        this.lastMomentum = m;
      } else if (typeof opt.momentum === 'number') {
        opt.momentum = m;
        this.lastMomentum = m;
      } else if (this.options.momentum) {
        throw new Error('BatchLearningRateScheduler: the optimizer has neither beta1 nor momentum to cycle');
      }
    }
    if ((this.options.verbose ?? 0) > 1) this.log(`step ${this.step} (batch ${batch}): learning rate ${lr}`);
    this.lastBatch = batch;
    this.step += 1;
  }

  /**
   * fit delivers onBatchEnd when the loss is read back, a few batches after that batch began
   * (src/train/readback.ts), but in order and within its epoch: so the batch's global step is
   * `batch` counted back from the last batch begun.
   */
  override onBatchEnd(batch: number, logs?: Logs): void {
    if (!logs || this.lastBatch < 0) return;
    const at = this.step - 1 - (this.lastBatch - batch);
    // fit logs the LR the step really used; fill it in for loops that do not.
    logs.learning_rate ??= this.schedule(at);
    const mom = this.momentumSchedule();
    if (mom && !Number.isNaN(this.lastMomentum)) logs.momentum = mom(at);
  }

  override onEpochEnd(_epoch: number, logs?: Logs): void {
    if (logs && !Number.isNaN(this.lastLr)) logs.learning_rate = this.lastLr;
  }
}

/** Creates a {@link BatchLearningRateScheduler}. */
export function batchLearningRateScheduler(schedule: Schedule, options: BatchLearningRateSchedulerOptions = {}): BatchLearningRateScheduler {
  return new BatchLearningRateScheduler(schedule, options);
}
