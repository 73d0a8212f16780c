/**
 * The backend contract: a handful of verbs (alloc/free/write/read/dispatch/flush). A backend knows
 * buffers and kernels, nothing about tensors, gradients or layers.
 */
import type { CpuThreads } from './cpu/threads/pool.js';

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
  /**
   * The CPU loop. `threads` is the CPU backend's worker pool when it has one: a heavy kernel may
   * split its work over it (the arrays are then in shared memory).
   */
  cpu(inputs: readonly HostArray[], outputs: readonly HostArray[], threads?: CpuThreads): void;
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
  /** A view's offset must be a multiple of this many elements (the device's storage offset alignment). */
  readonly viewAlignment: number;
  /** The most elements one kernel can bind as a single storage (a device limit). */
  readonly maxStorageElements: number;
  alloc(size: number, dtype: DType): Storage;
  /** Returns the buffer to the backend; does nothing for a view (its parent owns the memory). */
  free(storage: Storage): void;
  /**
   * A storage aliasing `size` elements of `parent` from element `offset` (a multiple of
   * `viewAlignment`): kernels, reads, writes and copies see only that range. It owns no memory:
   * freeing it does nothing, and it must not be used after its parent is freed.
   */
  view(parent: Storage, offset: number, size: number): Storage;
  /**
   * Copies `count` elements src[srcOffset…] → dst[dstOffset…] on the device, in order with the
   * dispatches around it; not a dispatch (a buffer-to-buffer copy on WebGPU). `src` and `dst` must
   * not share memory.
   */
  copy(src: Storage, srcOffset: number, dst: Storage, dstOffset: number, count: number): void;
  write(storage: Storage, data: ArrayLike<number>): void;
  /**
   * Sets every element to `value` on the device, in order with the dispatches around it; not a
   * dispatch. Zero is a buffer clear on WebGPU: nothing crosses from the host (a zero gradient of
   * a sequence output is megabytes per training step).
   */
  fill(storage: Storage, value: number): void;
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

/** Validates a view request (shared by the backends). */
export function checkView(parent: Storage, offset: number, size: number): void {
  const align = parent.backend.viewAlignment;
  if (!(Number.isInteger(offset) && Number.isInteger(size) && offset >= 0 && size >= 0 && offset + size <= parent.size)) {
    throw new Error(`view: elements [${offset}, ${offset + size}) are outside a storage of ${parent.size}`);
  }
  if (offset % align !== 0) throw new Error(`view: offset ${offset} is not a multiple of the backend's view alignment (${align} elements)`);
}

/** Validates a copy request (shared by the backends). */
export function checkCopy(src: Storage, srcOffset: number, dst: Storage, dstOffset: number, count: number): void {
  if (src.backend !== dst.backend) throw new Error(`copy: the source lives on ${src.backend.name} and the destination on ${dst.backend.name}`);
  if (src.dtype !== dst.dtype) throw new Error(`copy: dtype ${src.dtype} into ${dst.dtype}`);
  for (const [what, s, o] of [['source', src, srcOffset], ['destination', dst, dstOffset]] as const) {
    if (!(Number.isInteger(o) && Number.isInteger(count) && o >= 0 && count >= 0 && o + count <= s.size)) {
      throw new Error(`copy: ${count} elements at ${o} run past the ${what}'s ${s.size}`);
    }
  }
}
