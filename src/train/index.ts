/**
 * `wg.train`: optimizers (TF.js names), the training loop, the LR range test and LR schedules.
 *
 * @example
 * model.compile({ optimizer: wg.train.adam(), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
 * const finder = await wg.train.findLearningRate(model, x, y, { startLr: 1e-6, endLr: 1, epochs: 5 });
 * model.optimizer.learningRate = finder.suggestion();
 */
import './sequential-fit.js';

export * from '../optim/index.js';
import { adam as adamUnchecked, adamw as adamwUnchecked, sgd as sgdUnchecked, type Adam, type AdamArgs, type AdamW, type AdamWArgs, type SGD, type SGDArgs } from '../optim/index.js';
import { checkOptions } from '../tensor/errors.js';
export { fit, evaluate, evaluateDataset, type FitArgs, type History } from './fit.js';
export type { FitModel } from './model.js';
export { findLearningRate, findLearningRateSeeds, type FindLrOptions, type FindLrResult } from './find-lr.js';
export * as schedules from './schedules/index.js';
export * as lrFinder from './lr-finder/index.js';
export { ProgressBar, formatDuration } from './progress.js';
export { ReadbackRing } from './readback.js';
export {
  saveCheckpoint, loadCheckpoint, findCheckpoint, encodeCheckpoint, CHECKPOINT_FILE,
  type CheckpointOptions, type TrainingCheckpoint, type PendingStep,
} from './checkpoint.js';

// The optimizer factories with their options checked (a typo such as `learning_rate` is an error
// with a "did you mean", not a silently ignored key). These shadow src/optim's unchecked ones.
const CLIP = ['learningRate', 'clipnorm', 'clipvalue', 'globalClipnorm'];
const ADAM = [...CLIP, 'beta1', 'beta2', 'epsilon', 'amsgrad'];
const checked = <A, O>(name: string, known: readonly string[], make: (a?: A | number) => O) => (args?: A | number): O => {
  if (typeof args !== 'number') checkOptions(name, args, known, 'args');
  return make(args);
};
/** Adam (Keras defaults). `adam(0.01)` is shorthand for `adam({ learningRate: 0.01 })`. */
export const adam: (args?: AdamArgs | number) => Adam = checked('adam', ADAM, adamUnchecked);
/** AdamW: Adam with decoupled weight decay (default 0.004). */
export const adamw: (args?: AdamWArgs | number) => AdamW = checked('adamw', [...ADAM, 'weightDecay'], adamwUnchecked);
/** SGD with optional momentum and Nesterov. */
export const sgd: (args?: SGDArgs | number) => SGD = checked('sgd', [...CLIP, 'momentum', 'nesterov'], sgdUnchecked);
export {
  studyBatchSize, studyBatchCharts, recommend as recommendBatchSize,
  type StudyBatchOptions, type StudyBatchEntry, type StudyBatchResult,
} from './study-batch.js';
export {
  measureNoiseScale, estimateNoiseScale, batchGradient,
  type NoiseScaleOptions, type NoiseScaleResult, type NoiseScaleEstimate, type GradientModel,
} from './noise-scale.js';
