import type { DType, Storage } from '../kernels/backend.js';
import { engine } from './engine.js';
import { fail, fmtShape } from './errors.js';
import { sizeOf, type Shape } from './shape.js';
import type { OpNode } from './registry.js';

/** Storage shared by a tensor and its reshapes; freed when the last one is disposed. */
interface SharedStorage {
  storage: Storage;
  refs: number;
  /**
   * Runs instead of the backend's free() for storage owned elsewhere (a view into an arena): when
   * the last tensor is disposed, or when the tensors are re-pointed to other storage.
   */
  release?: ((reason: 'disposed' | 'moved') => void) | undefined;
}

function releaseShared(shared: SharedStorage, reason: 'disposed' | 'moved'): void {
  if (shared.release) shared.release(reason);
  else shared.storage.backend.free(shared.storage);
}

export type TypedArray = Float32Array | Int32Array;
/** Nested arrays as returned by `array()`. */
export type NestedArray = number | NestedArray[];

/**
 * An n-dimensional array on a backend. Create with `wg.tensor`, `wg.zeros`, …; free with
 * `dispose()` or let `wg.tidy` do it.
 *
 * @example
 * const t = wg.tensor([[1, 2], [3, 4]]);
 * console.log(await t.mul(2).data()); // Float32Array [2, 4, 6, 8]
 */
export class Tensor {
  readonly id = engine.nextId++;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
  /** Gradient filled by `backward()` when `requiresGrad` is set. */
  grad: Tensor | null = null;
  /** Record operations on this tensor for `backward()`. */
  requiresGrad = false;
  /** The operation that produced this tensor (absent for leaves and under `noGrad`). */
  creator: OpNode | null = null;
  /**
   * Host copy of an int32 tensor made from host data: lets id-consuming ops (gather) validate ids
   * and build their gradient's index without a GPU readback.
   */
  hostInts: Int32Array | null = null;
  name: string | undefined;
  private shared: SharedStorage | null;

  /** @internal Use the creation functions instead. */
  constructor(shape: Shape, dtype: DType, storage: Storage | SharedStorage) {
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = sizeOf(shape);
    this.shared = 'refs' in storage ? storage : { storage, refs: 0 };
    this.shared.refs++;
    engine.track(this);
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.shared === null;
  }

  /** The backend buffer; throws if the tensor was disposed. */
  storageFor(op: string): Storage {
    if (!this.shared) fail(op, `tensor #${this.id}${this.name ? ` '${this.name}'` : ''} of shape ${fmtShape(this.shape)} was already disposed`);
    return this.shared.storage;
  }

  /** @internal A tensor of another shape sharing this one's storage (reshape without a copy). */
  view(shape: Shape): Tensor {
    this.storageFor('reshape');
    const t = new Tensor(shape, this.dtype, this.shared!);
    t.hostInts = this.hostInts;
    return t;
  }

  /**
   * @internal Moves the values' home: this tensor and every reshape sharing its storage now use
   * `storage` (same backend, dtype and size; the caller has copied the values there), and the
   * previous storage is freed (or released to its owner). With `release`, the new storage is owned
   * elsewhere (a view into an optimizer's parameter arena): disposing the last tensor calls
   * `release` instead of freeing it. An optimizer adopting its parameters uses this.
   */
  rebindStorage(storage: Storage, release?: (reason: 'disposed' | 'moved') => void): void {
    const old = this.storageFor('rebindStorage');
    if (storage.backend !== old.backend || storage.dtype !== old.dtype || storage.size !== old.size) {
      fail('rebindStorage', `the new storage (${storage.size} ${storage.dtype} on ${storage.backend.name}) does not match tensor #${this.id}'s (${old.size} ${old.dtype} on ${old.backend.name})`);
    }
    const shared = this.shared!;
    const previous: SharedStorage = { storage: old, refs: 0, release: shared.release };
    shared.storage = storage;
    shared.release = release;
    releaseShared(previous, 'moved');
  }

  /** Frees the storage (once no reshape of it is alive). Safe to call twice. */
  dispose(): void {
    if (!this.shared) return;
    if (--this.shared.refs === 0) releaseShared(this.shared, 'disposed');
    this.shared = null;
    engine.untrack(this);
  }

  /** Reads the values back: a flat typed array in row-major order. */
  async data(): Promise<TypedArray> {
    const s = this.storageFor('data');
    return s.backend.read(s);
  }

  /** Synchronous readback; only the CPU backend supports it (use `await data()` on WebGPU). */
  dataSync(): TypedArray {
    const s = this.storageFor('dataSync');
    if (!s.backend.readSync) fail('dataSync', `the ${s.backend.name} backend cannot read synchronously; use 'await tensor.data()'`);
    return s.backend.readSync(s);
  }

  /** Reads the values back as nested arrays (a number for a scalar). */
  async array(): Promise<NestedArray> {
    return nest(await this.data(), this.shape);
  }

  toString(): string {
    return `Tensor(#${this.id}, ${fmtShape(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}

function nest(flat: TypedArray, shape: readonly number[]): NestedArray {
  if (shape.length === 0) return flat[0]!;
  const [d, ...rest] = shape;
  const step = sizeOf(rest);
  return Array.from({ length: d! }, (_, i) => nest(flat.subarray(i * step, (i + 1) * step), rest));
}
