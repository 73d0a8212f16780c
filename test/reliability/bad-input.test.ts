// Bad input everywhere a user can hand us something, as one table. Every row must fail with an
// error whose message starts with the function's name and names the argument and the offending
// value; afterwards the trained models' weights and optimizer state, the files on disk and the
// number of live tensors and buffers must be exactly as before.
import { copyFileSync, cpSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { CpuBackend } from '../../src/kernels/cpu/backend.js';
import { cpuForFile } from '../helpers/backends.js';
import { denseModel, denseTask, fileDigests, removeDir, tempDir, tokenModel, tokenTask, weightBytes } from './helpers.js';

interface Ctx {
  /** Embedding → GRU → Dense, compiled and trained one epoch (has Adam moments). */
  tok: wg.Sequential;
  /** Dense → Dense on 3 float features, compiled and trained. */
  dense: wg.Sequential;
  tx: { data: Int32Array; shape: number[] };
  ty: Float32Array;
  dx: { data: Float32Array; shape: number[] };
  dy: Float32Array;
  /** A saved model folder (wg.saveModel) and a checkpoint folder written by fit; never modified. */
  modelDir: string;
  ckptDir: string;
  /** A scratch folder per row, for corrupted copies. */
  scratch: () => string;
}

interface Row {
  what: string;
  /** The function the message must start with (a string prefix or a pattern). */
  fn: string | RegExp;
  /** The argument and the offending value, as the message must mention them. */
  arg: string | RegExp;
  value: string | RegExp;
  run: (c: Ctx) => unknown;
  /** The error class, when it is not a WebgradError. */
  type?: 'RangeError' | 'TypeError' | 'ModelFileError' | 'Error';
}

const tensorOf = (c: Ctx) => wg.tensor(c.tx.data, c.tx.shape, 'int32');
const withY = (c: Ctx, f: (y: Float32Array) => void) => {
  const y = Float32Array.from(c.ty);
  f(y);
  return y;
};
const withX = (c: Ctx, f: (x: Float32Array) => void) => {
  const x = Float32Array.from(c.dx.data);
  f(x);
  return { data: x, shape: c.dx.shape };
};
const withIds = (c: Ctx, f: (x: Int32Array) => void) => {
  const x = Int32Array.from(c.tx.data);
  f(x);
  return { data: x, shape: c.tx.shape };
};
const fitTok = (c: Ctx, args: Record<string, unknown>) => c.tok.fit(c.tx, c.ty, { epochs: 1, batchSize: 8, verbose: 0, ...args } as wg.train.FitArgs);
const uncompiled = () => wg.sequential({ layers: [wg.layers.dense({ units: 1, inputShape: [3] })] });
const disposed = () => {
  const m = denseModel();
  m.dispose();
  return m;
};
const anyArgs = (o: unknown) => o as never;

const ROWS: Row[] = [
  // ---- tensors and ops ----
  { what: 'ragged nested array', fn: 'tensor', arg: 'ragged nested array', value: 'expected length 2 at depth 1, got 1', run: () => wg.tensor([[1, 2], [3]]) },
  { what: 'values that do not fill the shape', fn: 'tensor', arg: 'shape [2, 2]', value: '3 values', run: () => wg.tensor([1, 2, 3], [2, 2]) },
  { what: 'negative dimension', fn: 'zeros', arg: 'shape [-1, 2]', value: 'dimension -1', run: () => wg.zeros([-1, 2]) },
  { what: 'fractional dimension', fn: 'randomNormal', arg: 'shape [2.5]', value: '2.5', run: () => wg.randomNormal([2.5]) },
  { what: 'int32 tensor from 1.5', fn: 'tensor', arg: 'int32', value: 'non-integer value 1.5', run: () => wg.tensor([1.5], [1], 'int32') },
  { what: 'int32 tensor from NaN', fn: 'tensor', arg: 'int32', value: 'NaN', run: () => wg.tensor([NaN], [1], 'int32') },
  { what: 'matmul inner sizes', fn: 'matmul', arg: '[2, 3]', value: '[4, 5]', run: () => wg.tidy(() => wg.matMul(wg.zeros([2, 3]), wg.zeros([4, 5]))) },
  { what: 'shapes that do not broadcast', fn: 'add', arg: '[2, 3]', value: /3 vs 4/, run: () => wg.tidy(() => wg.add(wg.zeros([2, 3]), wg.zeros([4]))) },
  { what: 'reshape to another size', fn: 'reshape', arg: '[2, 3]', value: '[4, 2]', run: () => wg.tidy(() => wg.reshape(wg.zeros([2, 3]), [4, 2])) },
  { what: 'exp of int32', fn: 'exp', arg: 'int32', value: 'float32', run: () => wg.tidy(() => wg.exp(wg.tensor([1, 2], [2], 'int32'))) },
  { what: 'axis out of range', fn: 'sum', arg: 'axis', value: '5', run: () => wg.tidy(() => wg.sum(wg.zeros([2, 3]), 5)) },
  { what: 'slice past the end', fn: 'slice', arg: '[2, 3]', value: /3/, run: () => wg.tidy(() => wg.slice(wg.zeros([2, 3]), [0, 0], [3, 3])) },
  { what: 'concat of mismatched shapes', fn: 'concat', arg: '[2, 3]', value: '[2, 4]', run: () => wg.tidy(() => wg.concat([wg.zeros([2, 3]), wg.zeros([2, 4])], 0)) },
  { what: 'gather index past the table', fn: 'gather', arg: 'index', value: '7', run: () => wg.tidy(() => wg.gather(wg.zeros([5, 2]), wg.tensor([7], [1], 'int32'))) },
  { what: 'gather negative index', fn: 'gather', arg: 'index', value: '-1', run: () => wg.tidy(() => wg.gather(wg.zeros([5, 2]), wg.tensor([-1], [1], 'int32'))) },
  { what: 'transpose with a repeated axis', fn: 'transpose', arg: 'perm', value: /0, 0/, run: () => wg.tidy(() => wg.transpose(wg.zeros([2, 3]), [0, 0])) },
  {
    what: 'a disposed tensor', fn: 'add', arg: /tensor #\d+/, value: 'already disposed',
    run: () => {
      const t = wg.zeros([2]);
      t.dispose();
      return wg.add(t, t);
    },
  },
  {
    what: 'tensors on two backends', fn: 'mul', arg: 'inputs', value: 'different backends (cpu and cpu)',
    run: () => wg.tidy(() => wg.mul(wg.zeros([2]), wg.withBackend(new CpuBackend(), () => wg.zeros([2])))),
  },

  // ---- layers ----
  { what: 'dense units 0', fn: 'dense', arg: 'units', value: 'got 0', run: () => wg.layers.dense({ units: 0 }) },
  { what: 'dense units -3', fn: 'dense', arg: 'units', value: 'got -3', run: () => wg.layers.dense({ units: -3 }) },
  { what: 'dense units 2.5', fn: 'dense', arg: 'units', value: 'got 2.5', run: () => wg.layers.dense({ units: 2.5 }) },
  { what: 'dense activation typo', fn: 'dense', arg: 'activation', value: "'sigmoidd' (did you mean 'sigmoid'?)", run: () => wg.layers.dense({ units: 1, activation: anyArgs('sigmoidd') }) },
  { what: 'dense unknown option', fn: 'dense', arg: "option 'unit'", value: "did you mean 'units'", run: () => wg.layers.dense(anyArgs({ unit: 4 })) },
  { what: 'embedding inputDim 0', fn: 'embedding', arg: 'inputDim', value: 'got 0', run: () => wg.layers.embedding({ inputDim: 0, outputDim: 4 }) },
  { what: 'embedding outputDim -4', fn: 'embedding', arg: 'outputDim', value: 'got -4', run: () => wg.layers.embedding({ inputDim: 10, outputDim: -4 }) },
  { what: 'embedding inputLength 0', fn: 'embedding', arg: 'inputLength', value: 'got 0', run: () => wg.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 0 }) },
  { what: 'embedding unknown option', fn: 'embedding', arg: "option 'inputLenght'", value: "did you mean 'inputLength'", run: () => wg.layers.embedding(anyArgs({ inputDim: 10, outputDim: 4, inputLenght: 8 })) },
  { what: 'gru units 0', fn: 'gru', arg: 'units', value: 'got 0', run: () => wg.layers.gru({ units: 0 }) },
  { what: 'gru activation relu', fn: 'gru', arg: 'activation', value: "'relu'", run: () => wg.layers.gru({ units: 2, activation: anyArgs('relu') }) },
  { what: 'gru unknown option', fn: 'gru', arg: "option 'returnSequence'", value: "did you mean 'returnSequences'", run: () => wg.layers.gru(anyArgs({ units: 2, returnSequence: true })) },
  { what: 'bidirectional mergeMode avg', fn: 'bidirectional', arg: 'mergeMode', value: "'avg'", run: () => wg.layers.bidirectional({ layer: wg.layers.gru({ units: 2 }), mergeMode: anyArgs('avg') }) },
  { what: 'bidirectional without a layer', fn: 'bidirectional', arg: 'layer', value: 'undefined', run: () => wg.layers.bidirectional(anyArgs({})) },
  {
    what: 'bidirectional around a built layer', fn: 'bidirectional', arg: 'wrapped layer', value: 'already built',
    run: () => {
      const g = wg.layers.gru({ units: 2 });
      g.build([null, 3, 4]);
      try {
        return wg.layers.bidirectional({ layer: g });
      } finally {
        g.dispose();
      }
    },
  },

  // ---- compile and model state ----
  { what: 'loss name typo', fn: 'compile', arg: 'loss', value: "'binaryCrossEntropy' (did you mean 'binaryCrossentropy'?)", run: (c) => c.tok.compile({ optimizer: 'adam', loss: 'binaryCrossEntropy' }) },
  { what: 'unknown optimizer name', fn: 'compile', arg: 'optimizer', value: "'adamm'", run: (c) => c.tok.compile({ optimizer: 'adamm', loss: 'binaryCrossentropy' }) },
  { what: 'metric name typo', fn: 'compile', arg: 'metric', value: "'acuracy' (did you mean 'accuracy'?)", run: (c) => c.tok.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['acuracy'] }) },
  { what: 'compile unknown option', fn: 'compile', arg: "option 'optimiser'", value: "did you mean 'optimizer'", run: (c) => c.tok.compile(anyArgs({ optimiser: 'adam', loss: 'mse' })) },
  { what: 'compile without an optimizer', fn: 'compile', arg: 'optimizer', value: 'missing', run: (c) => c.tok.compile(anyArgs({ loss: 'mse' })) },
  { what: 'trainOnBatch before compile', fn: /^sequential(_\d+)?\.trainOnBatch: /, arg: /model 'sequential(_\d+)?'/, value: 'not compiled', run: () => wg.tidy(() => uncompiled().trainOnBatch(wg.zeros([2, 3]), wg.zeros([2, 1]))) },
  { what: 'fit before compile', fn: 'fit', arg: 'model', value: 'not compiled', run: (c) => uncompiled().fit(c.dx, c.dy, { verbose: 0 }) },
  { what: 'evaluate before compile', fn: 'evaluate', arg: 'model', value: 'not compiled', run: (c) => uncompiled().evaluate(c.dx, c.dy) },
  { what: 'findLearningRate before compile', fn: 'findLearningRate', arg: 'model', value: 'not compiled', run: (c) => wg.train.findLearningRate(uncompiled(), c.dx, c.dy, { verbose: false }) },
  { what: 'fit on a disposed model', fn: 'fit', arg: /model 'sequential(_\d+)?'/, value: 'was disposed', run: (c) => disposed().fit(c.dx, c.dy, { verbose: 0 }) },
  { what: 'predict on a disposed model', fn: /^sequential(_\d+)?\.predict: /, arg: /model 'sequential(_\d+)?'/, value: 'was disposed', run: () => wg.tidy(() => disposed().predict(wg.zeros([2, 3]))) },
  { what: 'evaluate on a disposed model', fn: 'evaluate', arg: /model 'sequential(_\d+)?'/, value: 'was disposed', run: (c) => disposed().evaluate(c.dx, c.dy) },
  { what: 'setWeights with too few arrays', fn: /^sequential(_\d+)?\.setWeights: /, arg: 'expected 4 arrays', value: 'got 2', run: (c) => c.dense.setWeights([new Float32Array(12), new Float32Array(4)]) },
  { what: 'setWeights with a wrong shape', fn: /^sequential(_\d+)?\.setWeights: /, arg: /weight 0 \(dense(_\d+)?\/kernel\)/, value: '5 values', run: (c) => c.dense.setWeights([new Float32Array(5), new Float32Array(4), new Float32Array(4), new Float32Array(1)]) },
  { what: 'getWeights before build', fn: /^sequential(_\d+)?\.getWeights: /, arg: 'layer', value: 'not built', run: () => wg.sequential({ layers: [wg.layers.dense({ units: 1 })] }).getWeights() },

  // ---- fit arguments and data ----
  { what: 'batchSize 0', fn: 'fit', arg: 'batchSize', value: 'got 0', run: (c) => fitTok(c, { batchSize: 0 }) },
  { what: 'batchSize -5', fn: 'fit', arg: 'batchSize', value: 'got -5', run: (c) => fitTok(c, { batchSize: -5 }) },
  { what: 'batchSize 2.5', fn: 'fit', arg: 'batchSize', value: 'got 2.5', run: (c) => fitTok(c, { batchSize: 2.5 }) },
  { what: 'epochs -1', fn: 'fit', arg: 'epochs', value: 'got -1', run: (c) => fitTok(c, { epochs: -1 }) },
  { what: 'epochs NaN', fn: 'fit', arg: 'epochs', value: 'got NaN', run: (c) => fitTok(c, { epochs: NaN }) },
  { what: 'validationSplit 1.5', fn: 'fit', arg: 'validationSplit', value: 'got 1.5', run: (c) => fitTok(c, { validationSplit: 1.5 }) },
  { what: 'validationSplit 0', fn: 'fit', arg: 'validationSplit', value: 'got 0', run: (c) => fitTok(c, { validationSplit: 0 }) },
  { what: 'x and y of different lengths', fn: 'fit', arg: 'y has 31', value: 'x has 32 samples', run: (c) => c.tok.fit(c.tx, c.ty.subarray(0, 31), { verbose: 0 }) },
  { what: 'NaN label', fn: 'fit', arg: 'y', value: 'non-finite value NaN at flat index 3', run: (c) => c.tok.fit(c.tx, withY(c, (y) => (y[3] = NaN)), { verbose: 0 }) },
  { what: 'infinite label', fn: 'fit', arg: 'y', value: 'non-finite value Infinity at flat index 5', run: (c) => c.tok.fit(c.tx, withY(c, (y) => (y[5] = Infinity)), { verbose: 0 }) },
  { what: 'NaN in the features', fn: 'fit', arg: 'x', value: 'non-finite value NaN at flat index 7', run: (c) => c.dense.fit(withX(c, (x) => (x[7] = NaN)), c.dy, { verbose: 0 }) },
  { what: '-Infinity in the features', fn: 'fit', arg: 'x', value: 'non-finite value -Infinity at flat index 2', run: (c) => c.dense.fit(withX(c, (x) => (x[2] = -Infinity)), c.dy, { verbose: 0 }) },
  { what: 'label 2 for binary cross-entropy', fn: 'fit', arg: 'y', value: 'holds 2 at index 4', run: (c) => c.tok.fit(c.tx, withY(c, (y) => (y[4] = 2)), { verbose: 0 }) },
  { what: 'label -1 for binary cross-entropy', fn: 'fit', arg: 'y', value: 'holds -1 at index 0', run: (c) => c.tok.fit(c.tx, withY(c, (y) => (y[0] = -1)), { verbose: 0 }) },
  { what: 'id = inputDim', fn: 'fit', arg: 'x[2]', value: /id 20 .*outside \[0, 20\)/, run: (c) => c.tok.fit(withIds(c, (x) => (x[17] = 20)), c.ty, { verbose: 0 }) },
  { what: 'negative id', fn: 'fit', arg: 'x[0]', value: 'id -1', run: (c) => c.tok.fit(withIds(c, (x) => (x[1] = -1)), c.ty, { verbose: 0 }) },
  { what: 'fractional id', fn: 'fit', arg: 'x[1]', value: /id 2\.5 .*ids must be integers/, run: (c) => c.tok.fit({ data: Float32Array.from(c.tx.data, (v, i) => (i === 9 ? 2.5 : v)), shape: c.tx.shape }, c.ty, { verbose: 0 }) },
  { what: 'rows of the wrong length', fn: 'fit', arg: 'x has shape [32, 9]', value: '(None, 8)', run: (c) => c.tok.fit({ data: new Int32Array(32 * 9).fill(4), shape: [32, 9] }, c.ty, { verbose: 0 }) },
  { what: 'no samples', fn: 'fit', arg: 'x', value: '0 samples', run: (c) => c.tok.fit({ data: new Int32Array(0), shape: [0, 8] }, new Float32Array(0), { verbose: 0 }) },
  { what: 'fit option typo epoch', fn: 'fit', arg: "option 'epoch'", value: "did you mean 'epochs'", run: (c) => fitTok(c, { epoch: 3 }) },
  { what: 'fit option validation_data', fn: 'fit', arg: "option 'validation_data'", value: "did you mean 'validationData'", run: (c) => fitTok(c, { validation_data: [c.tx, c.ty] }) },
  { what: 'validationData of one array', fn: 'fit', arg: 'validationData', value: 'an array of 1', run: (c) => fitTok(c, { validationData: [c.tx] }) },
  { what: 'validation ids out of range', fn: 'fit', arg: 'validationData[0][0]', value: 'id 99', run: (c) => fitTok(c, { validationData: [withIds(c, (x) => (x[0] = 99)), c.ty] }) },
  { what: 'verbose 3', fn: 'fit', arg: 'verbose', value: 'got 3', run: (c) => fitTok(c, { verbose: 3 }) },
  { what: 'seed -1', fn: 'fit', arg: 'seed', value: 'got -1', run: (c) => fitTok(c, { seed: -1 }) },
  { what: 'checkpoint everyBatches 0', fn: 'fit', arg: 'checkpoint.everyBatches', value: 'got 0', run: (c) => fitTok(c, { checkpoint: { dir: c.scratch(), everyBatches: 0 } }) },
  { what: 'checkpoint option typo', fn: 'fit', arg: "option 'everyBatch'", value: "did you mean 'everyBatches'", run: (c) => fitTok(c, { checkpoint: { dir: c.scratch(), everyBatch: 5 } }) },
  { what: 'nonFinite halt', fn: 'fit', arg: 'nonFinite', value: '"halt"', run: (c) => fitTok(c, { nonFinite: 'halt' }) },
  { what: 'x as nested arrays', fn: 'fit', arg: 'x', value: 'element 0 is [1,2]', run: (c) => c.dense.fit(anyArgs([[1, 2], [3, 4]]), [0, 1], { verbose: 0 }) },
  { what: 'x null', fn: 'fit', arg: 'x', value: 'got null', run: (c) => c.dense.fit(anyArgs(null), c.dy, { verbose: 0 }) },

  // ---- evaluate and predict ----
  { what: 'evaluate batchSize 0', fn: 'evaluate', arg: 'batchSize', value: 'got 0', run: (c) => c.tok.evaluate(c.tx, c.ty, { batchSize: 0 }) },
  { what: 'evaluate option typo', fn: 'evaluate', arg: "option 'batch_size'", value: "did you mean 'batchSize'", run: (c) => c.tok.evaluate(c.tx, c.ty, anyArgs({ batch_size: 4 })) },
  { what: 'evaluate labels out of range', fn: 'evaluate', arg: 'y', value: 'holds 3 at index 1', run: (c) => c.tok.evaluate(c.tx, withY(c, (y) => (y[1] = 3))) },
  { what: 'predict batchSize 0', fn: /^sequential(_\d+)?\.predict: /, arg: 'batchSize', value: 'got 0', run: (c) => wg.tidy(() => c.tok.predict(tensorOf(c), { batchSize: 0 })) },
  { what: 'predict option typo', fn: /^sequential(_\d+)?\.predict: /, arg: "option 'batch_size'", value: "did you mean 'batchSize'", run: (c) => wg.tidy(() => c.tok.predict(tensorOf(c), anyArgs({ batch_size: 4 }))) },
  { what: 'predict float ids', fn: /^embedding(_\d+)?: /, arg: 'ids', value: 'got float32', run: (c) => wg.tidy(() => c.tok.predict(wg.zeros([2, 8]))) },
  { what: 'predict id out of range', fn: /^embedding(_\d+)?: /, arg: 'id 25 at position [1, 3]', value: 'outside [0, 20)', run: (c) => wg.tidy(() => c.tok.predict(wg.tensor(Int32Array.from({ length: 16 }, (_, i) => (i === 11 ? 25 : 4)), [2, 8], 'int32'))) },
  { what: 'predict on a plain array', fn: /^sequential(_\d+)?\.predict: /, arg: 'x', value: 'must be a tensor', run: (c) => c.tok.predict(anyArgs([[1, 2]])) },

  // ---- the LR range test ----
  { what: 'startLr above endLr', fn: 'findLearningRate', arg: 'startLr', value: 'startLr 1, endLr 0.001', run: (c) => wg.train.findLearningRate(c.tok, c.tx, c.ty, { startLr: 1, endLr: 1e-3, verbose: false }) },
  { what: 'startLr 0', fn: 'findLearningRate', arg: 'startLr', value: 'startLr 0', run: (c) => wg.train.findLearningRate(c.tok, c.tx, c.ty, { startLr: 0, verbose: false }) },
  { what: 'finder option typo', fn: 'findLearningRate', arg: "option 'startLR'", value: "did you mean 'startLr'", run: (c) => wg.train.findLearningRate(c.tok, c.tx, c.ty, anyArgs({ startLR: 1e-5 })) },
  { what: 'numIter 1', fn: 'findLearningRate', arg: 'numIter', value: 'got 1', run: (c) => wg.train.findLearningRate(c.tok, c.tx, c.ty, { numIter: 1, verbose: false }) },
  { what: 'unknown sweep mode', fn: 'findLearningRate', arg: 'mode', value: '"exp"', run: (c) => wg.train.findLearningRate(c.tok, c.tx, c.ty, { mode: anyArgs('exp'), verbose: false }) },
  { what: 'finder data with a bad id', fn: 'findLearningRate', arg: 'x[3]', value: 'id 21', run: (c) => wg.train.findLearningRate(c.tok, withIds(c, (x) => (x[24] = 21)), c.ty, { verbose: false }) },

  // ---- optimizers ----
  { what: 'negative learning rate', fn: 'Adam', arg: 'learningRate', value: 'got -1', run: () => wg.train.adam({ learningRate: -1 }) },
  { what: 'beta1 = 1', fn: 'Adam', arg: 'beta1', value: 'got 1', run: () => wg.train.adam({ beta1: 1 }) },
  { what: 'snake_case option', fn: 'adam', arg: "option 'learning_rate'", value: "did you mean 'learningRate'", run: () => wg.train.adam(anyArgs({ learning_rate: 0.01 })) },
  { what: 'momentum 2', fn: 'SGD', arg: 'momentum', value: 'got 2', run: () => wg.train.sgd({ momentum: 2 }) },
  { what: 'sgd option typo', fn: 'sgd', arg: "option 'nesterow'", value: "did you mean 'nesterov'", run: () => wg.train.sgd(anyArgs({ nesterow: true })) },
  { what: 'clipnorm 0', fn: 'Adam', arg: 'clipnorm', value: 'got 0', run: () => wg.train.adam({ clipnorm: 0 }) },
  { what: 'two clipping modes', fn: 'Adam', arg: 'clipnorm, clipvalue', value: 'only one of', run: () => wg.train.adam({ clipnorm: 1, clipvalue: 1 }) },

  // ---- text data ----
  { what: 'numWords -1', fn: 'Tokenizer', arg: 'numWords', value: 'got -1', type: 'RangeError', run: () => new wg.data.Tokenizer({ numWords: -1 }) },
  { what: 'Tokenizer option snake_case', fn: 'Tokenizer', arg: "option 'oov_token'", value: "did you mean 'oovToken'", run: () => new wg.data.Tokenizer(anyArgs({ oov_token: '<OOV>' })) },
  { what: 'empty split string', fn: 'Tokenizer', arg: 'split', value: 'got ""', type: 'TypeError', run: () => new wg.data.Tokenizer({ split: '' }) },
  { what: 'fitOnTexts on one string', fn: 'Tokenizer.fitOnTexts', arg: 'texts', value: 'the single string "the cat sat"', type: 'TypeError', run: () => new wg.data.Tokenizer().fitOnTexts(anyArgs('the cat sat')) },
  { what: 'textsToSequences on a number', fn: 'Tokenizer.textsToSequences', arg: 'texts[1]', value: 'the number 42', type: 'TypeError', run: () => new wg.data.Tokenizer().textsToSequences(anyArgs(['ok', 42])) },
  { what: 'maxlen -1', fn: 'padSequences', arg: 'maxlen', value: 'got -1', type: 'RangeError', run: () => wg.data.padSequences([[1]], { maxlen: -1 }) },
  { what: 'maxlen 2.5', fn: 'padSequences', arg: 'maxlen', value: 'got 2.5', type: 'RangeError', run: () => wg.data.padSequences([[1]], { maxlen: 2.5 }) },
  { what: "padding 'middle'", fn: 'padSequences', arg: 'padding', value: '"middle"', type: 'RangeError', run: () => wg.data.padSequences([[1]], { padding: anyArgs('middle') }) },
  { what: 'a string inside a sequence', fn: 'padSequences', arg: 'sequences[0][1]', value: 'got a', type: 'RangeError', run: () => wg.data.padSequences(anyArgs([[1, 'a']])) },
  { what: 'empty sequences without maxlen', fn: 'padSequences', arg: 'maxlen', value: 'sequences is empty', type: 'RangeError', run: () => wg.data.padSequences([]) },
  { what: 'padSequences option typo', fn: 'padSequences', arg: "option 'maxLen'", value: "did you mean 'maxlen'", run: () => wg.data.padSequences([[1]], anyArgs({ maxLen: 4 })) },
  { what: 'dataset rows differ', fn: 'dataset', arg: 'x has 3 rows', value: 'y has 2', type: 'RangeError', run: () => wg.data.dataset(new Float32Array(3), new Float32Array(2)) },
  { what: 'dataset batch 0', fn: 'dataset.batch', arg: 'size', value: 'got 0', type: 'RangeError', run: () => wg.data.dataset(new Float32Array(3), new Float32Array(3)).batch(0) },
  { what: 'dataset shuffle seed -1', fn: 'dataset.shuffle', arg: 'seed', value: 'got -1', type: 'RangeError', run: () => wg.data.dataset(new Float32Array(3), new Float32Array(3)).shuffle({ seed: -1 }) },

  // ---- callbacks ----
  { what: 'patience -1', fn: 'earlyStopping', arg: 'patience', value: 'got -1', type: 'RangeError', run: () => wg.callbacks.earlyStopping({ patience: -1 }) },
  { what: "mode 'maximum'", fn: 'earlyStopping', arg: 'mode', value: '"maximum"', type: 'RangeError', run: () => wg.callbacks.earlyStopping({ mode: anyArgs('maximum') }) },
  { what: 'earlyStopping option typo', fn: 'earlyStopping', arg: "option 'restoreBestWeight'", value: "did you mean 'restoreBestWeights'", run: () => wg.callbacks.earlyStopping(anyArgs({ restoreBestWeight: true })) },
  { what: 'reduceLROnPlateau factor 1.5', fn: 'reduceLROnPlateau', arg: 'factor', value: 'factor=1.5', type: 'RangeError', run: () => wg.callbacks.reduceLROnPlateau({ factor: 1.5 }) },
  { what: 'modelCheckpoint without filepath', fn: 'modelCheckpoint', arg: 'filepath', value: 'got undefined', run: () => wg.callbacks.modelCheckpoint(anyArgs({ monitor: 'val_loss' })) },

  // ---- model files (src/io): the error names the file and the problem ----
  { what: 'loadModel of a missing folder', fn: /\/nope\/model\.json: /, arg: 'model.json', value: 'not found', type: 'ModelFileError', run: (c) => wg.loadModel(join(c.scratch(), 'nope')) },
  {
    what: 'loadModel of truncated weights', fn: /model\.safetensors: /, arg: 'model.safetensors', value: 'truncated', type: 'ModelFileError',
    run: (c) => {
      const d = copyModel(c);
      truncateSync(join(d, 'model.safetensors'), 100);
      return wg.loadModel(d);
    },
  },
  {
    what: 'loadModel of a flipped weight byte', fn: /model\.safetensors: /, arg: 'SHA-256', value: 'corrupted', type: 'ModelFileError',
    run: (c) => {
      const d = copyModel(c);
      flipByte(join(d, 'model.safetensors'), -5);
      return wg.loadModel(d);
    },
  },
  {
    what: 'loadModel of truncated model.json', fn: /model\.json: /, arg: 'model.json', value: 'is not valid JSON', type: 'ModelFileError',
    run: (c) => {
      const d = copyModel(c);
      truncateSync(join(d, 'model.json'), 50);
      return wg.loadModel(d);
    },
  },
  {
    what: 'loadModel of another format', fn: /model\.json: /, arg: "'format'", value: '"keras"', type: 'ModelFileError',
    run: (c) => {
      const d = copyModel(c);
      const p = join(d, 'model.json');
      writeFileSync(p, readFileSync(p, 'utf8').replace('"webgrad-model"', '"keras"'));
      return wg.loadModel(d);
    },
  },

  // ---- training checkpoints ----
  { what: 'resumeFrom a folder without a checkpoint', fn: 'fit', arg: 'resumeFrom', value: 'holds no checkpoint', run: (c) => fitTok(c, { resumeFrom: c.scratch() }) },
  {
    what: 'resumeFrom a truncated checkpoint', fn: 'fit', arg: /resumeFrom '.*checkpoint\.safetensors'/, value: 'truncated', run: (c) => {
      const d = copyCkpt(c);
      truncateSync(join(d, wg.train.CHECKPOINT_FILE), 600);
      return fitTok(c, { resumeFrom: d });
    },
  },
  {
    what: 'resumeFrom a checkpoint with a flipped byte', fn: 'fit', arg: 'resumeFrom', value: /corrupted: its tensor bytes do not match their SHA-256/, run: (c) => {
      const d = copyCkpt(c);
      flipByte(join(d, wg.train.CHECKPOINT_FILE), -3);
      return fitTok(c, { resumeFrom: d });
    },
  },
  {
    what: 'resumeFrom a checkpoint with an edited state', fn: 'fit', arg: 'resumeFrom', value: /corrupted: its state does not match its SHA-256/, run: (c) => {
      const d = copyCkpt(c);
      const p = join(d, wg.train.CHECKPOINT_FILE);
      const bytes = readFileSync(p);
      const at = bytes.indexOf(Buffer.from('\\"step\\":'));
      bytes[at + 9] = bytes[at + 9] === 0x31 ? 0x32 : 0x31;
      writeFileSync(p, bytes);
      return fitTok(c, { resumeFrom: d });
    },
  },
  { what: 'resumeFrom a model file', fn: 'fit', arg: /resumeFrom '.*model\.safetensors'/, value: 'not a webgrad training checkpoint', run: (c) => fitTok(c, { resumeFrom: join(c.modelDir, 'model.safetensors') }) },
  { what: 'resume with another batch size', fn: 'fit', arg: 'batchSize 8', value: 'batchSize 4', run: (c) => fitTok(c, { batchSize: 4, resumeFrom: c.ckptDir }) },
  { what: 'resume with another seed', fn: 'fit', arg: 'seed 1', value: 'seed 2', run: (c) => fitTok(c, { seed: 2, resumeFrom: c.ckptDir }) },
  { what: 'resume into another architecture', fn: 'fit', arg: /holds 6 weights \(embedding(_\d+)?\/embeddings, /, value: /the model has 4 \(dense(_\d+)?\/kernel, /, run: (c) => c.dense.fit(c.dx, c.dy, { epochs: 1, batchSize: 8, verbose: 0, resumeFrom: c.ckptDir }) },
  { what: 'resume without its callbacks', fn: 'fit', arg: 'callbacks [EarlyStopping]', value: 'this fit has []', run: (c) => fitTok(c, { resumeFrom: c.ckptDir }) },
  { what: 'loadCheckpoint of garbage', fn: 'loadCheckpoint', arg: 'path', value: 'not a valid checkpoint', run: (c) => {
    const p = join(c.scratch(), 'x.safetensors');
    writeFileSync(p, 'not a checkpoint at all');
    return wg.train.loadCheckpoint(p);
  } },
];

let ctx: Ctx;
const dirs: string[] = [];

function copyModel(c: Ctx): string {
  const d = join(c.scratch(), 'model');
  cpSync(c.modelDir, d, { recursive: true });
  return d;
}
function copyCkpt(c: Ctx): string {
  const d = c.scratch();
  copyFileSync(join(c.ckptDir, wg.train.CHECKPOINT_FILE), join(d, wg.train.CHECKPOINT_FILE));
  return d;
}
function flipByte(path: string, at: number): void {
  const b = readFileSync(path);
  b[b.length + at] ^= 0x40;
  writeFileSync(path, b);
}

cpuForFile();
beforeAll(async () => {
  const t = tokenTask(32, 1);
  const d = denseTask(32, 2);
  const tok = tokenModel();
  const root = tempDir('webgrad-bad-');
  dirs.push(root);
  const ckptDir = join(root, 'ckpt');
  await tok.fit(t.x, t.y, { epochs: 1, batchSize: 8, verbose: 0, checkpoint: { dir: ckptDir }, callbacks: [wg.callbacks.earlyStopping({ monitor: 'loss' })] });
  const dense = denseModel();
  await dense.fit(d.x, d.y, { epochs: 1, batchSize: 8, verbose: 0 });
  const modelDir = join(root, 'model');
  await wg.saveModel(tok, modelDir);
  ctx = { tok, dense, tx: t.x, ty: t.y, dx: d.x, dy: d.y, modelDir, ckptDir, scratch: () => {
    const s = tempDir('webgrad-bad-row-');
    dirs.push(s);
    return s;
  } };
});

afterAll(() => {
  ctx?.tok.dispose();
  ctx?.dense.dispose();
  dirs.forEach(removeDir);
});

/** Counts for the closing note. */
export const badInputCount = ROWS.length;

async function state(c: Ctx) {
  const s = wg.stats();
  return {
    tok: (await weightBytes(c.tok)).toString('base64'),
    dense: (await weightBytes(c.dense)).toString('base64'),
    tokOpt: JSON.stringify(await (c.tok.optimizer as wg.train.Adam).exportState()),
    tokOptimizer: c.tok.optimizer,
    tokLoss: c.tok.loss,
    files: JSON.stringify({ model: fileDigests(c.modelDir), ckpt: fileDigests(c.ckptDir) }),
    tensors: s.tensors,
    buffers: s.buffers,
    bytes: s.bytes,
  };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe(`bad input: ${ROWS.length} cases`, () => {
  it('the table has at least 60 rows, each with a distinct name', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(60);
    expect(new Set(ROWS.map((r) => r.what)).size).toBe(ROWS.length);
  });

  for (const row of ROWS) {
    it(row.what, async () => {
      const before = await state(ctx);
      let caught: unknown = null;
      try {
        await row.run(ctx);
      } catch (e) {
        caught = e;
      }
      expect(caught, 'expected an error').toBeInstanceOf(Error);
      const e = caught as Error;
      const type = row.type ?? 'WebgradError';
      if (type === 'WebgradError') expect(e).toBeInstanceOf(wg.WebgradError);
      else expect(e.name === type || e.constructor.name === type, `${e.name}: ${e.message}`).toBe(true);
      const fn = typeof row.fn === 'string' ? new RegExp(`^${escape(row.fn)}: `) : row.fn;
      expect(e.message, 'names the function').toMatch(fn);
      for (const m of [row.arg, row.value]) {
        if (typeof m === 'string') expect(e.message).toContain(m);
        else expect(e.message).toMatch(m);
      }
      // Nothing changed: weights, optimizer state and compile settings, files, live memory.
      expect(await state(ctx)).toEqual(before);
    });
  }
});
