// The optimizers' flat arenas: one fused dispatch per step over every parameter, with parameters
// adopted as views of the parameter arena. Checked against a host reference of Adam/SGD on the
// float64 CPU backend: subsets of parameters per step, parameters first seen later, parameters
// moved by another optimizer, state restored before adoption, and ownership on dispose.
import { describe, expect, it } from 'vitest';
import { CpuBackend, type CpuStorage } from '../../src/kernels/cpu/backend.js';
import { fromFlat, layers, resetStats, sequential, stats, tidy, train, variable, withBackend, type Tensor } from '../../src/index.js';
import { expectAllClose } from '../helpers/allclose.js';
import { raw } from '../helpers/cases.js';

const cpu = new CpuBackend({ precision: 'float64' });
const param = (v: number[], name?: string, backend = cpu) => variable(fromFlat(v, [v.length], 'float32', backend), name);
const values = (t: Tensor) => Array.from(raw(t));
const isView = (t: Tensor) => (t.storageFor('test') as CpuStorage).view === true;
type Opt = { applyGradients: (p: [Tensor, Tensor][]) => void };
const step = (opt: Opt, pairs: [Tensor, number[]][]) =>
  tidy(() => opt.applyGradients(pairs.map(([p, g]) => [p, fromFlat(g, p.shape, 'float32', p.storageFor('test').backend)] as [Tensor, Tensor])));

/** Host Adam (Keras form) over one parameter; `t` is the optimizer's step number. */
class HostAdam {
  m: number[];
  v: number[];
  constructor(
    public p: number[],
    readonly lr = 0.1,
  ) {
    this.m = p.map(() => 0);
    this.v = p.map(() => 0);
  }
  step(g: number[], t: number): void {
    const alpha = (this.lr * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
    g.forEach((gi, i) => {
      this.m[i]! += (gi - this.m[i]!) * 0.1;
      this.v[i]! += (gi * gi - this.v[i]!) * 0.001;
      this.p[i]! -= (alpha * this.m[i]!) / (Math.sqrt(this.v[i]!) + 1e-7);
    });
  }
}

const g1 = [0.5, -1, 2];
const g2 = [-0.25, 4];
const g3 = [3];

describe('parameter arena (float64 CPU)', () => {
  it('adopts the parameters as views of one arena; a step is one dispatch whatever their number', () =>
    withBackend(cpu, () => {
      const ps = [param([1, 2, 3], 'a'), param([4, 5], 'b'), param([6], 'c')];
      const reshaped = ps[0]!.view([3, 1]);
      const opt = train.adam({ learningRate: 0.1 });
      resetStats();
      step(opt, [[ps[0]!, g1], [ps[1]!, g2], [ps[2]!, g3]]);
      expect(stats().dispatches).toBe(1);
      expect(ps.every(isView)).toBe(true);
      // A reshape shares the parameter's storage, so it follows it into the arena.
      expect(isView(reshaped)).toBe(true);
      expect(values(reshaped)).toEqual(values(ps[0]!));
      const ref = [new HostAdam([1, 2, 3]), new HostAdam([4, 5]), new HostAdam([6])];
      [g1, g2, g3].forEach((g, i) => ref[i]!.step(g, 1));
      ps.forEach((p, i) => expectAllClose(values(p), ref[i]!.p, { rtol: 1e-14, what: `parameter ${i}` }));
      reshaped.dispose();
      ps.forEach((p) => p.dispose());
      opt.dispose();
    }));

  it('a step with only some parameters leaves the others and their moments untouched (one dispatch per contiguous run)', () =>
    withBackend(cpu, () => {
      const [a, b, c] = [param([1, 2, 3]), param([4, 5]), param([6])];
      const opt = train.adam({ learningRate: 0.1 });
      const ref = [new HostAdam([1, 2, 3]), new HostAdam([4, 5]), new HostAdam([6])];
      step(opt, [[a!, g1], [b!, g2], [c!, g3]]);
      [g1, g2, g3].forEach((g, i) => ref[i]!.step(g, 1));
      resetStats();
      step(opt, [[a!, g2.concat([1])], [c!, [-2]]]); // b has no gradient this step
      expect(stats().dispatches, 'a and c are not adjacent: two runs').toBe(2);
      ref[0]!.step(g2.concat([1]), 2);
      ref[2]!.step([-2], 2);
      step(opt, [[a!, g1], [b!, g2], [c!, g3]]);
      [g1, g2, g3].forEach((g, i) => ref[i]!.step(g, 3));
      [a, b, c].forEach((p, i) => expectAllClose(values(p!), ref[i]!.p, { rtol: 1e-13, what: `parameter ${i}` }));
      const st = opt.getState();
      expectAllClose(values(st.slots[1]!.value as Tensor), [...ref[1]!.m, ...ref[1]!.v], { rtol: 1e-13, what: 'b’s [m | v]' });
      for (const s of st.slots) (s.value as Tensor).dispose();
      opt.dispose();
    }));

  it('a parameter first seen later is adopted by a re-layout that keeps the others’ moments', () =>
    withBackend(cpu, () => {
      const [a, b] = [param([1, 2, 3], 'a'), param([4, 5], 'b')];
      const opt = train.adam({ learningRate: 0.1 });
      const ra = new HostAdam([1, 2, 3]);
      const rb = new HostAdam([4, 5]);
      step(opt, [[a!, g1]]);
      ra.step(g1, 1);
      step(opt, [[a!, g1], [b!, g2]]);
      ra.step(g1, 2);
      rb.step(g2, 2);
      resetStats();
      step(opt, [[b!, g2], [a!, g1]]);
      expect(stats().dispatches, 'one arena again').toBe(1);
      ra.step(g1, 3);
      rb.step(g2, 3);
      expectAllClose(values(a!), ra.p, { rtol: 1e-13, what: 'a' });
      expectAllClose(values(b!), rb.p, { rtol: 1e-13, what: 'b' });
      expect(opt.getState().slots.map((s) => s.name)).toEqual(['a', 'b']);
      opt.dispose();
    }));

  it('another optimizer adopting the same parameters moves them; each optimizer keeps its own moments', () =>
    withBackend(cpu, () => {
      const a = param([1, 2, 3]);
      const first = train.adam({ learningRate: 0.1 });
      const second = train.adam({ learningRate: 0.1 });
      const r1 = new HostAdam([1, 2, 3]);
      step(first, [[a, g1]]);
      r1.step(g1, 1);
      // The second optimizer starts from the current values with fresh moments.
      const r2 = new HostAdam([...r1.p]);
      step(second, [[a, g1]]);
      r2.step(g1, 1);
      r1.p = [...r2.p];
      step(first, [[a, g1]]);
      r1.step(g1, 2);
      expectAllClose(values(a), r1.p, { rtol: 1e-13, what: 'back in the first optimizer, with its moments' });
      second.dispose();
      first.dispose();
      expect(isView(a)).toBe(false);
      expectAllClose(values(a), r1.p, { rtol: 1e-13, what: 'after both are disposed' });
    }));

  it('a parameter another optimizer took is not taken back by a re-layout it does not step in', () =>
    withBackend(cpu, () => {
      const [a, b, c] = [param([1, 2, 3]), param([4, 5]), param([6])];
      const first = train.sgd({ learningRate: 0.1 });
      const second = train.sgd({ learningRate: 0.1 });
      step(first, [[a!, g1], [b!, g2]]);
      step(second, [[b!, g2]]);
      const inSecond = b!.storageFor('test');
      step(first, [[a!, g1], [c!, g3]]); // c is new: a re-layout of the first optimizer's arena
      expect(b!.storageFor('test'), 'b stays in the second optimizer’s arena').toBe(inSecond);
      expectAllClose(values(b!), [4 - 0.1 * -0.5, 5 - 0.1 * 8], { rtol: 1e-14, what: 'b stepped twice' });
      step(first, [[b!, g2]]); // now it comes back, with the first optimizer's state
      expectAllClose(values(b!), [4 - 0.1 * -0.75, 5 - 0.1 * 12], { rtol: 1e-14, what: 'b stepped three times' });
      for (const o of [first, second]) o.dispose();
    }));

  it('freezing a layer after the first step keeps the update at one dispatch when the rest is contiguous', () => {
    const b = new CpuBackend({ precision: 'float64' });
    const names: string[] = [];
    const dispatch = b.dispatch.bind(b);
    b.dispatch = (k, i, o) => {
      names.push(k.name);
      dispatch(k, i, o);
    };
    withBackend(b, () => {
      const model = sequential({ layers: [layers.dense({ units: 3, activation: 'relu', inputShape: [4] }), layers.dense({ units: 1, activation: 'sigmoid' })] });
      model.compile({ optimizer: train.adam(), loss: 'binaryCrossentropy' });
      const x = fromFlat([0.1, -1, 2, 0.5, 1, 1, -0.3, 0.2], [2, 4], 'float32');
      const y = fromFlat([1, 0], [2, 1], 'float32');
      model.trainOnBatch(x, y).dispose();
      const frozen = model.layers[0]!.getWeights();
      model.layers[0]!.trainable = false;
      names.length = 0;
      model.trainOnBatch(x, y).dispose();
      expect(names.filter((n) => n === 'adamUpdate')).toHaveLength(1);
      model.layers[0]!.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(frozen[i]!.dataSync())));
      model.dispose();
    });
  });

  it('state restored before the first step (tensor or numbers) is picked up when the parameter is adopted', () =>
    withBackend(cpu, () => {
      const a = param([1, 2, 3], 'w');
      const src = train.adam({ learningRate: 0.1 });
      step(src, [[a, g1]]);
      const st = src.getState();
      const b = param(values(a), 'w');
      const c = param(values(a), 'w');
      const viaTensor = train.adam({ learningRate: 0.1 });
      const viaNumbers = train.adam({ learningRate: 0.1 });
      viaTensor.setState(st);
      viaNumbers.setState({ ...st, slots: st.slots.map((s) => ({ name: s.name, value: values(s.value as Tensor) })) });
      (st.slots[0]!.value as Tensor).dispose();
      step(src, [[a, g2.concat([1])]]);
      step(viaTensor, [[b, g2.concat([1])]]);
      step(viaNumbers, [[c, g2.concat([1])]]);
      expectAllClose(values(b), values(a), { rtol: 1e-14, what: 'restored from a tensor' });
      expectAllClose(values(c), values(a), { rtol: 1e-14, what: 'restored from numbers' });
      expect(() => viaNumbers.setState({ iterations: 1, learningRate: 0.1, slots: [{ name: 'w', value: [1, 2] }] })).toThrow(/state 'w' has 2 values, expected 2 × 3/);
      for (const o of [src, viaTensor, viaNumbers]) o.dispose();
    }));

  it('global clipnorm and clipvalue are fused into the update (plus one sum of squares for the global norm)', () =>
    withBackend(cpu, () => {
      const [a, b] = [param([0, 0]), param([0, 0, 0])];
      const opt = train.sgd({ learningRate: 1, globalClipnorm: 1 });
      resetStats();
      step(opt, [[a!, [3, 4]], [b!, [0, 0, 12]]]);
      expect(stats().dispatches).toBe(2);
      expectAllClose([...values(a!), ...values(b!)].map((v) => -v), [3 / 13, 4 / 13, 0, 0, 12 / 13], { rtol: 1e-14 });
      const cv = train.adam({ clipvalue: 0.5 });
      resetStats();
      step(cv, [[a!, [3, -4]]]);
      expect(stats().dispatches).toBe(1);
      for (const o of [opt, cv]) o.dispose();
    }));
});

describe('arena ownership', () => {
  it('disposing every parameter frees the arenas; the optimizer’s dispose gives live parameters their own buffers back', () => {
    const b = new CpuBackend();
    withBackend(b, () => {
      const base = stats().buffers;
      const ps = [param([1, 2, 3], 'a', b), param([4, 5], 'b', b)];
      const opt = train.adam({ learningRate: 0.1 });
      step(opt, [[ps[0]!, g1], [ps[1]!, g2]]);
      // Parameter, gradient and state arenas replace the two parameters' buffers.
      expect(stats().buffers - base).toBe(3);
      for (let i = 0; i < 5; i++) step(opt, [[ps[0]!, g1], [ps[1]!, g2]]);
      expect(stats().buffers - base).toBe(3);
      const before = ps.map((p) => Array.from(p.dataSync()));
      opt.dispose();
      expect(stats().buffers - base).toBe(2);
      expect(ps.map((p) => Array.from(p.dataSync()))).toEqual(before);
      ps.forEach((p) => p.dispose());
      expect(stats().buffers).toBe(base);

      const model = sequential({ layers: [layers.dense({ units: 3, activation: 'relu', inputShape: [4] }), layers.dense({ units: 1, activation: 'sigmoid' })] });
      model.compile({ optimizer: train.adam(), loss: 'binaryCrossentropy' });
      const x = fromFlat([0.1, -1, 2, 0.5, 1, 1, -0.3, 0.2], [2, 4], 'float32');
      const y = fromFlat([1, 0], [2, 1], 'float32');
      model.trainOnBatch(x, y).dispose();
      expect(model.weights.every((w) => (w.value.storageFor('test') as CpuStorage).view)).toBe(true);
      const w = model.getWeights();
      model.setWeights(w.map((t) => Array.from(t.dataSync()).map((v) => v * 0.5)));
      expectAllClose(model.weights[0]!.value.dataSync(), Array.from(w[0]!.dataSync()).map((v) => v * 0.5), { rtol: 1e-6, what: 'setWeights into the arena' });
      w.forEach((t) => t.dispose());
      model.dispose();
      x.dispose();
      y.dispose();
      expect(stats().buffers, 'model.dispose() freed the arenas').toBe(base);
    });
  });
});
