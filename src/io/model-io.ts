/**
 * Saving and loading models (Node). A model folder holds:
 * - `model.safetensors`: every weight as float32, named by its Keras path
 *   (`bidirectional/forward_gru/gru_cell/kernel`), in the model's weight order;
 * - `tokenizer.json` (optional): the tokenizer in Keras's `to_json()` layout;
 * - `model.json`: the architecture (Keras's `{class_name, config}` layout), the training config,
 *   free-form metadata (e.g. the padding used), and the size and SHA-256 of the other two files.
 *
 * Every file is written to a temporary name and renamed, model.json last; since it records the
 * others' checksums, a folder caught between two saves is refused rather than half-loaded. Loading
 * checks every file completely before it builds anything, so a bad file changes nothing.
 */
import { Tokenizer } from '../data/tokenizer.js';
import { getLoss } from '../nn/losses.js';
import { Sequential } from '../nn/sequential.js';
import { fmtShape } from '../tensor/errors.js';
import { writeFileAtomic, writeJsonAtomic } from './atomic.js';
import { ConfigError, modelFromConfig, modelToConfig, optimizerFromConfig, optimizerToConfig, type ClassConfig, type TrainingConfig } from './config.js';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type DecodedTensor } from './safetensors.js';

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const TOKENIZER_FILE = 'tokenizer.json';
const FORMAT = 'webgrad-model';
const FORMAT_VERSION = 1;

/** Options of {@link saveModel}. */
export interface SaveModelOptions {
  /** Saved as tokenizer.json (Keras layout) beside the model. */
  tokenizer?: Tokenizer | null;
  /** Loss and metric names for the training config; by default found from the compiled model. */
  loss?: string;
  metrics?: string[];
  /** Anything JSON that a user of the model needs (preprocessing settings, label names, …). */
  metadata?: Record<string, unknown>;
}

/** One file a manifest points to. */
export interface FileRecord {
  file: string;
  bytes: number;
  sha256: string;
}

/** The content of model.json. */
export interface ModelManifest {
  format: typeof FORMAT;
  format_version: number;
  created: string;
  model_config: ClassConfig;
  training_config: TrainingConfig | null;
  weights: FileRecord & { dtype: 'float32'; tensors: { name: string; shape: number[] }[] };
  tokenizer: FileRecord | null;
  metadata: Record<string, unknown>;
}

/** A model folder that cannot be loaded; the message names the file and the problem. */
export class ModelFileError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'ModelFileError';
  }
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(bytes).digest('hex');
}

const LOSS_NAMES = ['binaryCrossentropy', 'meanSquaredError'];

function trainingConfig(model: Sequential, options: SaveModelOptions): TrainingConfig | null {
  if (!model.optimizer) return null;
  const loss = options.loss ?? LOSS_NAMES.find((n) => model.loss !== null && getLoss(n) === model.loss);
  if (!loss) return null;
  return { optimizer_config: optimizerToConfig(model.optimizer), loss, metrics: options.metrics ?? model.metricsNames.slice(1) };
}

/**
 * Saves a built model (and optionally its tokenizer) into `dir`, creating the folder. Returns the
 * manifest written to model.json.
 *
 * @example
 * await wg.saveModel(model, 'runs/spam/model', { tokenizer, metadata: { maxlen: 120 } });
 * const again = await wg.loadModel('runs/spam/model');
 */
export async function saveModel(model: Sequential, dir: string, options: SaveModelOptions = {}): Promise<ModelManifest> {
  if (!(model instanceof Sequential)) throw new TypeError('saveModel: expected a Sequential model');
  if (!model.built) throw new Error(`saveModel: model '${model.name}' is not built yet (train it, call it once, or build it)`);
  const modelConfig = modelToConfig(model);
  const weights = model.weights;
  const entries = [];
  for (const w of weights) {
    if (w.value.dtype !== 'float32') throw new Error(`saveModel: weight ${w.name} is ${w.value.dtype}; only float32 weights are saved`);
    const data = await w.value.data();
    entries.push({ name: w.name, shape: [...w.value.shape], data: data instanceof Float32Array ? data : Float32Array.from(data) });
  }
  const names = new Set<string>();
  for (const e of entries) {
    if (names.has(e.name)) throw new Error(`saveModel: two weights are named '${e.name}'; give the layers distinct names`);
    names.add(e.name);
  }
  const weightBytes = encodeSafetensors(entries, { format: 'webgrad', model: model.name });
  const tokText = options.tokenizer ? new TextEncoder().encode(options.tokenizer.toJSONString()) : null;

  const fsp = await import('node:fs/promises');
  const { join } = await import('node:path');
  await fsp.mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, WEIGHTS_FILE), weightBytes);
  if (tokText) await writeFileAtomic(join(dir, TOKENIZER_FILE), tokText);
  const manifest: ModelManifest = {
    format: FORMAT,
    format_version: FORMAT_VERSION,
    created: new Date().toISOString(),
    model_config: modelConfig,
    training_config: trainingConfig(model, options),
    weights: { file: WEIGHTS_FILE, bytes: weightBytes.length, sha256: await sha256(weightBytes), dtype: 'float32', tensors: entries.map((e) => ({ name: e.name, shape: e.shape })) },
    tokenizer: tokText ? { file: TOKENIZER_FILE, bytes: tokText.length, sha256: await sha256(tokText) } : null,
    metadata: options.metadata ?? {},
  };
  await writeJsonAtomic(join(dir, MODEL_FILE), manifest);
  return manifest;
}

/** What {@link loadModelBundle} returns. */
export interface LoadedModel {
  model: Sequential;
  /** The saved tokenizer, or null when the model was saved without one. */
  tokenizer: Tokenizer | null;
  manifest: ModelManifest;
}

export interface LoadModelOptions {
  /** Compile with the saved training config when there is one (default true). */
  compile?: boolean;
}

async function readChecked(dir: string, rec: FileRecord, what: string): Promise<Uint8Array> {
  const fsp = await import('node:fs/promises');
  const { join } = await import('node:path');
  const path = join(dir, rec.file);
  let bytes: Uint8Array;
  try {
    bytes = await fsp.readFile(path);
  } catch (e) {
    throw new ModelFileError(path, `cannot read the ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (bytes.length !== rec.bytes) {
    throw new ModelFileError(path, `is ${bytes.length} bytes but ${MODEL_FILE} recorded ${rec.bytes} (${bytes.length < rec.bytes ? 'truncated' : 'changed or from another save'})`);
  }
  const digest = await sha256(bytes);
  if (digest !== rec.sha256) throw new ModelFileError(path, `SHA-256 ${digest.slice(0, 12)}… does not match the ${rec.sha256.slice(0, 12)}… recorded in ${MODEL_FILE} (corrupted or from another save)`);
  return bytes;
}

function checkManifest(m: unknown, path: string): ModelManifest {
  const bad = (detail: string): never => {
    throw new ModelFileError(path, detail);
  };
  if (!m || typeof m !== 'object' || Array.isArray(m)) return bad('is not a JSON object');
  const o = m as Partial<ModelManifest>;
  if (o.format !== FORMAT) bad(`'format' is ${JSON.stringify(o.format)}, expected "${FORMAT}" (not a webgrad model folder?)`);
  if (o.format_version !== FORMAT_VERSION) bad(`format_version ${JSON.stringify(o.format_version)} is not supported (this webgrad reads ${FORMAT_VERSION})`);
  const rec = (r: unknown, key: string) => {
    const f = r as Partial<FileRecord> | null;
    if (!f || typeof f.file !== 'string' || !/^[\w.-]+$/.test(f.file) || !Number.isSafeInteger(f.bytes) || typeof f.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha256)) {
      bad(`'${key}' must be {file, bytes, sha256} naming a file in the same folder`);
    }
  };
  rec(o.weights, 'weights');
  if (!Array.isArray(o.weights!.tensors)) bad("'weights.tensors' must be a list");
  if (o.tokenizer !== null && o.tokenizer !== undefined) rec(o.tokenizer, 'tokenizer');
  if (!o.model_config) bad("'model_config' is missing");
  return o as ModelManifest;
}

/**
 * Loads a folder written by {@link saveModel}: the model (built, weights set, compiled with the
 * saved training config when there is one), its tokenizer and the manifest. It predicts
 * bit-identically to the saved model on the same backend. Any problem — a missing, truncated or
 * corrupted file, a weight of the wrong shape — throws a {@link ModelFileError} naming the file
 * before anything is built.
 */
export async function loadModelBundle(dir: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const fsp = await import('node:fs/promises');
  const { join } = await import('node:path');
  const manifestPath = join(dir, MODEL_FILE);
  let text: string;
  try {
    text = await fsp.readFile(manifestPath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelFileError(manifestPath, code === 'ENOENT' ? `not found (is ${dir} a model folder written by saveModel or 'webgrad train'?)` : `cannot read it (${code ?? (e as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ModelFileError(manifestPath, `is not valid JSON (${(e as Error).message}; truncated or corrupted)`);
  }
  const manifest = checkManifest(parsed, manifestPath);

  // Read and check every file before building anything.
  const weightPath = join(dir, manifest.weights.file);
  const weightBytes = await readChecked(dir, manifest.weights, 'weights');
  let tensors: Map<string, DecodedTensor>;
  try {
    tensors = decodeSafetensors(weightBytes, weightPath).tensors;
  } catch (e) {
    if (e instanceof SafetensorsError) throw new ModelFileError(weightPath, e.message.slice(weightPath.length + 2));
    throw e;
  }
  let tokenizer: Tokenizer | null = null;
  if (manifest.tokenizer) {
    const tokPath = join(dir, manifest.tokenizer.file);
    const tokBytes = await readChecked(dir, manifest.tokenizer, 'tokenizer');
    try {
      tokenizer = Tokenizer.fromJSON(new TextDecoder().decode(tokBytes));
    } catch (e) {
      throw new ModelFileError(tokPath, `is not a valid Keras tokenizer JSON (${(e as Error).message})`);
    }
  }

  let model: Sequential;
  try {
    model = modelFromConfig(manifest.model_config, manifestPath);
  } catch (e) {
    if (e instanceof ConfigError) throw new ModelFileError(manifestPath, e.message.replace(`${manifestPath}: `, ''));
    throw new ModelFileError(manifestPath, `model_config cannot be built: ${(e as Error).message}`);
  }
  try {
    model.build();
    const ws = model.weights;
    const values: Float32Array[] = [];
    for (const w of ws) {
      const t = tensors.get(w.name);
      if (!t) throw new ModelFileError(weightPath, `has no tensor '${w.name}' (the file holds ${[...tensors.keys()].join(', ')})`);
      if (t.shape.length !== w.value.shape.length || t.shape.some((d, i) => d !== w.value.shape[i])) {
        throw new ModelFileError(weightPath, `tensor '${w.name}' has shape ${fmtShape(t.shape)} but the architecture needs ${fmtShape(w.value.shape)}`);
      }
      if (t.dtype !== 'F32') throw new ModelFileError(weightPath, `tensor '${w.name}' is ${t.dtype}; weights must be F32`);
      values.push(t.data as Float32Array);
    }
    if (tensors.size !== ws.length) {
      const extra = [...tensors.keys()].filter((k) => !ws.some((w) => w.name === k));
      throw new ModelFileError(weightPath, `holds tensors the architecture does not use: ${extra.join(', ')}`);
    }
    model.setWeights(values);
    const tc = manifest.training_config;
    if ((options.compile ?? true) && tc) {
      model.compile({ optimizer: optimizerFromConfig(tc.optimizer_config, manifestPath), loss: tc.loss, metrics: tc.metrics });
    }
  } catch (e) {
    model.dispose();
    if (e instanceof ModelFileError) throw e;
    throw new ModelFileError(manifestPath, (e as Error).message);
  }
  return { model, tokenizer, manifest };
}

/**
 * Loads a model saved by {@link saveModel} (see {@link loadModelBundle} for the tokenizer too).
 *
 * @example
 * const model = await wg.loadModel('runs/2024-05-01T10-00-00/model');
 * const p = model.predict(x);
 */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<Sequential> {
  return (await loadModelBundle(dir, options)).model;
}
