import { checkOptions, fail } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { gruSequence } from './gru-math.js';
import { glorotUniform, orthogonal, zerosInit } from './initializers.js';
import { LAYER_ARGS, Layer, lastDim, type CallArgs, type LayerArgs, type SymbolicShape } from './layer.js';

export interface GRUArgs extends LayerArgs {
  units: number;
  /** Only 'tanh' (Keras's default) is implemented. */
  activation?: 'tanh';
  /** Only 'sigmoid' (Keras's default) is implemented. */
  recurrentActivation?: 'sigmoid';
  useBias?: boolean;
  /** Keras TF2 default true: bias (2, 3u), reset gate applied after the recurrent product. */
  resetAfter?: boolean;
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  /** Masked steps output zeros rather than the carried state (Bidirectional sets it to returnSequences). */
  zeroOutputForMask?: boolean;
}

/** Recurrent layers Bidirectional can wrap. */
export interface RecurrentLayer extends Layer {
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  /** A fresh, unbuilt copy of this layer's configuration with some options changed. */
  cloneWith(overrides: Partial<GRUArgs>): RecurrentLayer;
}

/**
 * Keras's GRU: kernel (in, 3u) glorot_uniform, recurrent_kernel (u, 3u) orthogonal, zero bias,
 * gate order [z | r | h]. Weights are named `<layer>/gru_cell/{kernel, recurrent_kernel, bias}`.
 * The math lives in `gruSequence`.
 */
export class GRU extends Layer implements RecurrentLayer {
  readonly className = 'GRU';
  readonly units: number;
  readonly useBias: boolean;
  readonly resetAfter: boolean;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly zeroOutputForMask: boolean;
  kernel: Tensor | null = null;
  recurrentKernel: Tensor | null = null;
  bias: Tensor | null = null;

  constructor(private readonly args: GRUArgs) {
    checkOptions('gru', args, [...LAYER_ARGS, 'units', 'activation', 'recurrentActivation', 'useBias', 'resetAfter', 'returnSequences', 'returnState', 'goBackwards', 'zeroOutputForMask'], 'args');
    super(args, 'gru');
    if (!Number.isInteger(args.units) || args.units <= 0) fail('gru', `units must be a positive integer, got ${args.units}`);
    if ((args.activation ?? 'tanh') !== 'tanh') fail('gru', `activation '${args.activation}' is not supported (only 'tanh')`);
    if ((args.recurrentActivation ?? 'sigmoid') !== 'sigmoid') fail('gru', `recurrentActivation '${args.recurrentActivation}' is not supported (only 'sigmoid')`);
    this.units = args.units;
    this.useBias = args.useBias ?? true;
    this.resetAfter = args.resetAfter ?? true;
    this.returnSequences = args.returnSequences ?? false;
    this.returnState = args.returnState ?? false;
    this.goBackwards = args.goBackwards ?? false;
    this.zeroOutputForMask = args.zeroOutputForMask ?? false;
    this.supportsMasking = true;
  }

  cloneWith(overrides: Partial<GRUArgs>): GRU {
    const { name: _n, ...rest } = this.args;
    return new GRU({ ...rest, ...overrides });
  }

  protected buildWeights(inputShape: SymbolicShape): void {
    if (inputShape.length !== 3) fail(this.name, `expects input [batch, time, features], got rank ${inputShape.length}`);
    const u = this.units;
    this.kernel = this.addWeight('gru_cell/kernel', [lastDim(this.name, inputShape), 3 * u], glorotUniform);
    this.recurrentKernel = this.addWeight('gru_cell/recurrent_kernel', [u, 3 * u], orthogonal());
    if (this.useBias) this.bias = this.addWeight('gru_cell/bias', this.resetAfter ? [2, 3 * u] : [3 * u], zerosInit);
  }

  computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return this.returnSequences ? [inputShape[0]!, inputShape[1]!, this.units] : [inputShape[0]!, this.units];
  }

  protected call(x: Tensor, { mask }: Required<CallArgs>): Tensor | Tensor[] {
    const { output, state } = gruSequence(x, this.kernel!, this.recurrentKernel!, this.bias, {
      units: this.units,
      resetAfter: this.resetAfter,
      goBackwards: this.goBackwards,
      returnSequences: this.returnSequences,
      mask,
      zeroOutputForMask: this.zeroOutputForMask,
    });
    return this.returnState ? [output, state] : output;
  }

  override computeMask(_x: Tensor, mask: Tensor | null): Tensor | null {
    return this.returnSequences ? mask : null;
  }
}
