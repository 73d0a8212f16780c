import { copyKernel } from '../kernels/copy.js';
import { fail, fmtShape } from '../tensor/errors.js';
import { engine } from '../tensor/engine.js';
import { sameShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * Device-side value copies for weights and optimizer state: parameters are updated in place, so
 * saving and restoring them (getWeights/setWeights, optimizer getState/setState, the LR finder's
 * restore) copies values rather than swapping tensors.
 */

/** Copies `source`'s values into `target`'s storage (one dispatch when both share a backend). */
export function assign(target: Tensor, source: Tensor | ArrayLike<number>, what = 'assign'): void {
  const dst = target.storageFor(what);
  if (!(source instanceof Tensor)) {
    if (source.length !== target.size) fail(what, `got ${source.length} values for a tensor of shape ${fmtShape(target.shape)} (${target.size} elements)`);
    dst.backend.write(dst, source);
    return;
  }
  if (!sameShape(source.shape, target.shape)) fail(what, `shape ${fmtShape(source.shape)} does not match the target's ${fmtShape(target.shape)}`);
  if (source.dtype !== target.dtype) fail(what, `dtype ${source.dtype} does not match the target's ${target.dtype}`);
  const src = source.storageFor(what);
  if (target.size === 0 || src === dst) return;
  if (src.backend === dst.backend) {
    const piece = { input: 0, shape: [target.size], srcOffset: 0, srcStrides: [1], dstOffset: 0, dstStrides: [1] };
    dst.backend.dispatch(copyKernel(what, target.dtype, 1, [piece]), [src], [dst]);
    return;
  }
  if (!src.backend.readSync) fail(what, `the source lives on the ${src.backend.name} backend and the target on ${dst.backend.name}; move it first with 'await wg.toBackend(t, backend)'`);
  dst.backend.write(dst, src.backend.readSync(src));
}

/** A new tensor (on `like`'s backend) holding a copy of its values, outside every scope. */
export function clone(like: Tensor, what = 'clone'): Tensor {
  const backend = like.storageFor(what).backend;
  const out = new Tensor(like.shape, like.dtype, backend.alloc(like.size, like.dtype));
  assign(out, like, what);
  return engine.keep(out);
}
