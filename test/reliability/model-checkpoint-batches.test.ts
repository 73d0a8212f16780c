// modelCheckpoint with a batch saveFreq inside the real fit loop, where a batch's logs arrive a
// couple of steps late (readback ring): every file must hold the weights right after that batch's
// update and be judged and named by that batch's logs, also across a mid-epoch resume.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { cpuForFile } from '../helpers/backends.js';
import { denseModel, denseTask, removeDir, tempDir } from './helpers.js';

const BATCH = 16;
const STEPS = 8; // per epoch
const EPOCHS = 2;
const FREQ = 3; // save points straddle the epoch boundary: global steps 2, 5, 8, 11, 14
const data = denseTask(BATCH * STEPS, 4);

/** A model that records its weights right after every optimizer update, by global step. */
function recordingModel(): { m: wg.Sequential; after: number[][][] } {
  const m = denseModel();
  const after: number[][][] = [];
  const opt = m.optimizer!;
  const apply = opt.applyGradients.bind(opt);
  opt.applyGradients = (pairs) => {
    apply(pairs);
    // The CPU backend holds weights on the host: read them synchronously, before the next step.
    after.push(m.weights.map((w) => Array.from(w.value.dataSync())));
  };
  return { m, after };
}

/** batch_loss of every batch, keyed `epoch:batch`, as onBatchEnd delivered it. */
function lossRecorder(): { cb: wg.callbacks.CallbackHooks; losses: Map<string, number> } {
  const losses = new Map<string, number>();
  let epoch = 0;
  return { losses, cb: { onEpochBegin: (e) => void (epoch = e), onBatchEnd: (b, l) => void losses.set(`${epoch}:${b}`, l!.batch_loss!) } };
}

const weightsIn = (path: string) => [...wg.io.decodeSafetensors(readFileSync(path)).tensors.values()].map((t) => Array.from(t.data));
/** `e{epoch}-b{batch}` of a saved file (1-based, as filled in) → global step index. */
const stepOf = (path: string) => {
  const [, e, b] = /e(\d+)-b(\d+)/.exec(basename(path))!;
  return (Number(e) - 1) * STEPS + Number(b) - 1;
};

cpuForFile();

describe('modelCheckpoint with saveFreq in batches', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(removeDir));
  const dir = () => {
    const d = tempDir();
    dirs.push(d);
    return d;
  };

  it("saves the weights right after every FREQ-th batch's update, named by that batch's logs", async () => {
    const out = dir();
    const { m, after } = recordingModel();
    const rec = lossRecorder();
    const every = wg.callbacks.modelCheckpoint({ filepath: join(out, 'e{epoch}-b{batch}-{batch_loss:.6f}.safetensors'), saveWeightsOnly: true, saveFreq: FREQ });
    const best = wg.callbacks.modelCheckpoint({ filepath: join(out, 'best-e{epoch}-b{batch}.safetensors'), saveWeightsOnly: true, saveFreq: FREQ, monitor: 'batch_loss', saveBestOnly: true });
    await m.fit(data.x, data.y, { epochs: EPOCHS, batchSize: BATCH, verbose: 0, callbacks: [every, best, rec.cb] });

    const points = [2, 5, 8, 11, 14];
    const key = (step: number) => `${Math.floor(step / STEPS)}:${step % STEPS}`;
    expect(every.saved.map((p) => basename(p))).toEqual(points.map((s) => `e${Math.floor(s / STEPS) + 1}-b${(s % STEPS) + 1}-${rec.losses.get(key(s))!.toFixed(6)}.safetensors`));
    for (const path of every.saved) expect(weightsIn(path)).toEqual(after[stepOf(path)]);

    // Best-only: judged by each save point's own batch_loss, and the file holds that batch's weights.
    let bestLoss = Infinity;
    const improved: number[] = [];
    for (const s of points) {
      const loss = rec.losses.get(key(s))!;
      if (loss >= bestLoss) continue;
      bestLoss = loss;
      improved.push(s);
    }
    expect(best.saved.map(stepOf)).toEqual(improved);
    expect(best.best).toBe(bestLoss);
    for (const path of best.saved) expect(weightsIn(path)).toEqual(after[stepOf(path)]);
    m.dispose();
  });

  it('resumed mid-epoch from a checkpoint, writes the same files as an uninterrupted run', async () => {
    const filesOf = async (out: string, crashAt: number | null) => {
      const ckpt = join(out, 'ckpt');
      const args = { epochs: EPOCHS, batchSize: BATCH, verbose: 0 as const, checkpoint: { dir: ckpt, everyBatches: 1 } };
      const checkpointer = () => wg.callbacks.modelCheckpoint({ filepath: join(out, 'e{epoch}-b{batch}.safetensors'), saveWeightsOnly: true, saveFreq: FREQ });
      if (crashAt !== null) {
        let begun = 0;
        const crash: wg.callbacks.CallbackHooks = {
          onBatchBegin: () => {
            if (begun++ === crashAt) throw new Error('simulated crash');
          },
        };
        const first = denseModel();
        await expect(first.fit(data.x, data.y, { ...args, callbacks: [checkpointer(), crash] })).rejects.toThrow(/simulated crash/);
        first.dispose();
      }
      const m = denseModel();
      const mc = checkpointer();
      await m.fit(data.x, data.y, { ...args, callbacks: [mc], ...(crashAt !== null ? { resumeFrom: ckpt } : {}) });
      m.dispose();
      return mc.saved.map((p) => [basename(p), weightsIn(p)]);
    };
    const uninterrupted = await filesOf(dir(), null);
    expect(uninterrupted).toHaveLength(5);
    // Crash before global step 3: the save point (step 2) is not yet copied at the checkpoint;
    // before step 4: its copy is in the checkpoint and its logs are still in flight; before step
    // 13: the same in the second epoch, which the resumed run never begins (no onEpochBegin).
    for (const crashAt of [3, 4, 13]) expect(await filesOf(dir(), crashAt)).toEqual(uninterrupted);
  });
});
