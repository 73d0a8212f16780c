// Leaks on the CPU backend: 2,000 training steps with every reliability feature on (non-finite
// guard, checkpoints every 50 steps, early stopping with best-weight snapshots, validation), plus
// evaluate and predict calls after each epoch. Live tensors, buffers and bytes must be at the same
// level at the end of every epoch, and back to the starting level once the model is disposed.
// (The WebGPU counterpart lives in webgpu.test.ts.)
import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { cpuForFile } from '../helpers/backends.js';
import { tokenModel, tokenTask } from './helpers.js';
import { level, levelsOverTraining } from './levels.js';

cpuForFile();

describe('leaks (CPU)', () => {
  it('2,000 training steps plus evaluate and predict: the same live tensors, buffers and bytes after every epoch', async () => {
    const BATCH = 8;
    const train = tokenTask(200 * BATCH, 21); // 200 steps per epoch
    const run = await levelsOverTraining(() => tokenModel({ lr: 0.005 }), train, tokenTask(64, 22), {
      epochs: 10, batchSize: BATCH, checkpointEvery: 50, patience: 100, evalBatchSize: 32,
    });
    expect(run.epochs).toBe(10);
    expect(run.steps).toBe(2000);
    expect(run.perEpoch.filter((l) => JSON.stringify(l) !== JSON.stringify(run.perEpoch[0])), JSON.stringify(run.perEpoch)).toEqual([]);
    expect(run.end).toEqual(run.start);
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
