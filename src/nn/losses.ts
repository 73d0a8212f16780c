import { didYouMean, fail, fmtShape } from '../tensor/errors.js';
import { cast, clipByValue, log, mul, square, sub, add, neg } from '../tensor/ops/elementwise.js';
import { sigmoidCrossEntropyWithLogits } from '../tensor/ops/bce.js';
import { bceWithLogitsMean, meanSquaredErrorFused } from '../tensor/ops/fused.js';
import { sameShape } from '../tensor/shape.js';
import { mean } from '../tensor/ops/reduce.js';
import { reshape } from '../tensor/ops/movement.js';
import type { Tensor } from '../tensor/tensor.js';
import { logitsOf } from './activations.js';

/** A loss: labels and predictions to a scalar (mean over the batch). */
export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** Keras's epsilon for clipping probabilities. */
export const EPSILON = 1e-7;

/** Labels as float32 in the prediction's shape ([batch] labels for a [batch, 1] prediction). */
export function alignLabels(op: string, yTrue: Tensor, yPred: Tensor): Tensor {
  let y = cast(yTrue, 'float32');
  if (y.rank !== yPred.rank || y.shape.some((d, i) => d !== yPred.shape[i])) {
    if (y.size !== yPred.size) fail(op, `labels of shape ${fmtShape(yTrue.shape)} do not match predictions of shape ${fmtShape(yPred.shape)}`);
    y = reshape(y, yPred.shape);
  }
  return y;
}

/**
 * Binary cross-entropy, mean over the batch. When the predictions come straight from a sigmoid
 * (a Dense layer with activation 'sigmoid'), it is computed from the logits in the stable form
 * max(x,0) − x·y + log1p(exp(−|x|)) — the loss and its mean in one dispatch, and its gradient
 * dy·(σ(x) − y)/n in one more; otherwise p is clipped to [1e-7, 1 − 1e-7].
 */
export function binaryCrossentropy(yTrue: Tensor, yPred: Tensor, { fromLogits = false } = {}): Tensor {
  const y = alignLabels('binaryCrossentropy', yTrue, yPred);
  const logits = fromLogits ? yPred : logitsOf(yPred);
  if (logits && logits.dtype === 'float32' && sameShape(logits.shape, y.shape)) return bceWithLogitsMean(y, logits);
  if (logits) return mean(sigmoidCrossEntropyWithLogits(y, logits));
  return clippedBce(y, yPred);
}

// −mean[y·log p + (1 − y)·log(1 − p)] with p clipped to [ε, 1 − ε].
function clippedBce(y: Tensor, yPred: Tensor): Tensor {
  const p = clipByValue(yPred, EPSILON, 1 - EPSILON);
  return neg(mean(add(mul(y, log(p)), mul(sub(1, y), log(sub(1, p))))));
}

/** Binary cross-entropy on probabilities only (never from logits): the clipped form. */
export function binaryCrossentropyFromProbabilities(yTrue: Tensor, yPred: Tensor): Tensor {
  return clippedBce(alignLabels('binaryCrossentropy', yTrue, yPred), yPred);
}

/** mean((yPred − yTrue)²); one dispatch (and one for its gradient). */
export function meanSquaredError(yTrue: Tensor, yPred: Tensor): Tensor {
  const y = alignLabels('meanSquaredError', yTrue, yPred);
  if (yPred.dtype === 'float32') return meanSquaredErrorFused(y, yPred);
  return mean(square(sub(yPred, y)));
}

const BY_NAME: Record<string, LossFn> = {
  binaryCrossentropy: (a, b) => binaryCrossentropy(a, b),
  binary_crossentropy: (a, b) => binaryCrossentropy(a, b),
  meanSquaredError,
  mean_squared_error: meanSquaredError,
  mse: meanSquaredError,
};

/** Resolves a loss given by name (TF.js and Keras spellings) or function. */
export function getLoss(loss: string | LossFn): LossFn {
  if (typeof loss === 'function') return loss;
  const fn = typeof loss === 'string' && Object.hasOwn(BY_NAME, loss) ? BY_NAME[loss] : undefined;
  if (!fn) {
    const guess = typeof loss === 'string' ? didYouMean(loss, Object.keys(BY_NAME)) : undefined;
    fail('compile', `unknown loss '${String(loss)}'${guess ? ` (did you mean '${guess}'?)` : ''}; use one of ${Object.keys(BY_NAME).join(', ')} or a function`);
  }
  return fn;
}

/** Canonical name of a loss given by name, for resolving 'accuracy'. */
export function lossName(loss: string | LossFn): string {
  if (typeof loss === 'function') return loss === meanSquaredError ? 'meanSquaredError' : loss.name;
  return BY_NAME[loss] === meanSquaredError ? 'meanSquaredError' : 'binaryCrossentropy';
}
