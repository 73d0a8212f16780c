import { add, div, maximum, mul, sqrt, square } from '../tensor/ops/elementwise.js';
import { sum } from '../tensor/ops/reduce.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Keras's gradient clipping, on the device (no readback): by each gradient's L2 norm, by the
 * global norm of all of them, or elementwise by value.
 */

/** g · c / max(‖g‖, c): unchanged when ‖g‖ ≤ c. */
export function clipByNorm(g: Tensor, clipnorm: number): Tensor {
  const norm = sqrt(sum(square(g)));
  return mul(g, div(clipnorm, maximum(norm, clipnorm)));
}

/** Every g · c / max(‖all‖, c) with ‖all‖ the norm of all gradients together. */
export function clipByGlobalNorm(grads: readonly Tensor[], clipnorm: number): Tensor[] {
  if (grads.length === 0) return [];
  const total = sqrt(grads.map((g) => sum(square(g))).reduce((a, b) => add(a, b)));
  const scale = div(clipnorm, maximum(total, clipnorm));
  return grads.map((g) => mul(g, scale));
}
