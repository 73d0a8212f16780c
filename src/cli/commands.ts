/** The five commands: train, find-lr, study-batch, evaluate, predict. */
import * as wg from '../index.js';
import { loadModelBundle, ModelFileError, type LoadedModel } from '../io/model-io.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { writeReport } from '../report/report.js';
import type { ReportFinder, ReportHistory, ReportStudy, ReportStudyRow, ReportTiming, RunReport } from '../report/types.js';
import type { ParsedArgs } from './args.js';
import { camel, UsageError } from './args.js';
import {
  CHECKPOINT_DIR, openResume, reportCompleted, resumePoint, RUN_FILE, runConfig, saveRunConfig, startRunFolder, SUMMARY_FILE, type Resume, type RunConfig,
} from './resume.js';
import { COMMANDS } from './specs.js';
import { common, dataSpec, finderSpec, modelSpec, prepSpec, type CommonOptions } from './options.js';
import {
  buildModel, compile, fitTokenizer, loadCorpus, pickExamples, predictProbabilities, printSuggestions, runFinder, score,
  selectBackend, splitCounts, toMatrix, RunError, type BackendChoice, type Corpus, type DataSpec, type FinderSpec, type Matrix,
  type ModelSpec, type PrepSpec, type TextSet,
} from './pipeline.js';
import type { Ui } from './ui.js';

export interface CommandContext {
  cmd: string;
  args: ParsedArgs;
  ui: Ui;
  cwd: string;
  /** The command line as typed (for the report). */
  commandLine: string;
}

const now = () => performance.now();
const secs = (t0: number) => (now() - t0) / 1000;

async function node() {
  const path = await import('node:path');
  const fs = await import('node:fs');
  const os = await import('node:os');
  return { path, fs, os };
}

async function version(): Promise<string> {
  try {
    const { fs } = await node();
    const { fileURLToPath } = await import('node:url');
    return JSON.parse(fs.readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')).version as string;
  } catch {
    return 'unknown';
  }
}

async function environment(b: BackendChoice): Promise<Record<string, string>> {
  const { os } = await node();
  const cpus = os.cpus();
  return {
    backend: b.description,
    adapter: b.adapter,
    webgrad: await version(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: `${cpus[0]?.model?.trim() ?? 'unknown'} × ${cpus.length}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
  };
}

/** Resolves --out (default ./runs/<timestamp>) and checks it is not a file. Creates nothing. */
async function runFolder(c: CommandContext, o: CommonOptions): Promise<string> {
  const { path, fs } = await node();
  if (o.out !== undefined) {
    const dir = path.resolve(c.cwd, o.out);
    if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new UsageError(`--out ${o.out} is a file, not a folder`, c.cmd);
    return dir;
  }
  const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, '-');
  let dir = path.resolve(c.cwd, 'runs', stamp);
  for (let k = 2; fs.existsSync(dir); k++) dir = path.resolve(c.cwd, 'runs', `${stamp}-${k}`);
  return dir;
}

function resolvePaths(spec: DataSpec, cwd: string, resolve: (...p: string[]) => string): DataSpec {
  return spec.path ? { ...spec, path: resolve(cwd, spec.path) } : spec;
}

interface Prepared {
  corpus: Corpus;
  tokenizer: wg.data.Tokenizer;
  x: { train: Matrix; val: Matrix; test: Matrix };
  timings: ReportTiming[];
}

/** Load, split, fit the tokenizer on the training split, pad every split. */
async function prepare(data: DataSpec, prep: PrepSpec, ui: Ui): Promise<Prepared> {
  const timings: ReportTiming[] = [];
  let t = now();
  const corpus = await loadCorpus(data, ui);
  const nAll = corpus.train.texts.length + corpus.test.texts.length + (corpus.valIsTest ? 0 : corpus.val.texts.length);
  timings.push({ phase: 'load data', seconds: secs(t), rate: `${(nAll / Math.max(secs(t), 1e-9)).toFixed(0)} texts/s` });
  t = now();
  const tokenizer = fitTokenizer(corpus.train.texts, prep, ui);
  const x = {
    train: toMatrix(tokenizer, corpus.train.texts, prep, ui, 'Tokenizing train'),
    val: corpus.valIsTest ? (null as unknown as Matrix) : toMatrix(tokenizer, corpus.val.texts, prep, ui, 'Tokenizing validation'),
    test: toMatrix(tokenizer, corpus.test.texts, prep, ui, 'Tokenizing test'),
  };
  if (corpus.valIsTest) x.val = x.test;
  timings.push({ phase: 'tokenize + pad', seconds: secs(t), rate: `${(nAll / Math.max(secs(t), 1e-9)).toFixed(0)} texts/s` });
  const c = splitCounts(corpus);
  ui.log(`Data: ${corpus.name}: ${Object.entries(c.counts).map(([k, n]) => `${n} ${k}`).join(', ')}${corpus.valIsTest ? ' (validating on the test split, as the tutorial does)' : ''}; vocabulary ${tokenizer.wordIndex.size} words, ${prep.numWords} kept`);
  return { corpus, tokenizer, x, timings };
}

/** What train, find-lr and study-batch all start with: their settings, the backend, the prepared data. */
interface Setup {
  o: CommonOptions;
  v: Record<string, unknown>;
  data: DataSpec;
  prep: PrepSpec;
  mspec: ModelSpec;
  batchSize: number;
  fspec: FinderSpec;
  out: string;
  backend: BackendChoice;
  p: Prepared;
}

/** Resolves every setting first (so usage errors come before any work), then starts the backend and prepares the data. */
async function setup(c: CommandContext): Promise<Setup> {
  const { path } = await node();
  const o = common(c.args);
  const v = c.args.values;
  const data = resolvePaths(dataSpec(c.cmd, c.args, o.seed), c.cwd, path.resolve);
  const prep = prepSpec(c.args);
  const mspec = modelSpec(c.args);
  const batchSize = v.batchSize as number;
  const fspec = finderSpec(c.cmd, c.args, o.seed, batchSize);
  const out = await runFolder(c, o);
  const backend = await startBackend(o, c.ui);
  wg.setSeed(o.seed);
  const p = await prepare(data, prep, c.ui);
  return { o, v, data, prep, mspec, batchSize, fspec, out, backend, p };
}

/** The LR range test on a probe model (disposed after), timed into the run's timings. */
async function rangeTest(s: Setup, ui: Ui): Promise<ReportFinder> {
  const t = now();
  const probe = buildModel(s.mspec);
  compile(probe, 1e-3);
  const finder = await runFinder(probe, s.p.x.train, s.p.corpus.train.labels, s.fspec, ui);
  probe.dispose();
  s.p.timings.push({ phase: 'LR range test', seconds: secs(t), rate: `${((finder.lrs.length * s.fspec.batchSize) / Math.max(secs(t), 1e-9)).toFixed(0)} samples/s` });
  return finder;
}

function datasetInfo(corpus: Corpus): RunReport['dataset'] {
  const c = splitCounts(corpus);
  return { name: corpus.name, source: corpus.source, labels: corpus.labels, counts: c.counts, positives: c.positives };
}

/** The effective settings as `--flag value`, in --help order, leaving out those that do not apply. */
function flagConfig(c: CommandContext, kind?: DataSpec['kind']): Record<string, unknown> {
  const skip = new Set(['json', 'quiet', 'out', 'examples']);
  if (kind !== 'csv' && kind !== 'jsonl') ['textField', 'labelField'].forEach((k) => skip.add(k));
  if (kind !== 'spam') skip.add('stripHeaders');
  if (kind === 'imdb') skip.add('testSplit');
  const out: Record<string, unknown> = {};
  for (const f of COMMANDS[c.cmd]!.flags) {
    const key = camel(f.name);
    const v = c.args.values[key];
    if (v === undefined || skip.has(key) || v === false && !c.args.given.has(key) && f.default === undefined) continue;
    out[`--${f.name}`] = v;
  }
  return out;
}

async function startBackend(o: CommonOptions, ui: Ui, announce = true): Promise<BackendChoice> {
  const b = await selectBackend(o.backend);
  if (b.note) ui.warn(b.note);
  if (announce) ui.log(`Backend: ${b.description}${b.name === 'webgpu' ? ` (${b.adapter})` : ''}`);
  return b;
}

function finderJson(f: ReportFinder | undefined) {
  if (!f) return null;
  return {
    rule: f.chosen.rule,
    chosen: f.chosen.lr,
    suggestions: Object.fromEntries(Object.entries(f.suggestions).map(([k, s]) => [k, s.lr])),
    sources: Object.fromEntries(Object.entries(f.suggestions).map(([k, s]) => [k, s.source])),
    errors: f.errors,
    steps: f.lrs.length,
    divergedAt: f.divergedAt,
    seconds: f.seconds,
  };
}

// ---------------------------------------------------------------- study

interface StudyInput {
  sizes: number[];
  epochs: number;
  mode: 'finder' | 'fixed' | 'linear' | 'sqrt';
  lr?: number;
  baseBatch: number;
  target?: number;
  seed: number;
}

export async function runStudy(s: StudyInput, x: Matrix, y: Float32Array, xv: Matrix, yv: Float32Array, m: ModelSpec, f: FinderSpec, ui: Ui, knownBaseLr?: number): Promise<ReportStudy> {
  const rows: ReportStudyRow[] = [];
  let baseLr = s.lr ?? knownBaseLr;
  let baseFrom = s.lr !== undefined ? '--lr' : knownBaseLr !== undefined ? `finder at batch ${s.baseBatch}` : '';
  if ((s.mode === 'linear' || s.mode === 'sqrt') && baseLr === undefined) {
    ui.log(`Batch-size study: LR range test at the base batch size ${s.baseBatch}`);
    wg.setSeed(s.seed);
    const probe = buildModel(m);
    compile(probe, 1e-3);
    baseLr = (await runFinder(probe, x, y, { ...f, batchSize: s.baseBatch }, ui)).chosen.lr;
    probe.dispose();
    baseFrom = `finder (${f.rule}) at batch ${s.baseBatch}`;
  }
  for (const bs of s.sizes) {
    ui.log(`Batch-size study: batch ${bs}`);
    wg.setSeed(s.seed);
    const model = buildModel(m);
    let lr: number;
    let lrSource: string;
    if (s.mode === 'finder') {
      compile(model, 1e-3);
      const fr = await runFinder(model, x, y, { ...f, batchSize: bs }, ui);
      lr = fr.chosen.lr;
      lrSource = `finder (${fr.chosen.rule})`;
    } else if (s.mode === 'fixed') {
      lr = s.lr ?? 1e-3;
      lrSource = s.lr !== undefined ? 'fixed (--lr)' : 'fixed (Adam default)';
    } else {
      const ratio = bs / s.baseBatch;
      lr = baseLr! * (s.mode === 'linear' ? ratio : Math.sqrt(ratio));
      lrSource = `${s.mode} scaling of ${wg.plot.formatLr(baseLr!)} (${baseFrom})`;
    }
    compile(model, lr);
    let epochStart = 0;
    let lastBatch = 0;
    let cum = 0;
    const seconds: number[] = [];
    const acc: number[] = [];
    const timer = wg.callbacks.lambdaCallback({
      onEpochBegin: () => {
        epochStart = now();
        lastBatch = epochStart;
      },
      onBatchEnd: () => {
        lastBatch = now();
      },
      onEpochEnd: (_e, logs) => {
        cum += (lastBatch - epochStart) / 1000;
        seconds.push(cum);
        acc.push(logs?.val_accuracy ?? NaN);
      },
    });
    const write = ui.progressWrite;
    const h = await model.fit(x, y, {
      epochs: s.epochs, batchSize: bs, validationData: [xv, yv], callbacks: [timer], seed: s.seed,
      verbose: ui.progress ? 1 : 0, ...(write ? { write } : {}),
    });
    model.dispose();
    const va = h.history.val_accuracy ?? [];
    rows.push({
      batchSize: bs, lr, lrSource, epochs: h.epoch.length,
      finalValAccuracy: va.at(-1) ?? NaN, bestValAccuracy: Math.max(...va.filter(Number.isFinite)),
      finalValLoss: h.history.val_loss?.at(-1) ?? NaN,
      samplesPerSec: (x.shape[0]! * h.epoch.length) / Math.max(cum, 1e-9), seconds: cum,
      timeToTarget: null, curve: { seconds, valAccuracy: acc },
    });
  }
  const target = s.target ?? Math.min(...rows.map((r) => r.bestValAccuracy));
  for (const r of rows) {
    const i = r.curve.valAccuracy.findIndex((a) => a >= target - 1e-12);
    r.timeToTarget = i >= 0 ? r.curve.seconds[i]! : null;
  }
  const lrMode = s.mode === 'finder' ? `from the LR range test at each batch size (rule ${f.rule})`
    : s.mode === 'fixed' ? `fixed at ${wg.plot.formatLr(s.lr ?? 1e-3)}` : `${s.mode}-scaled from ${wg.plot.formatLr(baseLr!)} at batch ${s.baseBatch}`;
  for (const r of rows) {
    ui.log(`  batch ${String(r.batchSize).padStart(5)}  lr ${r.lr.toExponential(2)}  val acc ${(r.finalValAccuracy * 100).toFixed(2)} %  ${r.samplesPerSec.toFixed(0)} samples/s  time to ${(target * 100).toFixed(1)} %: ${r.timeToTarget === null ? 'not reached' : `${r.timeToTarget.toFixed(1)} s`}`);
  }
  return {
    rows, target, epochs: s.epochs, lrMode,
    targetWhy: s.target !== undefined ? '--target-accuracy' : 'the lowest best accuracy among the batch sizes',
  };
}

function studyInput(c: CommandContext, o: CommonOptions, sizes: number[], batchSize: number): StudyInput {
  const v = c.args.values;
  return {
    sizes, epochs: (v.studyEpochs as number | undefined) ?? 2, mode: (v.studyLr as StudyInput['mode'] | undefined) ?? 'finder',
    ...(v.lr !== undefined ? { lr: v.lr as number } : {}),
    ...(v.targetAccuracy !== undefined ? { target: v.targetAccuracy as number } : {}),
    baseBatch: batchSize, seed: o.seed,
  };
}

// ---------------------------------------------------------------- train

/**
 * The learning rate: the one a resumed run saved, --lr, or the LR range test's choice (saved in
 * the run folder at once, so a resume skips the test and still reports it).
 */
async function chooseLr(s: Setup, resume: Resume | null, config: RunConfig, ui: Ui): Promise<{ lr: number; finder?: ReportFinder }> {
  const { path, fs } = await node();
  const finderFile = path.join(s.out, 'lr_finder.json');
  if (resume && config.lr !== null) {
    const finder = config.values.lr === undefined && fs.existsSync(finderFile) ? (JSON.parse(fs.readFileSync(finderFile, 'utf8')) as ReportFinder) : undefined;
    ui.log(`Learning rate ${config.lr} (saved by the interrupted run; LR range test skipped)`);
    return { lr: config.lr, ...(finder ? { finder } : {}) };
  }
  if (s.v.lr !== undefined) {
    ui.log(`Learning rate ${s.v.lr} (--lr; LR range test skipped)`);
    return { lr: s.v.lr as number };
  }
  const finder = await rangeTest(s, ui);
  printSuggestions(finder, ui);
  await writeJsonAtomic(finderFile, finder);
  await saveRunConfig(s.out, { ...config, lr: finder.chosen.lr });
  return { lr: finder.chosen.lr, finder };
}

function trainingCallbacks(v: Record<string, unknown>, lr: number, totalSteps: number, steps: number) {
  const es = wg.callbacks.earlyStopping({ monitor: v.monitor as string, minDelta: v.minDelta as number, patience: v.patience as number, restoreBestWeights: v.restore as boolean });
  const callbacks: wg.callbacks.Callback[] = [es];
  if (v.schedule === 'one-cycle') callbacks.push(wg.callbacks.batchLearningRateScheduler(wg.train.schedules.oneCycle({ maxLr: lr, totalSteps }), { verbose: 0 }));
  if (v.schedule === 'cyclical') callbacks.push(wg.callbacks.batchLearningRateScheduler(wg.train.schedules.cyclical({ baseLr: lr / 4, maxLr: lr, stepSize: 2 * steps }), { verbose: 0 }));
  return { es, callbacks };
}

export async function train(c0: CommandContext): Promise<number> {
  const t0 = now();
  const { path, fs } = await node();
  const resume = openResume(c0.cmd, c0.args, c0.cwd);
  const c = resume ? { ...c0, args: resume.args } : c0;
  if (resume?.completed) return reportCompleted(resume.dir, c.ui, common(c.args).json);
  const s = await setup(c);
  const { o, v, data, prep, mspec, batchSize, fspec, out, backend, p } = s;
  const epochs = v.epochs as number;
  const ui = c.ui;
  const { corpus, x, timings } = p;
  const config = resume?.config ?? runConfig(c.args, c.cwd, (v.lr as number | undefined) ?? null);
  if (!resume) await startRunFolder(out, config);
  const { lr, finder } = await chooseLr(s, resume, config, ui);

  // The initial weights depend on --seed only, not on whether the LR range test ran: a run
  // resumed before its first checkpoint starts where the original did.
  wg.setSeed(o.seed);
  const t = now();
  const model = buildModel(mspec);
  compile(model, lr);
  const monitor = v.monitor as string;
  const steps = Math.ceil(corpus.train.texts.length / batchSize);
  const { es, callbacks } = trainingCallbacks(v, lr, epochs * steps, steps);
  const ckptDir = path.join(out, CHECKPOINT_DIR);
  const every = v.checkpointEvery as number;
  const from = await resumePoint(resume, ckptDir, ui);
  ui.log(`Training: up to ${epochs} epochs, batch ${batchSize}, lr ${lr.toExponential(2)}${v.schedule !== 'constant' ? ` (${v.schedule} schedule)` : ''}, early stopping on ${monitor} (minDelta ${v.minDelta}, patience ${v.patience}${v.restore ? ', restore best' : ''})`);
  ui.log(`Checkpoints: ${ckptDir} (${every > 0 ? `every ${every} steps and ` : ''}at each epoch end; 'webgrad train --resume ${out}' continues a killed run)`);
  const write = ui.progressWrite;
  const history = await model.fit(x.train, corpus.train.labels, {
    epochs, batchSize, validationData: [x.val, corpus.val.labels], callbacks, seed: o.seed,
    checkpoint: { dir: ckptDir, ...(every > 0 ? { everyBatches: every } : {}) }, ...(from ? { resumeFrom: from } : {}),
    verbose: ui.progress ? 1 : 0, ...(write ? { write } : {}),
  });
  timings.push({ phase: 'training', seconds: secs(t), rate: `${history.samplesPerSec.toFixed(0)} samples/s` });
  const esSum = es.summary();
  if (esSum.stoppedEpoch !== null) ui.log(`Early stopping after epoch ${esSum.stoppedEpoch + 1}: ${esSum.message ?? esSum.stopReason}`);
  if (esSum.restoredBestWeights) ui.log(`Restored the weights of epoch ${(esSum.bestEpoch ?? 0) + 1} (best ${monitor} ${esSum.best?.toFixed(4)})`);

  // Test split.
  const te = now();
  const evalLogs = await model.evaluate(x.test, corpus.test.labels, { batchSize: Math.max(batchSize, 256) });
  const probs = await predictProbabilities(model, x.test, Math.max(batchSize, 256));
  timings.push({ phase: 'test evaluation', seconds: secs(te), rate: `${(2 * corpus.test.texts.length / Math.max(secs(te), 1e-9)).toFixed(0)} samples/s` });
  const test = score(probs, corpus.test.labels, corpus.labels, evalLogs.loss!, evalLogs.accuracy!);
  const examples = pickExamples(corpus.test.texts, corpus.test.labels, probs, corpus.labels, v.examples as number);
  ui.log(`Test: accuracy ${(test.accuracy * 100).toFixed(2)} %, loss ${test.loss.toFixed(4)} (${test.n} samples)`);

  let study: ReportStudy | undefined;
  if (v.studyBatchSizes) {
    const ts = now();
    study = await runStudy(studyInput(c, o, v.studyBatchSizes as number[], batchSize), x.train, corpus.train.labels, x.val, corpus.val.labels, mspec, fspec, ui, lr);
    timings.push({ phase: 'batch-size study', seconds: secs(ts) });
  }

  // Save.
  const modelDir = path.join(out, 'model');
  const tsave = now();
  await wg.saveModel(model, modelDir, {
    tokenizer: p.tokenizer, loss: 'binaryCrossentropy', metrics: ['accuracy'],
    metadata: { data, preprocessing: prep, labels: corpus.labels, model: mspec, learningRate: lr, testAccuracy: test.accuracy, testLoss: test.loss },
  });
  timings.push({ phase: 'save model', seconds: secs(tsave) });
  timings.push({ phase: 'total', seconds: secs(t0) });

  const hist: ReportHistory = {
    epoch: history.epoch, history: history.history, monitor,
    bestEpoch: esSum.bestEpoch, stoppedEpoch: esSum.stoppedEpoch, restored: esSum.restoredBestWeights,
    stopReason: esSum.message ?? esSum.stopReason, seconds: history.seconds, samplesPerSec: history.samplesPerSec,
  };
  const env = await environment(backend);
  const summary = {
    command: 'train',
    testAccuracy: test.accuracy, testLoss: test.loss,
    learningRate: lr, learningRateSource: finder ? `finder:${finder.chosen.rule}` : '--lr',
    finder: finderJson(finder),
    epochsRun: history.epoch.length,
    bestEpoch: esSum.bestEpoch === null ? null : esSum.bestEpoch + 1,
    stoppedEpoch: esSum.stoppedEpoch === null ? null : esSum.stoppedEpoch + 1,
    stopReason: esSum.stopReason, restoredBestWeights: esSum.restoredBestWeights,
    samplesPerSec: history.samplesPerSec,
    resumedFrom: from ? { epoch: from.position.epoch + 1, batch: from.position.batch, step: from.position.step } : null,
    backend: backend.name, backendDescription: backend.description, adapter: backend.adapter,
    data: { name: corpus.name, ...splitCounts(corpus).counts },
    precision: test.precision, recall: test.recall, f1: test.f1, confusion: test.confusion,
    study: study ? study.rows.map((r) => ({ batchSize: r.batchSize, lr: r.lr, finalValAccuracy: r.finalValAccuracy, samplesPerSec: r.samplesPerSec, timeToTarget: r.timeToTarget })) : null,
    timings: Object.fromEntries(timings.map((x) => [x.phase, x.seconds])),
    seconds: secs(t0),
    outDir: out, report: path.join(out, 'report.html'), model: modelDir,
  };
  const report: RunReport = {
    title: `webgrad · ${corpus.name}`,
    subtitle: `Bidirectional GRU text classifier (${mspec.embeddingDim}-d embedding, ${mspec.units} units), ${backend.name} backend`,
    created: new Date().toISOString().replace('T', ' ').slice(0, 19) + ' UTC',
    commandLine: c.commandLine,
    dataset: datasetInfo(corpus),
    config: { ...flagConfig(c, data.kind), '--out': out },
    environment: env,
    timings,
    learningRate: lr,
    ...(finder ? { finder } : {}),
    history: hist,
    test, examples,
    ...(study ? { study } : {}),
    notes: [
      ...(backend.note ? [backend.note] : []), ...(finder?.chosen.why ? [finder.chosen.why] : []),
      ...(from ? [`Resumed from the checkpoint at epoch ${from.position.epoch + 1}, batch ${from.position.batch} (step ${from.position.step}); timings and samples/s cover the resumed part only.`] : []),
    ],
    files: [
      { name: 'model/', what: 'model.json (architecture, training config, checksums), model.safetensors (float32 weights), tokenizer.json (Keras layout)' },
      ...(finder ? [{ name: 'lr_finder.json', what: 'the sweep: LRs, raw/smoothed/running losses, every suggestion' }, { name: 'lr_finder.svg', what: 'LR range test figure' }] : []),
      { name: 'history.json', what: 'per-epoch metrics, early-stopping outcome' },
      { name: 'history.svg', what: 'training curves' },
      { name: 'confusion_matrix.svg', what: 'test-set confusion matrix' },
      ...(study ? [{ name: 'batch_study.json', what: 'batch-size study data' }] : []),
      { name: SUMMARY_FILE, what: 'the --json summary' },
      { name: RUN_FILE, what: 'the settings and learning rate, for webgrad train --resume' },
      { name: 'report.json', what: 'everything on this page as data' },
    ],
  };
  await writeReport(out, report);
  await writeJsonAtomic(path.join(out, SUMMARY_FILE), summary);
  // The run is complete (the model is saved): the checkpoint has served its purpose.
  fs.rmSync(ckptDir, { recursive: true, force: true });
  ui.log('');
  ui.log(`Done in ${wg.train.formatDuration(secs(t0))}: test accuracy ${(test.accuracy * 100).toFixed(2)} % with lr ${lr.toExponential(2)}${finder ? ` (${finder.chosen.rule})` : ''}, ${history.epoch.length} epoch(s)${esSum.bestEpoch !== null ? `, best epoch ${esSum.bestEpoch + 1}` : ''}, ${history.samplesPerSec.toFixed(0)} samples/s on ${backend.name}.`);
  ui.log(`Model:  ${modelDir}`);
  ui.log(`Report: ${path.join(out, 'report.html')}`);
  if (o.json) ui.emitJson(summary);
  model.dispose();
  return 0;
}

// ---------------------------------------------------------------- find-lr

export async function findLr(c: CommandContext): Promise<number> {
  const t0 = now();
  const { path } = await node();
  const s = await setup(c);
  const { o, data, out, backend, p } = s;
  const ui = c.ui;
  const finder = await rangeTest(s, ui);
  p.timings.push({ phase: 'total', seconds: secs(t0) });
  printSuggestions(finder, ui);
  const env = await environment(backend);
  await writeReport(out, {
    title: `webgrad · LR range test · ${p.corpus.name}`,
    subtitle: `${backend.name} backend`,
    created: new Date().toISOString().replace('T', ' ').slice(0, 19) + ' UTC',
    commandLine: c.commandLine, dataset: datasetInfo(p.corpus), config: { ...flagConfig(c, data.kind), '--out': out }, environment: env,
    timings: p.timings, learningRate: finder.chosen.lr, finder,
    notes: backend.note ? [backend.note] : [],
    files: [{ name: 'lr_finder.json', what: 'the sweep and every suggestion' }, { name: 'lr_finder.svg', what: 'the figure' }, { name: 'report.json', what: 'this page as data' }],
  });
  const summary = { command: 'find-lr', learningRate: finder.chosen.lr, finder: finderJson(finder), backend: backend.name, adapter: backend.adapter, seconds: secs(t0), outDir: out, report: path.join(out, 'report.html') };
  await writeJsonAtomic(path.join(out, 'summary.json'), summary);
  ui.log(`Report: ${path.join(out, 'report.html')}`);
  if (o.json) ui.emitJson(summary);
  return 0;
}

// ---------------------------------------------------------------- study-batch

export async function studyBatch(c: CommandContext): Promise<number> {
  const t0 = now();
  const { path } = await node();
  const v = c.args.values;
  if (v.studyLr === 'finder' && v.lr !== undefined) throw new UsageError("--lr applies to --study-lr fixed, linear or sqrt (with 'finder' each batch size gets its own LR)", c.cmd);
  const { o, data, mspec, batchSize, fspec, out, backend, p } = await setup(c);
  const sizes = [...new Set(v.batchSizes as number[])];
  const ui = c.ui;
  const t = now();
  const study = await runStudy(studyInput(c, o, sizes, batchSize), p.x.train, p.corpus.train.labels, p.x.val, p.corpus.val.labels, mspec, fspec, ui);
  p.timings.push({ phase: 'batch-size study', seconds: secs(t) });
  p.timings.push({ phase: 'total', seconds: secs(t0) });
  const env = await environment(backend);
  await writeReport(out, {
    title: `webgrad · batch-size study · ${p.corpus.name}`,
    subtitle: `${backend.name} backend`,
    created: new Date().toISOString().replace('T', ' ').slice(0, 19) + ' UTC',
    commandLine: c.commandLine, dataset: datasetInfo(p.corpus), config: { ...flagConfig(c, data.kind), '--out': out }, environment: env,
    timings: p.timings, study, notes: backend.note ? [backend.note] : [],
    files: [{ name: 'batch_study.json', what: 'the study data' }, { name: 'batch_study_curves.svg', what: 'accuracy vs time' }, { name: 'batch_study_throughput.svg', what: 'samples/s' }, { name: 'batch_study_time_to_accuracy.svg', what: 'time to target' }],
  });
  const summary = {
    command: 'study-batch', target: study.target, backend: backend.name, adapter: backend.adapter,
    rows: study.rows.map((r) => ({ batchSize: r.batchSize, lr: r.lr, lrSource: r.lrSource, finalValAccuracy: r.finalValAccuracy, bestValAccuracy: r.bestValAccuracy, samplesPerSec: r.samplesPerSec, seconds: r.seconds, timeToTarget: r.timeToTarget })),
    seconds: secs(t0), outDir: out, report: path.join(out, 'report.html'),
  };
  await writeJsonAtomic(path.join(out, 'summary.json'), summary);
  ui.log(`Report: ${path.join(out, 'report.html')}`);
  if (o.json) ui.emitJson(summary);
  return 0;
}

// ---------------------------------------------------------------- evaluate / predict

async function openModel(c: CommandContext): Promise<LoadedModel & { prep: PrepSpec; labels: [string, string] }> {
  const { path } = await node();
  const dir = path.resolve(c.cwd, c.args.values.model as string);
  let bundle: LoadedModel;
  try {
    bundle = await loadModelBundle(dir);
  } catch (e) {
    if (e instanceof ModelFileError) throw new RunError(`cannot load the model: ${e.message}`);
    throw e;
  }
  const meta = bundle.manifest.metadata as { preprocessing?: PrepSpec; labels?: [string, string] };
  if (!bundle.tokenizer) throw new RunError(`${dir} has no tokenizer.json; it was saved without one, so raw text cannot be encoded`);
  if (!meta.preprocessing || !(meta.preprocessing.maxlen > 0)) throw new RunError(`${path.join(dir, 'model.json')}: metadata.preprocessing (maxlen, padding, truncating) is missing`);
  return { ...bundle, prep: meta.preprocessing, labels: meta.labels ?? ['0', '1'] };
}

export async function evaluateCmd(c: CommandContext): Promise<number> {
  const t0 = now();
  const { path } = await node();
  const o = common(c.args);
  const v = c.args.values;
  const ui = c.ui;
  if (c.args.values.model === undefined) throw new UsageError('--model DIR is required', c.cmd);
  const backend = await startBackend(o, ui);
  const bundle = await openModel(c);
  const saved = (bundle.manifest.metadata as { data?: DataSpec }).data;
  const anySource = ['data', 'download', 'csv', 'jsonl'].some((k) => c.args.given.has(k));
  let data: DataSpec;
  if (anySource || !saved) {
    const vals = c.args.values;
    vals.testSplit ??= saved?.testSplit ?? 0.2;
    vals.valSplit ??= saved?.valSplit ?? 0.1;
    vals.textField ??= 'text';
    vals.labelField ??= 'label';
    vals.stripHeaders ??= saved?.stripHeaders ?? true;
    data = resolvePaths(dataSpec(c.cmd, c.args, c.args.given.has('seed') ? o.seed : saved?.seed ?? 1), c.cwd, path.resolve);
  } else {
    data = { ...saved };
    if (v.limit !== undefined) data.limit = v.limit as number;
    if (v.testSplit !== undefined) data.testSplit = v.testSplit as number;
    if (v.valSplit !== undefined) data.valSplit = v.valSplit as number;
  }
  const corpus = await loadCorpus(data, ui);
  const split = v.split as string;
  const set: TextSet = split === 'train' ? corpus.train : split === 'validation' ? corpus.val : split === 'test' ? corpus.test
    : concat(corpus.valIsTest ? [corpus.train, corpus.test] : [corpus.train, corpus.val, corpus.test]);
  const x = toMatrix(bundle.tokenizer!, set.texts, bundle.prep, ui, `Tokenizing ${split}`);
  const bs = v.batchSize as number;
  const t = now();
  const logs = await bundle.model.evaluate(x, set.labels, { batchSize: bs });
  const probs = await predictProbabilities(bundle.model, x, bs);
  const s = score(probs, set.labels, bundle.labels, logs.loss!, logs.accuracy!);
  const [neg, pos] = bundle.labels;
  ui.log(`Evaluated ${s.n} ${split} samples of ${corpus.name} in ${wg.train.formatDuration(secs(t))}`);
  ui.log(`  accuracy  ${(s.accuracy * 100).toFixed(2)} %`);
  ui.log(`  loss      ${s.loss.toFixed(4)}`);
  ui.log(`  precision ${(s.precision * 100).toFixed(2)} %  recall ${(s.recall * 100).toFixed(2)} %  F1 ${(s.f1 * 100).toFixed(2)} %  (class '${pos}')`);
  ui.log(`  confusion (rows true ${neg}/${pos}, columns predicted): [[${s.confusion[0]!.join(', ')}], [${s.confusion[1]!.join(', ')}]]`);
  if (o.json) {
    ui.emitJson({
      command: 'evaluate', split, n: s.n, accuracy: s.accuracy, loss: s.loss, precision: s.precision, recall: s.recall, f1: s.f1,
      confusion: s.confusion, labels: bundle.labels, backend: backend.name, adapter: backend.adapter, seconds: secs(t0),
    });
  }
  bundle.model.dispose();
  return 0;
}

function concat(sets: TextSet[]): TextSet {
  const texts = sets.flatMap((s) => s.texts);
  const labels = new Float32Array(texts.length);
  let at = 0;
  for (const s of sets) {
    labels.set(s.labels, at);
    at += s.labels.length;
  }
  return { texts, labels };
}

export async function predict(c: CommandContext): Promise<number> {
  const o = common(c.args);
  const ui = c.ui;
  if (c.args.values.model === undefined) throw new UsageError('--model DIR is required', c.cmd);
  const texts = c.args.positionals;
  const backend = await startBackend(o, ui, false);
  const bundle = await openModel(c);
  const seqs = bundle.tokenizer!.textsToSequences(texts);
  const x = wg.data.padSequences(seqs, { maxlen: bundle.prep.maxlen, padding: bundle.prep.padding, truncating: bundle.prep.truncating });
  const probs = await predictProbabilities(bundle.model, x, 256);
  const [neg, pos] = bundle.labels;
  const oov = bundle.tokenizer!.oovToken === null ? 0 : 1;
  const rows = texts.map((text, i) => ({ text, probability: probs[i]!, label: probs[i]! > 0.5 ? pos : neg, knownWords: seqs[i]!.filter((id) => id > oov).length }));
  if (o.json) {
    ui.emitJson({ command: 'predict', predictions: rows, labels: bundle.labels, backend: backend.name });
  } else {
    for (const r of rows) c.ui.io.stdout.write(`${r.probability.toFixed(4)}\t${r.label}\t${r.text.replace(/\s+/g, ' ').slice(0, 100)}\n`);
  }
  bundle.model.dispose();
  return 0;
}
