import { withBackend } from '../tensor/backends.js';
import { fromFlat } from '../tensor/creation.js';
import { checkOptions, fail, fmtShape } from '../tensor/errors.js';
import { add } from '../tensor/ops/elementwise.js';
import { sum } from '../tensor/ops/reduce.js';
import { concat, slice } from '../tensor/ops/movement.js';
import { noGrad, tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { Embedding } from './embedding.js';
import { Layer, fmtSymbolic, type CallArgs, type SymbolicShape } from './layer.js';
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
  /** Canonical name of the compiled loss ('binaryCrossentropy', 'meanSquaredError', or a function's name). */
  private lossKind: string | null = null;
  private disposedFlag = false;

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
    if (!args || typeof args !== 'object') fail('compile', `args must be { optimizer, loss, metrics? }, got ${String(args)}`);
    checkOptions('compile', args, ['optimizer', 'loss', 'metrics'], 'args');
    if (args.optimizer === undefined || args.optimizer === null) fail('compile', "optimizer is missing (e.g. optimizer: wg.train.adam() or 'adam')");
    if (typeof args.optimizer !== 'string' && typeof (args.optimizer as OptimizerLike).applyGradients !== 'function') {
      fail('compile', `optimizer must be an optimizer (wg.train.adam()) or a name ('adam', 'sgd'), got ${String(args.optimizer).slice(0, 40)}`);
    }
    if (args.loss === undefined || args.loss === null) fail('compile', "loss is missing (e.g. loss: 'binaryCrossentropy')");
    if (args.metrics !== undefined && !Array.isArray(args.metrics)) fail('compile', `metrics must be a list such as ['accuracy'], got ${JSON.stringify(args.metrics)}`);
    // Resolve everything before changing the model, so a bad argument leaves it as it was.
    const optimizer = getOptimizer(args.optimizer);
    const loss = getLoss(args.loss);
    const name = lossName(args.loss);
    const metrics = (args.metrics ?? []).map((m) => getMetric(m, name));
    this.optimizer = optimizer;
    this.loss = loss;
    this.lossKind = name;
    this.metrics = metrics;
    this.metricsNames = ['loss', ...(args.metrics ?? []).map((m, i) => (typeof m === 'string' ? m : this.metrics[i]!.metricName ?? m.name ?? `metric_${i}`))];
  }

  /** Whether dispose() was called: the weights are gone. */
  get isDisposed(): boolean {
    return this.disposedFlag;
  }

  override dispose(): void {
    super.dispose();
    this.disposedFlag = true;
  }

  /** Throws when the model was disposed, naming `op`. */
  assertUsable(op: string): void {
    if (this.disposedFlag) fail(op, `model '${this.name}' was disposed (its weights are freed); build a new model or load one with wg.loadModel()`);
  }

  private compiled(op: string): { optimizer: OptimizerLike; loss: LossFn } {
    this.assertUsable(`${this.name}.${op}`);
    if (!this.optimizer || !this.loss) fail(`${this.name}.${op}`, `model '${this.name}' is not compiled; call model.compile({ optimizer, loss }) first`);
    return { optimizer: this.optimizer, loss: this.loss };
  }

  /**
   * Checks a whole training or evaluation set up front, so that a bad sample fails before any step
   * changes the weights: the row shape against the declared input shape, ids against an
   * Embedding's inputDim (and integrality), float inputs for NaN/±Infinity, and binary
   * cross-entropy labels in [0, 1]. `op` names the caller (fit, evaluate); `what` the arguments.
   */
  validateData(op: string, x: { data: ArrayLike<number>; shape: readonly number[] }, y?: { data: ArrayLike<number>; shape: readonly number[] }, what: readonly [string, string] = ['x', 'y']): void {
    this.assertUsable(op);
    const [xName, yName] = what;
    const declared = this.declaredInputShape();
    if (declared) {
      const row = x.shape.slice(1);
      const want = declared.slice(1);
      if (row.length !== want.length || want.some((d, i) => d !== null && d !== row[i])) {
        fail(op, `${xName} has shape ${fmtShape(x.shape)} but model '${this.name}' expects inputs of shape ${fmtSymbolic(declared)}`);
      }
    }
    const first = this.layers[0];
    const data = x.data;
    if (first instanceof Embedding) {
      const V = first.inputDim;
      for (let i = 0; i < data.length; i++) {
        const id = data[i]!;
        if (!(Number.isInteger(id) && id >= 0 && id < V)) {
          const rowLen = x.shape.slice(1).reduce((a, b) => a * b, 1) || 1;
          fail(op, `${xName}[${Math.floor(i / rowLen)}] holds the id ${id} (flat index ${i}), outside [0, ${V}) of layer '${first.name}' (inputDim ${V})${Number.isInteger(id) ? '' : '; ids must be integers'}`);
        }
      }
    } else if (!(data instanceof Int32Array)) {
      for (let i = 0; i < data.length; i++) {
        if (!Number.isFinite(data[i]!)) fail(op, `${xName} holds the non-finite value ${data[i]} at flat index ${i}`);
      }
    }
    if (y && this.lossKind === 'binaryCrossentropy') {
      for (let i = 0; i < y.data.length; i++) {
        const v = y.data[i]!;
        if (!(v >= 0 && v <= 1)) fail(op, `${yName} holds ${v} at index ${i}, but binaryCrossentropy needs labels in [0, 1] (0/1 classes)`);
      }
    }
  }

  /** Set by callbacks (early stopping) to end `fit` after the current batch (Keras `stop_training`). */
  stopTraining = false;

  /**
   * One training step on one batch: forward, loss and metrics, backward, optimizer update, all
   * inside an engine-owned scope that frees every intermediate. Returns [loss, ...metrics] as
   * scalar tensors without reading them back (the caller reads or disposes them).
   */
  trainStep(x: Tensor, y: Tensor, options: { checkGradients?: boolean } = {}): Tensor[] {
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
        const pairs = params.filter((p) => p.grad).map((p) => [p, p.grad!] as const);
        // Σ of every gradient element: finite exactly when every gradient is (barring float32
        // overflow of the sum), read back later with the loss. One reduction per gradient.
        const probe = !options.checkGradients ? null : pairs.length === 0 ? fromFlat([0], [], 'float32') : noGrad(() => pairs.map(([, g]) => sum(g)).reduce((a, b) => add(a, b)));
        optimizer.applyGradients(pairs);
        return probe ? [l, ...ms, probe] : [l, ...ms];
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
  predict(x: Tensor, options: { batchSize?: number } = {}): Tensor {
    const op = `${this.name}.predict`;
    checkOptions(op, options, ['batchSize']);
    const { batchSize = 32 } = options;
    this.assertUsable(op);
    if (!(x instanceof Object) || !('shape' in x) || typeof (x as Tensor).storageFor !== 'function') fail(op, `x must be a tensor, got ${String(x).slice(0, 40)}`);
    const n = x.shape[0];
    if (n === undefined) fail(op, 'the input needs a batch dimension');
    if (!Number.isInteger(batchSize) || batchSize <= 0) fail(op, `batchSize must be a positive integer, got ${batchSize}`);
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
