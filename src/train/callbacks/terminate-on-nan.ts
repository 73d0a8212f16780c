import { Callback } from './base.js';
import type { CallbackState, CheckpointableCallback, Logs } from './types.js';

/** Options of {@link terminateOnNaN}. */
export interface TerminateOnNaNOptions {
  /** Throw instead of setting `model.stopTraining` (skips other callbacks' onTrainEnd). Default false. */
  raiseError?: boolean;
  log?: (message: string) => void;
}

/**
 * Keras's `TerminateOnNaN`: after every batch, if `logs.loss` is NaN or ±Infinity, stops
 * training (or throws with `raiseError`). `batch` in messages is the index within the epoch.
 *
 * @example
 * callbacks: [terminateOnNaN()]
 */
export class TerminateOnNaN extends Callback implements CheckpointableCallback {
  /** 0-based batch (within its epoch) where the bad loss was seen; null if none. */
  stoppedBatch: number | null = null;
  private readonly raiseError: boolean;
  private readonly log: (m: string) => void;

  constructor(options: TerminateOnNaNOptions = {}) {
    super();
    this.raiseError = options.raiseError ?? false;
    this.log = options.log ?? ((m) => console.log(m));
  }

  override onTrainBegin(): void {
    this.stoppedBatch = null;
  }

  checkpointState(): CallbackState {
    return { state: { stoppedBatch: this.stoppedBatch } };
  }

  restoreCheckpointState(saved: CallbackState): void {
    this.stoppedBatch = (saved.state as { stoppedBatch: number | null }).stoppedBatch;
  }

  override onBatchEnd(batch: number, logs?: Logs): void {
    const loss = logs?.loss;
    if (loss === undefined || loss === null || Number.isFinite(loss)) return;
    if (this.raiseError) {
      throw new Error(`NaN or Inf loss encountered at batch ${batch}. Loss value: ${loss}. Terminating training immediately.`);
    }
    this.log(`Batch ${batch}: Invalid loss, terminating training`);
    this.stoppedBatch = batch;
    this.requireModel().stopTraining = true;
  }
}

/** Creates a {@link TerminateOnNaN} callback. */
export function terminateOnNaN(options: TerminateOnNaNOptions = {}): TerminateOnNaN {
  return new TerminateOnNaN(options);
}
