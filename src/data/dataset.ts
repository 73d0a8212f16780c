/**
 * In-memory datasets over typed arrays: seeded per-epoch shuffling, batching, take/skip and
 * Keras's validation split, with batches that cost no allocation.
 *
 * Why this shape: a training step on a small recurrent model is a few milliseconds, so the input
 * pipeline must not allocate per batch. Unshuffled batches are `subarray` views of the source;
 * shuffled ones are gathered into a ring of two reused buffers. The pipeline is a plan (row
 * range + element ops + batching) evaluated per epoch, so epoch k can be replayed on its own.
 * No dependency on src/tensor: a tensor is made from `{data, shape}` by the caller, and
 * {@link Dataset.prefetch} is the seam through which the training loop uploads batch i+1 to the
 * device while step i runs.
 */
import { deriveSeed, mulberry32, shuffleInPlace } from './rng.js';
import type { ArrayData, TypedArray } from './types.js';

/** What {@link dataset} accepts for x or y: a 1-D typed array, `{data, shape}`, a tensor-like
 * `{shape, dataSync()}`, or a plain number array (stored as float32). */
export type DatasetInput<T extends TypedArray> = T | ArrayData<T> | { shape: readonly number[]; dataSync(): T };

/** One batch (or, before batch(), one element without the leading batch dimension). */
export interface Batch<X extends TypedArray = TypedArray, Y extends TypedArray = TypedArray> {
  x: ArrayData<X>;
  y: ArrayData<Y>;
  /** Position within the epoch, from 0. */
  index: number;
  /** Number of rows (1 for an unbatched element). */
  size: number;
}

export interface ShuffleOptions {
  /** uint32 seed: the same seed gives the same order for each epoch number, everywhere. */
  seed: number;
  /** Draw a new permutation each epoch (default true, like tf.data); false reuses epoch 0's. */
  reshuffleEachEpoch?: boolean;
}

type ElementOp = { kind: 'shuffle'; seed: number; reshuffle: boolean } | { kind: 'take' | 'skip'; n: number };
type BatchOp = { kind: 'take' | 'skip'; n: number };

interface Plan<X extends TypedArray, Y extends TypedArray> {
  x: ArrayData<X>;
  y: ArrayData<Y>;
  /** Source row range [start, end): validationSplit narrows it. */
  start: number;
  end: number;
  ops: readonly ElementOp[];
  batch: { size: number; dropRemainder: boolean } | null;
  batchOps: readonly BatchOp[];
}

const FN = 'dataset';

function toArrayData<T extends TypedArray>(input: DatasetInput<T> | readonly number[], name: string): ArrayData<T> {
  let data: unknown;
  let shape: readonly number[];
  if (Array.isArray(input)) {
    data = Float32Array.from(input as readonly number[]);
    shape = [input.length];
  } else if (ArrayBuffer.isView(input)) {
    data = input;
    shape = [(input as T).length];
  } else if (input && typeof input === 'object' && 'shape' in input) {
    // Prefer a typed-array `data` field; else a tensor-like dataSync() (TF.js's `data` is a method).
    const obj = input as { data?: unknown; dataSync?: () => T };
    data = ArrayBuffer.isView(obj.data) ? obj.data : typeof obj.dataSync === 'function' ? obj.dataSync() : obj.data;
    shape = input.shape;
  } else {
    throw new TypeError(`${FN}: ${name} must be a typed array or {data, shape}, got ${input === null ? 'null' : typeof input}`);
  }
  if (!ArrayBuffer.isView(data) || data instanceof DataView) throw new TypeError(`${FN}: ${name}.data must be a typed array`);
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RangeError(`${FN}: ${name}.shape must be a non-empty list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const len = (data as T).length;
  const expected = shape.reduce((a, b) => a * b, 1);
  if (expected !== len) throw new RangeError(`${FN}: ${name} has shape [${shape.join(', ')}] (${expected} elements) but ${len} data elements`);
  return { data: data as T, shape: [...shape] };
}

function checkCount(method: string, what: string, n: unknown, min: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) throw new RangeError(`${FN}.${method}: ${what} must be an integer >= ${min}, got ${String(n)}`);
  return n;
}

/** Per-epoch row order: a contiguous range (views possible) or an explicit index list. */
type Order = { start: number; count: number; idx: null } | { start: 0; count: number; idx: Int32Array };

/**
 * A batched, optionally shuffled view of (x, y). Methods return new datasets; the only mutable
 * state is the epoch counter used by plain iteration.
 */
export class Dataset<X extends TypedArray = TypedArray, Y extends TypedArray = TypedArray> implements Iterable<Batch<X, Y>> {
  private nextEpoch = 0;
  private readonly rowX: number;
  private readonly rowY: number;

  /** @internal Use {@link dataset}. */
  constructor(private readonly plan: Plan<X, Y>) {
    this.rowX = plan.x.shape.slice(1).reduce((a, b) => a * b, 1);
    this.rowY = plan.y.shape.slice(1).reduce((a, b) => a * b, 1);
  }

  private with(change: Partial<Plan<X, Y>>): Dataset<X, Y> {
    return new Dataset({ ...this.plan, ...change });
  }

  private addElementOp(op: ElementOp): Dataset<X, Y> {
    if (this.plan.batch) {
      if (op.kind === 'shuffle') throw new Error(`${FN}.shuffle: call shuffle before batch (shuffling whole batches is not supported)`);
      return this.with({ batchOps: [...this.plan.batchOps, op as BatchOp] });
    }
    return this.with({ ops: [...this.plan.ops, op] });
  }

  /** Shuffles rows with a seeded permutation; epoch k uses a permutation derived from (seed, k). */
  shuffle(options: ShuffleOptions): Dataset<X, Y> {
    const seed = options?.seed;
    if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`${FN}.shuffle: seed must be an integer in [0, 2^32), got ${String(seed)}`);
    }
    return this.addElementOp({ kind: 'shuffle', seed, reshuffle: options.reshuffleEachEpoch ?? true });
  }

  /** Groups rows into batches of `size`; the last one is smaller unless dropRemainder. */
  batch(size: number, options: { dropRemainder?: boolean } = {}): Dataset<X, Y> {
    checkCount('batch', 'size', size, 1);
    if (this.plan.batch) throw new Error(`${FN}.batch: the dataset is already batched`);
    return this.with({ batch: { size, dropRemainder: options.dropRemainder ?? false } });
  }

  /** The first n elements (or batches, after batch()). */
  take(n: number): Dataset<X, Y> {
    return this.addElementOp({ kind: 'take', n: checkCount('take', 'n', n, 0) });
  }

  /** All but the first n elements (or batches, after batch()). */
  skip(n: number): Dataset<X, Y> {
    return this.addElementOp({ kind: 'skip', n: checkCount('skip', 'n', n, 0) });
  }

  /**
   * Keras's `validation_split`: the LAST `fraction` of the rows (split at
   * floor(n·(1−fraction)), before any shuffling) becomes validation data. Returns [train, val].
   */
  validationSplit(fraction: number): [Dataset<X, Y>, Dataset<X, Y>] {
    if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) throw new RangeError(`${FN}.validationSplit: fraction must be in (0, 1), got ${String(fraction)}`);
    if (this.plan.ops.length > 0 || this.plan.batchOps.length > 0) {
      throw new Error(`${FN}.validationSplit: call it before shuffle/take/skip (Keras takes the split before shuffling)`);
    }
    const { start, end } = this.plan;
    const n = end - start;
    const splitAt = Math.floor(n * (1 - fraction)); // Python's int(n * (1. - f))
    if (splitAt === 0 || splitAt === n) {
      throw new RangeError(`${FN}.validationSplit: ${n} rows are not enough to split with fraction ${fraction} (train would get ${splitAt}, validation ${n - splitAt})`);
    }
    return [this.with({ end: start + splitAt }), this.with({ start: start + splitAt })];
  }

  /** The row order of one epoch. */
  private order(epoch: number): Order {
    let order: Order = { start: this.plan.start, count: this.plan.end - this.plan.start, idx: null };
    for (const op of this.plan.ops) {
      if (op.kind === 'shuffle') {
        const idx: Int32Array = new Int32Array(order.count);
        for (let i = 0; i < idx.length; i++) idx[i] = order.idx ? order.idx[i] : order.start + i;
        shuffleInPlace(idx, mulberry32(deriveSeed(op.seed, op.reshuffle ? epoch : 0)));
        order = { start: 0, count: idx.length, idx };
      } else {
        const k = Math.min(op.n, order.count);
        const from: number = op.kind === 'take' ? 0 : k;
        const count: number = op.kind === 'take' ? k : order.count - k;
        order = order.idx ? { start: 0, count, idx: order.idx.subarray(from, from + count) } : { start: order.start + from, count, idx: null };
      }
    }
    return order;
  }

  /** Elements per epoch (rows, counted before batching). */
  get size(): number {
    let n = this.plan.end - this.plan.start;
    for (const op of this.plan.ops) if (op.kind !== 'shuffle') n = op.kind === 'take' ? Math.min(op.n, n) : Math.max(0, n - op.n);
    return n;
  }

  /** The batch range [first, end) yielded per epoch, after batch-level take/skip. */
  private batchRange(rows: number): [number, number] {
    const b = this.plan.batch;
    if (!b) return [0, rows];
    let first = 0;
    let end = b.dropRemainder ? Math.floor(rows / b.size) : Math.ceil(rows / b.size);
    for (const op of this.plan.batchOps) {
      if (op.kind === 'take') end = Math.min(end, first + op.n);
      else first = Math.min(end, first + op.n);
    }
    return [first, end];
  }

  /** Rows per batch after batch(), or null for an unbatched dataset. */
  get batchSize(): number | null {
    return this.plan.batch?.size ?? null;
  }

  /** Batches (or elements, if unbatched) per epoch: what Keras calls steps_per_epoch. */
  get stepsPerEpoch(): number {
    const [first, end] = this.batchRange(this.size);
    return end - first;
  }

  /**
   * The batches of epoch `k`. A yielded batch's memory stays valid until two more batches have
   * been yielded (shuffled batches live in a ring of two reused buffers); copy it to keep it.
   */
  *epoch(k: number): Generator<Batch<X, Y>, void, undefined> {
    checkCount('epoch', 'k', k, 0);
    const { x, y, batch } = this.plan;
    const { rowX, rowY } = this;
    const order = this.order(k);
    const [first, end] = this.batchRange(order.count);
    const bs = batch?.size ?? 1;
    const shapeX = x.shape.slice(1);
    const shapeY = y.shape.slice(1);
    const ring: Array<{ x: X; y: Y }> = [];
    for (let j = first; j < end; j++) {
      const lo = j * bs;
      const n = Math.min(bs, order.count - lo);
      let bx: X;
      let by: Y;
      if (order.idx === null || n === 1) {
        // Contiguous rows: zero-copy views of the source arrays.
        const r = order.idx === null ? order.start + lo : order.idx[lo];
        bx = x.data.subarray(r * rowX, (r + n) * rowX) as X;
        by = y.data.subarray(r * rowY, (r + n) * rowY) as Y;
      } else {
        const slot = (j - first) & 1;
        if (!ring[slot]) ring[slot] = { x: newLike(x.data, bs * rowX), y: newLike(y.data, bs * rowY) };
        bx = gather(x.data, rowX, order.idx, lo, n, ring[slot].x);
        by = gather(y.data, rowY, order.idx, lo, n, ring[slot].y);
      }
      yield {
        x: { data: bx, shape: batch ? [n, ...shapeX] : shapeX },
        y: { data: by, shape: batch ? [n, ...shapeY] : shapeY },
        index: j - first,
        size: n,
      };
    }
  }

  /** Iterates the next epoch: the first loop is epoch 0, the next epoch 1, and so on. */
  [Symbol.iterator](): Iterator<Batch<X, Y>> {
    return this.epoch(this.nextEpoch++);
  }

  /**
   * The device seam. Yields `toDevice(batch)` for each batch of an epoch, calling toDevice for
   * batch i+1 as soon as batch i is handed out, so an upload (e.g. `queue.writeBuffer`) overlaps
   * the training step on batch i. toDevice must copy what it needs before its promise resolves.
   *
   * @example
   * for await (const { x, y } of ds.prefetch((b) => ({ x: upload(b.x), y: upload(b.y) }))) await step(x, y);
   */
  async *prefetch<T>(toDevice: (batch: Batch<X, Y>) => T | Promise<T>, options: { epoch?: number } = {}): AsyncGenerator<Awaited<T>, void, undefined> {
    const it = this.epoch(options.epoch ?? this.nextEpoch++);
    let next = it.next();
    let pending = next.done ? null : Promise.resolve(toDevice(next.value));
    while (pending) {
      const current = await pending;
      next = it.next();
      pending = next.done ? null : Promise.resolve(toDevice(next.value));
      pending?.catch(() => {}); // surfaced when awaited; avoid an unhandled rejection meanwhile
      yield current;
    }
  }
}

function newLike<T extends TypedArray>(like: T, length: number): T {
  return new (like.constructor as new (n: number) => T)(length);
}

/** Copies rows idx[lo..lo+n) into `out` and returns the used prefix. */
function gather<T extends TypedArray>(src: T, row: number, idx: Int32Array, lo: number, n: number, out: T): T {
  if (row === 1) {
    for (let k = 0; k < n; k++) out[k] = src[idx[lo + k]];
  } else {
    for (let k = 0; k < n; k++) {
      const r = idx[lo + k] * row;
      (out as Float32Array).set((src as Float32Array).subarray(r, r + row), k * row);
    }
  }
  return (n * row === out.length ? out : out.subarray(0, n * row)) as T;
}

/**
 * A dataset of (x, y) pairs; x and y must have the same number of rows (first dimension).
 *
 * @example
 * const ds = dataset(padded, labels).shuffle({ seed: 1 }).batch(512);
 * for (const { x, y } of ds) { ... }   // x.shape [512, maxlen], y.shape [512]
 */
export function dataset<X extends TypedArray, Y extends TypedArray>(x: DatasetInput<X>, y: DatasetInput<Y>): Dataset<X, Y>;
export function dataset<X extends TypedArray>(x: DatasetInput<X>, y: readonly number[]): Dataset<X, Float32Array>;
export function dataset(x: DatasetInput<TypedArray>, y: DatasetInput<TypedArray> | readonly number[]): Dataset {
  const xs = toArrayData(x, 'x');
  const ys = toArrayData(y, 'y');
  if (xs.shape[0] !== ys.shape[0]) throw new RangeError(`${FN}: x has ${xs.shape[0]} rows but y has ${ys.shape[0]}; they must match`);
  if (xs.shape[0] === 0) throw new RangeError(`${FN}: x and y have no rows; an empty dataset cannot be trained on`);
  return new Dataset({ x: xs, y: ys, start: 0, end: xs.shape[0], ops: [], batch: null, batchOps: [] });
}
