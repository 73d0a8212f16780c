/**
 * Training callbacks with TF.js/Keras names: `earlyStopping`, `reduceLROnPlateau`,
 * `learningRateScheduler`, `terminateOnNaN`, `batchLearningRateScheduler`, `modelCheckpoint`, `lambdaCallback`.
 *
 * @example
 * import { callbacks } from 'webgrad';
 * const es = callbacks.earlyStopping({ monitor: 'val_accuracy', minDelta: 1e-4, patience: 1, restoreBestWeights: true });
 */
export type { Logs, TrainableModel, OptimizerLike, TrainParams } from './types.js';
export { Callback, CallbackList, lambdaCallback, type CallbackHooks } from './base.js';
export { resolveMode, type MonitorMode } from './monitor.js';
export { EarlyStopping, earlyStopping, type EarlyStoppingOptions, type EarlyStoppingSummary, type StopReason } from './early-stopping.js';
export { ReduceLROnPlateau, reduceLROnPlateau, type ReduceLROnPlateauOptions } from './reduce-lr-on-plateau.js';
export { LearningRateScheduler, learningRateScheduler, type EpochSchedule } from './lr-scheduler.js';
export { TerminateOnNaN, terminateOnNaN, type TerminateOnNaNOptions } from './terminate-on-nan.js';
export { BatchLearningRateScheduler, batchLearningRateScheduler, type BatchLearningRateSchedulerOptions } from './batch-lr-scheduler.js';
export { ModelCheckpoint, modelCheckpoint, fillPath, type ModelCheckpointOptions } from './model-checkpoint.js';
export type { CallbackState, CheckpointableCallback } from './types.js';
