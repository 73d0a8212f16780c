/**
 * The benchmark page (built by bench/browser-page/build.mjs, driven by bench/browser.ts): webgrad
 * and TensorFlow.js 4.22 in one page, on the one WebGPU adapter the browser offers, plus TF.js's
 * wasm backend (stock, and with a scatter-add UnsortedSegmentSum registered here, labelled
 * "patched").
 *
 * The page does nothing on its own. The driver calls `window.__bench.info()` once, then
 * `window.__bench.run(job)` for each configuration and batch; a job builds (or reuses) the model,
 * runs one warm-up step (timed on its own: shader compilation, pools, first allocation), then steps
 * until its time budget is spent (at least one, at most `maxSteps`). Every step waits for the
 * device: webgrad `trainOnBatch` + `backend.sync()`, inference `predict` + `data()`; TF.js
 * `await trainOnBatch` (it reads the loss back), inference `predict` + `data()`.
 *
 * Counting: during the first timed step the page wraps GPUComputePassEncoder.dispatchWorkgroups,
 * GPUCommandEncoder.beginComputePass and GPUQueue.submit (so both libraries are counted the same
 * way, by the browser's own API), and for TF.js also the engine's kernel invocations; webgrad's
 * own `wg.stats()` counters are recorded beside them.
 */
import * as wg from '../../src/index.js';
import * as tf from '@tensorflow/tfjs-core';
// What the @tensorflow/tfjs umbrella package registers on import: gradients (training needs them)
// and the chained tensor methods (tfjs-layers calls e.g. tensor.flatten()).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { tfjsFlag } from '../lib/tfjs-flags.js';
import { MAXLEN, randomBatch, registerScatterSegmentSum, tfjsTutorial, webgradTutorial } from '../lib/tutorial.js';

export type Lib = 'webgrad' | 'tfjs';

export interface Job {
  lib: Lib;
  backend: 'webgpu' | 'wasm';
  /** webgrad: GRU resetAfter. TF.js: always false. */
  resetAfter: boolean;
  /** TF.js wasm: 'stock' or 'patched' (UnsortedSegmentSum); otherwise 'stock'. */
  variant: 'stock' | 'patched';
  /** 'train' | 'infer': timed steps; 'leak': `maxSteps` training steps with memory before/after. */
  what: 'train' | 'infer' | 'leak';
  batch: number;
  maxlen: number;
  /** Seconds of timed steps after the warm-up (at least one step runs). */
  budgetSeconds: number;
  maxSteps: number;
  /** Skip the warm-up step (the model has already run this shape). */
  noWarmup?: boolean;
  /** One step only, reported both as the warm-up and as the one timed step (no time for both). */
  singleStep?: boolean;
}

export interface Counts {
  /** GPUComputePassEncoder.dispatchWorkgroups calls. */
  dispatches: number;
  /** GPUQueue.submit calls. */
  submits: number;
  /** GPUCommandEncoder.beginComputePass calls. */
  passes: number;
  /** TF.js: kernels run by the engine (including those forwarded to the CPU). */
  kernels?: number;
  /** webgrad's own counters (wg.stats()). */
  wgDispatches?: number;
  wgSubmits?: number;
}

export interface Memory {
  /** webgrad: live GPU buffers (wg.stats().buffers); TF.js webgpu: buffers in use (bufferManager). */
  buffers: number | null;
  /** webgrad: live GPU bytes; TF.js webgpu: tf.memory().numBytesInGPU; wasm: tf.memory().numBytes. */
  bytes: number;
  /** webgrad: live tensors; TF.js: tensor data ids on the model's backend. */
  tensors: number;
  /** TF.js webgpu: bytes allocated in the GPU, pooled free buffers included. */
  allocatedBytes?: number;
}

export interface JobResult {
  ok: boolean;
  error?: string;
  /** The error's stack (first lines), for the JSON. */
  stack?: string;
  /** The first step of this job (warm-up), ms; null when skipped. */
  warmupMs: number | null;
  /** Each timed step, ms. */
  stepMs: number[];
  /** Wall time of the timed steps, ms. */
  timedMs: number;
  samplesPerSecond: number | null;
  counts: Counts | null;
  /** After the warm-up (device idle) and after the timed steps. */
  memoryBefore: Memory | null;
  memoryAfter: Memory | null;
  /** Building the model (weights initialised, compiled), ms; 0 when it was reused. */
  buildMs: number;
  loss: number | null;
}

export interface PageInfo {
  userAgent: string;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  adapter: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter: boolean | null; features: string[] } | null;
  webgrad: { description: string; variant: string; adapter: unknown } | null;
  webgradError: string | null;
  tfjs: { version: string; webgpu: string | null; webgpuAdapter: unknown; wasm: string | null; wasmSimd: unknown; wasmThreads: unknown; flags: Record<string, unknown> };
  secureContext: boolean;
}

declare global {
  interface Window {
    __bench?: { info(): Promise<PageInfo>; run(job: Job): Promise<JobResult> };
    __benchReady?: boolean | string;
    /** The job in progress, for a driver that has to stop it: the result so far. */
    __progress?: JobResult;
  }
}

const status = (s: string) => {
  const el = document.getElementById('status');
  if (el) el.textContent = s;
};

// ---------------------------------------------------------------------------------------------
// Counting through the browser's WebGPU API

type Patchable = { prototype: Record<string, unknown> };
const counters = { dispatches: 0, submits: 0, passes: 0, kernels: 0 };

function wrap(cls: Patchable | undefined, name: string, bump: () => void): () => void {
  if (!cls) return () => {};
  const original = cls.prototype[name] as ((...a: unknown[]) => unknown) | undefined;
  if (typeof original !== 'function') return () => {};
  cls.prototype[name] = function (this: unknown, ...a: unknown[]) {
    bump();
    return original.apply(this, a);
  };
  return () => {
    cls.prototype[name] = original;
  };
}

/** Installs the counters; returns the function that removes them and reads the counts. */
function startCounting(): () => Counts {
  counters.dispatches = counters.submits = counters.passes = counters.kernels = 0;
  const g = globalThis as unknown as Record<string, Patchable | undefined>;
  const undo = [
    wrap(g.GPUComputePassEncoder, 'dispatchWorkgroups', () => counters.dispatches++),
    wrap(g.GPUComputePassEncoder, 'dispatchWorkgroupsIndirect', () => counters.dispatches++),
    wrap(g.GPUQueue, 'submit', () => counters.submits++),
    wrap(g.GPUCommandEncoder, 'beginComputePass', () => counters.passes++),
  ];
  // TF.js: every kernel the engine runs goes through runKernelFunc.
  const engine = tf.engine() as unknown as Record<string, unknown>;
  const runKernelFunc = engine.runKernelFunc as (...a: unknown[]) => unknown;
  engine.runKernelFunc = function (this: unknown, ...a: unknown[]) {
    counters.kernels++;
    return runKernelFunc.apply(this, a);
  };
  return () => {
    for (const u of undo) u();
    engine.runKernelFunc = runKernelFunc;
    return { dispatches: counters.dispatches, submits: counters.submits, passes: counters.passes, kernels: counters.kernels };
  };
}

// ---------------------------------------------------------------------------------------------
// Backends and models

let webgradBackend: wg.WebGPUBackend | null = null;
let webgradError: string | null = null;

interface LiveModel {
  key: string;
  /** Shapes (batch×maxlen×what) this model has already run. */
  warmed: Set<string>;
  dispose(): void;
  train(): Promise<number | null>;
  infer(): Promise<void>;
  setBatch(batch: number, maxlen: number): void;
  memory(): Promise<Memory>;
  count?: () => { wgDispatches: number; wgSubmits: number };
}

let restoreSegmentSum: (() => void) | null = null;

async function tfBackend(name: 'webgpu' | 'wasm'): Promise<void> {
  if (tf.getBackend() !== name) {
    const ok = await tf.setBackend(name);
    if (!ok) throw new Error(`TF.js backend ${name} failed to initialise`);
  }
  await tf.ready();
}

function webgradModel(job: Job): LiveModel {
  const gpu = webgradBackend;
  if (!gpu) throw new Error(`webgrad WebGPU backend unavailable: ${webgradError}`);
  wg.setBackend(gpu);
  wg.setSeed(2024);
  const model = webgradTutorial(job.resetAfter);
  let x: wg.Tensor | null = null;
  let y: wg.Tensor | null = null;
  let batch = 0;
  return {
    key: '',
    warmed: new Set(),
    setBatch(b, maxlen) {
      x?.dispose();
      y?.dispose();
      const { ids, labels } = randomBatch(b, maxlen);
      x = wg.fromFlat(ids, [b, maxlen], 'int32', gpu);
      y = wg.fromFlat(labels, [b, 1], 'float32', gpu);
      batch = b;
    },
    async train() {
      const loss = model.trainOnBatch(x!, y!);
      loss.dispose();
      await gpu.sync();
      return null;
    },
    async infer() {
      const p = model.predict(x!, { batchSize: batch });
      await p.data();
      p.dispose();
    },
    async memory() {
      await gpu.sync();
      const s = wg.stats();
      return { buffers: s.buffers, bytes: s.bytes, tensors: s.tensors };
    },
    count() {
      const s = wg.stats();
      return { wgDispatches: s.dispatches, wgSubmits: s.submits };
    },
    dispose() {
      x?.dispose();
      y?.dispose();
      model.dispose();
    },
  };
}

/** Switches TF.js to the job's backend and (wasm) registers or removes the patched kernel. */
async function useTfjs(job: Job): Promise<void> {
  await tfBackend(job.backend);
  if (job.backend !== 'wasm') return;
  if (job.variant === 'patched' && !restoreSegmentSum) restoreSegmentSum = registerScatterSegmentSum(tf, 'wasm');
  if (job.variant === 'stock' && restoreSegmentSum) {
    restoreSegmentSum();
    restoreSegmentSum = null;
  }
}

function tfjsModel(job: Job): LiveModel {
  const maxlen = job.maxlen;
  const model = tfjsTutorial(tf, tfl, { maxlen });
  let x: tf.Tensor | null = null;
  let y: tf.Tensor | null = null;
  let batch = 0;
  const backend = tf.backend() as unknown as { bufferManager?: { numUsedBuffers: number }; numDataIds(): number };
  return {
    key: '',
    warmed: new Set(),
    setBatch(b, ml) {
      if (ml !== maxlen) throw new Error(`TF.js model built for maxlen ${maxlen}, asked for ${ml}`);
      x?.dispose();
      y?.dispose();
      const { ids, labels } = randomBatch(b, ml);
      x = tf.tensor2d(ids, [b, ml], 'int32');
      y = tf.tensor2d(labels, [b, 1]);
      batch = b;
    },
    async train() {
      const loss = await model.trainOnBatch(x!, y!);
      return typeof loss === 'number' ? loss : (loss[0] ?? null);
    },
    async infer() {
      const p = model.predict(x!, { batchSize: batch }) as tf.Tensor;
      await p.data();
      p.dispose();
    },
    async memory() {
      const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesInGPUAllocated?: number; numBytesAllocatedInGPU?: number };
      const gpu = job.backend === 'webgpu';
      return {
        buffers: gpu ? (backend.bufferManager?.numUsedBuffers ?? null) : null,
        bytes: gpu ? (m.numBytesInGPU ?? 0) : m.numBytes,
        // Tensor data on this model's backend (tf.memory().numTensors counts every backend).
        tensors: backend.numDataIds(),
        ...(gpu ? { allocatedBytes: m.numBytesInGPUAllocated ?? m.numBytesAllocatedInGPU ?? 0 } : {}),
      };
    },
    dispose() {
      x?.dispose();
      y?.dispose();
      model.dispose();
    },
  };
}

/** Models stay alive for the whole page (one per library, backend, GRU variant and length). */
const models = new Map<string, LiveModel>();

async function modelFor(job: Job): Promise<{ model: LiveModel; buildMs: number }> {
  // TF.js wasm stock and patched share a model: only the kernel registration differs.
  const key = `${job.lib}/${job.backend}/${job.resetAfter}/${job.maxlen}`;
  if (job.lib === 'tfjs') await useTfjs(job);
  const have = models.get(key);
  if (have) return { model: have, buildMs: 0 };
  const t = performance.now();
  const model = job.lib === 'webgrad' ? webgradModel(job) : tfjsModel(job);
  model.key = key;
  models.set(key, model);
  return { model, buildMs: performance.now() - t };
}

// ---------------------------------------------------------------------------------------------
// Jobs

async function run(job: Job): Promise<JobResult> {
  const result: JobResult = { ok: false, warmupMs: null, stepMs: [], timedMs: 0, samplesPerSecond: null, counts: null, memoryBefore: null, memoryAfter: null, buildMs: 0, loss: null };
  window.__progress = result;
  try {
    status(`${job.lib} ${job.backend} ${job.what} batch ${job.batch}…`);
    const { model, buildMs } = await modelFor(job);
    result.buildMs = buildMs;
    model.setBatch(job.batch, job.maxlen);
    const train = job.what !== 'infer';
    const step = async () => {
      if (train) {
        const l = await model.train();
        if (l !== null) result.loss = l;
      } else await model.infer();
    };
    const shape = `${job.what === 'infer' ? 'infer' : 'train'}/${job.batch}x${job.maxlen}`;
    if (!job.singleStep && (!job.noWarmup || !model.warmed.has(shape))) {
      const t = performance.now();
      await step();
      result.warmupMs = performance.now() - t;
      model.warmed.add(shape);
    }
    result.memoryBefore = await model.memory();
    const t0 = performance.now();
    const budgetMs = job.budgetSeconds * 1000;
    const update = () => {
      result.timedMs = performance.now() - t0;
    };
    for (let i = 0; i < job.maxSteps; i++) {
      const counting = i === 0 && job.what !== 'leak';
      let stop: (() => Counts) | null = null;
      if (counting) {
        if (job.lib === 'webgrad') wg.resetStats();
        stop = startCounting();
      }
      const s = performance.now();
      await step();
      result.stepMs.push(performance.now() - s);
      update();
      if (stop) {
        const c = stop();
        if (job.lib === 'webgrad') {
          delete c.kernels;
          Object.assign(c, model.count!());
        }
        if (job.backend === 'wasm') c.dispatches = c.submits = c.passes = 0;
        result.counts = c;
      }
      const elapsed = performance.now() - t0;
      if (elapsed >= budgetMs) break;
      // A leak check must end with its memory reading inside its budget: no step that would overrun it.
      if (job.what === 'leak' && elapsed + result.stepMs[result.stepMs.length - 1]! > budgetMs) break;
    }
    result.timedMs = performance.now() - t0;
    if (job.singleStep) {
      result.warmupMs = result.stepMs[0] ?? null;
      model.warmed.add(shape);
    }
    result.memoryAfter = await model.memory();
    result.samplesPerSecond = (job.batch * result.stepMs.length) / (result.timedMs / 1000);
    result.ok = true;
  } catch (e) {
    result.error = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    if (e instanceof Error && e.stack) result.stack = e.stack.split('\n').slice(0, 8).join('\n');
  }
  status(`done: ${job.lib} ${job.backend} ${job.what} batch ${job.batch}`);
  return result;
}

async function info(): Promise<PageInfo> {
  const nav = navigator as Navigator & { gpu?: GPU };
  let adapter: PageInfo['adapter'] = null;
  const a = nav.gpu ? await nav.gpu.requestAdapter() : null;
  if (a) {
    const i = (a as GPUAdapter & { info?: GPUAdapterInfo & { isFallbackAdapter?: boolean } }).info;
    adapter = {
      vendor: i?.vendor ?? '',
      architecture: i?.architecture ?? '',
      device: i?.device ?? '',
      description: i?.description ?? '',
      isFallbackAdapter: i?.isFallbackAdapter ?? (a as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? null,
      features: [...a.features].sort(),
    };
  }
  let webgpu: string | null = null;
  let webgpuAdapter: unknown = null;
  try {
    await tfBackend('webgpu');
    webgpu = tf.getBackend();
    const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
    webgpuAdapter = info ? { vendor: info.vendor, architecture: info.architecture } : null;
  } catch (e) {
    webgpu = `failed: ${e instanceof Error ? e.message : String(e)}`;
  }
  let wasm: string | null = null;
  try {
    await tfBackend('wasm');
    wasm = tf.getBackend();
  } catch (e) {
    wasm = `failed: ${e instanceof Error ? e.message : String(e)}`;
  }
  return {
    userAgent: navigator.userAgent,
    crossOriginIsolated: globalThis.crossOriginIsolated ?? false,
    hardwareConcurrency: navigator.hardwareConcurrency,
    secureContext: globalThis.isSecureContext,
    adapter,
    webgrad: webgradBackend ? { description: webgradBackend.description, variant: webgradBackend.variant, adapter: { ...webgradBackend.adapter } } : null,
    webgradError,
    tfjs: {
      version: tf.version_core,
      webgpu,
      webgpuAdapter,
      wasm,
      wasmSimd: tfjsFlag(tf, 'WASM_HAS_SIMD_SUPPORT'),
      wasmThreads: tfjsFlag(tf, 'WASM_HAS_MULTITHREAD_SUPPORT'),
      flags: { WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: tfjsFlag(tf, 'WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE'), WEBGPU_CPU_FORWARD: tfjsFlag(tf, 'WEBGPU_CPU_FORWARD'), WEBGPU_USE_LOW_POWER_GPU: tfjsFlag(tf, 'WEBGPU_USE_LOW_POWER_GPU') },
    },
  };
}

async function main(): Promise<void> {
  setWasmPaths(new URL('./wasm/', location.href).href);
  try {
    const r = await wg.ready({ backend: 'webgpu' });
    webgradBackend = r.backend as wg.WebGPUBackend;
  } catch (e) {
    webgradError = e instanceof Error ? e.message : String(e);
  }
  window.__bench = { info, run };
  window.__benchReady = true;
  status(`ready (T=${MAXLEN}); waiting for the driver`);
}

main().catch((e: unknown) => {
  window.__benchReady = `failed: ${e instanceof Error ? e.message : String(e)}`;
  status(String(window.__benchReady));
});
