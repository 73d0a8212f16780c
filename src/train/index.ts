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
export { fit, evaluate, evaluateDataset, type FitArgs, type History } from './fit.js';
export type { FitModel } from './model.js';
export { findLearningRate, findLearningRateSeeds, type FindLrOptions, type FindLrResult } from './find-lr.js';
export * as schedules from './schedules/index.js';
export * as lrFinder from './lr-finder/index.js';
export { ProgressBar, formatDuration } from './progress.js';
export { ReadbackRing } from './readback.js';
