import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EarlyStopping, earlyStopping, resolveMode } from '../../src/train/callbacks/index.js';
import { simulateEpochs } from './helpers.js';

const quiet = { log: () => {}, warn: () => {} };

describe('earlyStopping: hand-derived Keras traces', () => {
  it("the tutorial's setting: val_accuracy, minDelta 1e-4, patience 1, restoreBestWeights", async () => {
    // epoch:        0     1     2     3 (no gain ≥ 1e-4 → wait 1 ≥ 1 → stop)   4 (never run)
    const es = earlyStopping({ monitor: 'val_accuracy', minDelta: 1e-4, patience: 1, restoreBestWeights: true, ...quiet });
    const r = await simulateEpochs([es], 'val_accuracy', [0.8, 0.84, 0.85, 0.85, 0.86]);
    expect(es.direction).toBe('max');
    expect(r.epochsRun).toBe(4);
    expect(es.stoppedEpoch).toBe(3);
    expect(es.bestEpoch).toBe(2);
    expect(es.stopReason).toBe('patience');
    expect(r.finalWeights).toBe('w2');
    expect(es.restoredBestWeights).toBe(true);
  });

  it('a gain of exactly minDelta is not an improvement (Keras 3 compares in float32)', async () => {
    const es = earlyStopping({ monitor: 'val_accuracy', minDelta: 1e-4, patience: 1, ...quiet });
    const r = await simulateEpochs([es], 'val_accuracy', [0.5005, 0.5006, 0.7]);
    expect(r.epochsRun).toBe(2);
    expect(es.stoppedEpoch).toBe(1);
    // In float64 (Keras 2 / NumPy) 0.5006 − 1e-4 > 0.5005 by rounding, so it would go on.
    const es64 = earlyStopping({ monitor: 'val_accuracy', minDelta: 1e-4, patience: 1, precision: 'float64', ...quiet });
    expect((await simulateEpochs([es64], 'val_accuracy', [0.5005, 0.5006, 0.7])).epochsRun).toBe(3);
    // min mode, loss falling by exactly minDelta
    const esMin = earlyStopping({ minDelta: 1e-4, patience: 1, ...quiet });
    expect((await simulateEpochs([esMin], 'val_loss', [0.1252, 0.1251, 0.1])).epochsRun).toBe(2);
    // and a gain just above minDelta is one
    const esUp = earlyStopping({ monitor: 'val_accuracy', minDelta: 1e-4, patience: 1, ...quiet });
    expect((await simulateEpochs([esUp], 'val_accuracy', [0.5005, 0.50061, 0.4])).epochsRun).toBe(3);
  });

  it('patience 2 counts epochs since the best, not since the last rise', async () => {
    // best 0.9 at epoch 1; 0.95 (wait 1), 0.91 (wait 2 → stop at epoch 3)
    const es = earlyStopping({ patience: 2, ...quiet });
    const r = await simulateEpochs([es], 'val_loss', [1.0, 0.9, 0.95, 0.91, 0.89]);
    expect(r.epochsRun).toBe(4);
    expect(es.stoppedEpoch).toBe(3);
    expect(es.bestEpoch).toBe(1);
    expect(es.best).toBe(0.9);
    expect(r.finalWeights).toBe('w3'); // no restoreBestWeights
  });

  it('patience 0: stops at the first non-improvement, but never at epoch 0', async () => {
    const es = earlyStopping({ patience: 0, ...quiet });
    expect((await simulateEpochs([es], 'val_loss', [1.0, 1.1, 0.5])).epochsRun).toBe(2);
    const es2 = earlyStopping({ patience: 0, ...quiet });
    // epoch 0 NaN: not an improvement, wait 1 ≥ 0, but epoch 0 → go on; epoch 1 improves
    expect((await simulateEpochs([es2], 'val_loss', [NaN, 1.0, 2.0])).epochsRun).toBe(3);
    expect(es2.stoppedEpoch).toBe(2);
  });

  it('NaN counts as no improvement unless checkFinite', async () => {
    const es = earlyStopping({ patience: 2, ...quiet });
    const r = await simulateEpochs([es], 'val_loss', [1.0, NaN, NaN, 0.5]);
    expect(r.epochsRun).toBe(3);
    expect(es.stopReason).toBe('patience');
    const ck = earlyStopping({ patience: 5, checkFinite: true, ...quiet });
    const r2 = await simulateEpochs([ck], 'val_loss', [1.0, 0.9, Infinity, 0.5]);
    expect(r2.epochsRun).toBe(3);
    expect(ck.stopReason).toBe('non-finite');
    expect(ck.stoppedEpoch).toBe(2);
  });

  it('baseline: wait resets only when the baseline is beaten; Keras 3 returns early on any improvement', async () => {
    // min mode, baseline 0.5, patience 2. 0.8, 0.7, 0.6 each improve on best but not on the
    // baseline: wait = 1, 2, 3 and no stop check (Keras returns); 0.65 is no improvement: wait 4 → stop.
    const es = earlyStopping({ baseline: 0.5, patience: 2, restoreBestWeights: true, ...quiet });
    const r = await simulateEpochs([es], 'val_loss', [0.8, 0.7, 0.6, 0.65, 0.1]);
    expect(r.epochsRun).toBe(4);
    expect(es.stoppedEpoch).toBe(3);
    expect(es.stopReason).toBe('baseline');
    expect(r.finalWeights).toBe('w2');
    // Once the baseline is beaten it is ordinary patience.
    const es2 = earlyStopping({ baseline: 0.5, patience: 2, ...quiet });
    const r2 = await simulateEpochs([es2], 'val_loss', [0.8, 0.45, 0.46, 0.47, 0.1]);
    expect(r2.epochsRun).toBe(4);
    expect(es2.stopReason).toBe('patience');
    // No epoch improves on the baseline: runs `patience` epochs, restores the best of them.
    const es3 = earlyStopping({ baseline: 0.5, patience: 2, restoreBestWeights: true, ...quiet });
    const r3 = await simulateEpochs([es3], 'val_loss', [0.8, 0.9, 0.95, 0.1]);
    expect(r3.epochsRun).toBe(2);
    expect(r3.finalWeights).toBe('w0');
    // The baseline is compared with minDelta too.
    const es4 = earlyStopping({ baseline: 0.5, minDelta: 0.1, patience: 1, ...quiet });
    expect((await simulateEpochs([es4], 'val_loss', [0.45, 0.46, 0.1])).epochsRun).toBe(2);
  });

  it('startFromEpoch ignores the warm-up epochs entirely', async () => {
    const es = earlyStopping({ startFromEpoch: 2, patience: 1, restoreBestWeights: true, ...quiet });
    const r = await simulateEpochs([es], 'val_loss', [0.1, 0.05, 1.0, 1.1, 0.9]);
    expect(r.epochsRun).toBe(4);
    expect(es.bestEpoch).toBe(2);
    expect(r.finalWeights).toBe('w2'); // not w1, although 0.05 was lower
  });

  it('restores the best weights at the end even when it never fired (Keras 3)', async () => {
    const es = earlyStopping({ patience: 5, restoreBestWeights: true, ...quiet });
    const r = await simulateEpochs([es], 'val_loss', [0.5, 0.4, 0.45]);
    expect(r.epochsRun).toBe(3);
    expect(es.stoppedEpoch).toBeNull();
    expect(r.finalWeights).toBe('w1');
    expect(es.restoredBestWeights).toBe(true);
    // Dropped snapshots are disposed: w0 (first), w0 snapshot replaced by w1's, then w1 after restoring.
    expect(r.model.disposed.map((w) => (w as { w: string }).w)).toEqual(['w0', 'w0', 'w1']);
  });

  it('mode auto: max for accuracy/auc-like names, min otherwise; explicit mode wins', () => {
    expect(resolveMode('val_accuracy', 'auto')).toBe('max');
    expect(resolveMode('acc', 'auto')).toBe('max');
    expect(resolveMode('val_auc', 'auto')).toBe('max');
    expect(resolveMode('val_binary_accuracy', 'auto')).toBe('max');
    expect(resolveMode('val_loss', 'auto')).toBe('min');
    expect(resolveMode('val_mae', 'auto')).toBe('min');
    expect(new EarlyStopping({ monitor: 'val_accuracy', mode: 'min' }).direction).toBe('min');
    expect(() => new EarlyStopping({ mode: 'up' as 'min' })).toThrow(RangeError);
  });

  it('extensions: relative minDelta, divergence and stopping thresholds', async () => {
    const rel = earlyStopping({ minDelta: 0.1, minDeltaMode: 'rel', patience: 1, ...quiet });
    // best 1.0 → needs < 0.9: 0.95 is not enough (stop)
    expect((await simulateEpochs([rel], 'val_loss', [1.0, 0.95, 0.5])).epochsRun).toBe(2);
    const rel2 = earlyStopping({ minDelta: 0.1, minDeltaMode: 'rel', patience: 1, ...quiet });
    expect((await simulateEpochs([rel2], 'val_loss', [1.0, 0.85, 0.7, 0.7])).epochsRun).toBe(4);
    const div = earlyStopping({ divergenceThreshold: 2, patience: 10, ...quiet });
    await simulateEpochs([div], 'val_loss', [1.0, 2.5, 0.5]);
    expect([div.stoppedEpoch, div.stopReason]).toEqual([1, 'divergence']);
    const thr = earlyStopping({ monitor: 'val_accuracy', stoppingThreshold: 0.9, patience: 10, restoreBestWeights: true, ...quiet });
    const r = await simulateEpochs([thr], 'val_accuracy', [0.8, 0.95, 0.99]);
    expect([thr.stoppedEpoch, thr.stopReason, thr.bestEpoch, r.finalWeights]).toEqual([1, 'threshold', 1, 'w1']);
    expect(thr.stopMessage).toContain('0.9');
  });

  it('summary and stop message describe the run', async () => {
    const es = earlyStopping({ monitor: 'val_accuracy', minDelta: 1e-4, patience: 1, ...quiet });
    await simulateEpochs([es], 'val_accuracy', [0.8, 0.85, 0.85]);
    expect(es.summary()).toMatchObject({ monitor: 'val_accuracy', mode: 'max', best: 0.85, bestEpoch: 1, stoppedEpoch: 2, stopReason: 'patience' });
    expect(es.stopMessage).toBe('val_accuracy did not improve by more than 0.0001 for 1 epoch(s) (patience 1; best 0.85 at epoch 2)');
  });

  it('is reusable across fits and warns once about a missing metric', async () => {
    const warnings: string[] = [];
    const es = earlyStopping({ patience: 1, log: () => {}, warn: (m) => warnings.push(m) });
    await simulateEpochs([es], 'val_loss', [1, 2, 3]);
    expect(es.stoppedEpoch).toBe(1);
    const r = await simulateEpochs([es], 'val_loss', [5, 4, 3]);
    expect(r.epochsRun).toBe(3);
    expect(es.stoppedEpoch).toBeNull();
    expect(es.summary().best).toBe(3);
    const r2 = await simulateEpochs([es], 'loss', [1, 2, 3, 4]);
    expect(es.summary().best).toBeNull();
    expect(r2.epochsRun).toBe(4);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('val_loss');
  });

  it('verbose messages follow Keras', async () => {
    const lines: string[] = [];
    const es = earlyStopping({ patience: 1, verbose: 1, restoreBestWeights: true, log: (m) => lines.push(m), warn: () => {} });
    await simulateEpochs([es], 'val_loss', [1, 0.5, 0.6]);
    expect(lines).toEqual(['Epoch 3: early stopping', 'Restoring model weights from the end of the best epoch: 2.']);
  });

  it('matches a NumPy re-typing of Keras 3 on 300 random sequences', async () => {
    const fx = JSON.parse(readFileSync(new URL('./fixtures/keras-early-stopping-traces.json', import.meta.url), 'utf8')) as {
      cases: { values: (number | null)[]; mode: 'min' | 'max'; minDelta: number; patience: number; baseline: number | null;
        restoreBestWeights: boolean; startFromEpoch: number;
        expected: { epochsRun: number; stoppedEpoch: number | null; restoredEpoch: number | null; wait: number; best: number | null } }[];
    };
    expect(fx.cases.length).toBe(300);
    for (const [k, c] of fx.cases.entries()) {
      const es = earlyStopping({ monitor: 'val_metric', mode: c.mode, minDelta: c.minDelta, patience: c.patience, baseline: c.baseline,
        restoreBestWeights: c.restoreBestWeights, startFromEpoch: c.startFromEpoch, ...quiet });
      const values = c.values.map((v) => (v === null ? NaN : v));
      const r = await simulateEpochs([es], 'val_metric', values);
      const got = { epochsRun: r.epochsRun, stoppedEpoch: es.stoppedEpoch, restoredEpoch: c.restoreBestWeights && es.restoredBestWeights ? Number(r.finalWeights.slice(1)) : null,
        wait: es.wait, best: Number.isFinite(es.best) ? es.best : null };
      expect(got, `case ${k}: ${JSON.stringify(c)}`).toEqual(c.expected);
    }
  });
});
