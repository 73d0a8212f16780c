import { checkCopy, checkView, type Backend, type BackendStats, type DType, type HostArray, type Kernel, type Storage } from '../backend.js';

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
}

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

  constructor(options: CpuBackendOptions = {}) {
    this.precision = options.precision ?? 'float32';
    this.description = `cpu (${this.precision})`;
  }

  alloc(size: number, dtype: DType): CpuStorage {
    const data = dtype === 'int32' ? new Int32Array(size) : this.precision === 'float64' ? new Float64Array(size) : new Float32Array(size);
    const s: CpuStorage = { backend: this, size, dtype, data };
    this.live.add(s);
    this.bytes += data.byteLength;
    return s;
  }

  free(storage: Storage): void {
    const s = storage as CpuStorage;
    if (this.live.delete(s)) this.bytes -= s.data.byteLength;
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
    this.live.clear();
    this.bytes = 0;
  }
}
