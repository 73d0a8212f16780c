// Optimizer steps against hand-computed values (float64 CPU), clipping, the learning-rate
// property, and exact state save/restore.
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/kernels/cpu/backend.js';
import { fromFlat, layers, mul, resetStats, sequential, stats, sum, tidy, train, variable, withBackend, type Tensor } from '../../src/index.js';
import { expectAllClose } from '../helpers/allclose.js';
import { raw } from '../helpers/cases.js';

const cpu = new CpuBackend({ precision: 'float64' });
const param = (v: number[], name?: string) => variable(fromFlat(v, [v.length], 'float32', cpu), name);
const grad = (v: number[]) => fromFlat(v, [v.length], 'float32', cpu);
const values = (t: Tensor) => Array.from(raw(t));
const step = (opt: { applyGradients: (p: [Tensor, Tensor][]) => void }, p: Tensor, g: number[]) => tidy(() => opt.applyGradients([[p, grad(g)]]));

describe('Adam (Keras form)', () => {
  it('first step moves each weight by ≈ lr against its gradient’s sign (hand-computed, ε included)', () =>
    withBackend(cpu, () => {
      const p = param([1, -2]);
      const opt = train.adam({ learningRate: 0.1 });
      step(opt, p, [0.5, -0.1]);
      // t=1: m = 0.1g, v = 0.001g², α = 0.1·√0.001/0.1 = √0.001, update = α·m/(√v + ε) = 0.1·|g|/(|g| + ε/√0.001)
      const upd = (g: number) => (0.1 * g) / (g + 1e-7 / Math.sqrt(0.001));
      expect(values(p)[0]).toBeCloseTo(1 - upd(0.5), 12);
      expect(values(p)[0]).toBeCloseTo(0.90000063246, 10);
      expect(values(p)[1]).toBeCloseTo(-2 + upd(0.1), 12);
      expect(opt.iterations).toBe(1);
    }));

  it('two steps match the formula; defaults are Keras’s', () =>
    withBackend(cpu, () => {
      const opt = train.adam();
      expect([opt.learningRate, opt.beta1, opt.beta2, opt.epsilon, opt.amsgrad]).toEqual([1e-3, 0.9, 0.999, 1e-7, false]);
      const p = param([0.3]);
      step(opt, p, [0.2]);
      step(opt, p, [-0.4]);
      let m = 0, v = 0, th = 0.3;
      for (const [t, g] of [[1, 0.2], [2, -0.4]] as const) {
        m += (g - m) * 0.1;
        v += (g * g - v) * 0.001;
        th -= ((1e-3 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t)) * (m / (Math.sqrt(v) + 1e-7));
      }
      expect(values(p)[0]).toBeCloseTo(th, 14);
      const st = opt.getState();
      expectAllClose(values(st.slots[0]!.value as Tensor), [m, v], { rtol: 1e-14, what: 'packed [m | v]' });
    }));

  it('amsgrad divides by the running max of v', () =>
    withBackend(cpu, () => {
      const opt = train.adam({ learningRate: 0.1, amsgrad: true });
      const p = param([0]);
      step(opt, p, [1]); // v1 = 0.001
      const before = values(p)[0]!;
      step(opt, p, [0]); // v2 = 0.000999 < v̂ = 0.001; m2 = 0.09
      const alpha2 = (0.1 * Math.sqrt(1 - 0.999 ** 2)) / (1 - 0.9 ** 2);
      expect(values(p)[0]).toBeCloseTo(before - (alpha2 * 0.09) / (Math.sqrt(0.001) + 1e-7), 12);
      expectAllClose(values(opt.getState().slots[0]!.value as Tensor), [0.09, 0.000999, 0.001], { rtol: 1e-12, what: '[m | v | v̂]' });
    }));
});

describe('AdamW', () => {
  it('decays θ by lr·wd·θ, then takes the Adam step', () =>
    withBackend(cpu, () => {
      const opt = train.adamw({ learningRate: 0.1, weightDecay: 0.1 });
      const p = param([1]);
      step(opt, p, [0.5]);
      // 1 − 0.1·0.1·1 = 0.99, then − 0.1·0.5/(0.5 + ε/√0.001)
      expect(values(p)[0]).toBeCloseTo(0.99 - 0.09999936754, 10);
      expect(train.adamw().weightDecay).toBe(0.004);
    }));
});

describe('SGD', () => {
  it('plain: θ − lr·g', () =>
    withBackend(cpu, () => {
      const p = param([1, 2]);
      step(train.sgd({ learningRate: 0.1 }), p, [0.5, -1]);
      expectAllClose(values(p), [0.95, 2.1], { rtol: 1e-14 });
    }));

  it('momentum: m ← 0.9m − lr·g, θ ← θ + m (1 → 0.95 → 0.855)', () =>
    withBackend(cpu, () => {
      const opt = train.sgd({ learningRate: 0.1, momentum: 0.9 });
      const p = param([1]);
      step(opt, p, [0.5]);
      expect(values(p)[0]).toBeCloseTo(0.95, 14);
      step(opt, p, [0.5]);
      expect(values(p)[0]).toBeCloseTo(0.855, 14);
    }));

  it('nesterov: θ ← θ + 0.9m − lr·g (1 → 0.905 → 0.7695)', () =>
    withBackend(cpu, () => {
      const opt = train.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true });
      const p = param([1]);
      step(opt, p, [0.5]);
      expect(values(p)[0]).toBeCloseTo(0.905, 14);
      step(opt, p, [0.5]);
      expect(values(p)[0]).toBeCloseTo(0.7695, 14);
    }));
});

describe('learning rate, clipping, dispatches', () => {
  it('the learning rate is read and set between steps', () =>
    withBackend(cpu, () => {
      const opt = train.sgd(0.5);
      expect(opt.learningRate).toBe(0.5);
      const p = param([0]);
      step(opt, p, [1]);
      opt.learningRate = 0.25;
      step(opt, p, [1]);
      expect(values(p)[0]).toBeCloseTo(-0.75, 14);
    }));

  it('clipnorm (per gradient), globalClipnorm (all together), clipvalue (elementwise)', () =>
    withBackend(cpu, () => {
      const run = (args: object, gs: number[][]) => {
        const opt = train.sgd({ learningRate: 1, ...args });
        const ps = gs.map((g) => param(g.map(() => 0)));
        tidy(() => opt.applyGradients(ps.map((p, i) => [p, grad(gs[i]!)] as [Tensor, Tensor])));
        return ps.map((p) => values(p).map((v) => -v));
      };
      // ‖[3,4]‖ = 5 → scaled to norm 1; ‖[0.3,0.4]‖ = 0.5 stays.
      const byNorm = run({ clipnorm: 1 }, [[3, 4], [0.3, 0.4]]);
      expectAllClose(byNorm.flat(), [0.6, 0.8, 0.3, 0.4], { rtol: 1e-12 });
      // Global: [3,4] and [0,0,12] → ‖all‖ = √(9 + 16 + 144) = 13 → scale 1/13.
      const global = run({ globalClipnorm: 1 }, [[3, 4], [0, 0, 12]]);
      expectAllClose(global.flat(), [3 / 13, 4 / 13, 0, 0, 12 / 13], { rtol: 1e-12 });
      expectAllClose(run({ clipvalue: 0.5 }, [[3, -4, 0.2]]).flat(), [0.5, -0.5, 0.2], { rtol: 1e-12 });
      expect(() => train.adam({ clipnorm: 1, clipvalue: 1 })).toThrow(/only one of clipnorm, clipvalue and globalClipnorm/);
    }));

  it('the update of all parameters is one fused dispatch', () =>
    withBackend(cpu, () => {
      const opt = train.adam();
      const ps = [param([1, 2, 3]), param([4]), param([5, 6])];
      const gs = ps.map((p) => grad(values(p)));
      resetStats();
      // The first step also adopts the parameters into the arena (copies and host writes, not dispatches).
      tidy(() => opt.applyGradients(ps.map((p, i) => [p, gs[i]!] as [Tensor, Tensor])));
      expect(stats().dispatches).toBe(1);
      tidy(() => opt.applyGradients(ps.map((p, i) => [p, gs[i]!] as [Tensor, Tensor])));
      expect(stats().dispatches).toBe(2);
    }));
});

describe('state export and restore', () => {
  it('getState/setState restore weights’ trajectory exactly (moments, step count, learning rate)', () =>
    withBackend(cpu, () => {
      const model = sequential({ layers: [layers.dense({ units: 3, activation: 'relu', inputShape: [4] }), layers.dense({ units: 1, activation: 'sigmoid' })] });
      const opt = train.adam({ learningRate: 0.05 });
      model.compile({ optimizer: opt, loss: 'binaryCrossentropy' });
      const x = fromFlat([0.1, -1, 2, 0.5, 1, 1, -0.3, 0.2, -2, 0.4, 0.3, 1], [3, 4], 'float32', cpu);
      const y = fromFlat([1, 0, 1], [3, 1], 'float32', cpu);
      const losses = (n: number) => Array.from({ length: n }, () => {
        const l = model.trainOnBatch(x, y);
        const v = raw(l)[0]!;
        l.dispose();
        return v;
      });
      losses(3);
      const weights = model.getWeights();
      const state = opt.getState();
      const a = losses(4);
      const after = model.getWeights().map(values);
      opt.learningRate = 1;
      losses(2);
      model.setWeights(weights);
      opt.setState(state);
      expect(opt.iterations).toBe(3);
      expect(opt.learningRate).toBe(0.05);
      expect(losses(4)).toEqual(a);
      expect(model.getWeights().map(values)).toEqual(after);
      for (const t of [...weights, ...state.slots.map((s) => s.value as Tensor)]) t.dispose();
    }));

  it('setState replaces the whole state: a state taken before the first step brings the moments back to zero', () =>
    withBackend(cpu, () => {
      const p = param([1, 2], 'w');
      const opt = train.adam({ learningRate: 0.1 });
      const empty = opt.getState();
      expect(empty.slots).toEqual([]);
      step(opt, p, [1, -1]);
      step(opt, p, [0.5, 2]);
      opt.setState(empty);
      expect(opt.getState().slots).toEqual([]);
      // The next step is a first step again: Adam's first update is ±lr whatever the gradient's size.
      const before = values(p);
      step(opt, p, [3, -0.25]);
      expectAllClose(values(p), [before[0]! - 0.1, before[1]! + 0.1], { rtol: 1e-5, what: 'first step after restore' });
    }));

  it('state restored before the first step: getState returns it, a later setState replaces it, the first step uses it', async () => {
    await withBackend(cpu, async () => {
      const p = param([1, 2], 'w');
      const reference = train.adam({ learningRate: 0.1 });
      step(reference, p, [1, -1]);
      const exported = await reference.exportState();
      const opt = train.adam({ learningRate: 0.1 });
      opt.setState(exported);
      // Not yet adopted (no step): the waiting state round-trips through getState and exportState.
      const again = await opt.exportState();
      expect(again).toEqual(exported);
      const held = opt.getState();
      opt.setState({ iterations: 0, learningRate: 0.1, slots: [] });
      expect(opt.getState().slots).toEqual([]);
      opt.setState(held);
      for (const s of held.slots) (s.value as Tensor).dispose();
      const q = param(values(p), 'w');
      step(reference, p, [0.5, 0.5]);
      step(opt, q, [0.5, 0.5]);
      expectAllClose(values(q), values(p), { rtol: 1e-6, what: 'the waiting state was used by the first step' });
    });
  });

  it('exportState gives plain numbers a fresh optimizer can import by parameter name', async () => {
    await withBackend(cpu, async () => {
      const p = param([1, 2], 'w');
      const opt = train.adam({ learningRate: 0.1 });
      step(opt, p, [1, -1]);
      const exported = await opt.exportState();
      expect(exported.slots[0]!.name).toBe('w');
      expect(JSON.parse(JSON.stringify(exported)).slots[0].value).toHaveLength(4);
      const q = param(values(p), 'w');
      const fresh = train.adam();
      fresh.setState(JSON.parse(JSON.stringify(exported)));
      step(opt, p, [0.5, 0.5]);
      step(fresh, q, [0.5, 0.5]);
      expectAllClose(values(q), values(p), { rtol: 1e-6, what: 'restored optimizer continues identically' });
    });
  });

  it('minimize: one TF.js-style step on a variable list', () =>
    withBackend(cpu, () => {
      const w = param([2]);
      const opt = train.sgd(0.1);
      const l = opt.minimize(() => sum(mul(w, w)), [w]);
      expect(raw(l)[0]).toBe(4);
      expect(values(w)[0]).toBeCloseTo(2 - 0.1 * 4, 14);
      expect(w.grad).toBeNull();
    }));
});
