import { describe, expect, it } from 'vitest';
import {
  batchLearningRateScheduler, Callback, CallbackList, lambdaCallback, learningRateScheduler, reduceLROnPlateau, terminateOnNaN,
  type Logs, type TrainableModel,
} from '../../src/train/callbacks/index.js';
import { oneCycle, stepDecay } from '../../src/train/schedules/index.js';
import { FakeModel } from './helpers.js';

const quiet = { log: () => {}, warn: () => {} };

describe('reduceLROnPlateau (Keras 3 trace)', () => {
  it('reduces after patience epochs, honours cooldown and minLr', async () => {
    const model = new FakeModel();
    const cb = reduceLROnPlateau({ factor: 0.5, patience: 2, cooldown: 1, minLr: 0.001, ...quiet });
    cb.setModel(model);
    cb.onTrainBegin();
    const values = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6];
    const lrAfter: number[] = [];
    const logged: number[] = [];
    values.forEach((v, epoch) => {
      const logs: Logs = { val_loss: v };
      cb.onEpochEnd(epoch, logs);
      logged.push(logs.learning_rate!);
      lrAfter.push(model.optimizer.learningRate);
    });
    // e2: wait 2 → 0.005 (cooldown 1); e3: cooldown ends, wait 1; e4: → 0.0025; e5: wait 1; e6: → 0.00125;
    // e7: improvement; e8 wait 1 (cooldown ticks to 0 first); e9: → max(0.000625, 0.001) = 0.001;
    // afterwards lr is not above float32(minLr), so it stays.
    expect(lrAfter).toEqual([0.01, 0.01, 0.005, 0.005, 0.0025, 0.0025, 0.00125, 0.00125, 0.00125, 0.001, 0.001, 0.001, 0.001]);
    expect(logged.slice(0, 4)).toEqual([0.01, 0.01, 0.01, 0.005]); // logged before the reduction
  });
  it('max mode for accuracy, minDelta is a strict threshold, factor ≥ 1 rejected', () => {
    const model = new FakeModel();
    const cb = reduceLROnPlateau({ monitor: 'val_accuracy', patience: 1, minDelta: 0.01, ...quiet });
    expect(cb.direction).toBe('max');
    cb.setModel(model);
    cb.onTrainBegin();
    cb.onEpochEnd(0, { val_accuracy: 0.8 });
    cb.onEpochEnd(1, { val_accuracy: 0.805 }); // +0.005 < minDelta: no improvement, wait 1 ≥ 1
    expect(model.optimizer.learningRate).toBeCloseTo(0.001, 15);
    expect(() => reduceLROnPlateau({ factor: 1 })).toThrow(RangeError);
  });
});

describe('learningRateScheduler', () => {
  it('sets schedule(epoch, lr) at each epoch begin and logs it', () => {
    const model = new FakeModel();
    const cb = learningRateScheduler((epoch, lr) => (epoch < 2 ? lr : lr * 0.5));
    cb.setModel(model);
    const seen: number[] = [];
    for (let e = 0; e < 4; e++) {
      cb.onEpochBegin(e);
      const logs: Logs = {};
      cb.onEpochEnd(e, logs);
      seen.push(logs.learning_rate!);
    }
    expect(seen).toEqual([0.01, 0.01, 0.005, 0.0025]);
    const bad = learningRateScheduler(() => NaN);
    bad.setModel(model);
    expect(() => bad.onEpochBegin(0)).toThrow(TypeError);
    const noOpt = learningRateScheduler((_e, lr) => lr);
    noOpt.setModel({ stopTraining: false, getWeights: () => null, setWeights: () => {} });
    expect(() => noOpt.onEpochBegin(0)).toThrow(/no optimizer/);
  });
});

describe('terminateOnNaN', () => {
  it('stops on NaN or Inf batch loss, or throws with raiseError', () => {
    const model = new FakeModel();
    const cb = terminateOnNaN(quiet);
    cb.setModel(model);
    cb.onBatchEnd(0, { loss: 0.5 });
    cb.onBatchEnd(1, {});
    expect(model.stopTraining).toBe(false);
    cb.onBatchEnd(2, { loss: Infinity });
    expect(model.stopTraining).toBe(true);
    expect(cb.stoppedBatch).toBe(2);
    const strict = terminateOnNaN({ raiseError: true });
    strict.setModel(new FakeModel());
    expect(() => strict.onBatchEnd(7, { loss: NaN })).toThrow(/batch 7/);
  });
});

describe('batchLearningRateScheduler', () => {
  async function run(cb: Callback, model: TrainableModel, epochs: number, steps: number, initialEpoch = 0) {
    cb.setModel(model);
    cb.setParams({ epochs, steps, initialEpoch });
    await cb.onTrainBegin();
    const lrs: number[] = [];
    const logged: number[] = [];
    for (let e = initialEpoch; e < epochs; e++) {
      for (let b = 0; b < steps; b++) {
        await cb.onBatchBegin(b);
        lrs.push(model.optimizer!.learningRate);
        const logs: Logs = { loss: 1 };
        await cb.onBatchEnd(b, logs);
        logged.push(logs.learning_rate!);
      }
    }
    return { lrs, logged };
  }

  it('applies the schedule at the global step, cycling beta1', async () => {
    const s = oneCycle({ maxLr: 0.01, totalSteps: 6 });
    const model = new FakeModel();
    const betas: number[] = [];
    const cb = batchLearningRateScheduler(s);
    const spy = new CallbackList([cb, { onBatchBegin: () => { betas.push(model.optimizer.beta1); } }]);
    spy.setModel(model);
    spy.setParams({ epochs: 2, steps: 3 });
    await spy.onTrainBegin();
    const lrs: number[] = [];
    for (let e = 0; e < 2; e++) {
      for (let b = 0; b < 3; b++) {
        await spy.onBatchBegin(b);
        lrs.push(model.optimizer.learningRate);
        await spy.onBatchEnd(b, {});
      }
    }
    expect(lrs).toEqual([0, 1, 2, 3, 4, 5].map(s));
    expect(betas).toEqual([0, 1, 2, 3, 4, 5].map(s.momentum));
  });

  it('resumes at initialEpoch × steps and logs learning_rate', async () => {
    const s = stepDecay({ initialLearningRate: 1, stepSize: 2, gamma: 0.5 });
    const { lrs, logged } = await run(batchLearningRateScheduler(s), new FakeModel(), 3, 2, 1);
    expect(lrs).toEqual([0.5, 0.5, 0.25, 0.25]);
    expect(logged).toEqual(lrs);
  });

  it('cycles SGD momentum, can be told not to, and refuses a momentum schedule it cannot apply', async () => {
    const s = oneCycle({ maxLr: 0.01, totalSteps: 4 });
    const sgd = { stopTraining: false, getWeights: () => null, setWeights: () => {}, optimizer: { learningRate: 0.1, momentum: 0.9 } };
    await run(batchLearningRateScheduler(s), sgd, 1, 2);
    expect(sgd.optimizer.momentum).toBe(s.momentum(1));
    const fixed = new FakeModel();
    await run(batchLearningRateScheduler(s, { momentum: false }), fixed, 1, 2);
    expect(fixed.optimizer.beta1).toBe(0.9);
    const plain = { stopTraining: false, getWeights: () => null, setWeights: () => {}, optimizer: { learningRate: 0.1 } };
    await run(batchLearningRateScheduler(s), plain, 1, 2); // implicit .momentum: silently skipped
    await expect(run(batchLearningRateScheduler(s, { momentum: s.momentum }), plain, 1, 1)).rejects.toThrow(/neither beta1 nor momentum/);
  });
});

describe('Callback, CallbackList, lambdaCallback', () => {
  it('calls hooks in order and awaits async ones', async () => {
    const events: string[] = [];
    class Slow extends Callback {
      override async onEpochEnd(epoch: number) {
        await new Promise((r) => setTimeout(r, 5));
        events.push(`slow ${epoch}`);
      }
    }
    const list = new CallbackList([new Slow(), lambdaCallback({ onEpochEnd: (e) => { events.push(`fast ${e}`); } }),
      { onTrainBegin: () => { events.push('begin'); } }]);
    const model = new FakeModel();
    list.setModel(model);
    expect(list.callbacks.every((c) => c.model === model)).toBe(true);
    await list.onTrainBegin();
    await list.onEpochEnd(0);
    await list.onTrainEnd();
    await list.onBatchBegin(0);
    await list.onBatchEnd(0);
    await list.onEpochBegin(1);
    expect(events).toEqual(['begin', 'slow 0', 'fast 0']);
  });
  it('a callback without a model explains itself', () => {
    const cb = terminateOnNaN(quiet);
    expect(() => cb.onBatchEnd(0, { loss: NaN })).toThrow(/no model set/);
  });
});
