import type { Logs, TrainableModel, TrainParams } from './types.js';

/**
 * Base class of training callbacks (TF.js/Keras `Callback`). Every hook is a no-op; override the
 * ones you need. Hooks may be async — the training loop awaits each one, in list order.
 * Epoch and batch indices are 0-based (Keras prints `epoch + 1`); `batch` is the index within
 * the epoch.
 *
 * @example
 * class PrintLoss extends Callback {
 *   override onEpochEnd(epoch: number, logs?: Logs) { console.log(epoch + 1, logs?.loss); }
 * }
 */
export class Callback {
  /** The model being trained; set by the loop through {@link setModel} before onTrainBegin. */
  model: TrainableModel | null = null;
  /** Run parameters; set by the loop through {@link setParams}. */
  params: TrainParams = {};

  setModel(model: TrainableModel): void {
    this.model = model;
  }

  setParams(params: TrainParams): void {
    this.params = params;
  }

  onTrainBegin(_logs?: Logs): void | Promise<void> {}
  onTrainEnd(_logs?: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}

  /** The model, or a clear error when the callback is used outside a training loop. */
  protected requireModel(): TrainableModel {
    if (!this.model) throw new Error(`${this.constructor.name}: no model set (call setModel before training)`);
    return this.model;
  }
}

/** Hooks accepted by {@link lambdaCallback} (TF.js `CustomCallbackArgs`). */
export interface CallbackHooks {
  onTrainBegin?: (logs?: Logs) => void | Promise<void>;
  onTrainEnd?: (logs?: Logs) => void | Promise<void>;
  onEpochBegin?: (epoch: number, logs?: Logs) => void | Promise<void>;
  onEpochEnd?: (epoch: number, logs?: Logs) => void | Promise<void>;
  onBatchBegin?: (batch: number, logs?: Logs) => void | Promise<void>;
  onBatchEnd?: (batch: number, logs?: Logs) => void | Promise<void>;
}

/**
 * A callback from plain functions (Keras `LambdaCallback`, TF.js's `{onEpochEnd: …}` objects).
 *
 * @example
 * const cb = lambdaCallback({ onEpochEnd: (epoch, logs) => console.log(epoch, logs?.val_loss) });
 */
export function lambdaCallback(hooks: CallbackHooks): Callback {
  const cb = new Callback();
  if (hooks.onTrainBegin) cb.onTrainBegin = hooks.onTrainBegin;
  if (hooks.onTrainEnd) cb.onTrainEnd = hooks.onTrainEnd;
  if (hooks.onEpochBegin) cb.onEpochBegin = hooks.onEpochBegin;
  if (hooks.onEpochEnd) cb.onEpochEnd = hooks.onEpochEnd;
  if (hooks.onBatchBegin) cb.onBatchBegin = hooks.onBatchBegin;
  if (hooks.onBatchEnd) cb.onBatchEnd = hooks.onBatchEnd;
  return cb;
}

/**
 * Calls a list of callbacks in order, awaiting each hook; the training loop holds one of these.
 * Plain hook objects are wrapped with {@link lambdaCallback}.
 *
 * @example
 * const list = new CallbackList([earlyStopping(), { onEpochEnd: (e, l) => console.log(e, l) }]);
 * list.setModel(model); list.setParams({ epochs: 10, steps: 50 });
 * await list.onTrainBegin();
 */
export class CallbackList {
  readonly callbacks: Callback[];

  constructor(callbacks: ReadonlyArray<Callback | CallbackHooks> = []) {
    this.callbacks = callbacks.map((c) => (c instanceof Callback ? c : lambdaCallback(c)));
  }

  setModel(model: TrainableModel): void {
    for (const c of this.callbacks) c.setModel(model);
  }

  setParams(params: TrainParams): void {
    for (const c of this.callbacks) c.setParams(params);
  }

  async onTrainBegin(logs?: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onTrainBegin(logs);
  }

  async onTrainEnd(logs?: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onTrainEnd(logs);
  }

  async onEpochBegin(epoch: number, logs?: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onEpochBegin(epoch, logs);
  }

  async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onEpochEnd(epoch, logs);
  }

  async onBatchBegin(batch: number, logs?: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onBatchBegin(batch, logs);
  }

  async onBatchEnd(batch: number, logs?: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onBatchEnd(batch, logs);
  }
}
