// The tutorial pipeline end to end on IMDB (issue 5's acceptance run; not CI):
//   Tokenizer(numWords 10000, oov) fit on the training texts → padSequences(maxlen 120, truncating
//   'post') → embedding 10000×16 → bidirectional GRU 32 → dense 6 relu → dense 1 sigmoid, Adam →
//   LR range test (1e-6 … 1) → LR from the finder's default rule → fit(batch 512, up to 30 epochs,
//   validation = the test split as in the tutorial, earlyStopping(val_accuracy, 1e-4, patience 1,
//   restoreBestWeights)) → test accuracy.
// Prints the test accuracy, every finder suggestion beside the LR actually used, and the times;
// writes JSON to bench/results/. With --export DIR it also writes the padded arrays (and the LR
// used) for bench/imdb_tutorial_torch.py, so PyTorch trains on identical token ids.
//
//   npm run build && node dist/bench/imdb-tutorial.js [--limit N] [--finder-epochs E] [--epochs E]
//        [--batch-size B] [--data PATH] [--export DIR] [--backend cpu|webgpu] [--no-shuffle] [--seed S]
//
// --limit N keeps N training and N test reviews (a seeded, balanced random subset) for a quick run.
// --seed S (default 42) seeds the initial weights and the shuffling (the data subset stays fixed).
// The export also holds the model's initial weights (weights.f32, Keras order and layouts), so
// `imdb_tutorial_torch.py --same-start` can train from the very same point; with --no-shuffle on
// both sides the two trajectories must agree up to float32 rounding (an end-to-end parity check).
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as wg from '../src/index.js';
import { loadImdb, type ImdbSplit } from '../src/data/imdb.js';
import { Tokenizer } from '../src/data/tokenizer.js';
import { padSequences } from '../src/data/pad.js';
import { flagValue } from './lib/flags.js';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => flagValue(name, argv);
const num = (name: string, d: number): number => (flag(name) !== undefined ? Number(flag(name)) : d);

const path = flag('--data') ?? process.env.WEBGRAD_IMDB ?? '../shared/data/aclImdb_labeled.tar.gz';
const limit = flag('--limit') !== undefined ? Number(flag('--limit')) : null;
const finderEpochs = num('--finder-epochs', 5);
const epochs = num('--epochs', 30);
const batchSize = num('--batch-size', 512);
const exportDir = flag('--export');
const backendKind = flag('--backend') ?? 'cpu';
const shuffle = !argv.includes('--no-shuffle');
const seed = num('--seed', 42);
const NUM_WORDS = 10000;
const MAXLEN = 120;

if (!existsSync(path)) {
  console.error(`imdb-tutorial: no IMDB archive at ${path} (pass --data PATH or set WEBGRAD_IMDB)`);
  process.exit(2);
}
if (backendKind === 'webgpu') {
  const gpu = await wg.WebGPUBackend.create();
  if (typeof gpu === 'string') throw new Error(`WebGPU unavailable: ${gpu}`);
  wg.setBackend(gpu);
} else wg.setBackend(new wg.CpuBackend());

const t0 = performance.now();
const secs = (t: number) => (performance.now() - t) / 1000;
const imdb = await loadImdb({ path });

/** A seeded random subset of n reviews (all when n is null), in shuffled order. */
function subset(s: ImdbSplit, n: number | null, seed: number): { texts: string[]; labels: Float32Array } {
  const idx = Array.from({ length: s.texts.length }, (_, i) => i);
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  const keep = n === null ? idx : idx.slice(0, n);
  return { texts: keep.map((i) => s.texts[i]!), labels: Float32Array.from(keep, (i) => s.labels[i]!) };
}
const train = subset(imdb.train, limit, 1);
const test = subset(imdb.test, limit, 2);
const tok = new Tokenizer({ numWords: NUM_WORDS, oovToken: '<OOV>' });
tok.fitOnTexts(train.texts);
const pad = (texts: string[]) => padSequences(tok.textsToSequences(texts), { maxlen: MAXLEN, truncating: 'post' });
const xTrain = pad(train.texts);
const xTest = pad(test.texts);
const prepSeconds = secs(t0);
console.log(`data: ${train.texts.length} train / ${test.texts.length} test reviews, prepared in ${prepSeconds.toFixed(1)} s`);

function tutorialModel(): wg.Sequential {
  wg.setSeed(seed);
  const m = wg.sequential({
    layers: [
      wg.layers.embedding({ inputDim: NUM_WORDS, outputDim: 16, inputLength: MAXLEN }),
      wg.layers.bidirectional({ layer: wg.layers.gru({ units: 32 }) }),
      wg.layers.dense({ units: 6, activation: 'relu' }),
      wg.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  m.compile({ optimizer: wg.train.adam(), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  m.build([null, MAXLEN]); // findLearningRate snapshots the weights first, so they must exist
  return m;
}

const model = tutorialModel();
const tf = performance.now();
const finder = await wg.train.findLearningRate(model, xTrain, train.labels, { startLr: 1e-6, endLr: 1, epochs: finderEpochs, batchSize });
const finderSeconds = secs(tf);
const { suggestions, errors } = finder.suggestions();
const lr = finder.suggestion();
const tutorialRule = (() => {
  try {
    return finder.suggestion('steepest', { sma: 20 });
  } catch {
    return NaN;
  }
})();
console.log(`LR range test: ${finder.lrs.length} steps in ${finderSeconds.toFixed(1)} s`);
for (const [rule, s] of Object.entries(suggestions)) console.log(`  ${rule.padEnd(9)} ${s!.lr.toExponential(3)}`);
for (const [rule, e] of Object.entries(errors)) console.log(`  ${rule.padEnd(9)} (no answer: ${e})`);
console.log(`  tutorial rule (steepest, sma 20, running-mean loss): ${tutorialRule.toExponential(3)}`);
console.log(`LR used (default rule): ${lr.toExponential(3)}`);

if (exportDir) {
  mkdirSync(exportDir, { recursive: true });
  const w = (name: string, a: Int32Array | Float32Array) => writeFileSync(join(exportDir, name), Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  w('x_train.i32', xTrain.data as Int32Array);
  w('y_train.f32', train.labels);
  w('x_test.i32', xTest.data as Int32Array);
  w('y_test.f32', test.labels);
  // The finder restored the initial weights exactly: these are what fit starts from.
  const initial = model.getWeights();
  const weights = await Promise.all(initial.map(async (t) => ({ shape: t.shape, data: (await t.data()) as Float32Array })));
  initial.forEach((t) => t.dispose());
  writeFileSync(join(exportDir, 'weights.f32'), Buffer.concat(weights.map((w) => Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength))));
  writeFileSync(join(exportDir, 'meta.json'), JSON.stringify({ nTrain: train.labels.length, nTest: test.labels.length, maxlen: MAXLEN, numWords: NUM_WORDS, lr, batchSize, epochs, shuffle, weightShapes: weights.map((w) => w.shape) }, null, 2));
  console.log(`exported padded arrays and the LR to ${exportDir} (for bench/imdb_tutorial_torch.py)`);
}

model.optimizer!.learningRate = lr;
const tt = performance.now();
const es = wg.callbacks.earlyStopping({ monitor: 'val_accuracy', minDelta: 1e-4, patience: 1, restoreBestWeights: true });
const history = await model.fit(xTrain, train.labels, { epochs, batchSize, validationData: [xTest, test.labels], callbacks: [es], verbose: 2, shuffle });
const trainSeconds = secs(tt);
const evalLogs = await model.evaluate(xTest, test.labels, { batchSize });
const testLoss = Number(evalLogs.loss);
const testAccuracy = Number(evalLogs.accuracy);
console.log(`epochs run: ${history.epoch.length}${history.stopReason ? ` (${history.stopReason})` : ''}; val_accuracy per epoch: ${(history.history.val_accuracy ?? []).map((v) => v.toFixed(4)).join(', ')}`);
console.log(`test accuracy ${testAccuracy.toFixed(4)}, loss ${testLoss.toFixed(4)}; training ${trainSeconds.toFixed(1)} s (${history.samplesPerSec.toFixed(0)} samples/s); total ${secs(t0).toFixed(1)} s`);

mkdirSync('bench/results', { recursive: true });
const out = join('bench/results', `imdb-tutorial-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}.json`);
writeFileSync(out, JSON.stringify({
  limit, seed, finderEpochs, epochs, batchSize, backend: backendKind, shuffle,
  finder: { steps: finder.lrs.length, seconds: finderSeconds, suggestions: Object.fromEntries(Object.entries(suggestions).map(([k, s]) => [k, s!.lr])), tutorialRule, lrUsed: lr },
  history: { epoch: history.epoch, history: history.history, stopReason: history.stopReason ?? null, seconds: history.seconds, samplesPerSec: history.samplesPerSec },
  test: { accuracy: testAccuracy, loss: testLoss },
  seconds: { prep: prepSeconds, finder: finderSeconds, train: trainSeconds, total: secs(t0) },
}, null, 2));
console.log(`wrote ${out}`);
