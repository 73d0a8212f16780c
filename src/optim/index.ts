/**
 * Optimizers with TF.js names and one options object: `wg.train.adam({ learningRate })`.
 */
import { fail } from '../tensor/errors.js';
import { registerOptimizerResolver } from '../nn/optimizer-like.js';
import { Adam, AdamW, type AdamArgs, type AdamWArgs } from './adam.js';
import { SGD, type SGDArgs } from './sgd.js';

export { Adam, AdamW, SGD };
export type { AdamArgs, AdamWArgs, SGDArgs };
export { Optimizer, type OptimizerArgs, type OptimizerState, type SlotState } from './optimizer.js';
export { clipByNorm, clipByGlobalNorm } from './clip.js';

const opts = <T extends { learningRate?: number }>(a: T | number | undefined): T => (typeof a === 'number' ? ({ learningRate: a } as T) : (a ?? ({} as T)));

/** Adam (Keras defaults). `adam(0.01)` is shorthand for `adam({ learningRate: 0.01 })`. */
export const adam = (args?: AdamArgs | number): Adam => new Adam(opts(args));
/** AdamW: Adam with decoupled weight decay (default 0.004). */
export const adamw = (args?: AdamWArgs | number): AdamW => new AdamW(opts(args));
/** SGD with optional momentum and Nesterov. */
export const sgd = (args?: SGDArgs | number): SGD => new SGD(opts(args));

registerOptimizerResolver((name) => {
  switch (name.toLowerCase()) {
    case 'adam':
      return adam();
    case 'adamw':
      return adamw();
    case 'sgd':
      return sgd();
    default:
      return fail('compile', `unknown optimizer '${name}'; use 'adam', 'adamw', 'sgd' or an optimizer object`);
  }
});
