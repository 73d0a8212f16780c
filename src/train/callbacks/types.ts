/**
 * The minimal contracts between callbacks and the training loop, so callbacks can be written and
 * tested before (and independently of) the real model: anything with these members plugs in.
 */

/** Keras-style logs: metric name → value (`loss`, `val_loss`, `accuracy`, `learning_rate`, …). */
export type Logs = Record<string, number>;

/** The optimizer surface callbacks touch. */
export interface OptimizerLike {
  /** Current learning rate; callbacks assign to it. */
  learningRate: number;
  /** Adam's β1, cycled by one-cycle/cyclical schedules when present. */
  beta1?: number;
  /** SGD momentum, cycled when present and `beta1` is not. */
  momentum?: number;
}

/**
 * What a callback may do with the model being trained.
 *
 * `getWeights()` must return a snapshot that later training does not change (copies, as Keras's
 * `get_weights()` returns NumPy copies); `setWeights()` must accept what `getWeights()` returned.
 * Either may be async (callbacks await them). When snapshots own resources (e.g. tensors),
 * `disposeWeights` is called for every snapshot a callback drops.
 */
export interface TrainableModel {
  /** Set to true to end training after the current batch/epoch (Keras `model.stop_training`). */
  stopTraining: boolean;
  getWeights(): unknown;
  setWeights(weights: unknown): void;
  /** Frees a snapshot returned by getWeights(). Optional. */
  disposeWeights?(weights: unknown): void;
  /** May be null before compile(); callbacks that need it then throw a clear error. */
  optimizer?: OptimizerLike | null;
}

/** What fit() tells callbacks about the run (Keras `callback.params`). */
export interface TrainParams {
  /** Total epochs requested. */
  epochs?: number;
  /** Batches per epoch. */
  steps?: number;
  /** Training samples. */
  samples?: number;
  batchSize?: number;
  /** First epoch index (resume). */
  initialEpoch?: number;
  verbose?: number;
}

/**
 * A callback's part of a training checkpoint (fit's `checkpoint` option): JSON data (non-finite
 * numbers allowed) plus float arrays such as a weight snapshot.
 */
export interface CallbackState {
  state: unknown;
  arrays?: Float32Array[];
}

/**
 * Callbacks whose state must survive a crash implement both methods; fit saves the state with
 * every checkpoint and, on resume, restores it after `onTrainBegin` (which resets it).
 */
export interface CheckpointableCallback {
  checkpointState(): CallbackState | Promise<CallbackState>;
  restoreCheckpointState(saved: CallbackState): void | Promise<void>;
}

/** Host copies of a weight snapshot (tensors with `data()`, or arrays), for checkpoints. */
export async function snapshotToArrays(snapshot: unknown): Promise<Float32Array[]> {
  if (!Array.isArray(snapshot)) return [];
  return Promise.all(snapshot.map(async (w: unknown) => {
    if (w && typeof (w as { data?: unknown }).data === 'function') return Float32Array.from(await (w as { data(): Promise<ArrayLike<number>> }).data());
    return Float32Array.from(w as ArrayLike<number>);
  }));
}
