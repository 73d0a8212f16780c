import { checkOptions, fail } from '../tensor/errors.js';
import { notEqual } from '../tensor/ops/elementwise.js';
import { gather } from '../tensor/ops/gather.js';
import type { Tensor } from '../tensor/tensor.js';
import { uniformInit } from './initializers.js';
import { LAYER_ARGS, Layer, type CallArgs, type LayerArgs, type SymbolicShape } from './layer.js';

export interface EmbeddingArgs extends LayerArgs {
  inputDim: number;
  outputDim: number;
  /** Fixed sequence length (lets the model build before seeing data). */
  inputLength?: number;
  /** Id 0 is padding: the layer emits a mask that recurrent layers honour. */
  maskZero?: boolean;
}

/** Looks up rows of an (inputDim, outputDim) table initialised uniform(−0.05, 0.05). */
export class Embedding extends Layer {
  readonly className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly inputLength: number | null;
  readonly maskZero: boolean;
  embeddings: Tensor | null = null;

  constructor(args: EmbeddingArgs) {
    checkOptions('embedding', args, [...LAYER_ARGS, 'inputDim', 'outputDim', 'inputLength', 'maskZero'], 'args');
    super(
      { ...args, ...(args.inputShape || args.batchInputShape ? {} : { batchInputShape: [null, args.inputLength ?? null] }) },
      'embedding',
    );
    for (const k of ['inputDim', 'outputDim'] as const) {
      if (!Number.isInteger(args[k]) || args[k] <= 0) fail('embedding', `${k} must be a positive integer, got ${args[k]}`);
    }
    if (args.inputLength !== undefined && args.inputLength !== null && (!Number.isInteger(args.inputLength) || args.inputLength <= 0)) {
      fail('embedding', `inputLength must be a positive integer, got ${args.inputLength}`);
    }
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.inputLength = args.inputLength ?? null;
    this.maskZero = args.maskZero ?? false;
  }

  protected buildWeights(): void {
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], uniformInit(-0.05, 0.05));
  }

  computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return [...inputShape, this.outputDim];
  }

  protected call(ids: Tensor, _args: Required<CallArgs>): Tensor {
    if (ids.dtype !== 'int32') fail(this.name, `ids must be int32 (wg.tensor(ids, shape, 'int32')), got ${ids.dtype}`);
    // Ids known on the host are checked here, naming the layer; the gather kernel also refuses
    // (NaN rows) ids it could not check.
    const host = ids.hostInts;
    if (host) {
      for (let i = 0; i < host.length; i++) {
        const id = host[i]!;
        if (id < 0 || id >= this.inputDim) {
          const pos: number[] = [];
          for (let d = ids.rank - 1, r = i; d >= 0; d--) {
            pos[d] = r % ids.shape[d]!;
            r = Math.floor(r / ids.shape[d]!);
          }
          fail(this.name, `id ${id} at position [${pos.join(', ')}] is outside [0, ${this.inputDim}) (inputDim ${this.inputDim})`);
        }
      }
    }
    return gather(this.embeddings!, ids);
  }

  override computeMask(ids: Tensor, _mask: Tensor | null = null): Tensor | null {
    return this.maskZero ? notEqual(ids, 0) : null;
  }
}
