// Training-loop methods on Sequential (TF.js `model.fit/evaluate`), added here so src/nn stays
// free of training loops.
import type { Dataset } from '../data/dataset.js';
import { Sequential } from '../nn/sequential.js';
import { checkOptions, WebgradError } from '../tensor/errors.js';
import type { Logs } from './callbacks/types.js';
import { evaluate, evaluateDataset, fit, type FitArgs, type History } from './fit.js';
import type { ArrayInput } from './inputs.js';

declare module '../nn/sequential.js' {
  interface Sequential {
    /**
     * Trains the model (Keras/TF.js `fit`).
     * @example
     * const history = await model.fit(x, y, { epochs: 30, batchSize: 512, validationData: [xv, yv],
     *   callbacks: [wg.callbacks.earlyStopping({ monitor: 'val_accuracy', minDelta: 1e-4, patience: 1 })] });
     */
    fit(x: ArrayInput | Dataset, y?: ArrayInput, args?: FitArgs): Promise<History>;
    /** Loss and metrics over data, in batches (Keras `evaluate`). */
    evaluate(x: ArrayInput | Dataset, y?: ArrayInput, args?: { batchSize?: number }): Promise<Logs>;
  }
}

Sequential.prototype.fit = function (this: Sequential, x: ArrayInput | Dataset, y?: ArrayInput, args?: FitArgs) {
  return fit(this, x, y, args);
};
Sequential.prototype.evaluate = async function (this: Sequential, x: ArrayInput | Dataset, y?: ArrayInput, args: { batchSize?: number } = {}) {
  if (y === undefined) {
    checkOptions('evaluate', args, ['batchSize'], 'args');
    if (!(x instanceof Object) || !('stepsPerEpoch' in x)) throw new WebgradError('evaluate', 'y is missing (pass y, or a Dataset as x)');
    return evaluateDataset(this, x as Dataset, args.batchSize);
  }
  return evaluate(this, x as ArrayInput, y, args);
};
