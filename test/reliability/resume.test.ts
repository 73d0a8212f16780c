// Crash safety and resume, in process: checkpoints never perturb training, and a run resumed from
// any checkpoint ends with exactly the weights of an uninterrupted run (CPU, bit for bit), with
// optimizer moments, step count, callback state (early stopping, LR schedule) and history intact.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { cpuForFile } from '../helpers/backends.js';
import { removeDir, tempDir, tokenModel, tokenTask, weightBytes } from './helpers.js';

cpuForFile();
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const data = tokenTask(96, 11);
const val = tokenTask(32, 12);
const EPOCHS = 4;
const BATCH = 16; // 6 steps per epoch, 24 in all

/** The stateful callbacks every run here uses: early stopping with best weights, a one-cycle schedule. */
function callbacks(): wg.callbacks.Callback[] {
  return [
    wg.callbacks.earlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true }),
    wg.callbacks.batchLearningRateScheduler(wg.train.schedules.oneCycle({ maxLr: 0.03, totalSteps: EPOCHS * 6 }), { momentum: false }),
  ];
}

async function run(args: Partial<wg.train.FitArgs> = {}, extra: wg.callbacks.CallbackHooks[] = [], seed = 5) {
  const m = tokenModel({ seed });
  const cbs = callbacks();
  const h = await m.fit(data.x, data.y, { epochs: EPOCHS, batchSize: BATCH, validationData: [val.x, val.y], verbose: 0, seed: 7, callbacks: [...cbs, ...extra], ...args });
  return { m, h, es: cbs[0] as wg.callbacks.EarlyStopping, bytes: await weightBytes(m) };
}

describe('checkpoint and resume (CPU, bit-identical)', () => {
  it('writing checkpoints does not change training at all', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const plain = await run();
    const ckpt = await run({ checkpoint: { dir, everyBatches: 2 } });
    expect(ckpt.bytes.equals(plain.bytes)).toBe(true);
    expect(ckpt.h.history).toEqual(plain.h.history);
    expect(ckpt.h.checkpoint).toBe(join(dir, wg.train.CHECKPOINT_FILE));
    // Only the checkpoint itself is left: no temporary files.
    expect(readdirSync(dir)).toEqual([wg.train.CHECKPOINT_FILE]);
    plain.m.dispose();
    ckpt.m.dispose();
  });

  it('a run stopped at any step resumes to the same final weights, history and callback state', async () => {
    const reference = await run();
    // Crash points: mid-epoch at several steps, right after a checkpoint, and at an epoch boundary.
    for (const crashAt of [3, 5, 8, 12, 17, 23]) {
      const dir = tempDir();
      dirs.push(dir);
      let step = 0;
      const crash: wg.callbacks.CallbackHooks = {
        onBatchBegin: () => {
          if (step++ === crashAt) throw new Error(`simulated crash at step ${crashAt}`);
        },
      };
      const first = tokenModel();
      await expect(first.fit(data.x, data.y, { epochs: EPOCHS, batchSize: BATCH, validationData: [val.x, val.y], verbose: 0, seed: 7, callbacks: [...callbacks(), crash], checkpoint: { dir, everyBatches: 2 } }))
        .rejects.toThrow(new RegExp(`fit: training stopped at epoch \\d/${EPOCHS}, batch \\d: simulated crash at step ${crashAt}\\. The last checkpoint .* is intact: continue with .*resumeFrom`));
      first.dispose();
      // A brand-new model with other initial weights: everything must come from the checkpoint.
      const resumed = await run({ resumeFrom: dir, checkpoint: { dir, everyBatches: 2 } }, [], 99);
      expect(resumed.h.resumedFrom!.step, `crash at ${crashAt}`).toBe(crashAt - (crashAt % 2));
      expect(resumed.bytes.equals(reference.bytes), `crash at ${crashAt}: final weights differ`).toBe(true);
      expect(resumed.h.history, `crash at ${crashAt}`).toEqual(reference.h.history);
      expect(resumed.es.summary(), `crash at ${crashAt}`).toEqual(reference.es.summary());
      resumed.m.dispose();
    }
    reference.m.dispose();
  });

  it('restores Adam moments and step count and the RNG exactly', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const m = tokenModel();
    await m.fit(data.x, data.y, { epochs: 1, batchSize: BATCH, verbose: 0, checkpoint: { dir } });
    wg.setSeed(123);
    const rngAfter = wg.getRngState();
    const ck = await wg.train.loadCheckpoint(dir);
    const opt = m.optimizer as wg.train.Adam;
    expect(ck.optimizer!.iterations).toBe(opt.iterations);
    expect(ck.optimizer!.className).toBe('Adam');
    const state = await opt.exportState();
    expect(ck.optimizer!.slots.map((s) => Array.from(s.values))).toEqual(state.slots.map((s) => Array.from(s.value as number[]).map(Math.fround)));
    expect(ck.position).toEqual({ epoch: 1, batch: 0, step: 6 });
    // A resume puts the RNG back to what it was when the checkpoint was written.
    const again = tokenModel({ seed: 1 });
    await again.fit(data.x, data.y, { epochs: 1, batchSize: BATCH, verbose: 0, resumeFrom: dir });
    expect(wg.getRngState()).toBe(ck.rng);
    expect(ck.rng).not.toBe(rngAfter);
    expect((again.optimizer as wg.train.Adam).iterations).toBe(6);
    m.dispose();
    again.dispose();
  });

  it('a run that early stopping ended resumes to its end: the best weights are restored, no more epochs run', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const es = () => wg.callbacks.earlyStopping({ monitor: 'val_loss', minDelta: 10, patience: 1, restoreBestWeights: true });
    const m = tokenModel();
    const h = await m.fit(data.x, data.y, { epochs: 6, batchSize: BATCH, validationData: [val.x, val.y], verbose: 0, callbacks: [es()], checkpoint: { dir } });
    expect(h.epoch).toEqual([0, 1]);
    const ck = await wg.train.loadCheckpoint(dir);
    expect(ck.stopped).toBe(true);
    const again = tokenModel({ seed: 42 });
    const h2 = await again.fit(data.x, data.y, { epochs: 6, batchSize: BATCH, validationData: [val.x, val.y], verbose: 0, callbacks: [es()], resumeFrom: dir });
    expect(h2.epoch).toEqual([0, 1]);
    expect((await weightBytes(again)).equals(await weightBytes(m))).toBe(true);
    m.dispose();
    again.dispose();
  });

  it('modelCheckpoint saves the best model atomically, and it loads back equal to the restored best weights', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const m = tokenModel();
    const mc = wg.callbacks.modelCheckpoint({ filepath: join(dir, 'best-{epoch:02d}-{val_loss:.3f}'), monitor: 'val_loss', saveBestOnly: true });
    const wo = wg.callbacks.modelCheckpoint({ filepath: join(dir, 'weights-{epoch}.safetensors'), saveWeightsOnly: true });
    await m.fit(data.x, data.y, { epochs: 3, batchSize: BATCH, validationData: [val.x, val.y], verbose: 0, callbacks: [mc, wo, wg.callbacks.earlyStopping({ monitor: 'val_loss', patience: 5, restoreBestWeights: true })] });
    expect(mc.saved.length).toBeGreaterThan(0);
    expect(mc.saved.at(-1)).toMatch(/best-0\d-0\.\d{3}$/);
    const best = await wg.loadModel(mc.saved.at(-1)!);
    expect((await weightBytes(best)).equals(await weightBytes(m))).toBe(true);
    expect(wo.saved).toEqual([1, 2, 3].map((e) => join(dir, `weights-${e}.safetensors`)));
    const last = wg.io.decodeSafetensors(readFileSync(wo.saved[2]!));
    expect([...last.tensors.keys()]).toEqual(m.weights.map((w) => w.name));
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
    best.dispose();
    m.dispose();
  });

  it('a stale temporary file from a killed writer is cleaned up and never read', async () => {
    const dir = tempDir();
    dirs.push(dir);
    // What a writer killed mid-write leaves: half a file under a temporary name (pid 999999 is gone).
    writeFileSync(join(dir, `.${wg.train.CHECKPOINT_FILE}.999999.1abc.tmp`), Buffer.alloc(100, 7));
    const m = tokenModel();
    await m.fit(data.x, data.y, { epochs: 1, batchSize: BATCH, verbose: 0, checkpoint: { dir } });
    expect(readdirSync(dir)).toEqual([wg.train.CHECKPOINT_FILE]);
    expect(readFileSync(join(dir, wg.train.CHECKPOINT_FILE)).length).toBeGreaterThan(100);
    m.dispose();
  });
});
