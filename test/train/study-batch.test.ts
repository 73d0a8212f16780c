import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { CpuBackend } from '../../src/kernels/cpu/backend.js';
import { recommend, studyBatchCharts, studyBatchSize } from '../../src/train/study-batch.js';
import { findLearningRate } from '../../src/train/find-lr.js';

/** Two Gaussian blobs in 4-D, labels 0/1 (learnable by a logistic model in a few epochs). */
function blobs(n: number, seed: number): { x: { data: Float32Array; shape: number[] }; y: Float32Array } {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const g = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const x = new Float32Array(n * 4);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    y[i] = c;
    for (let j = 0; j < 4; j++) x[i * 4 + j] = g() + (c ? 0.8 : -0.8);
  }
  return { x: { data: x, shape: [n, 4] }, y };
}

function makeModel(): wg.Sequential {
  const m = wg.sequential({ layers: [wg.layers.dense({ units: 4, activation: 'relu', inputShape: [4] }), wg.layers.dense({ units: 1, activation: 'sigmoid' })] });
  m.compile({ optimizer: wg.train.adam(0.01), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  m.build([null, 4]);
  return m;
}

describe('studyBatchSize', () => {
  beforeAll(() => wg.setBackend(new CpuBackend()));

  it('gives an entry per batch size with sensible fields, a noise scale and a recommendation', async () => {
    const { x, y } = blobs(512, 1);
    const v = blobs(128, 2);
    const seen: number[] = [];
    const study = await studyBatchSize(makeModel, x, y, {
      batchSizes: [8, 32, 128], epochs: 2, lrScaling: 'sqrt', baseBatchSize: 8, baseLr: 0.01,
      validationData: [v.x, v.y], seed: 3, noiseScale: { batches: 4 }, onResult: (e) => seen.push(e.batchSize),
    });
    expect(study.entries.map((e) => e.batchSize)).toEqual([8, 32, 128]);
    expect(seen).toEqual([8, 32, 128]);
    for (const e of study.entries) {
      expect(e.epochs).toBe(2);
      expect(e.steps).toBe(2 * Math.ceil(512 / e.batchSize));
      expect(e.valAccuracy).toBeGreaterThanOrEqual(0);
      expect(e.valAccuracy).toBeLessThanOrEqual(1);
      expect(Number.isFinite(e.valLoss)).toBe(true);
      expect(e.generalizationGap).toBeCloseTo(e.trainAccuracy - e.valAccuracy, 12);
      expect(e.secondsPerEpoch).toBeGreaterThan(0);
      expect(e.samplesPerSec).toBeGreaterThan(0);
    }
    expect(study.entries[1]!.lr).toBeCloseTo(0.01 * 2, 12); // sqrt(32/8)
    expect(study.entries[2]!.lr).toBeCloseTo(0.01 * 4, 12);
    // The easy problem trains at the base batch size.
    expect(study.entries[0]!.valAccuracy).toBeGreaterThan(0.8);
    expect(study.noiseScale).not.toBeNull();
    expect(study.noiseScale!.bSmall).toBe(8);
    expect(study.noiseScale!.bBig).toBe(128);
    expect(study.noiseScale!.measurements).toBe(4);
    expect([8, 32, 128]).toContain(study.recommendedBatchSize);
    const charts = studyBatchCharts(study);
    expect(charts.accuracy.startsWith('<svg')).toBe(true);
    expect(charts.throughput).toContain('samples/s');
  }, 60_000);

  it('same seed ⇒ same result; a step budget caps training', async () => {
    const { x, y } = blobs(256, 4);
    const opts = { batchSizes: [16, 64], budget: { steps: 5 }, validationSplit: 0.25, seed: 9, noiseScale: false as const };
    const a = await studyBatchSize(makeModel, x, y, opts);
    const b = await studyBatchSize(makeModel, x, y, opts);
    expect(a.entries.map((e) => e.steps)).toEqual([5, 5]);
    expect(a.entries.map((e) => e.valLoss)).toEqual(b.entries.map((e) => e.valLoss));
    expect(a.noiseScale).toBeNull();
  }, 60_000);

  it('recommend picks the tested size nearest B_simple (log scale), clamped to the range', () => {
    const e = [8, 32, 128].map((batchSize, i) => ({ batchSize, valAccuracy: [0.9, 0.8, 0.7][i]! }));
    expect(recommend(e, { bSimple: 50 }).recommendedBatchSize).toBe(32);
    expect(recommend(e, { bSimple: 100 }).recommendedBatchSize).toBe(128);
    expect(recommend(e, { bSimple: 1000 }).recommendation).toContain('clamped to 128');
    expect(recommend(e, { bSimple: 2 }).recommendedBatchSize).toBe(8);
    expect(recommend(e, null).recommendedBatchSize).toBe(8);
  });

  it('rejects bad options', async () => {
    const { x, y } = blobs(64, 1);
    await expect(studyBatchSize(makeModel, x, y, { batchSizes: [] })).rejects.toThrow(/batchSizes/);
    await expect(studyBatchSize(makeModel, x, y, { batchSizes: [8], lrScaling: 'cube' as never })).rejects.toThrow(/lrScaling/);
    await expect(studyBatchSize(makeModel, x, y, { batchSizes: [8], batchsize: 3 } as never)).rejects.toThrow();
  });
});

describe('findLearningRate repeats', () => {
  beforeAll(() => wg.setBackend(new CpuBackend()));

  it('repeats: 3 attaches a band (lower ≤ median ≤ upper) and a spread per rule', async () => {
    const { x, y } = blobs(512, 5);
    wg.setSeed(2);
    const m = makeModel();
    const before = m.getWeights();
    const beforeData = await Promise.all(before.map((t) => t.data()));
    const r = await findLearningRate(m, x, y, { startLr: 1e-4, endLr: 10, batchSize: 16, epochs: 2, repeats: 3, verbose: false });
    const agg = r.repeats!;
    expect(agg).toBeDefined();
    expect(agg.runs).toHaveLength(3);
    expect(agg.runs.map((s) => s.seed)).toEqual([1, 2, 3]);
    expect(agg.runs[0]).toBe(r);
    let finite = 0;
    for (let i = 0; i < agg.lrs.length; i++) {
      if (!Number.isFinite(agg.median[i]!)) continue;
      finite++;
      expect(agg.lower[i]!).toBeLessThanOrEqual(agg.median[i]! + 1e-12);
      expect(agg.median[i]!).toBeLessThanOrEqual(agg.upper[i]! + 1e-12);
    }
    expect(finite).toBeGreaterThan(10);
    // The sweeps differ (different shuffles) yet share the grid.
    expect(agg.runs[0]!.losses).not.toEqual(agg.runs[1]!.losses);
    const rules = Object.keys(agg.spread);
    expect(rules.length).toBeGreaterThanOrEqual(3);
    for (const rule of rules) {
      const s = agg.spread[rule as keyof typeof agg.spread]!;
      expect(s.values.length + s.failed).toBe(3);
      if (s.values.length > 0) {
        expect(s.min).toBeLessThanOrEqual(s.median);
        expect(s.median).toBeLessThanOrEqual(s.max);
        expect(s.ratio).toBeGreaterThanOrEqual(1);
      }
    }
    // The model is untouched by the three sweeps.
    const after = await Promise.all(m.getWeights().map((t) => t.data()));
    expect(after.map((a) => Array.from(a))).toEqual(beforeData.map((a) => Array.from(a)));
    await expect(findLearningRate(m, x, y, { repeats: 0, verbose: false })).rejects.toThrow(/repeats/);
  }, 60_000);
});
