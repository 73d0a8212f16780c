// batchLearningRateScheduler inside the real fit loop, where losses (and so onBatchEnd) arrive a
// couple of steps late through the readback ring: the LR and β1 an optimizer step uses must be
// schedule(k) for global step k, fresh, with initialEpoch, and resumed from a mid-epoch checkpoint.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { CpuBackend } from '../../src/kernels/cpu/backend.js';
import type { MomentumSchedule, Schedule } from '../../src/train/schedules/types.js';

const N = 128;
const BATCH = 16; // 8 steps per epoch
const STEPS = N / BATCH;

function data(): { x: { data: Float32Array; shape: number[] }; y: Float32Array } {
  const x = new Float32Array(N * 3);
  const y = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    y[i] = i % 2;
    for (let j = 0; j < 3; j++) x[i * 3 + j] = Math.sin(i * 7 + j) + (i % 2 ? 0.5 : -0.5);
  }
  return { x: { data: x, shape: [N, 3] }, y };
}

/** A compiled model whose optimizer records the learning rate and β1 of every step it takes. */
function recordingModel(): { m: wg.Sequential; used: { lr: number; beta1: number }[] } {
  wg.setSeed(3);
  const m = wg.sequential({ layers: [wg.layers.dense({ units: 4, activation: 'tanh' }), wg.layers.dense({ units: 1, activation: 'sigmoid' })] });
  const opt = wg.train.adam(0.01);
  m.compile({ optimizer: opt, loss: 'binaryCrossentropy' });
  const used: { lr: number; beta1: number }[] = [];
  const apply = opt.applyGradients.bind(opt);
  opt.applyGradients = (pairs) => {
    used.push({ lr: opt.learningRate, beta1: opt.beta1 });
    apply(pairs);
  };
  return { m, used };
}

/** What onBatchEnd logs, in delivery order. */
function logRecorder(): { cb: wg.callbacks.CallbackHooks; logs: { lr: number; momentum: number }[] } {
  const logs: { lr: number; momentum: number }[] = [];
  return { logs, cb: { onBatchEnd: (_b, l) => void logs.push({ lr: l!.learning_rate!, momentum: l!.momentum! }) } };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const expected = (s: MomentumSchedule, steps: number[]) => steps.map((k) => ({ lr: s(k), beta1: s.momentum(k) }));
const expectedLogs = (s: MomentumSchedule, steps: number[]) => steps.map((k) => ({ lr: s(k), momentum: s.momentum(k) }));

describe('batchLearningRateScheduler in fit', () => {
  const { x, y } = data();
  const dirs: string[] = [];
  beforeAll(() => wg.setBackend(new CpuBackend()));
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('step k trains with schedule(k) and momentum(k) over 2 epochs, and batch logs say so', async () => {
    const s = wg.train.schedules.oneCycle({ maxLr: 0.05, totalSteps: 2 * STEPS });
    const { m, used } = recordingModel();
    const rec = logRecorder();
    await m.fit(x, y, { epochs: 2, batchSize: BATCH, verbose: 0, callbacks: [wg.callbacks.batchLearningRateScheduler(s), rec.cb] });
    expect(used).toEqual(expected(s, range(0, 2 * STEPS)));
    expect(rec.logs).toEqual(expectedLogs(s, range(0, 2 * STEPS)));
  });

  it('with initialEpoch, continues at initialEpoch × steps', async () => {
    const s: Schedule = wg.train.schedules.stepDecay({ initialLearningRate: 0.1, stepSize: 3, gamma: 0.5 });
    const { m, used } = recordingModel();
    await m.fit(x, y, { epochs: 3, initialEpoch: 1, batchSize: BATCH, verbose: 0, callbacks: [wg.callbacks.batchLearningRateScheduler(s)] });
    expect(used.map((u) => u.lr)).toEqual(range(STEPS, 3 * STEPS).map(s));
  });

  it('resumed from a mid-epoch checkpoint, continues at the checkpoint step, late logs included', async () => {
    const s = wg.train.schedules.oneCycle({ maxLr: 0.05, totalSteps: 2 * STEPS });
    const dir = mkdtempSync(join(tmpdir(), 'wg-batch-lr-'));
    dirs.push(dir);
    let begun = 0;
    const crash: wg.callbacks.CallbackHooks = {
      onBatchBegin: () => {
        if (begun++ === 5) throw new Error('simulated crash');
      },
    };
    const first = recordingModel();
    const args = { epochs: 2, batchSize: BATCH, verbose: 0 as const, checkpoint: { dir, everyBatches: 2 } };
    await expect(first.m.fit(x, y, { ...args, callbacks: [wg.callbacks.batchLearningRateScheduler(s), crash] })).rejects.toThrow(/simulated crash/);
    expect(first.used).toEqual(expected(s, range(0, 5)));

    const resumed = recordingModel();
    const rec = logRecorder();
    const h = await resumed.m.fit(x, y, { ...args, resumeFrom: dir, callbacks: [wg.callbacks.batchLearningRateScheduler(s), rec.cb] });
    expect(h.resumedFrom!.step).toBe(4);
    expect(resumed.used).toEqual(expected(s, range(4, 2 * STEPS)));
    // Losses in flight at the checkpoint are delivered after the resume: their logs are the earlier steps'.
    expect(rec.logs).toEqual(expectedLogs(s, range(2 * STEPS - rec.logs.length, 2 * STEPS)));
    expect(rec.logs.length).toBeGreaterThan(2 * STEPS - 4);
  });
});
