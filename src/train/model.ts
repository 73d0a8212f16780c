import type { Tensor } from '../tensor/tensor.js';
import type { OptimizerLike, TrainableModel } from './callbacks/types.js';

/**
 * What the training loop needs from a model (webgrad's Sequential satisfies it). Kept as an
 * interface so src/train does not depend on src/nn's classes.
 */
export interface FitModel extends TrainableModel {
  /**
   * One optimisation step; returns [loss, ...metrics] as scalar tensors, not read back. With
   * `checkGradients`, one more scalar follows: the sum of every gradient element (finite exactly
   * when the gradients are).
   */
  trainStep(x: Tensor, y: Tensor, options?: { checkGradients?: boolean }): Tensor[];
  /** [loss, ...metrics] on a batch, without gradients. */
  testOnBatch(x: Tensor, y: Tensor): Tensor[];
  /** 'loss' and the metrics' names, in the order the two methods above return them. */
  readonly metricsNames: readonly string[];
  readonly optimizer?: (OptimizerLike & { getState?(): unknown; setState?(s: never): void }) | null;
  /** The weights by name (checkpoints and the non-finite guard need them; wg.sequential has them). */
  readonly weights?: readonly { readonly name: string; readonly value: Tensor }[];
}
