// Numerical faults injected into training: a NaN or infinite loss, a NaN gradient behind a finite
// loss (caught by the gradient check when clipping is on, else one step later through the loss),
// with fit's three policies; and a NaN in the middle of an LR range test.
import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { binaryCrossentropy } from '../../src/nn/losses.js';
import { cpuForFile } from '../helpers/backends.js';
import { denseModel, denseTask, tokenModel, tokenTask, weightBytes } from './helpers.js';

cpuForFile();

/** Counts faults injected across the file (reported in the closing summary). */
export const injected = { count: 0 };

type Fault = 'nan-loss' | 'inf-loss' | 'nan-grad';

/**
 * A binary cross-entropy that misbehaves on one training step: its value becomes NaN or +∞
 * (and so do the gradients), or it stays finite while every gradient becomes NaN
 * (0·√(p − p): value 0, derivative 0/0).
 */
function faultyLoss(fault: Fault, at: () => boolean): wg.losses.LossFn {
  return (yTrue, yPred) => {
    const l = binaryCrossentropy(yTrue, yPred);
    if (!at()) return l;
    injected.count++;
    if (fault === 'nan-loss') return wg.mul(l, NaN);
    if (fault === 'inf-loss') return wg.mul(l, Infinity);
    return wg.add(l, wg.mul(wg.sqrt(wg.sub(yPred, yPred)).sum(), 0));
  };
}

/** A step counter driven by fit's onBatchBegin (training steps only; evaluation does not count). */
function stepper(badStep: number) {
  let step = -1;
  let training = false;
  return {
    hooks: { onBatchBegin: () => void (step++, (training = true)), onBatchEnd: () => void 0, onEpochEnd: () => void (training = false) } as wg.callbacks.CallbackHooks,
    isBad: () => training && step === badStep,
    get step() {
      return step;
    },
  };
}

async function trainWithFault(fault: Fault, badStep: number, args: Partial<wg.train.FitArgs> = {}, optimizer?: wg.OptimizerLike) {
  const t = denseTask(128, 3);
  const m = denseModel(optimizer ? { optimizer } : {});
  const s = stepper(badStep);
  m.compile({ optimizer: m.optimizer!, loss: faultyLoss(fault, s.isBad), metrics: ['binaryAccuracy'] });
  // The reference: the weights just before the bad step ran.
  let before: Buffer | null = null;
  const snap: wg.callbacks.CallbackHooks = { onBatchBegin: async () => void (s.step === badStep && (before = await weightBytes(m))) };
  const h = await m.fit(t.x, t.y, { epochs: 4, batchSize: 16, verbose: 0, callbacks: [s.hooks, snap], ...args });
  return { m, h, before: before as Buffer | null, t };
}

describe('a non-finite loss or gradient during fit', () => {
  for (const [fault, bad] of [['nan-loss', 5], ['inf-loss', 13], ['nan-loss', 0], ['nan-loss', 7]] as const) {
    it(`${fault} at step ${bad}: stops with a clear message and keeps the weights from before that step`, async () => {
      const { m, h, before } = await trainWithFault(fault, bad);
      expect(h.nonFinite).toMatchObject({ what: 'loss', step: bad, restoredToStep: bad });
      expect(h.stopReason).toMatch(new RegExp(`^fit: the loss was (NaN|Infinity) at epoch ${Math.floor(bad / 8) + 1}, batch ${bad % 8} \\(step ${bad}\\); training stopped and the weights and optimizer state from before that step were restored`));
      expect((await weightBytes(m)).equals(before!)).toBe(true);
      // The optimizer is back to step `bad` too, and training can go on from there.
      expect((m.optimizer as wg.train.Adam).iterations).toBe(bad);
      expect(h.epoch.at(-1)).toBe(Math.floor(bad / 8));
      const t = denseTask(64, 9);
      const again = await m.fit(t.x, t.y, { epochs: 1, batchSize: 16, verbose: 0 });
      expect(Number.isFinite(again.history.loss![0]!)).toBe(true);
      expect(again.nonFinite).toBeUndefined();
      m.dispose();
    });
  }

  it('a NaN gradient behind a finite loss is caught at its own step when clipping is on', async () => {
    const { m, h, before } = await trainWithFault('nan-grad', 6, {}, wg.train.adam({ learningRate: 0.05, clipnorm: 1 }));
    expect(h.nonFinite).toMatchObject({ what: 'gradient', step: 6, restoredToStep: 6 });
    expect(h.stopReason).toMatch(/^fit: the gradient \(summed\) was NaN at epoch 1, batch 6 \(step 6\)/);
    expect((await weightBytes(m)).equals(before!)).toBe(true);
    m.dispose();
  });

  it('without the gradient check, the NaN weights are caught one step later and the state before the bad gradient is restored', async () => {
    const { m, h, before } = await trainWithFault('nan-grad', 6, { checkGradients: false });
    // Step 6's loss was finite; its update wrote NaN, so step 7's loss is NaN and the snapshot
    // before step 7 holds NaN: the guard goes back to the one before step 6.
    expect(h.nonFinite).toMatchObject({ what: 'loss', step: 7, restoredToStep: 6 });
    expect(h.stopReason).toMatch(/that state held NaN\/Infinity too, so the state from before step 6 was restored/);
    expect((await weightBytes(m)).equals(before!)).toBe(true);
    m.dispose();
  });

  it("nonFinite: 'throw' restores, then rejects with the message", async () => {
    const t = denseTask(128, 3);
    const m = denseModel();
    const s = stepper(4);
    m.compile({ optimizer: m.optimizer!, loss: faultyLoss('nan-loss', s.isBad) });
    let before: Buffer | null = null;
    const snap: wg.callbacks.CallbackHooks = { onBatchBegin: async () => void (s.step === 4 && (before = await weightBytes(m))) };
    await expect(m.fit(t.x, t.y, { epochs: 2, batchSize: 16, verbose: 0, nonFinite: 'throw', callbacks: [s.hooks, snap] }))
      .rejects.toThrow(/^fit: the loss was NaN at epoch 1, batch 4 \(step 4\); training stopped and the weights and optimizer state from before that step were restored/);
    expect((await weightBytes(m)).equals(before!)).toBe(true);
    m.dispose();
  });

  it("nonFinite: 'ignore' is Keras's behaviour: training goes on and terminateOnNaN can stop it", async () => {
    const t = denseTask(128, 3);
    const m = denseModel();
    const s = stepper(2);
    m.compile({ optimizer: m.optimizer!, loss: faultyLoss('nan-loss', s.isBad) });
    const logs: string[] = [];
    const h = await m.fit(t.x, t.y, { epochs: 2, batchSize: 16, verbose: 0, nonFinite: 'ignore', callbacks: [s.hooks, wg.callbacks.terminateOnNaN({ log: (x) => void logs.push(x) })] });
    // Losses arrive two steps late, so the two steps already queued after batch 2 also run.
    expect(logs[0]).toBe('Batch 2: Invalid loss, terminating training');
    expect(h.epoch).toEqual([0]);
    expect(h.nonFinite).toBeUndefined();
    expect((await weightBytes(m)).length).toBeGreaterThan(0);
    m.dispose();
  });

  it('the guard adds no live tensors or buffers once fit returns', async () => {
    const before = wg.stats();
    const { m } = await trainWithFault('nan-loss', 9);
    m.dispose();
    const after = wg.stats();
    expect({ tensors: after.tensors, buffers: after.buffers, bytes: after.bytes }).toEqual({ tensors: before.tensors, buffers: before.buffers, bytes: before.bytes });
  });
});

describe('the LR range test with a NaN in the middle of the sweep', () => {
  it('stops at the NaN and still restores weights, optimizer state and RNG exactly', async () => {
    const t = tokenTask(256, 4);
    const m = tokenModel({ lr: 0.001 });
    await m.fit(t.x, t.y, { epochs: 1, batchSize: 32, verbose: 0 });
    let calls = 0;
    m.compile({ optimizer: m.optimizer!, loss: faultyLoss('nan-loss', () => calls++ === 9), metrics: ['binaryAccuracy'] });
    const weights = await weightBytes(m);
    const opt = await (m.optimizer as wg.train.Adam).exportState();
    const rng = wg.getRngState();
    const r = await wg.train.findLearningRate(m, t.x, t.y, { startLr: 1e-5, endLr: 1e-2, epochs: 4, batchSize: 32, verbose: false });
    expect(r.divergedAt).toBe(9);
    expect(Number.isNaN(r.losses.at(-1)!)).toBe(true);
    expect(r.losses.length).toBe(10);
    expect((await weightBytes(m)).equals(weights)).toBe(true);
    expect(await (m.optimizer as wg.train.Adam).exportState()).toEqual(opt);
    expect(wg.getRngState()).toBe(rng);
    m.dispose();
  });
});
