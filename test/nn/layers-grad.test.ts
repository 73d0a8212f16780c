// Float64 finite-difference gradient checks of every layer and loss, w.r.t. inputs and weights.
import { describe, expect, it } from 'vitest';
import { concat, fromFlat, layers, losses, tidy, withBackend, type Tensor } from '../../src/index.js';
import { activation, ACTIVATIONS } from '../../src/nn/activations.js';
import { Rng } from '../../src/tensor/random.js';
import { gruSequencePerStep } from '../../src/nn/gru-math.js';
import { expectAllClose } from '../helpers/allclose.js';
import { cpu64, gradCheck, randomizeWeights, raw, weightedSum } from './helpers.js';

const input = (rng: Rng, shape: number[], lo = -1, hi = 1) => fromFlat(rng.uniform(shape.reduce((a, b) => a * b, 1), lo, hi), shape, 'float32', cpu64);
const on64 = (fn: () => void) => () => withBackend(cpu64, () => tidy(fn));
const outputs = (y: Tensor | Tensor[]) => (Array.isArray(y) ? y : [y]);

describe('Dense: every activation', () => {
  for (const act of ACTIVATIONS) {
    it(act, on64(() => {
      const rng = new Rng(11);
      const layer = layers.dense({ units: 3, activation: act });
      const x = input(rng, [4, 5]);
      layer.build([null, 5]);
      randomizeWeights(layer.weights, rng);
      const loss = weightedSum([12], rng);
      gradCheck([x, ...layer.weights.map((w) => w.value)], () => loss(layer.applyOne(x)), { what: `dense ${act}` });
      layer.dispose();
    }));
  }

  it('rank-3 input and no bias', on64(() => {
    const rng = new Rng(12);
    const layer = layers.dense({ units: 2, activation: 'tanh', useBias: false });
    const x = input(rng, [2, 3, 4]);
    expect(layer.applyOne(x).shape).toEqual([2, 3, 2]);
    expect(layer.weights.map((w) => w.name)).toEqual([`${layer.name}/kernel`]);
    const loss = weightedSum([12], rng);
    gradCheck([x, layer.kernel!], () => loss(layer.applyOne(x)), { what: 'dense rank 3' });
    layer.dispose();
  }));
});

describe('Embedding', () => {
  it('gradient w.r.t. the table, repeated ids included', on64(() => {
    const rng = new Rng(13);
    const layer = layers.embedding({ inputDim: 7, outputDim: 5 });
    const ids = fromFlat([3, 1, 3, 0, 6, 3, 1, 2], [2, 4], 'int32', cpu64);
    const loss = weightedSum([40], rng);
    layer.applyOne(ids);
    randomizeWeights(layer.weights, rng);
    gradCheck([layer.embeddings!], () => loss(layer.applyOne(ids)), { picks: 35, what: 'embedding' });
    layer.dispose();
  }));

  it('maskZero emits a [batch, time] mask of non-zero ids', on64(() => {
    const layer = layers.embedding({ inputDim: 7, outputDim: 2, maskZero: true });
    const ids = fromFlat([0, 0, 4, 5, 0, 6], [2, 3], 'int32', cpu64);
    expect(Array.from(raw(layer.computeMask(ids, null)!))).toEqual([0, 0, 1, 1, 0, 1]);
    layer.dispose();
  }));
});

const GRU_CONFIGS = [true, false].flatMap((resetAfter) => [false, true].flatMap((goBackwards) => [false, true].map((returnSequences) => ({ resetAfter, goBackwards, returnSequences }))));

describe('GRU', () => {
  for (const c of GRU_CONFIGS) {
    it(`resetAfter=${c.resetAfter} goBackwards=${c.goBackwards} returnSequences=${c.returnSequences}`, on64(() => {
      const rng = new Rng(21);
      const layer = layers.gru({ units: 4, ...c });
      const x = input(rng, [3, 4, 5]);
      layer.build([null, 4, 5]);
      randomizeWeights(layer.weights, rng);
      const loss = weightedSum([c.returnSequences ? 3 * 4 * 4 : 3 * 4], rng);
      gradCheck([x, ...layer.weights.map((w) => w.value)], () => loss(layer.applyOne(x)), { what: 'gru' });
      layer.dispose();
    }));
  }

  for (const resetAfter of [true, false]) {
    it(`per-step composition (resetAfter=${resetAfter}, backwards, sequences)`, on64(() => {
      const rng = new Rng(23);
      const layer = layers.gru({ units: 4, resetAfter });
      const x = input(rng, [3, 4, 5]);
      layer.build([null, 4, 5]);
      randomizeWeights(layer.weights, rng);
      const loss = weightedSum([3 * 4 * 4], rng);
      const opts = { units: 4, resetAfter, goBackwards: true, returnSequences: true };
      gradCheck([x, ...layer.weights.map((w) => w.value)], () => loss(gruSequencePerStep(x, layer.kernel!, layer.recurrentKernel!, layer.bias, opts).output), { what: 'gru per-step' });
      layer.dispose();
    }));
  }

  it('returnState and a mask (zeroOutputForMask both ways)', on64(() => {
    for (const zeroOutputForMask of [false, true]) {
      const rng = new Rng(22);
      const layer = layers.gru({ units: 3, returnSequences: true, returnState: true, zeroOutputForMask });
      const x = input(rng, [2, 5, 3]);
      const mask = fromFlat([1, 1, 0, 1, 0, 0, 1, 1, 1, 1], [2, 5], 'float32', cpu64);
      layer.build([null, 5, 3]);
      randomizeWeights(layer.weights, rng);
      const loss = weightedSum([2 * 5 * 3, 2 * 3], rng);
      gradCheck([x, ...layer.weights.map((w) => w.value)], () => loss(outputs(layer.apply(x, { mask }))), { what: `gru masked zero=${zeroOutputForMask}` });
      layer.dispose();
    }
  }));
});

describe('Bidirectional: every merge mode', () => {
  for (const mergeMode of ['concat', 'sum', 'mul', 'ave', null] as const) {
    for (const returnSequences of [false, true]) {
      it(`${mergeMode ?? 'none'}, returnSequences=${returnSequences}`, on64(() => {
        const rng = new Rng(31);
        const layer = layers.bidirectional({ layer: layers.gru({ units: 3, returnSequences, resetAfter: mergeMode !== 'mul' }), mergeMode });
        const x = input(rng, [2, 4, 3]);
        layer.build([null, 4, 3]);
        randomizeWeights(layer.weights, rng);
        const one = returnSequences ? 2 * 4 * 3 : 2 * 3;
        const sizes = mergeMode === null ? [one, one] : [mergeMode === 'concat' ? 2 * one : one];
        const loss = weightedSum(sizes, rng);
        gradCheck([x, ...layer.weights.map((w) => w.value)], () => loss(outputs(layer.apply(x))), { what: `bidirectional ${mergeMode}` });
        layer.dispose();
      }));
    }
  }
});

describe('Bidirectional GRU concat: the stacked pass equals the two layers run apart', () => {
  // mergeMode 'concat' takes one stacked pass over both directions; mergeMode null runs each
  // wrapped layer on its own. Same weights: same outputs and the same gradient for every weight.
  for (const resetAfter of [true, false]) {
    for (const returnSequences of [false, true]) {
      it(`resetAfter=${resetAfter}, returnSequences=${returnSequences}`, on64(() => {
        const rng = new Rng(37);
        const make = (mergeMode: 'concat' | null) => layers.bidirectional({ layer: layers.gru({ units: 3, returnSequences, resetAfter }), mergeMode });
        const stacked = make('concat');
        const apart = make(null);
        stacked.build([null, 5, 4]);
        apart.build([null, 5, 4]);
        randomizeWeights(stacked.weights, rng);
        apart.weights.forEach((w, i) => (raw(w.value) as Float64Array).set(raw(stacked.weights[i]!.value)));
        const x = input(rng, [3, 5, 4]);
        const loss = weightedSum([2 * (returnSequences ? 3 * 5 * 3 : 3 * 3)], rng);
        const run = (layer: typeof stacked, merge: (y: Tensor[]) => Tensor) => {
          const ws = layer.weights.map((w) => w.value);
          for (const w of ws) w.requiresGrad = true;
          const y = merge(outputs(layer.apply(x)));
          loss([y]).backward();
          return { y: Array.from(raw(y)), grads: ws.map((w) => Array.from(raw(w.grad!))) };
        };
        const a = run(stacked, ([y]) => y!);
        const b = run(apart, (ys) => concat(ys, -1));
        expectAllClose(a.y, b.y, { rtol: 1e-12, what: 'outputs' });
        a.grads.forEach((g, i) => expectAllClose(g, b.grads[i]!, { rtol: 1e-10, atol: 1e-14, what: `gradient of ${stacked.weights[i]!.name}` }));
        stacked.dispose();
        apart.dispose();
      }));
    }
  }
});

describe('losses', () => {
  it('binaryCrossentropy from the logits of a sigmoid (stable form, gradient σ(x) − y)', on64(() => {
    const rng = new Rng(41);
    const logits = input(rng, [6, 1], -5, 5);
    const y = fromFlat([1, 0, 1, 1, 0, 0], [6], 'float32', cpu64);
    gradCheck([logits], () => losses.binaryCrossentropy(y, activation('sigmoid', logits)), { what: 'bce logits' });
    // Saturated logits: the clipped form would cap the loss at −log(1e-7) ≈ 16.1; from logits it is exact.
    const big = fromFlat([40, -40], [2, 1], 'float32', cpu64);
    const yb = fromFlat([0, 1], [2, 1], 'float32', cpu64);
    expect(raw(losses.binaryCrossentropy(yb, activation('sigmoid', big)))[0]).toBeCloseTo(40 + Math.log1p(Math.exp(-40)), 10);
    expect(raw(losses.binaryCrossentropy(yb, fromFlat([1, 0], [2, 1], 'float32', cpu64)))[0]).toBeCloseTo(-Math.log(1e-7), 6);
  }));

  it('binaryCrossentropy on probabilities (clipped at 1e-7)', on64(() => {
    const rng = new Rng(42);
    const p = input(rng, [5, 2], 0.05, 0.95);
    const y = fromFlat(rng.uniform(10, 0, 1), [5, 2], 'float32', cpu64);
    gradCheck([p, y], () => losses.binaryCrossentropy(y, p), { what: 'bce clipped' });
    const want = -Array.from(raw(p)).reduce((s, pi, i) => s + raw(y)[i]! * Math.log(pi) + (1 - raw(y)[i]!) * Math.log(1 - pi), 0) / 10;
    expect(raw(losses.binaryCrossentropy(y, p))[0]).toBeCloseTo(want, 12);
  }));

  it('meanSquaredError', on64(() => {
    const rng = new Rng(43);
    const p = input(rng, [4, 3]);
    const y = input(rng, [4, 3]);
    gradCheck([p, y], () => losses.meanSquaredError(y, p), { what: 'mse' });
  }));
});
