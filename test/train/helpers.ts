import type { Callback } from '../../src/train/callbacks/base.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import type { Logs, TrainableModel } from '../../src/train/callbacks/types.js';

/** A stand-in model: its "weights" are the label of the epoch that produced them. */
export class FakeModel implements TrainableModel {
  stopTraining = false;
  weights = 'init';
  disposed: unknown[] = [];
  optimizer = { learningRate: 0.01, beta1: 0.9 };
  getWeights(): unknown {
    return { w: this.weights };
  }
  setWeights(w: unknown): void {
    this.weights = (w as { w: string }).w;
  }
  disposeWeights(w: unknown): void {
    this.disposed.push(w);
  }
}

/**
 * Drives callbacks through epochs as fit() will: at each epoch the weights become `w<epoch>`,
 * then onEpochEnd gets `{ [monitor]: values[epoch] }`; stops when stopTraining is set.
 */
export async function simulateEpochs(cbs: Callback[], monitor: string, values: number[], model = new FakeModel()) {
  for (const cb of cbs) cb.setModel(model);
  for (const cb of cbs) await cb.onTrainBegin({});
  let epochsRun = 0;
  for (let epoch = 0; epoch < values.length; epoch++) {
    for (const cb of cbs) await cb.onEpochBegin(epoch, {});
    model.weights = `w${epoch}`;
    const logs: Logs = { [monitor]: values[epoch]! };
    for (const cb of cbs) await cb.onEpochEnd(epoch, logs);
    epochsRun++;
    if (model.stopTraining) break;
  }
  for (const cb of cbs) await cb.onTrainEnd({});
  return { epochsRun, model, finalWeights: model.weights };
}

/** |a − b| ≤ rel·max(|a|, |b|) (or ≤ abs for values near 0). */
export function close(a: number, b: number, rel = 1e-12, abs = 1e-15): boolean {
  return Math.abs(a - b) <= Math.max(abs, rel * Math.max(Math.abs(a), Math.abs(b)));
}

/** A model's weights as plain arrays (the copies getWeights hands out are freed). */
export async function weightsOf(m: { getWeights(): Tensor[] }): Promise<number[][]> {
  const ws = m.getWeights();
  const out = await Promise.all(ws.map(async (w) => Array.from(await w.data())));
  ws.forEach((w) => w.dispose());
  return out;
}
