import { didYouMean, fail } from '../tensor/errors.js';
import { equal, greater } from '../tensor/ops/elementwise.js';
import { binaryAccuracyFused } from '../tensor/ops/fused.js';
import { mean } from '../tensor/ops/reduce.js';
import type { Tensor } from '../tensor/tensor.js';
import { alignLabels } from './losses.js';

export type MetricFn = ((yTrue: Tensor, yPred: Tensor) => Tensor) & { metricName?: string };

/** Fraction of predictions on the right side of `threshold` (Keras binary_accuracy); one dispatch. */
export function binaryAccuracy(yTrue: Tensor, yPred: Tensor, threshold = 0.5): Tensor {
  const y = alignLabels('binaryAccuracy', yTrue, yPred);
  if (yPred.dtype === 'float32') return binaryAccuracyFused(y, yPred, threshold);
  return mean(equal(greater(yPred, threshold), y));
}

/** Resolves a metric; 'accuracy'/'acc' becomes binaryAccuracy for binary cross-entropy or a single output. */
export function getMetric(metric: string | MetricFn, lossName: string): MetricFn {
  if (typeof metric === 'function') return metric;
  const binary: MetricFn = Object.assign((a: Tensor, b: Tensor) => binaryAccuracy(a, b), { metricName: 'binaryAccuracy' });
  switch (metric) {
    case 'binaryAccuracy':
    case 'binary_accuracy':
      return binary;
    case 'accuracy':
    case 'acc':
      if (lossName === 'binaryCrossentropy' || lossName === 'meanSquaredError') return Object.assign((a: Tensor, b: Tensor) => binaryAccuracy(a, b), { metricName: 'accuracy' });
      return fail('compile', `metric 'accuracy' needs a binary task here (loss '${lossName}'); only binaryAccuracy is implemented`);
    default: {
      const guess = typeof metric === 'string' ? didYouMean(metric, ['accuracy', 'acc', 'binaryAccuracy', 'binary_accuracy']) : undefined;
      return fail('compile', `unknown metric '${String(metric)}'${guess ? ` (did you mean '${guess}'?)` : ''}; use 'accuracy', 'binaryAccuracy' or a function`);
    }
  }
}
