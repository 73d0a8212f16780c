import { copyKernel } from '../../kernels/copy.js';
import type { GpuProgram, Kernel } from '../../kernels/backend.js';
import { zeros } from '../creation.js';
import { fail, fmtShape } from '../errors.js';
import { applyMulti, defineOp } from '../registry.js';
import { sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { stack } from './movement.js';

/**
 * Splits x along axis 0 into x.shape[0] tensors (TF.js `unstack` on axis 0). Unlike repeated
 * `slice`, its gradient is one `stack` of the pieces' gradients, so a loop over time steps costs
 * O(T) memory traffic backward, not O(T²).
 */
export const unstackOp = defineOp<void>({
  name: 'unstack',
  infer([x]) {
    if (x!.rank < 1) fail('unstack', `needs a tensor of rank ≥ 1, got shape ${fmtShape(x!.shape)}`);
    const shape = x!.shape.slice(1);
    return Array.from({ length: x!.shape[0]! }, () => ({ shape, dtype: x!.dtype }));
  },
  kernel([x], outs): Kernel {
    const n = sizeOf(x!.shape.slice(1));
    const pieceKernel = (k: number) => copyKernel('unstack', x!.dtype, 1, [{ input: 0, shape: [n], srcOffset: k * n, srcStrides: [1], dstOffset: 0, dstStrides: [1] }]);
    return {
      name: 'unstack',
      cpu([src], outputs) {
        outputs.forEach((o, k) => o.set(src!.subarray(k * n, (k + 1) * n)));
      },
      gpu(): GpuProgram[] {
        // Piece k copies into output k: bindings [x, output k] of [...inputs, ...outputs].
        return outs.map((_, k) => ({ ...(pieceKernel(k).gpu() as GpuProgram[])[0]!, bind: [0, 1 + k] }));
      },
    };
  },
  grad: ({ dys, inputs: [x] }) => {
    const shape = x!.shape.slice(1);
    return [stack(dys.map((d) => d ?? zeros(shape)), 0)];
  },
  spec: {
    cases: [
      { inputs: [{ shape: [5, 3, 4] }], attrs: undefined },
      { inputs: [{ shape: [1, 7] }], attrs: undefined },
      { inputs: [{ shape: [33, 9] }], attrs: undefined },
    ],
  },
});

export function unstack(x: Tensor): Tensor[] {
  return applyMulti(unstackOp, [x], undefined);
}
