import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { CpuBackend } from '../../src/kernels/cpu/backend.js';
import type { WebGPUBackend } from '../../src/kernels/webgpu/backend.js';
import { webgpuForTests } from '../helpers/webgpu.js';
import { weightsOf } from './helpers.js';

/** Label 1 when token 3 occurs in the sequence: learnable by an embedding + GRU in a few epochs. */
function task(n: number, seed: number): { x: { data: Int32Array; shape: number[] }; y: Float32Array } {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const x = new Int32Array(n * 8);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const positive = rand() < 0.5;
    for (let t = 0; t < 8; t++) x[i * 8 + t] = 4 + Math.floor(rand() * 16);
    if (positive) x[i * 8 + Math.floor(rand() * 8)] = 3;
    y[i] = positive ? 1 : 0;
  }
  return { x: { data: x, shape: [n, 8] }, y };
}

function model(lr = 0.01): wg.Sequential {
  wg.setSeed(5);
  const m = wg.sequential({
    layers: [wg.layers.embedding({ inputDim: 20, outputDim: 6, inputLength: 8 }), wg.layers.gru({ units: 5 }), wg.layers.dense({ units: 1, activation: 'sigmoid' })],
  });
  m.compile({ optimizer: wg.train.adam({ learningRate: lr }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return m;
}

describe('fit', () => {
  const cpu = new CpuBackend();
  beforeAll(() => wg.setBackend(cpu));

  it('trains with validation data and records Keras-style history and batch logs', async () => {
    const train = task(256, 1);
    const val = task(64, 2);
    const m = model();
    const batches: { batch: number; loss: number; batch_loss: number; learning_rate: number }[] = [];
    const h = await m.fit(train.x, train.y, {
      epochs: 6, batchSize: 32, verbose: 0, validationData: [val.x, val.y],
      callbacks: [{ onBatchEnd: (batch, logs) => void batches.push({ batch, loss: logs!.loss!, batch_loss: logs!.batch_loss!, learning_rate: logs!.learning_rate! }) }],
    });
    expect(h.epoch).toEqual([0, 1, 2, 3, 4, 5]);
    for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy']) expect(h.history[k], k).toHaveLength(6);
    expect(h.history.loss![5]!, JSON.stringify(h.history)).toBeLessThan(h.history.loss![0]! * 0.8);
    expect(h.history.val_accuracy![5]!, JSON.stringify(h.history)).toBeGreaterThan(0.7);
    // 8 batches per epoch, delivered in order; the running mean of the first batch is its raw loss.
    expect(batches).toHaveLength(48);
    expect(batches.slice(0, 8).map((b) => b.batch)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(batches[0]!.loss).toBeCloseTo(batches[0]!.batch_loss, 6);
    expect(batches[7]!.loss).toBeCloseTo(h.history.loss![0]!, 5);
    expect(batches[0]!.learning_rate).toBeCloseTo(0.01, 8);
    expect(h.samplesPerSec).toBeGreaterThan(0);
  });

  it('stops early with Keras semantics and restores the best weights', async () => {
    const train = task(128, 3);
    const m = model(0.05);
    const es = wg.callbacks.earlyStopping({ monitor: 'val_accuracy', minDelta: 2, patience: 1, restoreBestWeights: true });
    const h = await m.fit(train.x, train.y, { epochs: 10, batchSize: 32, verbose: 0, validationSplit: 0.25, callbacks: [es] });
    // No epoch can improve by 2: epoch 0 sets best, epoch 1 waits 1 ≥ patience and stops.
    expect(h.epoch).toEqual([0, 1]);
    expect(h.stopReason).toBeTruthy();
    expect(es.bestEpoch).toBe(0);
    const after = await m.evaluate(train.x, train.y, { batchSize: 64 });
    expect(Object.keys(after).sort()).toEqual(['accuracy', 'loss']);
  });

  it('rejects bad arguments with errors naming the argument and value', async () => {
    const t = task(8, 1);
    const m = model();
    await expect(m.fit(t.x, t.y, { batchSize: 0 })).rejects.toThrow(/fit: batchSize must be a positive integer, got 0/);
    await expect(m.fit(t.x, t.y, { validationSplit: 1.5 })).rejects.toThrow(/validationSplit must be in \(0, 1\), got 1.5/);
    await expect(m.fit(t.x, new Float32Array(7) as unknown as number[], {})).rejects.toThrow(/x has 8 samples but y has 7/);
  });
});

describe('findLearningRate', () => {
  const cpu = new CpuBackend();
  beforeAll(() => wg.setBackend(cpu));

  it('sweeps, suggests, and leaves weights, optimizer state and RNG exactly as they were', async () => {
    const t = task(256, 4);
    const m = model(0.001);
    // Warm the optimizer so there are moments to restore.
    await m.fit(t.x, t.y, { epochs: 1, batchSize: 32, verbose: 0 });
    const before = await weightsOf(m);
    const rng = wg.getRngState();
    const steps: number[] = [];
    const r = await wg.train.findLearningRate(m, t.x, t.y, { startLr: 1e-5, endLr: 1e4, epochs: 8, batchSize: 32, verbose: false, onStep: (s) => void steps.push(s.index) });
    expect(await weightsOf(m)).toEqual(before);
    expect(wg.getRngState()).toBe(rng);
    expect((m.optimizer as wg.train.Adam).learningRate).toBe(0.001);
    expect(r.lrs[0]).toBeCloseTo(1e-5, 12);
    expect(r.losses.length).toBe(steps.length);
    // Learning rates in the thousands blow Adam up before the end of the sweep.
    expect(r.divergedAt, JSON.stringify({ l: r.losses, s: r.smoothed })).toBeGreaterThan(0);
    expect(r.losses.length).toBeLessThan(64);
    const valley = r.suggestion('valley');
    expect(valley).toBeGreaterThan(1e-5);
    expect(valley).toBeLessThan(1e4);
    expect(r.suggestion('steepest', { sma: 2, nSkipBeginning: 2, nSkipEnd: 1 })).toBeGreaterThan(0);

    // Restored optimizer state: the next step equals the step a model that never swept would take.
    const twin = model(0.001);
    await twin.fit(t.x, t.y, { epochs: 1, batchSize: 32, verbose: 0 });
    const h1 = await m.fit(t.x, t.y, { epochs: 1, batchSize: 32, verbose: 0, seed: 9 });
    const h2 = await twin.fit(t.x, t.y, { epochs: 1, batchSize: 32, verbose: 0, seed: 9 });
    expect(h1.history.loss).toEqual(h2.history.loss);
  });
});

describe('fit on WebGPU', () => {
  let gpu: WebGPUBackend | null = null;
  beforeAll(async () => {
    gpu = await webgpuForTests();
  });
  afterAll(() => gpu?.dispose());

  it('trains the same as the CPU backend (same seed, same batches)', async () => {
    if (!gpu) return;
    const t = task(96, 6);
    const run = async (backend: wg.Backend) => {
      wg.setBackend(backend);
      const m = model();
      return (await m.fit(t.x, t.y, { epochs: 2, batchSize: 32, verbose: 0 })).history.loss!;
    };
    const onCpu = await run(new CpuBackend());
    const onGpu = await run(gpu);
    onGpu.forEach((l, i) => expect(Math.abs(l - onCpu[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(onCpu[i]!))));
    wg.setBackend(new CpuBackend());
  });
});
