// Live tensors, buffers and bytes (wg.stats) around a training run with every reliability feature
// on: the leak checks of the CPU and WebGPU suites share it.
import * as wg from '../../src/index.js';
import { removeDir, tempDir } from './helpers.js';

export type Level = { tensors: number; buffers: number; bytes: number };

/** Live tensors, buffers and bytes now. */
export function level(): Level {
  const s = wg.stats();
  return { tensors: s.tensors, buffers: s.buffers, bytes: s.bytes };
}

type Task = { x: { data: Float32Array | Int32Array; shape: number[] }; y: Float32Array };

export interface LeakRunOptions {
  epochs: number;
  batchSize: number;
  /** Steps between training checkpoints. */
  checkpointEvery: number;
  /** Early stopping's patience: larger than `epochs`, so every epoch runs. */
  patience: number;
  /** Batch size of the evaluate call after every epoch. */
  evalBatchSize: number;
}

/**
 * Trains a model from `makeModel` with the non-finite guard, checkpoints, early stopping with
 * best-weight snapshots and validation, and predicts and evaluates after every epoch. Returns the
 * level before the model exists, after every epoch, and once everything is disposed; the steps
 * and epochs run.
 */
export async function levelsOverTraining(makeModel: () => wg.Sequential, train: Task, val: Task, o: LeakRunOptions) {
  const dir = tempDir();
  const start = level();
  const xPredict = wg.tensor(val.x.data, val.x.shape, val.x.data instanceof Int32Array ? 'int32' : 'float32');
  const m = makeModel();
  const perEpoch: Level[] = [];
  let steps = 0;
  const probe: wg.callbacks.CallbackHooks = {
    onBatchEnd: () => void steps++,
    onEpochEnd: async () => {
      const p = m.predict(xPredict, { batchSize: 16 });
      await p.data();
      p.dispose();
      await m.evaluate(val.x, val.y, { batchSize: o.evalBatchSize });
      perEpoch.push(level());
    },
  };
  try {
    const h = await m.fit(train.x, train.y, {
      epochs: o.epochs, batchSize: o.batchSize, verbose: 0, validationData: [val.x, val.y], checkpoint: { dir, everyBatches: o.checkpointEvery },
      callbacks: [wg.callbacks.earlyStopping({ monitor: 'val_loss', patience: o.patience, restoreBestWeights: true }), probe],
    });
    m.dispose();
    xPredict.dispose();
    return { start, perEpoch, end: level(), steps, epochs: h.epoch.length };
  } finally {
    removeDir(dir);
  }
}
