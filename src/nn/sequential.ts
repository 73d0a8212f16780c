import { withBackend } from '../tensor/backends.js';
import { fromFlat } from '../tensor/creation.js';
import { fail } from '../tensor/errors.js';
import { concat, slice } from '../tensor/ops/movement.js';
import { noGrad, tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { Layer, type CallArgs, type SymbolicShape } from './layer.js';
import { getLoss, lossName, type LossFn } from './losses.js';
import { getMetric, type MetricFn } from './metrics.js';
import { getOptimizer, type OptimizerLike } from './optimizer-like.js';
import { formatSummary } from './summary.js';

export interface SequentialArgs {
  layers?: readonly Layer[];
  name?: string;
}

export interface CompileArgs {
  /** An optimizer (wg.train.adam()) or its name with default options ('adam', 'sgd'). */
  optimizer: OptimizerLike | string;
  /** 'binaryCrossentropy' | 'meanSquaredError' (Keras spellings too) or a function. */
  loss: string | LossFn;
  /** 'accuracy' (binaryAccuracy for binary cross-entropy), 'binaryAccuracy', or functions. */
  metrics?: readonly (string | MetricFn)[];
}

/**
 * A linear stack of layers (TF.js `tf.sequential`). Builds from the first layer's input shape or
 * on the first call; weights are listed layer by layer in Keras's order.
 *
 * @example
 * const model = wg.sequential({ layers: [wg.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [4] })] });
 * model.compile({ optimizer: wg.train.adam(), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
 * const loss = model.trainOnBatch(x, y); // a tensor; read it whenever convenient
 */
export class Sequential extends Layer {
  readonly className = 'Sequential';
  readonly layers: Layer[] = [];
  optimizer: OptimizerLike | null = null;
  loss: LossFn | null = null;
  metrics: MetricFn[] = [];
  /** 'loss' then the metrics' names, as in Keras's `metrics_names`. */
  metricsNames: string[] = ['loss'];
  private inputShape: SymbolicShape | null = null;

  constructor(args: SequentialArgs = {}) {
    super(args.name !== undefined ? { name: args.name } : {}, 'sequential');
    for (const l of args.layers ?? []) this.add(l);
  }

  protected override get scopesWeights(): boolean {
    return false;
  }

  override get sublayers(): readonly Layer[] {
    return this.layers;
  }

  add(layer: Layer): void {
    if (!(layer instanceof Layer)) fail('sequential.add', `expected a layer, got ${String(layer)}`);
    if (this.layers.includes(layer)) fail('sequential.add', `layer '${layer.name}' was already added`);
    if (this.built) {
      layer.build(this.outputShapes().at(-1)!);
      layer.training = this.training;
    }
    layer.parent = this;
    this.layers.push(layer);
  }

  /** The input shape the model was or can be built with (from the first layer), batch as null. */
  private declaredInputShape(): SymbolicShape | null {
    return this.inputShape ?? this.layers[0]?.batchInputShape ?? null;
  }

  protected buildWeights(inputShape: SymbolicShape): void {
    if (this.layers.length === 0) fail(this.name, 'has no layers');
    this.inputShape = [null, ...inputShape.slice(1)];
    let shape: SymbolicShape = this.inputShape;
    for (const l of this.layers) {
      l.build(shape);
      shape = l.computeOutputShape(shape);
    }
  }

  /** Builds every layer for inputs of this shape (batch dimension included, null for unknown). */
  override build(inputShape?: SymbolicShape): void {
    const shape = inputShape ?? this.declaredInputShape();
    if (!shape) fail(`${this.name}.build`, 'the input shape is unknown: give the first layer an inputShape, call build(shape), or run the model once');
    super.build(shape);
  }

  computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return this.layers.reduce((s, l) => l.computeOutputShape(s), inputShape);
  }

  private outputShapes(): SymbolicShape[] {
    let shape = this.inputShape!;
    return this.layers.map((l) => (shape = l.computeOutputShape(shape)));
  }

  protected call(x: Tensor, args: Required<CallArgs>): Tensor {
    let y = x;
    let mask = args.mask;
    for (const l of this.layers) {
      const out = l.applyOne(y, { training: args.training, mask });
      mask = l.computeMask(y, mask);
      y = out;
    }
    return y;
  }

  /** Prints (and returns) Keras's summary table. */
  summary(lineLength = 65, printFn: (line: string) => void = console.log): string {
    this.build();
    const shapes = this.outputShapes();
    const text = formatSummary(this.name, this.layers.map((layer, i) => ({ layer, outputShape: shapes[i]! })), lineLength);
    printFn(text);
    return text;
  }

  compile(args: CompileArgs): void {
    this.optimizer = getOptimizer(args.optimizer);
    this.loss = getLoss(args.loss);
    const name = lossName(args.loss);
    this.metrics = (args.metrics ?? []).map((m) => getMetric(m, name));
    this.metricsNames = ['loss', ...(args.metrics ?? []).map((m, i) => (typeof m === 'string' ? m : this.metrics[i]!.metricName ?? m.name ?? `metric_${i}`))];
  }

  private compiled(op: string): { optimizer: OptimizerLike; loss: LossFn } {
    if (!this.optimizer || !this.loss) fail(`${this.name}.${op}`, 'the model is not compiled; call model.compile({ optimizer, loss })');
    return { optimizer: this.optimizer, loss: this.loss };
  }

  /** Set by callbacks (early stopping) to end `fit` after the current batch (Keras `stop_training`). */
  stopTraining = false;

  /**
   * One training step on one batch: forward, loss and metrics, backward, optimizer update, all
   * inside an engine-owned scope that frees every intermediate. Returns [loss, ...metrics] as
   * scalar tensors without reading them back (the caller reads or disposes them).
   */
  trainStep(x: Tensor, y: Tensor): Tensor[] {
    const { optimizer, loss: lossFn } = this.compiled('trainOnBatch');
    if (!this.built) withBackend(x.storageFor('trainOnBatch').backend, () => this.build(x.shape));
    const params = this.trainableWeights.map((w) => w.value);
    for (const p of params) {
      p.grad?.dispose();
      p.grad = null;
    }
    let out: Tensor[];
    try {
      out = tidy(() => {
        const pred = this.applyOne(x, { training: true });
        const l = lossFn(y, pred);
        // Metrics read the same forward pass, outside the tape.
        const ms = noGrad(() => this.metrics.map((m) => m(y, pred)));
        l.backward();
        optimizer.applyGradients(params.filter((p) => p.grad).map((p) => [p, p.grad!] as const));
        return [l, ...ms];
      });
    } finally {
      for (const p of params) {
        p.grad?.dispose();
        p.grad = null;
      }
    }
    // Cut the returned loss from the (freed) graph.
    for (const t of out) {
      t.creator = null;
      t.requiresGrad = false;
    }
    return out;
  }

  /** One training step (TF.js `trainOnBatch`); returns the loss as a scalar tensor, not read back. */
  trainOnBatch(x: Tensor, y: Tensor): Tensor {
    const [loss, ...metrics] = this.trainStep(x, y);
    for (const m of metrics) m.dispose();
    return loss!;
  }

  /** Frees weight snapshots returned by getWeights() (callbacks drop them). */
  disposeWeights(weights: unknown): void {
    if (Array.isArray(weights)) for (const w of weights) if (w && typeof (w as Tensor).dispose === 'function') (w as Tensor).dispose();
  }

  /** Loss and metrics on one batch (no gradients): [loss, ...metrics] as scalar tensors. */
  testOnBatch(x: Tensor, y: Tensor): Tensor[] {
    const { loss: lossFn } = this.compiled('testOnBatch');
    return noGrad(() =>
      tidy(() => {
        const pred = this.applyOne(x, { training: false });
        return [lossFn(y, pred), ...this.metrics.map((m) => m(y, pred))];
      }),
    );
  }

  /** Predictions in batches of `batchSize` (default 32, as Keras), without gradients. */
  predict(x: Tensor, { batchSize = 32 }: { batchSize?: number } = {}): Tensor {
    const n = x.shape[0];
    if (n === undefined) fail(`${this.name}.predict`, 'the input needs a batch dimension');
    if (!(batchSize > 0)) fail(`${this.name}.predict`, `batchSize must be positive, got ${batchSize}`);
    const rowSize = x.size / Math.max(n, 1);
    const backend = x.storageFor('predict').backend;
    return noGrad(() =>
      tidy(() => {
        const parts: Tensor[] = [];
        for (let start = 0; start < n; start += batchSize) {
          const rows = Math.min(batchSize, n - start);
          // Host ids stay host-known (validated, as in training); other inputs are sliced on the device.
          const xb = x.hostInts
            ? fromFlat(x.hostInts.subarray(start * rowSize, (start + rows) * rowSize), [rows, ...x.shape.slice(1)], 'int32', backend)
            : slice(x, [start, ...x.shape.slice(1).map(() => 0)], [rows, ...x.shape.slice(1)]);
          parts.push(tidy(() => this.applyOne(xb, { training: false })));
          if (xb !== x) xb.dispose();
        }
        return concat(parts, 0);
      }),
    );
  }
}

/** A linear stack of layers (TF.js `tf.sequential({ layers })`). */
export function sequential(args: SequentialArgs = {}): Sequential {
  return new Sequential(args);
}
