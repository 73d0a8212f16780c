import { checkOptions, fail } from '../tensor/errors.js';
import { add, mul } from '../tensor/ops/elementwise.js';
import { gruFusedAvailable, gruSequenceStacked } from '../tensor/ops/gru.js';
import { concat, reshape, reverse } from '../tensor/ops/movement.js';
import type { Tensor } from '../tensor/tensor.js';
import { GRU, type RecurrentLayer } from './gru.js';
import { LAYER_ARGS, Layer, type CallArgs, type LayerArgs, type SymbolicShape } from './layer.js';

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';

export interface BidirectionalArgs extends LayerArgs {
  layer: RecurrentLayer;
  /** concat (default: [forward, backward]) | sum | mul | ave; null returns both outputs. */
  mergeMode?: MergeMode | null;
}

/**
 * Runs a recurrent layer forward and a copy of it backward (goBackwards flipped), each with its
 * own weights (`forward_<name>`, `backward_<name>`; forward's weights first), and merges them. The
 * backward sequence output is reversed back to input time order before merging.
 */
export class Bidirectional extends Layer {
  readonly className = 'Bidirectional';
  readonly forwardLayer: RecurrentLayer;
  readonly backwardLayer: RecurrentLayer;
  readonly mergeMode: MergeMode | null;
  readonly returnSequences: boolean;
  readonly returnState: boolean;

  constructor(args: BidirectionalArgs) {
    checkOptions('bidirectional', args, [...LAYER_ARGS, 'layer', 'mergeMode'], 'args');
    if (!args || typeof (args.layer as { cloneWith?: unknown } | undefined)?.cloneWith !== 'function') {
      fail('bidirectional', `layer must be a recurrent layer (wg.layers.gru(...)), got ${args?.layer === undefined ? 'undefined' : String(args.layer)}`);
    }
    super(args, 'bidirectional');
    const { layer } = args;
    const mode = args.mergeMode === undefined ? 'concat' : args.mergeMode;
    if (mode !== null && !['concat', 'sum', 'mul', 'ave'].includes(mode)) fail('bidirectional', `unknown mergeMode '${mode}'; use concat, sum, mul, ave or null`);
    if (layer.built) fail('bidirectional', `the wrapped layer '${layer.name}' is already built; pass a fresh layer (its configuration is copied for each direction)`);
    this.mergeMode = mode;
    this.returnSequences = layer.returnSequences;
    this.returnState = layer.returnState;
    // As in Keras, masked steps of a sequence output are zeros in both directions.
    this.forwardLayer = layer.cloneWith({ name: `forward_${layer.name}`, zeroOutputForMask: layer.returnSequences });
    this.backwardLayer = layer.cloneWith({ name: `backward_${layer.name}`, goBackwards: !layer.goBackwards, zeroOutputForMask: layer.returnSequences });
    this.forwardLayer.parent = this;
    this.backwardLayer.parent = this;
    this.supportsMasking = true;
  }

  override get sublayers(): readonly Layer[] {
    return [this.forwardLayer, this.backwardLayer];
  }

  protected buildWeights(inputShape: SymbolicShape): void {
    this.forwardLayer.build(inputShape);
    this.backwardLayer.build(inputShape);
  }

  computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const one = this.forwardLayer.computeOutputShape(inputShape);
    if (this.mergeMode !== 'concat') return one;
    const last = one[one.length - 1]!;
    return [...one.slice(0, -1), last === null ? null : 2 * last];
  }

  protected call(x: Tensor, args: Required<CallArgs>): Tensor | Tensor[] {
    const stacked = this.stackedGru(x, args);
    if (stacked) return stacked;
    const asList = (y: Tensor | Tensor[]) => (Array.isArray(y) ? y : [y]);
    const [yF, ...statesF] = asList(this.forwardLayer.apply(x, args));
    const [yBRaw, ...statesB] = asList(this.backwardLayer.apply(x, args));
    const yB = this.returnSequences ? reverse(yBRaw!, 1) : yBRaw!;
    let merged: Tensor[];
    switch (this.mergeMode) {
      case 'concat': merged = [concat([yF!, yB], -1)]; break;
      case 'sum': merged = [add(yF!, yB)]; break;
      case 'mul': merged = [mul(yF!, yB)]; break;
      case 'ave': merged = [mul(add(yF!, yB), 0.5)]; break;
      default: merged = [yF!, yB];
    }
    const out = [...merged, ...statesF, ...statesB];
    return out.length === 1 ? out[0]! : out;
  }

  /**
   * The common case — two GRUs, concatenated outputs, no mask or returned states, the fused
   * kernels — as one stacked pass over both directions (gruSequenceStacked): one input projection
   * GEMM for both, one dispatch per recurrence and per BPTT, and the input gradient of both
   * directions from one GEMM instead of two and a sum. The layers keep their own weights (stacked
   * per call: a few small copies). Null when the case does not apply.
   */
  private stackedGru(x: Tensor, args: Required<CallArgs>): Tensor | null {
    const f = this.forwardLayer;
    const b = this.backwardLayer;
    if (!(f instanceof GRU) || !(b instanceof GRU) || this.mergeMode !== 'concat' || this.returnState || args.mask) return null;
    // With a wrapped goBackwards layer, Keras's forward half comes out in reversed time; the stacked op gives input time.
    if (f.goBackwards || !b.goBackwards || !gruFusedAvailable(x, f.units)) return null;
    const u = f.units;
    const both = (w: (g: GRU) => Tensor, shape: number[]) => concat([reshape(w(f), shape), reshape(w(b), shape)], 0);
    const kernel = concat([f.kernel!, b.kernel!], 1);
    const bias = f.bias ? both((g) => g.bias!, [1, ...f.bias.shape]) : null;
    return gruSequenceStacked(x, kernel, both((g) => g.recurrentKernel!, [1, u, 3 * u]), bias, {
      units: u,
      resetAfter: f.resetAfter,
      backwards: [false, true],
      returnSequences: this.returnSequences,
    });
  }

  override computeMask(_x: Tensor, mask: Tensor | null): Tensor | null {
    return this.returnSequences ? mask : null;
  }
}
