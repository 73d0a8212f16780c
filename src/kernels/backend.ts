/**
 * The backend contract: a handful of verbs (alloc/free/write/read/dispatch/flush). A backend knows
 * buffers and kernels, nothing about tensors, gradients or layers.
 */
export type DType = 'float32' | 'int32';

/** Host arrays a kernel's CPU reference reads and writes (Float64Array in the float64 reference mode). */
export type HostArray = Float32Array | Float64Array | Int32Array;

/** A buffer owned by one backend. */
export interface Storage {
  readonly backend: Backend;
  /** Number of elements. */
  readonly size: number;
  readonly dtype: DType;
}

/** One uniform word: WGSL structs built from u32/i32/f32 fields in declaration order. */
export type Uniform = readonly ['u32' | 'i32' | 'f32', number];

/** One compute dispatch. */
export interface GpuProgram {
  /** Equal keys promise identical WGSL: the pipeline cache is keyed by it. */
  readonly key: string;
  /** WGSL source; called only when the key is not cached yet. */
  readonly code: () => string;
  readonly workgroups: readonly [number, number, number];
  /** Packed into one uniform buffer bound after the storage buffers. */
  readonly uniforms?: readonly Uniform[];
  /**
   * Which storages to bind, as indices into [...inputs, ...outputs, ...temps], in binding order;
   * default all.
   */
  readonly bind?: readonly number[];
}

/** A kernel: the CPU reference and the WGSL program(s) computing the same thing. */
export interface Kernel {
  /** The op's public name, used in error messages and stats. */
  readonly name: string;
  cpu(inputs: readonly HostArray[], outputs: readonly HostArray[]): void;
  gpu(): GpuProgram | readonly GpuProgram[];
  /**
   * Scratch buffers the GPU programs need (e.g. partial sums), bound after the outputs
   * (indices [...inputs, ...outputs, ...temps]) and released after the dispatch.
   */
  readonly temps?: readonly { size: number; dtype: DType }[];
  /**
   * The outputs are existing buffers updated in place (read, then written: optimizer updates), so
   * test modes that poison fresh outputs must leave them alone.
   */
  readonly inPlace?: boolean;
}

export interface BackendStats {
  buffers: number;
  bytes: number;
  pipelines: number;
  dispatches: number;
  submits: number;
}

export interface Backend {
  readonly name: 'cpu' | 'webgpu';
  /** Human-readable description of the device, e.g. the adapter's vendor and architecture. */
  readonly description: string;
  alloc(size: number, dtype: DType): Storage;
  free(storage: Storage): void;
  write(storage: Storage, data: ArrayLike<number>): void;
  read(storage: Storage): Promise<Float32Array | Int32Array>;
  /** Synchronous readback where the backend can (CPU); otherwise undefined. */
  readSync?(storage: Storage): Float32Array | Int32Array;
  dispatch(kernel: Kernel, inputs: readonly Storage[], outputs: readonly Storage[]): void;
  /** Submits pending work (no-op on CPU). */
  flush(): void;
  stats(): BackendStats;
  resetCounters(): void;
  dispose(): void;
}
