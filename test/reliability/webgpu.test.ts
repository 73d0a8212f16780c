// The reliability checks that need a WebGPU device (Dawn; SwiftShader on a machine without a GPU):
// leaks over a few hundred steps, the non-finite guard on device buffers, a device lost in the
// middle of training (device.destroy()) and the continuation from the last checkpoint on the CPU
// and on a new device, and tensors larger than the device's storage binding limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { CpuBackend } from '../../src/kernels/cpu/backend.js';
import type { WebGPUBackend } from '../../src/kernels/webgpu/backend.js';
import { binaryCrossentropy } from '../../src/nn/losses.js';
import { webgpuForTests } from '../helpers/webgpu.js';
import { denseModel, denseTask, maxDiff, removeDir, tempDir, weightBytes, weightsOf } from './helpers.js';
import { level, levelsOverTraining } from './levels.js';

let gpu: WebGPUBackend | null = null;
let prev: wg.Backend;
const dirs: string[] = [];
beforeAll(async () => {
  prev = wg.getBackend();
  gpu = await webgpuForTests();
  if (gpu) wg.setBackend(gpu);
});
afterAll(() => {
  wg.setBackend(prev);
  try {
    gpu?.dispose();
  } catch {
    // Already destroyed by a test.
  }
  dirs.forEach(removeDir);
});

describe('WebGPU reliability', () => {
  it('leaks: 300 steps plus evaluate and predict keep live tensors, GPU buffers and bytes level after every epoch', async () => {
    if (!gpu) return;
    wg.setBackend(gpu);
    const train = denseTask(100 * 8, 31); // 100 steps per epoch
    const run = await levelsOverTraining(() => denseModel({ lr: 0.01 }), train, denseTask(48, 32), {
      epochs: 3, batchSize: 8, checkpointEvery: 40, patience: 10, evalBatchSize: 16,
    });
    expect(run.steps).toBe(300);
    expect(run.perEpoch.filter((l) => JSON.stringify(l) !== JSON.stringify(run.perEpoch[0])), JSON.stringify(run.perEpoch)).toEqual([]);
    expect(run.end).toEqual(run.start);
  });

  it('a NaN loss on the device: training stops and the weights from before the bad step are back', async () => {
    if (!gpu) return;
    wg.setBackend(gpu);
    const t = denseTask(128, 3);
    const m = denseModel();
    let step = -1;
    let before: Buffer | null = null;
    const counter: wg.callbacks.CallbackHooks = {
      onBatchBegin: async () => {
        step++;
        if (step === 5) before = await weightBytes(m);
      },
    };
    m.compile({ optimizer: m.optimizer!, loss: (a, b) => (step === 5 ? wg.mul(binaryCrossentropy(a, b), NaN) : binaryCrossentropy(a, b)) });
    const h = await m.fit(t.x, t.y, { epochs: 2, batchSize: 16, verbose: 0, callbacks: [counter] });
    expect(h.nonFinite).toMatchObject({ what: 'loss', step: 5, restoredToStep: 5 });
    expect((await weightBytes(m)).equals(before!)).toBe(true);
    m.dispose();
  });

  it('device.destroy() mid-training: a clear error, then training continues from the last checkpoint on the CPU and on a new device', async () => {
    if (!gpu) return;
    const t = denseTask(192, 5);
    const EPOCHS = 3;
    const args = { epochs: EPOCHS, batchSize: 16, verbose: 0 as const, seed: 3 };
    // The uninterrupted run on a device of its own.
    const ref = await webgpuForTests();
    wg.setBackend(ref!);
    const refModel = denseModel();
    await refModel.fit(t.x, t.y, args);
    const reference = await weightsOf(refModel);
    refModel.dispose();
    ref!.dispose();

    // The same run on `gpu`, whose device is destroyed at step 20 (epoch 2, batch 8).
    wg.setBackend(gpu);
    const dir = tempDir();
    dirs.push(dir);
    const doomed = gpu;
    let step = 0;
    const m = denseModel();
    const err = await m.fit(t.x, t.y, { ...args, checkpoint: { dir, everyBatches: 5 }, callbacks: [{ onBatchBegin: () => void (step++ === 20 && doomed.device.destroy()) }] }).then(() => null, (e: unknown) => e as Error);
    expect(err).toBeInstanceOf(wg.WebgradError);
    expect(err!.message).toMatch(/^fit: training stopped at epoch 2\/3, batch \d+: .*the WebGPU device was lost \(destroyed/);
    expect(err!.message).toMatch(/The last checkpoint \(.*checkpoint\.safetensors: epoch 2, batch 8, step 20\) is intact: continue with fit\(.*resumeFrom/);
    // Anything else on the lost device says so too, instead of hanging or returning garbage.
    gpu = null;
    expect(() => wg.tensor([1, 2, 3])).toThrow(/device was lost/);

    // Continue on the CPU from the checkpoint.
    wg.setBackend(new CpuBackend());
    const onCpu = denseModel({ seed: 77 });
    const h = await onCpu.fit(t.x, t.y, { ...args, resumeFrom: dir });
    expect(h.resumedFrom).toEqual({ epoch: 1, batch: 8, step: 20 });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(maxDiff(await weightsOf(onCpu), reference)).toBeLessThan(1e-4);
    onCpu.dispose();

    // Or on a new device.
    gpu = await webgpuForTests();
    wg.setBackend(gpu!);
    const onGpu = denseModel({ seed: 78 });
    await onGpu.fit(t.x, t.y, { ...args, resumeFrom: dir });
    expect(maxDiff(await weightsOf(onGpu), reference)).toBeLessThanOrEqual(1e-5);
    onGpu.dispose();
  });

  it('a tensor larger than maxStorageBufferBindingSize is refused with a message naming the limit', () => {
    if (!gpu) return;
    wg.setBackend(gpu);
    const limit = gpu.limits.maxStorageBufferBindingSize;
    const side = Math.ceil(Math.sqrt(limit / 4 + 1));
    const before = level();
    wg.tidy(() => {
      const a = wg.zeros([side, 1]);
      const b = wg.zeros([1, side]);
      expect(() => wg.matMul(a, b)).toThrow(new RegExp(`^matmul: the output of shape \\[${side}, ${side}\\] needs ${side * side} float32 elements \\(${side * side * 4} bytes\\), more than this webgpu device's maxStorageBufferBindingSize of ${limit} bytes`));
      expect(() => wg.broadcastTo(wg.zeros([1]), [limit / 4 + 1])).toThrow(/^broadcastTo: .*maxStorageBufferBindingSize of \d+ bytes/);
    });
    expect(level()).toEqual(before);
  });
});
