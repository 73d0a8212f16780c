import type { Backend, DType, Kernel, Storage } from '../kernels/backend.js';
import { engine } from './engine.js';
import { fail, fmtShape } from './errors.js';
import type { Shape } from './shape.js';
import { Tensor } from './tensor.js';

export interface TensorMeta {
  readonly shape: Shape;
  readonly dtype: DType;
}

/** What a gradient rule sees. Gradients of outputs that did not reach the loss are null. */
export interface GradContext<A> {
  readonly dys: readonly (Tensor | null)[];
  /** The first output's gradient, zero-filled if it did not reach the loss. */
  readonly dy: Tensor;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: A;
}

/** How the test suite builds one random input of a case. */
export interface InputSpec {
  readonly shape: Shape;
  readonly dtype?: DType;
  /** Values are drawn uniformly from [low, high) (integers for int32). Default [-2, 2). */
  readonly low?: number;
  readonly high?: number;
  /** Input is not differentiable (ids, masks): skipped by the gradient check. */
  readonly noGrad?: boolean;
  /** Fixed values instead of random ones (index structures that must be consistent). */
  readonly values?: readonly number[];
}

export interface OpCase<A> {
  readonly inputs: readonly InputSpec[];
  readonly attrs: A;
  readonly note?: string;
}

/**
 * One op, defined once: shape/dtype rule, kernel (CPU reference + WGSL), gradient rule, and the
 * cases the test suite runs it on (finite-difference gradient check and WebGPU-vs-CPU).
 */
export interface OpDef<A> {
  readonly name: string;
  /** Validates inputs (throwing errors that name the op and values) and gives the outputs. */
  infer(inputs: readonly Tensor[], attrs: A): TensorMeta | readonly TensorMeta[];
  kernel(inputs: readonly Tensor[], outputs: readonly TensorMeta[], attrs: A): Kernel;
  /** Gradient w.r.t. each input (null where none), written with other ops. */
  grad?(ctx: GradContext<A>): readonly (Tensor | null)[];
  readonly spec: {
    readonly cases: readonly OpCase<A>[];
    /** Why the op has no gradient rule (comparisons, fused gradient kernels); required without `grad`. */
    readonly noGrad?: string;
  };
}

/** A recorded application of an op, kept for `backward()`. */
export interface OpNode {
  readonly op: OpDef<unknown>;
  readonly inputs: readonly Tensor[];
  readonly outputs: Tensor[];
  readonly attrs: unknown;
}

const registry = new Map<string, OpDef<never>>();

export function defineOp<A>(def: OpDef<A>): OpDef<A> {
  if (registry.has(def.name)) throw new Error(`defineOp: '${def.name}' is defined twice`);
  registry.set(def.name, def as unknown as OpDef<never>);
  return def;
}

/** Every registered op (the test suite iterates this). */
export function registeredOps(): ReadonlyMap<string, OpDef<unknown>> {
  return registry as unknown as ReadonlyMap<string, OpDef<unknown>>;
}

/**
 * `backend.alloc` for a tensor of `shape`, refusing (with an error naming `op`, the shape and the
 * device limit) a tensor larger than one storage binding of the device, rather than letting a
 * kernel bind part of it and compute a silently wrong result.
 */
export function allocFor(op: string, backend: Backend, shape: Shape, dtype: DType, what = 'the output'): Storage {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n > backend.maxStorageElements) {
    const limits = (backend as { limits?: { maxStorageBufferBindingSize: number; maxBufferSize: number } }).limits;
    const limit = limits
      ? limits.maxBufferSize < limits.maxStorageBufferBindingSize ? `maxBufferSize of ${limits.maxBufferSize} bytes` : `maxStorageBufferBindingSize of ${limits.maxStorageBufferBindingSize} bytes`
      : `limit of ${backend.maxStorageElements} elements per buffer`;
    fail(op, `${what} of shape ${fmtShape(shape)} needs ${n} ${dtype} elements (${n * 4} bytes), more than this ${backend.name} device's ${limit}; split the work into smaller tensors`);
  }
  try {
    return backend.alloc(n, dtype);
  } catch (e) {
    return fail(op, `cannot allocate ${what} of shape ${fmtShape(shape)} (${n} ${dtype} elements) on ${backend.name}: ${(e as Error).message}`);
  }
}

/** Runs an op with every output. */
export function applyMulti<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor[] {
  const storages = inputs.map((t) => t.storageFor(op.name));
  const backend = storages[0]?.backend ?? engine.backend;
  for (const s of storages) {
    if (s.backend !== backend) fail(op.name, `inputs live on different backends (${backend.name} and ${s.backend.name}); move them with wg.toBackend()`);
  }
  const inferred = op.infer(inputs, attrs);
  const metas = (Array.isArray(inferred) ? inferred : [inferred]) as TensorMeta[];
  const outputs = metas.map((m, i) => new Tensor(m.shape, m.dtype, allocFor(op.name, backend, m.shape, m.dtype, metas.length > 1 ? `output ${i}` : 'the output')));
  if (outputs.some((t) => t.size > 0)) {
    backend.dispatch(op.kernel(inputs, metas, attrs), storages, outputs.map((t) => t.storageFor(op.name)));
  }
  record(op, inputs, outputs, attrs);
  return outputs;
}

/** Puts outputs on the tape when gradients are on and an input needs one. */
export function record<A>(op: OpDef<A>, inputs: readonly Tensor[], outputs: Tensor[], attrs: A): void {
  if (!engine.gradEnabled || !op.grad || !inputs.some((t) => t.requiresGrad)) return;
  const node: OpNode = { op: op as OpDef<unknown>, inputs, outputs, attrs };
  for (const o of outputs) {
    if (o.dtype === 'float32') {
      o.requiresGrad = true;
      o.creator = node;
    }
  }
}

/** Runs a single-output op. */
export function apply<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  return applyMulti(op, inputs, attrs)[0]!;
}
