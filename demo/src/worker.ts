/**
 * The training worker: owns webgrad (WebGPU or CPU backend), the dataset, the tokenizer and the
 * models, and reports progress to the page with postMessage. Bundled by esbuild as a module
 * worker (demo/dist/worker.js); the page never touches the engine, so it never freezes.
 */
import * as wg from '../../src/index.js';
import type { TokenizerJSON } from '../../src/data/tokenizer.js';
import type {
  BuiltinMeta, DatasetInfo, EngineStats, ExampleText, FindLrSettings, FromWorker, ModelSettings,
  ScheduleKind, StudySettings, SuggestionInfo, Task, ToWorker, TrainSettings,
} from './protocol.js';

interface WorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;
const post = (m: FromWorker): void => scope.postMessage(m);

const NUM_WORDS = 10000;
const MAXLEN = 120;
const OOV = '<OOV>';

// ---------------------------------------------------------------------------------------------
// Stopping and yielding

/** Set by the page through a SharedArrayBuffer (cross-origin isolated pages): read synchronously. */
let stopFlag: Int32Array | null = null;
/** Set by a 'stop' message, which is only seen when the worker yields to its event loop. */
let stopMessage = false;
const stopRequested = (): boolean => stopMessage || (stopFlag !== null && Atomics.load(stopFlag, 0) !== 0);
function clearStop(): void {
  stopMessage = false;
  if (stopFlag) Atomics.store(stopFlag, 0, 0);
}

class StopSignal extends Error {
  constructor() {
    super('stopped by the user');
  }
}

// A macrotask yield without setTimeout's 4 ms clamp, so queued 'stop' messages get processed even
// when the CPU backend never really awaits anything.
const yieldChannel = new MessageChannel();
const yieldWaiters: (() => void)[] = [];
yieldChannel.port2.onmessage = () => yieldWaiters.shift()?.();
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    yieldWaiters.push(resolve);
    yieldChannel.port1.postMessage(0);
  });
}

// ---------------------------------------------------------------------------------------------
// Engine statistics

let statsMark = { dispatches: 0, steps: 0, at: 0 };
let stepsDone = 0;
let lastDispatchesPerStep: number | null = null;

function engineStats(): EngineStats {
  const s = wg.stats();
  return { tensors: s.tensors, buffers: s.buffers, bytes: s.bytes, pipelines: s.pipelines, dispatchesPerStep: lastDispatchesPerStep, backend: s.backend };
}

/** Call after every training step; posts stats at most ~4 times a second. */
function stepDone(force = false): void {
  stepsDone++;
  const now = performance.now();
  if (!force && now - statsMark.at < 250) return;
  const s = wg.stats();
  if (stepsDone > statsMark.steps) lastDispatchesPerStep = (s.dispatches - statsMark.dispatches) / (stepsDone - statsMark.steps);
  statsMark = { dispatches: s.dispatches, steps: stepsDone, at: now };
  post({ type: 'stats', stats: engineStats() });
}

function resetStepStats(): void {
  wg.resetStats();
  stepsDone = 0;
  statsMark = { dispatches: 0, steps: 0, at: performance.now() };
}

// ---------------------------------------------------------------------------------------------
// Data

interface LoadedData {
  info: DatasetInfo;
  /** n × maxlen token ids, row-major. */
  x: Uint16Array | Int32Array;
  y: Float32Array;
  maxlen: number;
  /** Rows [0, trainRows) are for training, the rest for validation (IMDB's test split); null: split at run time. */
  trainRows: number | null;
  tokenizer: wg.data.Tokenizer;
}

let data: LoadedData | null = null;

function progress(task: Task, text: string, fraction: number | null = null): void {
  post({ type: 'progress', task, text, fraction });
}

async function loadBuiltin(url: string): Promise<void> {
  const t0 = performance.now();
  progress('load', 'Loading the built-in dataset…');
  const metaUrl = new URL(url, self.location.href);
  const m = (await (await fetchOk(metaUrl)).json()) as BuiltinMeta;
  const [ids, labels] = await Promise.all([
    fetchOk(new URL(m.files.ids, metaUrl)).then((r) => r.arrayBuffer()),
    fetchOk(new URL(m.files.labels, metaUrl)).then((r) => r.arrayBuffer()),
  ]);
  if (ids.byteLength !== m.n * m.maxlen * 2) throw new Error(`${m.files.ids} has ${ids.byteLength} bytes, expected ${m.n * m.maxlen * 2} (rebuild with npm run demo:build)`);
  const config = {
    num_words: m.numWords, filters: m.tokenizer.filters, lower: m.tokenizer.lower, split: m.tokenizer.split,
    char_level: false, oov_token: m.oovToken, document_count: m.n,
    word_index: Object.fromEntries(m.words.map((w, k) => [w, k + 1])),
  };
  const tokenizer = wg.data.Tokenizer.fromJSON({ class_name: 'Tokenizer', config } as unknown as TokenizerJSON);
  data = {
    info: {
      name: m.name, description: m.description, n: m.n, maxlen: m.maxlen, numWords: m.numWords, labelNames: m.labelNames,
      counts: m.counts, examples: m.examples, fixedValidation: 0, loadMs: performance.now() - t0, bytes: ids.byteLength + labels.byteLength,
    },
    x: new Uint16Array(ids),
    y: Float32Array.from(new Uint8Array(labels)),
    maxlen: m.maxlen,
    trainRows: null,
    tokenizer,
  };
  disposeTrained();
  post({ type: 'dataset', info: data.info });
}

async function fetchOk(url: URL): Promise<Response> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url.pathname}: HTTP ${r.status} (run npm run demo:build)`);
  return r;
}

/** Chunks of a ReadableStream as an async iterable (for readTar). */
async function* chunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

const REVIEW = /(?:^|\/)(train|test)\/(pos|neg)\/(\d+)_(\d+)\.txt$/;

/** aclImdb_v1.tar.gz (or .tar) picked from disk: gunzip with DecompressionStream, read the tar, keep the reviews. */
async function readImdbArchive(file: File): Promise<{ train: { texts: string[]; labels: number[] }; test: { texts: string[]; labels: number[] } }> {
  const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  let read = 0;
  let lastPost = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      read += chunk.byteLength;
      const now = performance.now();
      if (now - lastPost > 200) {
        lastPost = now;
        progress('load', `Reading ${file.name}: ${(read / 1e6).toFixed(0)} of ${(file.size / 1e6).toFixed(0)} MB`, read / file.size);
      }
      controller.enqueue(chunk);
    },
  });
  let stream = file.stream().pipeThrough(counter);
  if (head[0] === 0x1f && head[1] === 0x8b) stream = stream.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);
  const out = { train: { texts: [] as string[], labels: [] as number[] }, test: { texts: [] as string[], labels: [] as number[] } };
  for await (const entry of wg.data.readTar(chunks(stream))) {
    if (entry.type !== 'file') continue;
    const m = REVIEW.exec(entry.path);
    if (!m) continue;
    const split = out[m[1] as 'train' | 'test'];
    split.texts.push(await entry.text());
    split.labels.push(m[2] === 'pos' ? 1 : 0);
  }
  if (out.train.texts.length === 0 || out.test.texts.length === 0) {
    throw new Error(`${file.name} has no train/ and test/ reviews in the aclImdb layout ({train,test}/{pos,neg}/<id>_<rating>.txt)`);
  }
  return out;
}

/** Texts and labels in a seeded random order (sources list them grouped by label). */
function shuffled(texts: string[], labels: ArrayLike<number>, seed: number): { texts: string[]; labels: number[] } {
  const p = wg.data.permutation(texts.length, wg.data.mulberry32(seed));
  return { texts: Array.from(p, (i) => texts[i]!), labels: Array.from(p, (i) => labels[i]!) };
}

function pickExamples(texts: string[], labels: ArrayLike<number>, from: number): ExampleText[] {
  const out: ExampleText[] = [];
  const want = [3, 3];
  for (let i = texts.length - 1; i >= from && (want[0]! > 0 || want[1]! > 0); i--) {
    const label = labels[i]! ? 1 : 0;
    const t = texts[i]!.replace(/<br\s*\/?>/gi, '\n').replace(/\s+\n/g, '\n').trim();
    if (want[label]! > 0 && t.length >= 80 && t.length <= 700) {
      out.push({ text: t, label });
      want[label]!--;
    }
  }
  return out;
}

async function loadFile(file: File, textField: string, labelField: string): Promise<void> {
  const t0 = performance.now();
  const name = file.name;
  const lower = name.toLowerCase();
  let texts: string[];
  let labels: number[];
  let trainRows: number | null = null;
  let labelNames: [string, string] = ['0', '1'];
  let description: string;
  if (/\.(tar\.gz|tgz|tar)$/.test(lower)) {
    progress('load', `Reading ${name}…`, 0);
    const imdb = await readImdbArchive(file);
    // The archive lists reviews by folder (all neg, then all pos): shuffle each split once.
    const tr = shuffled(imdb.train.texts, imdb.train.labels, 1);
    const te = shuffled(imdb.test.texts, imdb.test.labels, 2);
    texts = [...tr.texts, ...te.texts];
    labels = [...tr.labels, ...te.labels];
    trainRows = tr.texts.length;
    labelNames = ['negative', 'positive'];
    description = `IMDB reviews: ${tr.texts.length.toLocaleString('en-US')} for training, ${te.texts.length.toLocaleString('en-US')} test reviews for validation`;
  } else {
    progress('load', `Parsing ${name}…`);
    const format = /\.(jsonl|ndjson|json)$/.test(lower) ? 'jsonl' : 'csv';
    const content = await file.text();
    const parsed = wg.data.parseTextClassification(content, { format, textField, labelField, delimiter: lower.endsWith('.tsv') ? '\t' : ',' }, name);
    ({ texts, labels } = shuffled(parsed.texts, parsed.labels, 1));
    description = `${texts.length.toLocaleString('en-US')} rows from ${format.toUpperCase()} (columns "${textField}", "${labelField}")`;
  }
  progress('load', `Tokenizing ${texts.length.toLocaleString('en-US')} texts (vocabulary of ${NUM_WORDS.toLocaleString('en-US')} words, ${MAXLEN} tokens each)…`, null);
  await yieldToEvents();
  const tokenizer = new wg.data.Tokenizer({ numWords: NUM_WORDS, oovToken: OOV });
  // Fit the vocabulary on the training rows only (all rows when the split happens later).
  tokenizer.fitOnTexts(trainRows === null ? texts : texts.slice(0, trainRows));
  const padded = wg.data.padSequences(tokenizer.textsToSequences(texts), { maxlen: MAXLEN });
  const y = Float32Array.from(labels);
  let positive = 0;
  for (const v of y) positive += v;
  data = {
    info: {
      name, description, n: texts.length, maxlen: MAXLEN, numWords: NUM_WORDS, labelNames,
      counts: { negative: texts.length - positive, positive }, examples: pickExamples(texts, y, trainRows ?? 0),
      fixedValidation: trainRows === null ? 0 : texts.length - trainRows, loadMs: performance.now() - t0, bytes: file.size,
    },
    x: padded.data,
    y,
    maxlen: MAXLEN,
    trainRows,
    tokenizer,
  };
  disposeTrained();
  post({ type: 'dataset', info: data.info });
}

interface Split {
  x: wg.data.ArrayData;
  y: Float32Array;
  n: number;
}

/** Training and validation rows for a run: a prefix of the (pre-shuffled) data. */
function splits(s: ModelSettings): { train: Split; val: Split } {
  const d = requireData();
  const L = d.maxlen;
  const rows = (from: number, count: number): Split => ({
    x: { data: d.x.subarray(from * L, (from + count) * L), shape: [count, L] },
    y: d.y.subarray(from, from + count),
    n: count,
  });
  if (d.trainRows !== null) {
    const nVal = Math.max(1, Math.min(d.info.n - d.trainRows, Math.round(s.subset * s.valFraction)));
    const nTrain = Math.max(1, Math.min(d.trainRows, s.subset - nVal));
    return { train: rows(0, nTrain), val: rows(d.trainRows, nVal) };
  }
  const subset = Math.max(2, Math.min(d.info.n, Math.round(s.subset)));
  const nVal = Math.max(1, Math.min(subset - 1, Math.round(subset * s.valFraction)));
  return { train: rows(0, subset - nVal), val: rows(subset - nVal, nVal) };
}

function requireData(): LoadedData {
  if (!data) throw new Error('no dataset is loaded yet');
  return data;
}

// ---------------------------------------------------------------------------------------------
// Models

let trained: { model: wg.Sequential; settings: ModelSettings } | null = null;

function createModel(s: ModelSettings, learningRate: number): wg.Sequential {
  const d = requireData();
  wg.setSeed(s.seed);
  const model = wg.sequential({
    layers: [
      wg.layers.embedding({ inputDim: d.info.numWords, outputDim: s.embedDim, inputLength: d.maxlen }),
      wg.layers.bidirectional({ layer: wg.layers.gru({ units: s.units }) }),
      wg.layers.dense({ units: 6, activation: 'relu' }),
      wg.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  model.build([null, d.maxlen]);
  model.compile({ optimizer: wg.train.adam({ learningRate }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return model;
}

function disposeModel(m: wg.Sequential): void {
  (m.optimizer as unknown as { dispose?: () => void } | null)?.dispose?.();
  m.dispose();
}

function disposeTrained(): void {
  if (trained) disposeModel(trained.model);
  trained = null;
}

function makeSchedule(kind: ScheduleKind, lr: number, stepsPerEpoch: number, epochs: number): wg.train.schedules.Schedule | null {
  const S = wg.train.schedules;
  const total = Math.max(1, stepsPerEpoch * epochs);
  switch (kind) {
    case 'constant': return null;
    case 'oneCycle': return S.oneCycle({ maxLr: lr, totalSteps: total });
    case 'cyclical': return S.cyclical({ baseLr: lr / 4, maxLr: lr, stepSize: Math.max(1, 2 * stepsPerEpoch) });
    case 'cosine': return S.cosineWarmRestarts({ maxLr: lr, t0: Math.max(1, stepsPerEpoch), tMult: 2 });
    case 'exponential': return S.exponentialDecay({ initialLearningRate: lr, decaySteps: Math.max(1, stepsPerEpoch), decayRate: 0.7 });
    default: throw new Error(`unknown schedule '${String(kind)}'`);
  }
}

// ---------------------------------------------------------------------------------------------
// Tasks

async function findLr(s: FindLrSettings): Promise<void> {
  const { train } = splits(s.model);
  const model = createModel(s.model, s.startLr);
  const t0 = performance.now();
  const rec = { lrs: [] as number[], losses: [] as number[], smoothed: [] as number[] };
  post({ type: 'lr-begin', startLr: s.startLr, endLr: s.endLr, steps: s.steps, batchSize: s.batchSize });
  resetStepStats();
  let result: wg.train.lrFinder.LrFinderResult;
  let stopped = false;
  try {
    result = await wg.train.findLearningRate(model, train.x, train.y, {
      startLr: s.startLr, endLr: s.endLr, numIter: s.steps, batchSize: s.batchSize, seed: s.model.seed, verbose: false,
      onStep: (p) => {
        rec.lrs.push(p.lr);
        rec.losses.push(p.loss);
        rec.smoothed.push(p.smoothed);
        post({ type: 'lr-step', index: p.index, lr: p.lr, loss: p.loss, smoothed: p.smoothed });
        progress('find-lr', `Step ${p.index + 1} of ${s.steps}: lr ${p.lr.toExponential(2)}, loss ${p.loss.toFixed(4)}`, (p.index + 1) / s.steps);
        stepDone();
        if (stopRequested()) throw new StopSignal();
      },
    });
  } catch (e) {
    if (!(e instanceof StopSignal)) throw e;
    stopped = true;
    result = new wg.train.lrFinder.LrFinderResult({ lrs: rec.lrs, losses: rec.losses, smoothedLosses: rec.smoothed, numSteps: rec.lrs.length });
  } finally {
    disposeModel(model);
  }
  stepDone(true);
  const { suggestions, errors } = result.lrs.length ? result.suggestions() : { suggestions: {}, errors: { all: 'no steps recorded' } };
  const list: SuggestionInfo[] = Object.entries(suggestions).map(([rule, v]) => ({ rule, lr: v!.lr, pointLr: v!.pointLr, loss: v!.loss }));
  post({
    type: 'lr-done', lrs: result.lrs, losses: result.losses, smoothed: result.smoothed, divergedAt: result.divergedAt,
    suggestions: list, errors: errors as Record<string, string>, stopped, seconds: (performance.now() - t0) / 1000,
  });
}

async function train(s: TrainSettings): Promise<void> {
  const { train: tr, val } = splits(s.model);
  disposeTrained();
  const model = createModel(s.model, s.learningRate);
  const steps = Math.ceil(tr.n / s.batchSize);
  post({ type: 'train-begin', epochs: s.epochs, steps, samples: tr.n, valSamples: val.n, batchSize: s.batchSize });
  resetStepStats();
  const callbacks: (wg.callbacks.Callback | wg.callbacks.CallbackHooks)[] = [];
  const schedule = makeSchedule(s.schedule, s.learningRate, steps, s.epochs);
  if (schedule) callbacks.push(wg.callbacks.batchLearningRateScheduler(schedule));
  const es = s.earlyStopping
    ? wg.callbacks.earlyStopping({ ...s.earlyStopping, warn: () => {}, log: () => {} })
    : null;
  if (es) callbacks.push(es);
  let epochStart = 0;
  let epochSamples = 0;
  let epochTrainSeconds = 0;
  let trainSeconds = 0;
  let trainSamples = 0;
  let userStopped = false;
  let currentEpoch = 0;
  callbacks.push({
    onEpochBegin: () => {
      epochStart = performance.now();
      epochSamples = 0;
    },
    onBatchEnd: async (batch, logs) => {
      epochSamples += logs?.size ?? s.batchSize;
      epochTrainSeconds = (performance.now() - epochStart) / 1000;
      post({
        type: 'batch', epoch: currentEpoch, batch, steps, loss: logs?.loss ?? NaN, batchLoss: logs?.batch_loss ?? NaN,
        accuracy: logs?.accuracy ?? NaN, learningRate: logs?.learning_rate ?? NaN, samplesPerSec: epochSamples / Math.max(epochTrainSeconds, 1e-6),
      });
      progress('train', `Epoch ${currentEpoch + 1} of ${s.epochs}, batch ${batch + 1} of ${steps}`, (currentEpoch * steps + batch + 1) / (s.epochs * steps));
      stepDone();
      await yieldToEvents();
      if (stopRequested()) {
        userStopped = true;
        model.stopTraining = true;
      }
    },
    onEpochEnd: (epoch, logs) => {
      trainSeconds += epochTrainSeconds;
      trainSamples += epochSamples;
      post({ type: 'epoch', epoch, logs: { ...(logs ?? {}) }, samplesPerSec: epochSamples / Math.max(epochTrainSeconds, 1e-6), seconds: (performance.now() - epochStart) / 1000 });
      currentEpoch = epoch + 1;
    },
  });
  const t0 = performance.now();
  let history: wg.train.History;
  try {
    history = await model.fit(tr.x, tr.y, {
      epochs: s.epochs, batchSize: s.batchSize, seed: s.model.seed, validationData: [val.x, val.y], callbacks, verbose: 0,
    });
  } catch (e) {
    disposeModel(model);
    throw e;
  }
  stepDone(true);
  trained = { model, settings: s.model };
  const summary = es?.summary();
  post({
    type: 'train-done', history: history.history, epochs: history.epoch.length,
    stoppedEpoch: summary?.stoppedEpoch ?? null, bestEpoch: summary?.bestEpoch ?? null, restored: summary?.restoredBestWeights ?? false,
    monitor: summary?.monitor ?? null, best: summary?.best ?? null, message: summary?.message ?? null,
    stopped: userStopped, seconds: (performance.now() - t0) / 1000, samplesPerSec: trainSamples / Math.max(trainSeconds, 1e-6),
  });
}

async function study(s: StudySettings): Promise<void> {
  const { train: tr, val } = splits(s.model);
  post({ type: 'study-begin', batchSizes: s.batchSizes, epochs: s.epochs });
  resetStepStats();
  let stopped = false;
  for (const batchSize of s.batchSizes) {
    if (stopRequested()) {
      stopped = true;
      break;
    }
    const model = createModel(s.model, s.learningRate);
    const steps = Math.ceil(tr.n / batchSize);
    let start = 0;
    let seconds = 0;
    let samples = 0;
    let epoch = 0;
    try {
      const h = await model.fit(tr.x, tr.y, {
        epochs: s.epochs, batchSize, seed: s.model.seed, validationData: [val.x, val.y], verbose: 0,
        callbacks: [{
          onEpochBegin: (e) => {
            epoch = e;
            start = performance.now();
          },
          onBatchEnd: async (batch, logs) => {
            post({ type: 'study-progress', batchSize, epoch, batch, steps });
            progress('study', `Batch size ${batchSize}: epoch ${epoch + 1} of ${s.epochs}, batch ${batch + 1} of ${steps}`, null);
            samples += logs?.size ?? batchSize;
            if (batch === steps - 1) seconds += (performance.now() - start) / 1000;
            stepDone();
            await yieldToEvents();
            if (stopRequested()) {
              stopped = true;
              model.stopTraining = true;
            }
          },
        }],
      });
      if (stopped) break;
      const last = (k: string) => h.history[k]?.at(-1) ?? NaN;
      post({ type: 'study-point', batchSize, valAccuracy: last('val_accuracy'), valLoss: last('val_loss'), samplesPerSec: samples / Math.max(seconds, 1e-6), seconds });
    } finally {
      disposeModel(model);
    }
  }
  stepDone(true);
  post({ type: 'study-done', stopped });
}

async function predict(text: string, id: number): Promise<void> {
  const d = requireData();
  const t0 = performance.now();
  const seq = d.tokenizer.textsToSequences([text]);
  const ids = seq[0]!;
  const oov = d.tokenizer.wordIndex.get(OOV) ?? 1;
  const known = ids.filter((i) => i !== oov).length;
  const model = trained?.model ?? null;
  if (!model) {
    post({ type: 'prediction', id, probability: NaN, tokens: ids.length, known, trained: false, ms: performance.now() - t0 });
    return;
  }
  const padded = wg.data.padSequences(seq, { maxlen: d.maxlen });
  const x = wg.fromFlat(padded.data, [1, d.maxlen], 'int32');
  const y = model.predict(x);
  try {
    const p = (await y.data())[0]!;
    post({ type: 'prediction', id, probability: p, tokens: ids.length, known, trained: true, ms: performance.now() - t0 });
  } finally {
    x.dispose();
    y.dispose();
  }
  post({ type: 'stats', stats: engineStats() });
}

// ---------------------------------------------------------------------------------------------
// Message loop: one task at a time; a prediction asked for while busy runs when the task ends.

let busy: Task = null;
let pendingPredict: { text: string; id: number } | null = null;

async function run(task: Exclude<Task, null>, fn: () => Promise<void>): Promise<void> {
  if (busy) {
    post({ type: 'error', task, message: `busy with ${busy}; wait for it to finish or press Stop` });
    return;
  }
  busy = task;
  clearStop();
  post({ type: 'busy', task });
  try {
    await fn();
  } catch (e) {
    post({ type: 'error', task, message: e instanceof Error ? e.message : String(e) });
  } finally {
    busy = null;
    clearStop();
    post({ type: 'busy', task: null });
    post({ type: 'stats', stats: engineStats() });
  }
  if (pendingPredict) {
    const p = pendingPredict;
    pendingPredict = null;
    await predict(p.text, p.id).catch((e: unknown) => post({ type: 'error', task: null, message: e instanceof Error ? e.message : String(e) }));
  }
}

async function init(backend: 'auto' | 'webgpu' | 'cpu'): Promise<void> {
  const t0 = performance.now();
  const r = await wg.ready({ backend, warn: () => {} });
  const b = r.backend as wg.Backend & { adapter?: { vendor: string; architecture: string; description: string; isFallbackAdapter: boolean } };
  post({
    type: 'ready', backend: b.name === 'webgpu' ? 'webgpu' : 'cpu', description: b.description,
    adapter: b.adapter ? { vendor: b.adapter.vendor, architecture: b.adapter.architecture, description: b.adapter.description, isFallbackAdapter: b.adapter.isFallbackAdapter } : null,
    fallbackReason: r.fallbackReason ?? (backend === 'cpu' ? 'the CPU backend was requested (?backend=cpu)' : null), ms: performance.now() - t0,
  });
  post({ type: 'stats', stats: engineStats() });
}

scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  switch (m.type) {
    case 'init':
      stopFlag = m.stopFlag ? new Int32Array(m.stopFlag) : null;
      void init(m.backend).catch((err: unknown) => post({ type: 'error', task: null, message: `could not start the engine: ${err instanceof Error ? err.message : String(err)}` }));
      break;
    case 'load-builtin':
      void run('load', () => loadBuiltin(m.url));
      break;
    case 'load-file':
      void run('load', () => loadFile(m.file, m.textField, m.labelField));
      break;
    case 'find-lr':
      void run('find-lr', () => findLr(m.settings));
      break;
    case 'train':
      void run('train', () => train(m.settings));
      break;
    case 'study':
      void run('study', () => study(m.settings));
      break;
    case 'predict':
      if (busy) pendingPredict = { text: m.text, id: m.id };
      else void predict(m.text, m.id).catch((err: unknown) => post({ type: 'error', task: null, message: err instanceof Error ? err.message : String(err) }));
      break;
    case 'stop':
      stopMessage = true;
      break;
  }
};
