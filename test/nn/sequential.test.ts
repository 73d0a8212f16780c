// Sequential on the CPU: the tutorial model's build, summary, weights in Keras's order and shapes,
// predict, trainOnBatch (loss decreases, no leaks), and error messages.
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/kernels/cpu/backend.js';
import { fromFlat, layers, sequential, setSeed, stats, train, withBackend, type Tensor } from '../../src/index.js';
import { Rng } from '../../src/tensor/random.js';
import { expectAllClose } from '../helpers/allclose.js';
import { tutorialModel } from './tutorial-model.js';

const cpu = new CpuBackend();
const ids = (rng: Rng, B: number, T: number, hi: number) => fromFlat(rng.ints(B * T, 1, hi), [B, T], 'int32', cpu);

describe('the tutorial model', () => {
  it('builds with Keras’s parameter counts and summary', () =>
    withBackend(cpu, () => {
      const model = tutorialModel();
      // Keras: embedding 10000·16; per GRU direction 3u(in + u) + 2·3u (resetAfter bias) = 96·48 + 192 = 4800, ×2;
      // dense 64·6 + 6; dense 6·1 + 1.
      expect(2 * (3 * 32 * (16 + 32) + 2 * 3 * 32)).toBe(9600);
      const lines: string[] = [];
      const text = model.summary(65, (l) => lines.push(l));
      expect(model.layers.map((l) => l.countParams())).toEqual([160000, 9600, 390, 7]);
      expect(model.countParams()).toBe(169997);
      expect(text).toMatch(/embedding\S* \(Embedding\)\s+\(None, None, 16\)\s+160000/);
      expect(text).toMatch(/bidirectional\S* \(Bidirectional\)\s+\(None, 64\)\s+9600/);
      expect(text).toMatch(/dense\S* \(Dense\)\s+\(None, 6\)\s+390/);
      expect(text).toMatch(/\(None, 1\)\s+7/);
      expect(text).toContain('Total params: 169,997 (664.05 KB)');
      expect(text).toContain('Trainable params: 169,997');
      expect(text).toContain('Non-trainable params: 0');
      expect(lines).toEqual([text]);
      model.dispose();
    }));

  it('lists weights in Keras’s order, names and shapes; getWeights/setWeights round-trip', () =>
    withBackend(cpu, () => {
      const model = tutorialModel(50);
      model.build();
      const [emb, bi, d1, d2] = model.layers.map((l) => l.name);
      const gru = (d: string) => ['kernel', 'recurrent_kernel', 'bias'].map((k) => `${bi}/${d}/gru_cell/${k}`);
      expect(model.weights.map((w) => w.name).slice(0, 2)).toEqual([`${emb}/embeddings`, `${bi}/forward_${model.layers[1]!.sublayers[0]!.name.slice('forward_'.length)}/gru_cell/kernel`]);
      expect([d1, d2].every((d) => model.weights.some((w) => w.name === `${d}/kernel`))).toBe(true);
      expect(model.weights.map((w) => w.name.replace(/_\d+/g, ''))).toEqual([
        'embedding/embeddings',
        ...['forward_gru', 'backward_gru'].flatMap((d) => gru(d).map((n) => n.replace(/_\d+/g, ''))),
        'dense/kernel', 'dense/bias', 'dense/kernel', 'dense/bias',
      ]);
      expect(model.getWeights().map((t) => t.shape)).toEqual([[50, 16], [16, 96], [32, 96], [2, 96], [16, 96], [32, 96], [2, 96], [64, 6], [6], [6, 1], [1]]);
      const rng = new Rng(3);
      const fresh = model.weights.map((w) => rng.uniform(w.value.size, -1, 1));
      model.setWeights(fresh);
      model.getWeights().forEach((t, i) => expectAllClose(t.dataSync(), fresh[i]!, { rtol: 1e-6, what: model.weights[i]!.name }));
      expect(() => model.setWeights(fresh.slice(1))).toThrow(/expected 11 arrays/);
      expect(() => model.setWeights([new Float64Array(3), ...fresh.slice(1)])).toThrow(/weight 0 .*embeddings.* has shape \[50, 16\] but got 3 values/);
      model.dispose();
    }));

  it('initialisers follow Keras: embedding U(±0.05), glorot kernels, orthogonal recurrent kernels, zero biases', () =>
    withBackend(cpu, () => {
      const model = tutorialModel(400);
      model.build();
      const w = model.weights.map((x) => Array.from(x.value.dataSync()));
      const within = (v: number[], l: number) => v.every((a) => Math.abs(a) <= l);
      expect(within(w[0]!, 0.05)).toBe(true);
      expect(Math.max(...w[0]!.map(Math.abs))).toBeGreaterThan(0.049);
      expect(within(w[1]!, Math.sqrt(6 / (16 + 96)))).toBe(true);
      expect(within(w[7]!, Math.sqrt(6 / (64 + 6)))).toBe(true);
      // Recurrent kernel (32, 96): orthonormal rows, U·Uᵀ = I.
      const U = w[2]!;
      for (let i = 0; i < 32; i += 7) {
        for (let j = 0; j < 32; j += 5) {
          let dot = 0;
          for (let k = 0; k < 96; k++) dot += U[i * 96 + k]! * U[j * 96 + k]!;
          expect(dot).toBeCloseTo(i === j ? 1 : 0, 5);
        }
      }
      expect(w[3]!.every((v) => v === 0) && w[8]!.every((v) => v === 0)).toBe(true);
      model.dispose();
    }));

  it('trains: the loss decreases on a tiny synthetic task, without leaking tensors or reading back', () =>
    withBackend(cpu, () => {
      setSeed(123);
      const model = tutorialModel(60);
      model.compile({ optimizer: train.adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
      const rng = new Rng(9);
      const x = ids(rng, 16, 8, 60);
      // Label: does the sequence contain a token below 15?
      const xs = x.hostInts!;
      const y = fromFlat(Array.from({ length: 16 }, (_, b) => (xs.subarray(b * 8, b * 8 + 8).some((t) => t < 15) ? 1 : 0)), [16], 'float32', cpu);
      const losses: number[] = [];
      let live = 0;
      for (let i = 0; i < 25; i++) {
        const loss = model.trainOnBatch(x, y);
        expect(loss.shape).toEqual([]);
        losses.push(loss.dataSync()[0]!);
        loss.dispose();
        if (i === 1) live = stats().tensors;
        if (i > 1) expect(stats().tensors).toBe(live);
      }
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses[24]!).toBeLessThan(0.7 * losses[0]!);
      const [l, acc] = model.testOnBatch(x, y) as [Tensor, Tensor];
      expect(model.metricsNames).toEqual(['loss', 'accuracy']);
      expect(acc.dataSync()[0]).toBeGreaterThanOrEqual(0.75);
      l.dispose();
      acc.dispose();
      model.dispose();
    }));

  it('predict batches (no gradients) and equals one big call', () =>
    withBackend(cpu, () => {
      const model = tutorialModel(30);
      const x = ids(new Rng(4), 7, 5, 30);
      const a = model.predict(x, { batchSize: 3 });
      const b = model.predict(x, { batchSize: 100 });
      expect(a.shape).toEqual([7, 1]);
      expect(a.requiresGrad).toBe(false);
      expectAllClose(a.dataSync(), b.dataSync(), { rtol: 1e-6 });
      a.dispose();
      b.dispose();
      model.dispose();
    }));
});

describe('masking', () => {
  it('with maskZero, pre-padding does not change the prediction (mask flows embedding → bidirectional GRU)', () =>
    withBackend(cpu, () => {
      const model = sequential({
        layers: [
          layers.embedding({ inputDim: 20, outputDim: 4, maskZero: true }),
          layers.bidirectional({ layer: layers.gru({ units: 3 }) }),
          layers.dense({ units: 1, activation: 'sigmoid' }),
        ],
      });
      const padded = model.predict(fromFlat([0, 0, 5, 6, 0, 7, 8, 9], [2, 4], 'int32', cpu)).dataSync();
      const short = model.predict(fromFlat([5, 6], [1, 2], 'int32', cpu)).dataSync();
      const other = model.predict(fromFlat([7, 8, 9], [1, 3], 'int32', cpu)).dataSync();
      expect(padded[0]).toBeCloseTo(short[0]!, 6);
      expect(padded[1]).toBeCloseTo(other[0]!, 6);
      // Without the mask, the padding steps count.
      const unmasked = sequential({ layers: [layers.embedding({ inputDim: 20, outputDim: 4 }), layers.gru({ units: 3 }), layers.dense({ units: 1 })] });
      unmasked.build([null, 4]);
      const a = unmasked.predict(fromFlat([0, 0, 5, 6], [1, 4], 'int32', cpu)).dataSync()[0]!;
      const b = unmasked.predict(fromFlat([5, 6], [1, 2], 'int32', cpu)).dataSync()[0]!;
      expect(Math.abs(a - b)).toBeGreaterThan(1e-6);
      model.dispose();
      unmasked.dispose();
    }));
});

describe('errors name the culprit', () => {
  it('an embedding id out of range names the id and its position', () =>
    withBackend(cpu, () => {
      const model = tutorialModel(10);
      const x = fromFlat([1, 2, 3, 4, 12, 5], [2, 3], 'int32', cpu);
      expect(() => model.predict(x)).toThrow(/embedding\S*: id 12 at position \[1, 1\] is outside \[0, 10\)/);
      model.dispose();
    }));

  it('training an uncompiled model, unknown names, unknown shapes', () =>
    withBackend(cpu, () => {
      const model = sequential({ layers: [layers.dense({ units: 1 })] });
      const x = fromFlat([1, 2], [1, 2], 'float32', cpu);
      expect(() => model.trainOnBatch(x, x)).toThrow(/not compiled/);
      expect(() => model.summary()).toThrow(/input shape is unknown/);
      expect(() => model.compile({ optimizer: 'adam', loss: 'hinge' })).toThrow(/unknown loss 'hinge'/);
      expect(() => model.compile({ optimizer: 'rmsprop', loss: 'mse' })).toThrow(/unknown optimizer 'rmsprop'/);
      expect(() => layers.dense({ units: 2, activation: 'gelu' as 'relu' })).toThrow(/unknown activation 'gelu'/);
      expect(() => layers.gru({ units: 4, activation: 'relu' as 'tanh' })).toThrow(/only 'tanh'/);
      model.dispose();
    }));

  it('a frozen layer gets no gradient and no update', () =>
    withBackend(cpu, () => {
      const model = sequential({ layers: [layers.dense({ units: 2, inputShape: [3] }), layers.dense({ units: 1, activation: 'sigmoid' })] });
      model.layers[0]!.trainable = false;
      model.build();
      model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
      expect(model.trainableWeights.length).toBe(2);
      expect(model.nonTrainableWeights.length).toBe(2);
      const before = model.getWeights().map((t) => Array.from(t.dataSync()));
      model.trainOnBatch(fromFlat([1, 2, 3], [1, 3], 'float32', cpu), fromFlat([1], [1, 1], 'float32', cpu)).dispose();
      const after = model.getWeights().map((t) => Array.from(t.dataSync()));
      expect(after[0]).toEqual(before[0]);
      expect(after[2]).not.toEqual(before[2]);
      model.dispose();
    }));
});
