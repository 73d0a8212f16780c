import { checkCopy, checkView, type Backend, type BackendStats, type DType, type GpuProgram, type Kernel, type Storage } from '../backend.js';
import { acquireWebGPU, type AdapterSummary } from './acquire.js';
import { BufferPool } from './pool.js';
import { UniformArena } from './uniforms.js';

export interface GpuStorage extends Storage {
  readonly buffer: GPUBuffer;
  /** Byte offset of the data in `buffer` (non-zero only for views). */
  readonly offset?: number;
  /** Set on views: a range of a parent's buffer, which owns it (free() ignores views). */
  readonly view?: true;
}

const byteOffset = (s: GpuStorage): number => s.offset ?? 0;

export interface WebGPUBackendOptions {
  /** Fill every new output buffer with NaN before its kernel runs (tests: every element must be written). */
  poisonOutputs?: boolean;
  /** Force a kernel variant family; default: 'fallback' on software adapters (SwiftShader), else 'tiled'. */
  variant?: 'tiled' | 'fallback';
}

const STORAGE_USAGE = 0x80 /* STORAGE */ | 0x04 /* COPY_SRC */ | 0x08; /* COPY_DST */
const UNIFORM_ARENA_BYTES = 1 << 20;

/** WebGPU: WGSL kernels, pooled buffers, cached pipelines, one command encoder per batch. */
export class WebGPUBackend implements Backend {
  readonly name = 'webgpu' as const;
  readonly description: string;
  /** 'tiled' kernels (workgroup memory + barriers) on GPUs, barrier-free ones on SwiftShader. */
  readonly variant: 'tiled' | 'fallback';
  poisonOutputs: boolean;

  private readonly pool: BufferPool;
  private readonly stagingPool: BufferPool;
  private readonly arena: UniformArena;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private batchId = 1;
  private batchOps: string[] = [];
  /** Command batch that last referenced each buffer: a queue.writeBuffer must not overtake it. */
  private lastBatch = new WeakMap<GPUBuffer, number>();
  private pendingUploads: GPUBuffer[] = [];
  private dispatches = 0;
  private submits = 0;
  private lostReason: string | null = null;
  private asyncError: Error | null = null;

  static async create(options: WebGPUBackendOptions = {}): Promise<WebGPUBackend | string> {
    const got = await acquireWebGPU();
    if (typeof got === 'string') return got;
    return new WebGPUBackend(got.device, got.info, options);
  }

  constructor(
    readonly device: GPUDevice,
    readonly adapter: AdapterSummary,
    options: WebGPUBackendOptions = {},
  ) {
    this.variant = options.variant ?? (adapter.isFallbackAdapter ? 'fallback' : 'tiled');
    this.poisonOutputs = options.poisonOutputs ?? false;
    this.description = `webgpu: ${[adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' / ')}${adapter.isFallbackAdapter ? ' (fallback adapter)' : ''}`;
    this.pool = new BufferPool(device, STORAGE_USAGE);
    this.stagingPool = new BufferPool(device, 0x01 /* MAP_READ */ | 0x08 /* COPY_DST */);
    this.arena = new UniformArena(device, UNIFORM_ARENA_BYTES, device.limits.minUniformBufferOffsetAlignment);
    void device.lost.then((info) => {
      this.lostReason = `${info.reason}: ${info.message || 'no message'}`;
    });
    device.addEventListener('uncapturederror', (ev) => {
      const msg = (ev as GPUUncapturedErrorEvent).error.message;
      ev.preventDefault();
      this.asyncError ??= new Error(`WebGPU error in a batch with ops [${[...new Set(this.batchOps)].join(', ')}]: ${msg}`);
    });
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  get viewAlignment(): number {
    return Math.max(1, this.device.limits.minStorageBufferOffsetAlignment / 4);
  }

  get maxStorageElements(): number {
    return Math.floor(Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize) / 4);
  }

  private check(op: string): void {
    if (this.lostReason !== null) throw new Error(`${op}: the WebGPU device was lost (${this.lostReason}); create a new backend with wg.ready() or continue on the CPU backend`);
    if (this.asyncError) {
      const e = this.asyncError;
      this.asyncError = null;
      throw e;
    }
  }

  alloc(size: number, dtype: DType): GpuStorage {
    // No device-lost/async-error check here: an op allocates its outputs before it dispatches, and
    // the check in dispatch() names the op (a lost device still hands out inert buffers).
    const bytes = size * 4;
    if (bytes > this.device.limits.maxStorageBufferBindingSize) {
      throw new Error(`alloc: a tensor of ${size} elements (${bytes} bytes) exceeds this device's maxStorageBufferBindingSize of ${this.device.limits.maxStorageBufferBindingSize} bytes`);
    }
    return { backend: this, size, dtype, buffer: this.pool.acquire(bytes) };
  }

  free(storage: Storage): void {
    const s = storage as GpuStorage;
    if (!s.view) this.pool.release(s.buffer);
  }

  view(parent: Storage, offset: number, size: number): GpuStorage {
    const p = parent as GpuStorage;
    checkView(p, offset, size);
    return { backend: this, size, dtype: p.dtype, buffer: p.buffer, offset: byteOffset(p) + offset * 4, view: true };
  }

  copy(src: Storage, srcOffset: number, dst: Storage, dstOffset: number, count: number): void {
    this.check('copy');
    checkCopy(src, srcOffset, dst, dstOffset, count);
    const a = src as GpuStorage;
    const b = dst as GpuStorage;
    if (count === 0) return;
    if (a.buffer === b.buffer) throw new Error('copy: the source and destination share one GPU buffer (views of one parent)');
    this.endPass().copyBufferToBuffer(a.buffer, byteOffset(a) + srcOffset * 4, b.buffer, byteOffset(b) + dstOffset * 4, count * 4);
    this.lastBatch.set(a.buffer, this.batchId);
    this.lastBatch.set(b.buffer, this.batchId);
  }

  /** A bind-group resource for a storage: the whole buffer, or a view's range. */
  private resource(s: GpuStorage): GPUBufferBinding {
    if (!s.view) return { buffer: s.buffer };
    const at = byteOffset(s);
    return { buffer: s.buffer, offset: at, size: Math.min(Math.max(4, s.size * 4), s.buffer.size - at) };
  }

  write(storage: Storage, data: ArrayLike<number>): void {
    this.check('write');
    const s = storage as GpuStorage;
    const typed = s.dtype === 'int32' ? Int32Array.from(data) : Float32Array.from(data);
    if (typed.byteLength === 0) return;
    if (this.lastBatch.get(s.buffer) !== this.batchId) {
      this.device.queue.writeBuffer(s.buffer, byteOffset(s), typed.buffer, typed.byteOffset, typed.byteLength);
      return;
    }
    // The buffer is referenced by commands not yet submitted: a queue write would land before them.
    const staging = this.device.createBuffer({ size: Math.ceil(typed.byteLength / 4) * 4, usage: 0x04 /* COPY_SRC */, mappedAtCreation: true });
    new Uint8Array(staging.getMappedRange()).set(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength));
    staging.unmap();
    this.endPass().copyBufferToBuffer(staging, 0, s.buffer, byteOffset(s), typed.byteLength);
    this.pendingUploads.push(staging);
    this.lastBatch.set(s.buffer, this.batchId);
  }

  fill(storage: Storage, value: number): void {
    this.check('fill');
    const s = storage as GpuStorage;
    if (s.size === 0) return;
    // +0 is all zero bits in f32 and i32 alike (−0 is not).
    if (!Object.is(value, 0)) return this.write(s, new (s.dtype === 'int32' ? Int32Array : Float32Array)(s.size).fill(value));
    this.endPass().clearBuffer(s.buffer, byteOffset(s), s.size * 4);
    this.lastBatch.set(s.buffer, this.batchId);
  }

  async read(storage: Storage): Promise<Float32Array | Int32Array> {
    this.check('read');
    const s = storage as GpuStorage;
    const bytes = s.size * 4;
    if (bytes === 0) return s.dtype === 'int32' ? new Int32Array(0) : new Float32Array(0);
    const staging = this.stagingPool.acquire(bytes);
    this.endPass().copyBufferToBuffer(s.buffer, byteOffset(s), staging, 0, bytes);
    this.flush();
    await staging.mapAsync(0x01 /* GPUMapMode.READ */);
    const copy = staging.getMappedRange(0, bytes).slice(0);
    staging.unmap();
    this.stagingPool.release(staging);
    this.check('read');
    return s.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
  }

  private encoderNow(): GPUCommandEncoder {
    return (this.encoder ??= this.device.createCommandEncoder());
  }

  private endPass(): GPUCommandEncoder {
    this.pass?.end();
    this.pass = null;
    return this.encoderNow();
  }

  private pipeline(kernel: Kernel, program: GpuProgram): GPUComputePipeline {
    let p = this.pipelines.get(program.key);
    if (!p) {
      const code = program.code();
      this.device.pushErrorScope('validation');
      const module = this.device.createShaderModule({ code, label: program.key });
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: program.key });
      void this.device.popErrorScope().then((err) => {
        // The root cause: it replaces the 'invalid due to a previous error' cascade.
        if (err) this.asyncError = new Error(`${kernel.name}: WGSL pipeline '${program.key}' failed to compile: ${err.message}`);
      });
      this.pipelines.set(program.key, p);
    }
    return p;
  }

  dispatch(kernel: Kernel, inputs: readonly Storage[], outputs: readonly Storage[]): void {
    this.check(kernel.name);
    const temps = (kernel.temps ?? []).map((t) => this.alloc(t.size, t.dtype));
    const all = [...inputs, ...outputs, ...temps] as GpuStorage[];
    // WebGPU forbids a writable binding of a buffer that another binding of the dispatch also
    // uses: an output sharing its buffer with another operand (views of one parent) is computed
    // into scratch and copied into place afterwards (through the scratch both ways when in place).
    const redirected: [GpuStorage, GpuStorage][] = [];
    for (let k = inputs.length; k < inputs.length + outputs.length; k++) {
      const o = all[k]!;
      if (!all.some((other, i) => i !== k && other.buffer === o.buffer)) continue;
      const scratch = this.alloc(o.size, o.dtype);
      if (kernel.inPlace) this.copy(o, 0, scratch, 0, o.size);
      redirected.push([o, scratch]);
      all[k] = scratch;
    }
    const outs = all.slice(inputs.length, inputs.length + outputs.length);
    if (this.poisonOutputs) for (const o of [...(kernel.inPlace ? [] : outs), ...temps]) this.poison(o);
    const programs = kernel.gpu();
    for (const program of Array.isArray(programs) ? programs : [programs as GpuProgram]) {
      const [x, y, z] = program.workgroups;
      if (x * y * z === 0) continue;
      const max = this.device.limits.maxComputeWorkgroupsPerDimension;
      if (x > max || y > max || z > max) throw new Error(`${kernel.name}: dispatch (${x}, ${y}, ${z}) exceeds maxComputeWorkgroupsPerDimension ${max}`);
      const pipeline = this.pipeline(kernel, program);
      const bind = program.bind ?? all.map((_, i) => i);
      const entries: GPUBindGroupEntry[] = bind.map((i: number, b: number) => ({ binding: b, resource: this.resource(all[i]!) }));
      if (program.uniforms) {
        if (!this.arena.fits(program.uniforms.length)) this.flush();
        const { offset, size } = this.arena.push(program.uniforms);
        entries.push({ binding: bind.length, resource: { buffer: this.arena.buffer, offset, size } });
      }
      const group = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
      this.encoderNow();
      this.pass ??= this.encoder!.beginComputePass();
      this.pass.setPipeline(pipeline);
      this.pass.setBindGroup(0, group);
      this.pass.dispatchWorkgroups(x, y, z);
      this.dispatches++;
    }
    for (const s of all) this.lastBatch.set(s.buffer, this.batchId);
    this.batchOps.push(kernel.name);
    for (const [o, scratch] of redirected) this.copy(scratch, 0, o, 0, o.size);
    // Later commands in this queue are ordered after these, so the scratch can be reused at once.
    for (const t of [...temps, ...redirected.map(([, scratch]) => scratch)]) this.free(t);
  }

  private poison(s: GpuStorage): void {
    const nan = new Float32Array(s.size).fill(Number.NaN);
    if (s.dtype === 'int32') new Int32Array(nan.buffer).fill(-0x7fff_fff0);
    this.write(s, s.dtype === 'int32' ? new Int32Array(nan.buffer) : nan);
  }

  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    this.arena.upload();
    this.device.queue.submit([this.encoder!.finish()]);
    this.submits++;
    this.encoder = null;
    this.batchId++;
    this.batchOps = [];
    const uploads = this.pendingUploads;
    this.pendingUploads = [];
    if (uploads.length) void this.device.queue.onSubmittedWorkDone().then(() => uploads.forEach((b) => b.destroy()));
  }

  /** Resolves when every submitted command has finished (for benchmarks). */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.check('sync');
  }

  stats(): BackendStats {
    return { buffers: this.pool.liveBuffers, bytes: this.pool.liveBytes, pipelines: this.pipelines.size, dispatches: this.dispatches, submits: this.submits };
  }

  resetCounters(): void {
    this.dispatches = 0;
    this.submits = 0;
  }

  dispose(): void {
    this.flush();
    this.pool.trim();
    this.stagingPool.trim();
    this.device.destroy();
  }
}
