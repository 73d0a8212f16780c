import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { CpuBackend } from '../../src/kernels/cpu/backend.js';
import { debiasedEma, kerasRunningMean } from '../../src/train/lr-finder/smoothing.js';
import { weightsOf } from './helpers.js';

/** Two Gaussian blobs in 4-D, labels 0/1. */
function blobs(n: number, seed: number): { x: { data: Float32Array; shape: number[] }; y: Float32Array } {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const x = new Float32Array(n * 4);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let j = 0; j < 4; j++) x[i * 4 + j] = 2 * u() - 1 + (i % 2 ? 0.8 : -0.8);
  }
  return { x: { data: x, shape: [n, 4] }, y };
}

/** Compiled, not built (no inputShape): what a Keras user has right after compile(). */
function compiled(): wg.Sequential {
  wg.setSeed(7);
  const m = wg.sequential({ layers: [wg.layers.dense({ units: 5, activation: 'relu' }), wg.layers.dense({ units: 1, activation: 'sigmoid' })] });
  m.compile({ optimizer: wg.train.adam(0.01), loss: 'binaryCrossentropy' });
  return m;
}

describe('findLearningRate on a fresh model', () => {
  beforeAll(() => wg.setBackend(new CpuBackend()));
  const { x, y } = blobs(128, 3);
  const sweep = { startLr: 1e-4, endLr: 10, numIter: 24, batchSize: 16, verbose: false } as const;

  it('builds an unbuilt compiled model from the data and restores its initial weights, RNG and (empty) optimizer state exactly', async () => {
    const m = compiled();
    const r = await wg.train.findLearningRate(m, x, y, sweep);
    const rng = wg.getRngState();
    expect(r.losses.length).toBeGreaterThan(2);
    expect(m.built).toBe(true);

    // The twin is built by hand with the same seed and never swept.
    const twin = compiled();
    twin.build([null, 4]);
    expect(wg.getRngState()).toBe(rng);
    expect(await weightsOf(m)).toEqual(await weightsOf(twin));
    expect(m.optimizer!.learningRate).toBe(0.01);
    expect((m.optimizer as wg.train.Adam).iterations).toBe(0);

    // No Adam moments from the sweep survive: training afterwards is the twin's, bit for bit.
    const h1 = await m.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, seed: 4 });
    const h2 = await twin.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, seed: 4 });
    expect(h1.history.loss).toEqual(h2.history.loss);
    expect(await weightsOf(m)).toEqual(await weightsOf(twin));
  });

  it('records the debiased EMA with the arithmetic of debiasedEma and reports the beta it used', async () => {
    const m = compiled();
    const r = await wg.train.findLearningRate(m, x, y, { ...sweep, beta: 0.9 });
    expect(r.beta).toBe(0.9);
    expect(r.smoothed).toEqual(debiasedEma(r.losses, 0.9));
  });

  it("records Keras's running loss, weighted by batch size (the short last batch counts less)", async () => {
    // 120 samples in batches of 16: 7 full batches and one of 8 per epoch, over 2 epochs.
    const short = blobs(120, 5);
    const r = await wg.train.findLearningRate(compiled(), short.x, short.y, { startLr: 1e-4, endLr: 1e-2, epochs: 2, batchSize: 16, verbose: false });
    expect(r.losses).toHaveLength(16);
    const batchSizes = [...Array<number>(7).fill(16), 8, ...Array<number>(7).fill(16), 8];
    const expected = kerasRunningMean(r.losses, { stepsPerEpoch: 8, batchSizes });
    r.running!.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
  });
});
