// Leaks on the CPU backend: 2,000 training steps with every reliability feature on (non-finite
// guard, checkpoints every 50 steps, early stopping with best-weight snapshots, validation), plus
// evaluate and predict calls after each epoch. Live tensors, buffers and bytes must be at the same
// level at the end of every epoch, and back to the starting level once the model is disposed.
// (The WebGPU counterpart lives in webgpu.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { CpuBackend } from '../../src/kernels/cpu/backend.js';
import { removeDir, tempDir, tokenModel, tokenTask } from './helpers.js';

const cpu = new CpuBackend();
let prev: wg.Backend;
beforeAll(() => {
  prev = wg.getBackend();
  wg.setBackend(cpu);
});
afterAll(() => wg.setBackend(prev));

type Level = { tensors: number; buffers: number; bytes: number };
const level = (): Level => {
  const s = wg.stats();
  return { tensors: s.tensors, buffers: s.buffers, bytes: s.bytes };
};

describe('leaks (CPU)', () => {
  it('2,000 training steps plus evaluate and predict: the same live tensors, buffers and bytes after every epoch', async () => {
    const EPOCHS = 10;
    const BATCH = 8;
    const train = tokenTask(200 * BATCH, 21); // 200 steps per epoch
    const val = tokenTask(64, 22);
    const dir = tempDir();
    const start = level();
    const xPredict = wg.tensor(val.x.data, val.x.shape, 'int32');
    const m = tokenModel({ lr: 0.005 });
    const perEpoch: Level[] = [];
    let steps = 0;
    const probe: wg.callbacks.CallbackHooks = {
      onBatchEnd: () => void steps++,
      onEpochEnd: async () => {
        const p = m.predict(xPredict, { batchSize: 16 });
        await p.data();
        p.dispose();
        await m.evaluate(val.x, val.y, { batchSize: 32 });
        perEpoch.push(level());
      },
    };
    const h = await m.fit(train.x, train.y, {
      epochs: EPOCHS, batchSize: BATCH, verbose: 0, validationData: [val.x, val.y], checkpoint: { dir, everyBatches: 50 },
      callbacks: [wg.callbacks.earlyStopping({ monitor: 'val_loss', patience: 100, restoreBestWeights: true }), probe],
    });
    expect(h.epoch).toHaveLength(EPOCHS);
    expect(steps).toBe(2000);
    const leaks = perEpoch.filter((l) => JSON.stringify(l) !== JSON.stringify(perEpoch[0]));
    expect(leaks, JSON.stringify(perEpoch)).toEqual([]);
    m.dispose();
    xPredict.dispose();
    expect(level()).toEqual(start);
    removeDir(dir);
  });

  it('fit, evaluate, predict and the LR finder leave no tensors or buffers behind, also when a step throws', async () => {
    const t = tokenTask(64, 23);
    const start = level();
    const m = tokenModel();
    let calls = 0;
    const boom = (after: number) => (yTrue: wg.Tensor, yPred: wg.Tensor) => {
      if (calls++ === after) throw new Error('loss failed');
      return wg.losses.binaryCrossentropy(yTrue, yPred);
    };
    m.compile({ optimizer: m.optimizer!, loss: boom(3), metrics: ['binaryAccuracy'] });
    await expect(m.fit(t.x, t.y, { epochs: 1, batchSize: 8, verbose: 0 })).rejects.toThrow('loss failed');
    calls = 0;
    m.compile({ optimizer: m.optimizer!, loss: boom(2), metrics: ['binaryAccuracy'] });
    await expect(m.evaluate(t.x, t.y, { batchSize: 8 })).rejects.toThrow('loss failed');
    // The LR finder leaves nothing behind (it used to keep its copy of the optimizer state)…
    m.compile({ optimizer: m.optimizer!, loss: 'binaryCrossentropy', metrics: ['binaryAccuracy'] });
    const beforeSweep = level();
    await wg.train.findLearningRate(m, t.x, t.y, { batchSize: 8, numIter: 6, verbose: false });
    expect(level()).toEqual(beforeSweep);
    // …and puts the weights back when a step throws.
    m.compile({ optimizer: m.optimizer!, loss: boom(3), metrics: ['binaryAccuracy'] });
    calls = 0;
    const before = (await Promise.all(m.weights.map((w) => w.value.data()))).map((d) => Array.from(d));
    await expect(wg.train.findLearningRate(m, t.x, t.y, { batchSize: 8, verbose: false })).rejects.toThrow('loss failed');
    expect((await Promise.all(m.weights.map((w) => w.value.data()))).map((d) => Array.from(d))).toEqual(before);
    const x = wg.tensor(Int32Array.from(t.x.data, (v, i) => (i === 300 ? 99 : v)), t.x.shape, 'int32');
    expect(() => m.predict(x, { batchSize: 8 })).toThrow(/id 99/);
    x.dispose();
    m.dispose();
    expect(level()).toEqual(start);
  });
});
