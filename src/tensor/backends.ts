import type { Backend } from '../kernels/backend.js';
import { CpuBackend, type CpuBackendOptions } from '../kernels/cpu/backend.js';
import { WebGPUBackend, type WebGPUBackendOptions } from '../kernels/webgpu/backend.js';
import { engine } from './engine.js';
import { fromFlat } from './creation.js';
import type { Tensor } from './tensor.js';

export interface ReadyOptions {
  /** 'auto' (default): WebGPU when an adapter exists, otherwise the CPU backend with one warning. */
  backend?: 'auto' | 'webgpu' | 'cpu';
  cpu?: CpuBackendOptions;
  webgpu?: WebGPUBackendOptions;
  /** Where the fallback warning goes (default console.warn). */
  warn?: (message: string) => void;
}

export interface ReadyResult {
  backend: Backend;
  /** Why WebGPU was not used, when it was not. */
  fallbackReason?: string;
}

/**
 * Picks and initialises a backend; call once before building models.
 * @example
 * const { backend } = await wg.ready();          // WebGPU if possible
 * console.log(backend.description);
 */
export async function ready(options: ReadyOptions = {}): Promise<ReadyResult> {
  const want = options.backend ?? 'auto';
  if (want === 'cpu') return { backend: setBackend(await startedCpu(options.cpu)) };
  const gpu = await WebGPUBackend.create(options.webgpu);
  if (typeof gpu !== 'string') return { backend: setBackend(gpu) };
  if (want === 'webgpu') throw new Error(`ready: WebGPU was requested but is unavailable: ${gpu}`);
  (options.warn ?? console.warn)(`webgrad: WebGPU unavailable (${gpu}); using the CPU backend.`);
  return { backend: setBackend(await startedCpu(options.cpu)), fallbackReason: gpu };
}

/** A CPU backend whose worker threads are up (in a browser worker they cannot boot while a kernel blocks). */
async function startedCpu(options: CpuBackendOptions | undefined): Promise<CpuBackend> {
  const cpu = new CpuBackend(options);
  await cpu.startThreads();
  return cpu;
}

/** Makes `backend` the one new tensors are created on. Returns it. */
export function setBackend<B extends Backend>(backend: B): B {
  engine.backend = backend;
  return backend;
}

export function getBackend(): Backend {
  return engine.backend;
}

/** Runs `fn` with `backend` as the current backend. */
export function withBackend<T>(backend: Backend, fn: () => T): T {
  const prev = engine.backend;
  engine.backend = backend;
  try {
    return fn();
  } finally {
    engine.backend = prev;
  }
}

/** Copies a tensor to another backend (reads it back, so it is async). */
export async function toBackend(t: Tensor, backend: Backend): Promise<Tensor> {
  const data = await t.data();
  const out = fromFlat(data, t.shape, t.dtype, backend);
  return out;
}

export interface Stats {
  /** Tensors not yet disposed. */
  tensors: number;
  /** Live device buffers and their bytes (pooled free buffers excluded). */
  buffers: number;
  bytes: number;
  pipelines: number;
  /** Since the last `resetStats()`. */
  dispatches: number;
  submits: number;
  backend: string;
}

/** Memory and work counters, for leak checks and dispatch budgets. */
export function stats(): Stats {
  const b = engine.backend.stats();
  return { tensors: engine.liveTensors, ...b, backend: engine.backend.description };
}

export function resetStats(): void {
  engine.backend.resetCounters();
}

/** Submits queued GPU work now (it is otherwise submitted on the next readback). */
export function flush(): void {
  engine.backend.flush();
}
