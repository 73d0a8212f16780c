/**
 * Training checkpoints: everything a killed `fit` needs to continue as if it had never stopped.
 *
 * One file, `<dir>/checkpoint.safetensors`, replaced atomically (src/io's writeFileAtomic: a
 * temporary file in the same folder, fsync, rename), so a crash at any instant leaves either the
 * previous checkpoint or the new one, never a torn file. It holds:
 * - the weights (`weight/<i>`, in the model's weight order) and the optimizer's packed slots
 *   (`optimizer/<i>`: Adam's m and v) as float32 tensors;
 * - in the safetensors metadata, a JSON state: position (epoch, batch within it, global step),
 *   the data it was trained on (samples, steps per epoch, batch size, shuffle seed), the engine
 *   RNG, the optimizer's step count and learning rate, each stateful callback's state (early
 *   stopping's best/wait and its best-weights snapshot as `callback/<j>/<k>` tensors), the
 *   history so far, the running means of the epoch in progress, and the losses still in flight
 *   in fit's readback ring (so callbacks see them at the same points after a resume);
 * - SHA-256 digests of that JSON and of the tensor bytes, so a corrupted file is refused rather
 *   than half-trusted.
 * Node only (it writes files); the module imports Node's modules lazily, inside its functions.
 */
import { writeFileAtomic, isTempName } from '../io/atomic.js';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type SafetensorsEntry } from '../io/safetensors.js';
import { fail, fmtShape } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import type { FitModel } from './model.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
const FORMAT = 'webgrad-checkpoint';
const VERSION = 1;

/** fit's `checkpoint` option. */
export interface CheckpointOptions {
  /** Folder for `checkpoint.safetensors` (created if missing). */
  dir: string;
  /** Also write one every this many training steps (counted across epochs). Default: epoch ends only. */
  everyBatches?: number;
  /** Write one at the end of every this many epochs (default 1), and always at the end of training. */
  everyEpochs?: number;
}

/** A loss (and metrics) still in flight in fit's readback ring when the checkpoint was taken. */
export interface PendingStep {
  batch: number;
  size: number;
  lr: number;
  step: number;
  value: number;
  extra: number[];
  grad: number | null;
}

/** A decoded checkpoint (host arrays). */
export interface TrainingCheckpoint {
  /** The file it was read from, when read. */
  source?: string;
  created: string;
  /** The next step to run: batch `batch` of epoch `epoch` (0-based), global step `step`. */
  position: { epoch: number; batch: number; step: number };
  /** The `epochs` of the fit that wrote it. */
  epochs: number;
  /** What the run trained on; a resume must match it. */
  data: { samples: number; stepsPerEpoch: number; batchSize: number; seed: number; shuffle: boolean };
  rng: number;
  weights: { name: string; shape: number[]; values: Float32Array }[];
  optimizer: { className: string; iterations: number; learningRate: number; slots: { name: string; weight: number; values: Float32Array }[] } | null;
  /** States of the callbacks that implement checkpointState, in callback order. */
  callbacks: { className: string; state: unknown; arrays: Float32Array[] }[];
  history: { epoch: number[]; history: Record<string, number[]> };
  /** The epoch in progress (mid-epoch checkpoints only). */
  epochState: { sums: [string, number][]; count: number; samples: number; delivered: number } | null;
  pending: PendingStep[];
  /** A callback had stopped training (early stopping): a resume only runs onTrainEnd. */
  stopped: boolean;
  samplesSeen: number;
}

// ---- JSON with non-finite numbers (best = Infinity before the first epoch, NaN losses) ----

function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { $number: String(v) } : v));
}

function fromJson(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { $number?: unknown }).$number === 'string' ? Number((v as { $number: string }).$number) : v));
}

async function sha256(parts: readonly Uint8Array[]): Promise<string> {
  const { createHash } = await import('node:crypto');
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

const bytesOf = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Encodes a checkpoint as safetensors bytes. */
export async function encodeCheckpoint(ckpt: TrainingCheckpoint): Promise<Uint8Array> {
  const entries: SafetensorsEntry[] = [];
  ckpt.weights.forEach((w, i) => entries.push({ name: `weight/${i}`, shape: w.shape, data: w.values }));
  ckpt.optimizer?.slots.forEach((s, i) => entries.push({ name: `optimizer/${i}`, shape: [s.values.length], data: s.values }));
  ckpt.callbacks.forEach((c, j) => c.arrays.forEach((a, k) => entries.push({ name: `callback/${j}/${k}`, shape: [a.length], data: a })));
  const { source: _s, ...rest } = ckpt;
  const state = {
    ...rest,
    weights: ckpt.weights.map((w) => ({ name: w.name, shape: w.shape })),
    optimizer: ckpt.optimizer && { ...ckpt.optimizer, slots: ckpt.optimizer.slots.map((s) => ({ name: s.name, weight: s.weight, size: s.values.length })) },
    callbacks: ckpt.callbacks.map((c) => ({ className: c.className, state: c.state, arrays: c.arrays.length })),
  };
  const text = toJson(state);
  const metadata = {
    format: FORMAT,
    version: String(VERSION),
    state: text,
    state_sha256: await sha256([new TextEncoder().encode(text)]),
    data_sha256: await sha256(entries.map((e) => bytesOf(e.data as Float32Array))),
  };
  return encodeSafetensors(entries, metadata);
}

/**
 * Writes a checkpoint atomically into `dir` (creating it) and returns the file's path. Temporary
 * files left by writers that were killed mid-write are removed first.
 */
export async function saveCheckpoint(dir: string, ckpt: TrainingCheckpoint): Promise<string> {
  const fsp = await import('node:fs/promises');
  const { join } = await import('node:path');
  await fsp.mkdir(dir, { recursive: true });
  await removeStaleTemps(dir);
  const path = join(dir, CHECKPOINT_FILE);
  await writeFileAtomic(path, await encodeCheckpoint(ckpt));
  return path;
}

/** Deletes `.checkpoint.safetensors.<pid>.*.tmp` files whose writer process is gone. */
async function removeStaleTemps(dir: string): Promise<void> {
  const fsp = await import('node:fs/promises');
  const { join } = await import('node:path');
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(`.${CHECKPOINT_FILE}.`) || !isTempName(name)) continue;
    const pid = Number(name.slice(CHECKPOINT_FILE.length + 2).split('.')[0]);
    if (pid === process.pid || (Number.isInteger(pid) && alive(pid))) continue;
    await fsp.rm(join(dir, name), { force: true }).catch(() => {});
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The checkpoint file in `dir` (or `dir` itself when it is the file), or null when there is none. */
export async function findCheckpoint(dirOrFile: string): Promise<string | null> {
  const fsp = await import('node:fs/promises');
  const { join } = await import('node:path');
  try {
    const st = await fsp.stat(dirOrFile);
    const path = st.isDirectory() ? join(dirOrFile, CHECKPOINT_FILE) : dirOrFile;
    await fsp.access(path);
    return path;
  } catch {
    return null;
  }
}

/** Who is reading, for messages: the public function and its argument. */
export interface CheckpointCaller {
  op: string;
  arg: string;
}

/**
 * Reads and fully checks a checkpoint (a folder holding checkpoint.safetensors, or the file).
 * Any problem — missing, truncated, corrupted, another format — throws an error naming the
 * caller, the argument and the file before anything is changed.
 */
export async function loadCheckpoint(dirOrFile: string, caller: CheckpointCaller = { op: 'loadCheckpoint', arg: 'path' }): Promise<TrainingCheckpoint> {
  const { op, arg } = caller;
  if (typeof dirOrFile !== 'string' || dirOrFile === '') fail(op, `${arg} must be a checkpoint folder or file, got ${JSON.stringify(dirOrFile)}`);
  const fsp = await import('node:fs/promises');
  const path = await findCheckpoint(dirOrFile);
  if (!path) fail(op, `${arg} '${dirOrFile}' holds no checkpoint (no ${CHECKPOINT_FILE}; was it written by fit's checkpoint option?)`);
  const bad = (detail: string): never => fail(op, `${arg} '${path}' ${detail}`);
  let bytes: Uint8Array;
  try {
    bytes = await fsp.readFile(path);
  } catch (e) {
    return bad(`cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let decoded;
  try {
    decoded = decodeSafetensors(bytes, path);
  } catch (e) {
    if (e instanceof SafetensorsError) return bad(`is not a valid checkpoint: ${e.message.slice(path.length + 2)}`);
    throw e;
  }
  const md = decoded.metadata;
  if (md.format !== FORMAT) bad(`is not a webgrad training checkpoint (format ${JSON.stringify(md.format)}, expected "${FORMAT}")`);
  if (md.version !== String(VERSION)) bad(`has checkpoint version ${JSON.stringify(md.version)}; this webgrad reads version ${VERSION}`);
  if (typeof md.state !== 'string' || (await sha256([new TextEncoder().encode(md.state)])) !== md.state_sha256) bad('is corrupted: its state does not match its SHA-256');
  const names = [...decoded.tensors.keys()];
  const arrays = names.map((n) => decoded.tensors.get(n)!);
  if (arrays.some((t) => t.dtype !== 'F32')) bad('is corrupted: a tensor is not float32');
  if ((await sha256(arrays.map((t) => bytesOf(t.data as Float32Array)))) !== md.data_sha256) bad('is corrupted: its tensor bytes do not match their SHA-256 (a flipped or changed byte)');
  let state: Record<string, unknown>;
  try {
    state = fromJson(md.state) as Record<string, unknown>;
  } catch (e) {
    return bad(`is corrupted: its state is not JSON (${(e as Error).message})`);
  }
  const tensor = (name: string, size?: number): Float32Array => {
    const t = decoded.tensors.get(name);
    if (!t) return bad(`is corrupted: tensor '${name}' is missing`);
    if (size !== undefined && t.data.length !== size) bad(`is corrupted: tensor '${name}' has ${t.data.length} values, expected ${size}`);
    return t.data as Float32Array;
  };
  const s = state as Omit<TrainingCheckpoint, 'weights' | 'optimizer' | 'callbacks'> & {
    weights: { name: string; shape: number[] }[];
    optimizer: { className: string; iterations: number; learningRate: number; slots: { name: string; weight: number; size: number }[] } | null;
    callbacks: { className: string; state: unknown; arrays: number }[];
  };
  const pos = s.position;
  if (!pos || ![pos.epoch, pos.batch, pos.step].every((v) => Number.isInteger(v) && v >= 0) || !Array.isArray(s.weights) || !Array.isArray(s.callbacks) || !s.data || !s.history) {
    bad('is corrupted: its state lacks position, weights, data or history');
  }
  return {
    source: path,
    created: s.created,
    position: pos,
    epochs: s.epochs,
    data: s.data,
    rng: s.rng,
    weights: s.weights.map((w, i) => ({ name: w.name, shape: w.shape, values: tensor(`weight/${i}`, w.shape.reduce((a, b) => a * b, 1)) })),
    optimizer: s.optimizer && { ...s.optimizer, slots: s.optimizer.slots.map((sl, i) => ({ name: sl.name, weight: sl.weight, values: tensor(`optimizer/${i}`, sl.size) })) },
    callbacks: s.callbacks.map((c, j) => ({ className: c.className, state: c.state, arrays: Array.from({ length: c.arrays }, (_, k) => tensor(`callback/${j}/${k}`)) })),
    history: s.history,
    epochState: s.epochState ?? null,
    pending: s.pending ?? [],
    stopped: !!s.stopped,
    samplesSeen: s.samplesSeen ?? 0,
  };
}

// ---- Model and optimizer state ----

type Weighted = { readonly weights?: readonly { readonly name: string; readonly value: Tensor }[] };
type StatefulOptimizer = {
  learningRate: number;
  className?: string;
  getState?(): unknown;
  setState?(s: never): void;
};
type OptState = { iterations: number; learningRate: number; slots: { name: string; value: Tensor | ArrayLike<number> }[] };

function weightsOf(model: FitModel, op: string): readonly { readonly name: string; readonly value: Tensor }[] {
  const ws = (model as Weighted).weights;
  if (!Array.isArray(ws)) fail(op, 'checkpoints need a model that lists its weights (model.weights), such as wg.sequential');
  return ws;
}

/** The parameter name an optimizer knows a weight by. */
const paramName = (w: { name: string; value: Tensor }): string => w.value.name ?? w.name;

export function optimizerClass(opt: StatefulOptimizer): string {
  return opt.className ?? opt.constructor.name;
}

/** Reads the weights and the optimizer state to the host (awaits the device once). */
export async function captureModelState(model: FitModel, op = 'fit'): Promise<Pick<TrainingCheckpoint, 'weights' | 'optimizer'>> {
  const ws = weightsOf(model, op);
  const weights = await Promise.all(ws.map(async (w) => ({ name: w.name, shape: [...w.value.shape], values: Float32Array.from(await w.value.data()) })));
  const opt = model.optimizer as StatefulOptimizer | null | undefined;
  if (!opt?.getState) return { weights, optimizer: null };
  const st = opt.getState() as OptState;
  try {
    const index = new Map(ws.map((w, i) => [paramName(w), i] as const));
    const slots = await Promise.all(st.slots.map(async (sl) => ({
      name: sl.name,
      weight: index.get(sl.name) ?? -1,
      values: Float32Array.from(typeof (sl.value as Tensor).data === 'function' ? await (sl.value as Tensor).data() : (sl.value as ArrayLike<number>)),
    })));
    return { weights, optimizer: { className: optimizerClass(opt), iterations: st.iterations, learningRate: st.learningRate, slots } };
  } finally {
    for (const sl of st.slots) if (typeof (sl.value as Tensor).dispose === 'function') (sl.value as Tensor).dispose();
  }
}

/**
 * Sets an optimizer's state exactly: slots missing from `state` (parameters that had no state yet
 * when it was taken) are zeroed rather than left as they are.
 */
export function setOptimizerStateExact(opt: StatefulOptimizer, state: OptState): void {
  if (!opt.getState || !opt.setState) return;
  const now = opt.getState() as OptState;
  const have = new Set(state.slots.map((s) => s.name));
  const zeros = now.slots.filter((s) => !have.has(s.name)).map((s) => ({ name: s.name, value: new Float32Array((s.value as { size?: number; length?: number }).size ?? (s.value as ArrayLike<number>).length) }));
  for (const s of now.slots) if (typeof (s.value as Tensor).dispose === 'function') (s.value as Tensor).dispose();
  opt.setState({ ...state, slots: [...state.slots, ...zeros] } as never);
}

/**
 * Checks that a checkpoint fits this model (weight count and shapes, optimizer class) and this
 * run (data size, steps per epoch, batch size, shuffle seed), before anything is changed.
 */
export function checkCompatible(model: FitModel, ckpt: TrainingCheckpoint, run: TrainingCheckpoint['data'], caller: CheckpointCaller): void {
  const { op, arg } = caller;
  const where = `${arg} '${ckpt.source ?? 'checkpoint'}'`;
  const ws = weightsOf(model, op);
  if (ws.length !== ckpt.weights.length) {
    fail(op, `${where} holds ${ckpt.weights.length} weights (${ckpt.weights.map((w) => w.name).join(', ')}) but the model has ${ws.length} (${ws.map((w) => w.name).join(', ')}): not the same architecture`);
  }
  ws.forEach((w, i) => {
    const c = ckpt.weights[i]!;
    if (c.shape.length !== w.value.shape.length || c.shape.some((d, k) => d !== w.value.shape[k])) {
      fail(op, `${where}: weight ${i} (${c.name}) has shape ${fmtShape(c.shape)} but the model's ${w.name} has ${fmtShape(w.value.shape)}`);
    }
  });
  const opt = model.optimizer as StatefulOptimizer | null | undefined;
  if (ckpt.optimizer && opt && optimizerClass(opt) !== ckpt.optimizer.className) {
    fail(op, `${where} was trained with ${ckpt.optimizer.className} but the model is compiled with ${optimizerClass(opt)}`);
  }
  if (ckpt.optimizer && opt && (!opt.getState || !opt.setState)) fail(op, `${where} holds optimizer state but the model's optimizer cannot restore state (no setState)`);
  for (const k of ['batchSize', 'samples', 'seed', 'shuffle', 'stepsPerEpoch'] as const) {
    if (ckpt.data[k] !== run[k]) {
      fail(op, `${where} was written by a run with ${k} ${JSON.stringify(ckpt.data[k])} but this fit has ${k} ${JSON.stringify(run[k])}; resume with the same data and batching`);
    }
  }
}

/** Puts a checkpoint's weights and optimizer state into the model (after {@link checkCompatible}). */
export function applyModelState(model: FitModel, ckpt: TrainingCheckpoint): void {
  const ws = weightsOf(model, 'fit');
  model.setWeights(ckpt.weights.map((w) => w.values));
  const opt = model.optimizer as StatefulOptimizer | null | undefined;
  if (opt && ckpt.optimizer) {
    setOptimizerStateExact(opt, {
      iterations: ckpt.optimizer.iterations,
      learningRate: ckpt.optimizer.learningRate,
      // Slots are matched to weights by position: a model built again (another process, or the
      // same one with new layer names) names its parameters differently.
      slots: ckpt.optimizer.slots.map((s) => ({ name: s.weight >= 0 && ws[s.weight] ? paramName(ws[s.weight]!) : s.name, value: s.values })),
    });
  }
}
