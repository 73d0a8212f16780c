import { checkOptions, fail } from '../tensor/errors.js';
import { dense } from '../tensor/ops/fused.js';
import { reshape } from '../tensor/ops/movement.js';
import type { Tensor } from '../tensor/tensor.js';
import { activation, checkActivation, type ActivationName } from './activations.js';
import { glorotUniform, zerosInit } from './initializers.js';
import { LAYER_ARGS, Layer, lastDim, type CallArgs, type LayerArgs, type SymbolicShape } from './layer.js';

export interface DenseArgs extends LayerArgs {
  units: number;
  /** linear (default) | relu | sigmoid | tanh | softmax */
  activation?: ActivationName;
  useBias?: boolean;
}

/**
 * y = activation(x·kernel + bias) over the last axis; kernel (in, units) glorot_uniform, zero bias.
 * One dispatch: the bias and a linear/relu/tanh activation are fused into the matmul's store
 * (sigmoid and softmax follow as their own op; the sigmoid keeps its logits for the loss).
 */
export class Dense extends Layer {
  readonly className = 'Dense';
  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  kernel: Tensor | null = null;
  bias: Tensor | null = null;

  constructor(args: DenseArgs) {
    checkOptions('dense', args, [...LAYER_ARGS, 'units', 'activation', 'useBias'], 'args');
    super(args, 'dense');
    if (!Number.isInteger(args.units) || args.units <= 0) fail('dense', `units must be a positive integer, got ${args.units}`);
    this.units = args.units;
    this.activation = checkActivation('dense', args.activation);
    this.useBias = args.useBias ?? true;
    this.supportsMasking = true;
  }

  protected buildWeights(inputShape: SymbolicShape): void {
    this.kernel = this.addWeight('kernel', [lastDim(this.name, inputShape), this.units], glorotUniform);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], zerosInit);
  }

  computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return [...inputShape.slice(0, -1), this.units];
  }

  protected call(x: Tensor, _args: Required<CallArgs>): Tensor {
    const lead = x.shape.slice(0, -1);
    const act = this.activation;
    const fused = act === 'linear' || act === 'relu' || act === 'tanh' ? act : 'linear';
    let y = dense(x.rank === 2 ? x : reshape(x, [-1, x.shape[x.rank - 1]!]), this.kernel!, this.bias, fused);
    if (x.rank !== 2) y = reshape(y, [...lead, this.units]);
    return fused === act ? y : activation(act, y);
  }
}
