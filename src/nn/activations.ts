import { didYouMean, fail } from '../tensor/errors.js';
import { div, exp, relu, sigmoid, sub, tanh } from '../tensor/ops/elementwise.js';
import { max, sum } from '../tensor/ops/reduce.js';
import { noGrad } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';

export type ActivationName = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax';
export const ACTIVATIONS: readonly ActivationName[] = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'];

/**
 * A sigmoid's output remembers its logits (as Keras's `_keras_logits`), so binary cross-entropy
 * can use the stable from-logits form when a model ends in a sigmoid.
 */
const logitsOfSigmoid = new WeakMap<Tensor, Tensor>();

export function logitsOf(probabilities: Tensor): Tensor | undefined {
  const l = logitsOfSigmoid.get(probabilities);
  return l && !l.isDisposed ? l : undefined;
}

/** Softmax over the last axis; the max is subtracted as a constant (it does not change the value). */
export function softmax(x: Tensor): Tensor {
  const m = noGrad(() => max(x, -1, true));
  const e = exp(sub(x, m));
  return div(e, sum(e, -1, true));
}

export function activation(name: ActivationName, x: Tensor): Tensor {
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return relu(x);
    case 'tanh':
      return tanh(x);
    case 'softmax':
      return softmax(x);
    case 'sigmoid': {
      const y = sigmoid(x);
      logitsOfSigmoid.set(y, x);
      return y;
    }
    default:
      return fail('activation', `unknown activation '${String(name)}'; use one of ${ACTIVATIONS.join(', ')}`);
  }
}

export function checkActivation(op: string, name: string | undefined): ActivationName {
  const n = name ?? 'linear';
  if (!(ACTIVATIONS as readonly string[]).includes(n)) {
    const guess = typeof n === 'string' ? didYouMean(n, ACTIVATIONS) : undefined;
    fail(op, `unknown activation '${n}'${guess ? ` (did you mean '${guess}'?)` : ''}; use one of ${ACTIVATIONS.join(', ')}`);
  }
  return n as ActivationName;
}
