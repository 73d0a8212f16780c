import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { CpuBackend } from '../../src/kernels/cpu/backend.js';
import { estimateNoiseScale, measureNoiseScale } from '../../src/train/noise-scale.js';

/** Seeded standard normals (Box–Muller on an LCG). */
function normals(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/**
 * Linear regression y = w*·x + ε, x ~ N(0, I_d), ε ~ N(0, σ²), fitted by ŵ·x with MSE loss.
 * Per-example gradient g = 2(δ·x − ε)x with δ = ŵ − w*. Then G = E g = 2δ, so |G|² = 4|δ|², and
 * (Isserlis) E[g gᵀ] = 4((|δ|² + σ²)I + 2δδᵀ), so Σ = 4((|δ|² + σ²)I + δδᵀ) and
 * tr Σ = 4((d + 1)|δ|² + dσ²). Hence B_simple = tr Σ / |G|² = (d + 1) + dσ²/|δ|².
 */
describe('gradient noise scale', () => {
  beforeAll(() => wg.setBackend(new CpuBackend()));

  it('estimateNoiseScale inverts E|G_B|² = |G|² + tr Σ / B exactly', () => {
    const G2 = 3;
    const tr = 120;
    const e = estimateNoiseScale(8, 128, [G2 + tr / 8], [G2 + tr / 128]);
    expect(e.gradSq).toBeCloseTo(G2, 10);
    expect(e.trace).toBeCloseTo(tr, 8);
    expect(e.bSimple).toBeCloseTo(40, 8);
    expect(() => estimateNoiseScale(8, 8, [1], [1])).toThrow(RangeError);
  });

  it('lands within 20% of the analytic B_simple on linear regression', async () => {
    const d = 8;
    const sigma2 = 5;
    const n = 16384;
    const rand = normals(7);
    const wStar = Array.from({ length: d }, () => rand());
    const x = new Float32Array(n * d);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let j = 0; j < d; j++) {
        const v = rand();
        x[i * d + j] = v;
        dot += wStar[j]! * v;
      }
      y[i] = dot + Math.sqrt(sigma2) * rand();
    }
    wg.setSeed(3);
    const model = wg.sequential({ layers: [wg.layers.dense({ units: 1, useBias: false, inputShape: [d] })] });
    model.compile({ optimizer: wg.train.sgd(0.01), loss: 'meanSquaredError' });
    model.build([null, d]);
    // ŵ = w* + δ with |δ|² = 1: far enough from the optimum that |G| is clearly non-zero.
    const delta = Array.from({ length: d }, (_, j) => (j % 2 === 0 ? 1 : -1) / Math.sqrt(d));
    model.setWeights([wg.tensor(wStar.map((w, j) => [w + delta[j]!]))]);
    const truth = d + 1 + (d * sigma2) / 1; // 49
    const before = await model.getWeights()[0]!.data();
    const ns = await measureNoiseScale(model, { data: x, shape: [n, d] }, y, { bSmall: 8, bBig: 128, batches: 128 });
    expect(ns.measurements).toBe(128);
    expect(Math.abs(ns.gradSq - 4) / 4).toBeLessThan(0.2);
    expect(Math.abs(ns.bSimple - truth) / truth).toBeLessThan(0.2);
    // No optimizer step was taken.
    expect(Array.from(await model.getWeights()[0]!.data())).toEqual(Array.from(before));
    console.log(`noise scale: estimate ${ns.bSimple.toFixed(2)}, analytic ${truth}, rel. error ${(Math.abs(ns.bSimple - truth) / truth * 100).toFixed(1)}%`);
  });

  it('works on an embedding + GRU model (every trainable weight gets a gradient; nothing changes)', async () => {
    const n = 96;
    const x = new Int32Array(n * 6);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < 6; t++) x[i * 6 + t] = 1 + ((i * 7 + t * 3) % 11);
      y[i] = i % 2;
    }
    wg.setSeed(4);
    const m = wg.sequential({ layers: [wg.layers.embedding({ inputDim: 12, outputDim: 4 }), wg.layers.gru({ units: 3 }), wg.layers.dense({ units: 1, activation: 'sigmoid' })] });
    m.compile({ optimizer: wg.train.adam(), loss: 'binaryCrossentropy' });
    m.build([null, 6]);
    const snap = async () => Promise.all(m.getWeights().map(async (w) => Array.from(await w.data())));
    const before = await snap();
    const ns = await measureNoiseScale(m, { data: x, shape: [n, 6] }, y, { bSmall: 4, bBig: 32, batches: 3 });
    expect(await snap()).toEqual(before);
    expect(ns.measurements).toBe(3);
    expect(ns.smallSq.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    expect(ns.meanSmallSq).toBeGreaterThanOrEqual(ns.meanBigSq * 0.5);
    await expect(measureNoiseScale(m, { data: x, shape: [n, 6] }, y, { bSmall: 4, bBig: 30 })).rejects.toThrow(/multiple/);
  });
});
