import { withBackend } from '../tensor/backends.js';
import { engine } from '../tensor/engine.js';
import { fromFlat } from '../tensor/creation.js';
import { fail, fmtShape } from '../tensor/errors.js';
import { sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { assign, clone } from './assign.js';
import type { Initializer } from './initializers.js';

/** A symbolic shape: `null` for dimensions unknown until data arrives (the batch, often time). */
export type SymbolicShape = readonly (number | null)[];

/** Options every layer accepts (TF.js names). */
export interface LayerArgs {
  name?: string;
  trainable?: boolean;
  /** Input shape without the batch dimension; lets the model build before seeing data. */
  inputShape?: readonly (number | null)[];
  /** Input shape with the batch dimension (null for any). */
  batchInputShape?: readonly (number | null)[];
}

/** The keys of {@link LayerArgs}, for option checking in every layer's constructor. */
export const LAYER_ARGS: readonly string[] = ['name', 'trainable', 'inputShape', 'batchInputShape'];

/** A named parameter. `name` is Keras's path, e.g. `bidirectional/forward_gru/gru_cell/kernel`. */
export interface LayerWeight {
  readonly name: string;
  readonly value: Tensor;
  readonly trainable: boolean;
}

export interface CallArgs {
  training?: boolean;
  /** Float mask [batch, time] (1 = real step) from a masking layer such as Embedding(maskZero). */
  mask?: Tensor | null;
}

const nameCounts = new Map<string, number>();

/** Keras-style unique names: `dense`, `dense_1`, `dense_2`, … */
export function uniqueName(prefix: string): string {
  const n = nameCounts.get(prefix) ?? 0;
  nameCounts.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

export function snake(className: string): string {
  return className.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

interface OwnWeight {
  readonly shortName: string;
  readonly value: Tensor;
  trainable: boolean;
}

/**
 * A layer: named weights in a stable order (Keras's), built from an input shape (declared or the
 * first call's), a trainable flag, and train/eval mode. Subclasses implement build/call/
 * computeOutputShape and create weights with `addWeight`.
 */
export abstract class Layer {
  abstract readonly className: string;
  readonly name: string;
  built = false;
  /** Training mode (train()/eval()); no layer here behaves differently yet, wrappers propagate it. */
  training = false;
  /** Whether the layer passes an input mask on (Keras `supports_masking`). */
  supportsMasking = false;
  readonly batchInputShape: SymbolicShape | null;
  /** The enclosing layer, for weight paths (`bidirectional/forward_gru/...`). */
  parent: Layer | null = null;
  private trainableFlag: boolean;
  private readonly own: OwnWeight[] = [];

  constructor(args: LayerArgs, defaultPrefix: string) {
    this.name = args.name ?? uniqueName(defaultPrefix);
    this.trainableFlag = args.trainable ?? true;
    this.batchInputShape = args.batchInputShape ? [...args.batchInputShape] : args.inputShape ? [null, ...args.inputShape] : null;
  }

  /** Creates the weights for an input of this shape (batch dimension included). */
  protected abstract buildWeights(inputShape: SymbolicShape): void;
  abstract computeOutputShape(inputShape: SymbolicShape): SymbolicShape;
  /** The forward computation; the layer is built. */
  protected abstract call(x: Tensor, args: Required<CallArgs>): Tensor | Tensor[];

  /** Layers this one wraps (their weights follow its own). */
  get sublayers(): readonly Layer[] {
    return [];
  }

  /** Whether sublayers' weight names start with this layer's name (wrappers yes, models no). */
  protected get scopesWeights(): boolean {
    return true;
  }

  /** The layer's scope in weight names. */
  get path(): string {
    return this.parent?.scopesWeights ? `${this.parent.path}/${this.name}` : this.name;
  }

  build(inputShape: SymbolicShape): void {
    if (this.built) return;
    this.buildWeights(inputShape);
    this.built = true;
  }

  /** Runs the layer, building it from the input's shape on first use. */
  apply(x: Tensor, args: CallArgs = {}): Tensor | Tensor[] {
    // Weights are created on the input's backend.
    if (!this.built) withBackend(x.storageFor(this.name).backend, () => this.build(x.shape));
    return this.call(x, { training: args.training ?? this.training, mask: args.mask ?? null });
  }

  /** Runs a single-output layer. */
  applyOne(x: Tensor, args: CallArgs = {}): Tensor {
    const y = this.apply(x, args);
    if (Array.isArray(y)) fail(this.name, `returns ${y.length} tensors (returnState?) where one was expected`);
    return y;
  }

  /** The mask of the output given the input's (Keras `compute_mask`). */
  computeMask(_x: Tensor, mask: Tensor | null): Tensor | null {
    return this.supportsMasking ? mask : null;
  }

  /** Creates a parameter from a host initialiser; it outlives every tidy scope. */
  protected addWeight(shortName: string, shape: readonly number[], init: Initializer, trainable = true): Tensor {
    const values = init(shape);
    const t = engine.keep(fromFlat(values, shape, 'float32'));
    t.requiresGrad = this.trainableFlag && trainable;
    t.name = `${this.path}/${shortName}`;
    this.own.push({ shortName, value: t, trainable });
    return t;
  }

  /** Every weight in Keras's order: own weights, then each sublayer's. */
  get weights(): LayerWeight[] {
    const mine = this.own.map((w) => ({ name: `${this.path}/${w.shortName}`, value: w.value, trainable: this.trainable && w.trainable }));
    return [...mine, ...this.sublayers.flatMap((l) => l.weights)];
  }

  get trainableWeights(): LayerWeight[] {
    return this.weights.filter((w) => w.trainable);
  }

  get nonTrainableWeights(): LayerWeight[] {
    return this.weights.filter((w) => !w.trainable);
  }

  get trainable(): boolean {
    return this.trainableFlag && (this.parent?.trainable ?? true);
  }

  /** Freezing a layer stops gradients to its weights (and its sublayers'). */
  set trainable(value: boolean) {
    this.trainableFlag = value;
    this.syncRequiresGrad();
  }

  private syncRequiresGrad(): void {
    for (const w of this.own) w.value.requiresGrad = this.trainable && w.trainable;
    for (const l of this.sublayers) l.syncRequiresGrad();
  }

  train(): this {
    this.setTraining(true);
    return this;
  }

  eval(): this {
    this.setTraining(false);
    return this;
  }

  private setTraining(on: boolean): void {
    this.training = on;
    for (const l of this.sublayers) l.setTraining(on);
  }

  countParams(): number {
    return this.weights.reduce((n, w) => n + w.value.size, 0);
  }

  /**
   * Copies of the weights in Keras's order and shapes. The caller owns them (dispose, or use
   * inside `tidy`); they do not change when training updates the layer in place.
   */
  getWeights(): Tensor[] {
    if (!this.built) fail(`${this.name}.getWeights`, 'the layer is not built yet; call it once or give it an inputShape');
    return this.weights.map((w) => clone(w.value, 'getWeights'));
  }

  /** Sets every weight (Keras's order and shapes) from tensors or flat host arrays, in place. */
  setWeights(values: readonly (Tensor | ArrayLike<number>)[]): void {
    const op = `${this.name}.setWeights`;
    if (!this.built) fail(op, 'the layer is not built yet; call it once or give it an inputShape');
    const ws = this.weights;
    if (values.length !== ws.length) fail(op, `expected ${ws.length} arrays (${ws.map((w) => `${w.name} ${fmtShape(w.value.shape)}`).join(', ')}), got ${values.length}`);
    ws.forEach((w, i) => {
      const v = values[i]!;
      if (v instanceof Tensor ? v.size !== w.value.size || v.rank !== w.value.rank : v.length !== sizeOf(w.value.shape)) {
        fail(op, `weight ${i} (${w.name}) has shape ${fmtShape(w.value.shape)} but got ${v instanceof Tensor ? fmtShape(v.shape) : `${v.length} values`}`);
      }
      assign(w.value, v, op);
    });
  }

  /** Frees the weights. */
  dispose(): void {
    for (const w of this.own) w.value.dispose();
    for (const l of this.sublayers) l.dispose();
  }
}

/** The last dimension of a shape, which must be known. */
export function lastDim(op: string, shape: SymbolicShape): number {
  const d = shape[shape.length - 1];
  if (d === null || d === undefined) fail(op, `the last dimension of the input shape ${fmtSymbolic(shape)} must be known`);
  return d;
}

/** Keras's shape notation: (None, 120, 16). */
export function fmtSymbolic(shape: SymbolicShape): string {
  return `(${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')}${shape.length === 1 ? ',' : ''})`;
}
