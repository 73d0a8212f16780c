import { checkCopy, checkView, type Backend, type BackendStats, type DType, type HostArray, type Kernel, type Storage } from '../backend.js';
import { hardwareThreads, threadSupport, ThreadPool } from './threads/pool.js';

export interface CpuStorage extends Storage {
  readonly data: HostArray;
  /** Set on views: `data` is a subarray of the parent's, which owns the memory. */
  readonly view?: true;
}

export interface CpuBackendOptions {
  /**
   * 'float64' stores float32 tensors in Float64Array: the reference mode the finite-difference
   * gradient checks run in. Default 'float32'.
   */
  precision?: 'float32' | 'float64';
  /**
   * Threads for the heavy kernels (the GRU), the calling one included. Default: the machine's
   * hardware threads (at most 8) where worker threads can serve a synchronous kernel (Node; a
   * browser Web Worker of a cross-origin-isolated page), else 1. With more than 1, buffers live
   * in SharedArrayBuffers. Results do not depend on it except for the summation order of weight
   * gradients (float64 partial sums, one per thread).
   */
  threads?: number;
}

/**
 * Freed buffers kept for reuse, in bytes at most. Fresh memory costs a page fault per 4 KiB on
 * first touch, which for a training step's large activations (63 MB of GRU gates at batch 512)
 * took longer than the GRU itself.
 */
const MAX_SPARE_BYTES = 512 * 2 ** 20;

/** More threads than this rarely help: the sharded kernels are split by batch in blocks of 4. */
const MAX_DEFAULT_THREADS = 8;

/** The reference backend: every kernel's plain typed-array loop. */
export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;
  readonly description: string;
  readonly precision: 'float32' | 'float64';
  readonly viewAlignment = 1;
  readonly maxStorageElements = 2 ** 31 - 1;
  private live = new Set<CpuStorage>();
  private bytes = 0;
  private dispatches = 0;
  private readonly pool: ThreadPool | undefined;
  /** Freed buffers by byte length. */
  private spare = new Map<number, ArrayBufferLike[]>();
  private spareBytes = 0;

  constructor(options: CpuBackendOptions = {}) {
    this.precision = options.precision ?? 'float32';
    const t = options.threads;
    if (t !== undefined && !(Number.isInteger(t) && t >= 1)) throw new Error(`CpuBackend: threads must be an integer ≥ 1, got ${t}`);
    const threads = t ?? (threadSupport() === null ? Math.min(hardwareThreads(), MAX_DEFAULT_THREADS) : 1);
    if (threads > 1) {
      const why = threadSupport();
      if (why) throw new Error(`CpuBackend: threads ${threads} asked for, but ${why}`);
      this.pool = new ThreadPool(threads);
    }
    this.description = `cpu (${this.precision}${threads > 1 ? `, ${threads} threads` : ''})`;
  }

  /** Threads the heavy kernels use, the calling one included. */
  get threads(): number {
    return this.pool?.size ?? 1;
  }

  /**
   * Starts the worker threads and resolves when they answer. Optional: until then kernels run on
   * the calling thread alone. `wg.ready()` awaits it.
   */
  async startThreads(): Promise<void> {
    await this.pool?.start();
  }

  /** Kernel calls split over threads so far, and why the workers could not start if they could not. */
  threadStats(): { threads: number; parallelRuns: number; fallbackReason: string | null } {
    return { threads: this.threads, parallelRuns: this.pool?.parallelRuns ?? 0, fallbackReason: this.pool?.fallbackReason ?? null };
  }

  alloc(size: number, dtype: DType): CpuStorage {
    const bytes = size * (dtype === 'int32' ? 4 : this.precision === 'float64' ? 8 : 4);
    // Shared memory only when workers may touch it (a SharedArrayBuffer costs more to create).
    const buffer = this.reuse(bytes) ?? (this.pool ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    const data = dtype === 'int32' ? new Int32Array(buffer) : this.precision === 'float64' ? new Float64Array(buffer) : new Float32Array(buffer);
    const s: CpuStorage = { backend: this, size, dtype, data };
    this.live.add(s);
    this.bytes += data.byteLength;
    return s;
  }

  free(storage: Storage): void {
    const s = storage as CpuStorage;
    if (!this.live.delete(s)) return;
    const n = s.data.byteLength;
    this.bytes -= n;
    if (n === 0 || this.spareBytes + n > MAX_SPARE_BYTES) return;
    const list = this.spare.get(n) ?? [];
    list.push(s.data.buffer);
    this.spare.set(n, list);
    this.spareBytes += n;
  }

  /** A freed buffer of exactly `bytes`, zeroed like a new one, if there is one. */
  private reuse(bytes: number): ArrayBufferLike | undefined {
    const buffer = this.spare.get(bytes)?.pop();
    if (!buffer) return undefined;
    this.spareBytes -= bytes;
    new Uint8Array(buffer).fill(0);
    return buffer;
  }

  view(parent: Storage, offset: number, size: number): CpuStorage {
    const p = parent as CpuStorage;
    checkView(p, offset, size);
    return { backend: this, size, dtype: p.dtype, data: p.data.subarray(offset, offset + size), view: true };
  }

  copy(src: Storage, srcOffset: number, dst: Storage, dstOffset: number, count: number): void {
    checkCopy(src, srcOffset, dst, dstOffset, count);
    (dst as CpuStorage).data.set((src as CpuStorage).data.subarray(srcOffset, srcOffset + count), dstOffset);
  }

  write(storage: Storage, data: ArrayLike<number>): void {
    (storage as CpuStorage).data.set(data);
  }

  fill(storage: Storage, value: number): void {
    (storage as CpuStorage).data.fill(value);
  }

  readSync(storage: Storage): Float32Array | Int32Array {
    const d = (storage as CpuStorage).data;
    return d instanceof Int32Array ? d.slice() : Float32Array.from(d);
  }

  read(storage: Storage): Promise<Float32Array | Int32Array> {
    return Promise.resolve(this.readSync(storage));
  }

  /** Direct access for the float64 reference checks (no rounding to float32). */
  raw(storage: Storage): HostArray {
    return (storage as CpuStorage).data;
  }

  dispatch(kernel: Kernel, inputs: readonly Storage[], outputs: readonly Storage[]): void {
    this.dispatches++;
    kernel.cpu(
      inputs.map((s) => (s as CpuStorage).data),
      outputs.map((s) => (s as CpuStorage).data),
      this.pool,
    );
  }

  flush(): void {}

  stats(): BackendStats {
    return { buffers: this.live.size, bytes: this.bytes, pipelines: 0, dispatches: this.dispatches, submits: 0 };
  }

  resetCounters(): void {
    this.dispatches = 0;
  }

  dispose(): void {
    this.pool?.dispose();
    this.live.clear();
    this.spare.clear();
    this.spareBytes = 0;
    this.bytes = 0;
  }
}
