import { describe, expect, it } from 'vitest';
import {
  constant, cosineWarmRestarts, cyclical, exponentialDecay, linearWarmup, oneCycle, stepDecay,
} from '../../src/train/schedules/index.js';
import { close } from './helpers.js';

const expectClose = (a: number, b: number, rel = 1e-12) => expect(close(a, b, rel), `${a} vs ${b}`).toBe(true);

describe('constant / stepDecay / exponentialDecay', () => {
  it('constant is constant and validates the step', () => {
    const s = constant({ learningRate: 3e-4 });
    expect(s(0)).toBe(3e-4);
    expect(s(123456)).toBe(3e-4);
    expect(() => s(-1)).toThrow(RangeError);
    expect(() => s(1.5)).toThrow(RangeError);
  });
  it('stepDecay drops by gamma every stepSize steps', () => {
    const s = stepDecay({ initialLearningRate: 0.1, stepSize: 100, gamma: 0.5 });
    expect(s(0)).toBe(0.1);
    expect(s(99)).toBe(0.1);
    expect(s(100)).toBe(0.05);
    expect(s(250)).toBe(0.025);
    expect(stepDecay({ initialLearningRate: 1, stepSize: 10 })(10)).toBe(0.1); // PyTorch default gamma
  });
  it('exponentialDecay follows Keras (continuous and staircase)', () => {
    const s = exponentialDecay({ initialLearningRate: 0.01, decaySteps: 1000, decayRate: 0.5 });
    expect(s(0)).toBe(0.01);
    expectClose(s(1000), 0.005);
    expectClose(s(500), 0.01 * Math.SQRT1_2);
    const st = exponentialDecay({ initialLearningRate: 0.01, decaySteps: 1000, decayRate: 0.5, staircase: true });
    expect(st(999)).toBe(0.01);
    expect(st(1000)).toBe(0.005);
  });
});

describe('cyclical (Smith 2015 / PyTorch CyclicLR)', () => {
  const base = { baseLr: 0.001, maxLr: 0.006, stepSize: 2000 };
  it('triangular: base at cycle starts, max at peaks, linear in between', () => {
    const s = cyclical(base);
    expect(s(0)).toBe(0.001);
    expectClose(s(1000), 0.0035);
    expectClose(s(2000), 0.006);
    expectClose(s(3000), 0.0035);
    expectClose(s(4000), 0.001);
    expectClose(s(6000), 0.006);
    expectClose(s(500), 0.001 + 0.005 * 0.25);
  });
  it('triangular2 halves the amplitude every cycle', () => {
    const s = cyclical({ ...base, mode: 'triangular2' });
    expectClose(s(2000), 0.006);
    expectClose(s(4000), 0.001);
    expectClose(s(6000), 0.001 + 0.005 / 2);
    expectClose(s(10000), 0.001 + 0.005 / 4);
  });
  it('exp_range scales the amplitude by gamma^step', () => {
    const g = 0.99994;
    const s = cyclical({ ...base, mode: 'exp_range', gamma: g });
    expect(s(0)).toBe(0.001);
    expectClose(s(2000), 0.001 + 0.005 * g ** 2000);
    expectClose(s(6000), 0.001 + 0.005 * g ** 6000);
    expectClose(s(5000), 0.001 + 0.005 * 0.5 * g ** 5000);
  });
  it('asymmetric cycles and momentum run inversely', () => {
    const s = cyclical({ baseLr: 0, maxLr: 3, stepSize: 1, stepSizeDown: 3 });
    expect([s(0), s(1), s(2), s(3), s(4), s(5)].map((v) => Number(v.toFixed(12)))).toEqual([0, 3, 2, 1, 0, 3]);
    const m = cyclical(base).momentum;
    expect(m(0)).toBe(0.9);
    expectClose(m(2000), 0.8);
    expectClose(m(1000), 0.85);
  });
  it('custom scaleFn with scaleMode', () => {
    const s = cyclical({ ...base, scaleFn: (c) => 1 / c, scaleMode: 'cycle' });
    expectClose(s(6000), 0.001 + 0.005 / 2);
  });
  it('rejects bad options', () => {
    expect(() => cyclical({ ...base, mode: 'nope' as 'triangular' })).toThrow(RangeError);
    expect(() => cyclical({ ...base, stepSize: 0 })).toThrow(RangeError);
  });
});

describe('oneCycle (PyTorch OneCycleLR defaults)', () => {
  const s = oneCycle({ maxLr: 0.01, totalSteps: 100 });
  it('starts at maxLr/25, peaks at step pctStart·total − 1, ends at initial/1e4', () => {
    expectClose(s(0), 0.01 / 25);
    expectClose(s(29), 0.01);
    expectClose(s(99), 0.01 / 25 / 1e4);
    // phase 2 midpoint: pct = (64 − 29) / (99 − 29) = 0.5 → cos anneal gives the mean
    expectClose(s(64), (0.01 + 4e-8) / 2);
    // phase 1 at pct = 10/29: end + (start − end)/2·(1 + cos(π·pct))
    expectClose(s(10), 0.01 + ((4e-4 - 0.01) / 2) * (1 + Math.cos((Math.PI * 10) / 29)));
  });
  it('cycles momentum 0.95 → 0.85 → 0.95', () => {
    expectClose(s.momentum(0), 0.95);
    expectClose(s.momentum(29), 0.85);
    expectClose(s.momentum(64), 0.9);
    expectClose(s.momentum(99), 0.95);
  });
  it('holds the final value past the end (PyTorch would raise)', () => {
    expect(s(100)).toBe(s(99));
    expect(s(5000)).toBe(s(99));
  });
  it('three phases: up, back to initial, then annihilate', () => {
    const t = oneCycle({ maxLr: 0.01, totalSteps: 100, threePhase: true });
    expectClose(t(29), 0.01);
    expectClose(t(58), 4e-4); // end of phase 2 = 2·30 − 2
    expectClose(t(99), 4e-8);
    expectClose(t.momentum(58), 0.95);
    expectClose(t.momentum(80), 0.95);
  });
  it('linear annealing and custom factors', () => {
    const l = oneCycle({ maxLr: 1, totalSteps: 30, pctStart: 0.3, annealStrategy: 'linear', divFactor: 10, finalDivFactor: 100 });
    // phase 1 ends at 0.3·30 − 1 = 8; step 4 is half-way from 0.1 to 1
    expectClose(l(4), 0.55);
    expectClose(l(8), 1);
    expectClose(l(29), 0.001);
    // phase 2 half-way: (18.5 − 8)/(29 − 8) is not an integer step; step 15 → pct 7/21
    expectClose(l(15), 1 + (0.001 - 1) * (7 / 21));
  });
  it('a zero-length phase yields its end value instead of NaN', () => {
    const z = oneCycle({ maxLr: 1, totalSteps: 10, pctStart: 0.1 }); // phase 1 ends at step 0
    expectClose(z(0), 1);
    expect(Number.isFinite(z(5))).toBe(true);
  });
});

describe('cosineWarmRestarts (SGDR / PyTorch CosineAnnealingWarmRestarts)', () => {
  it('restarts every t0 steps with tMult 1', () => {
    const s = cosineWarmRestarts({ maxLr: 1, t0: 4, etaMin: 0.1 });
    expect(s(0)).toBe(1);
    expectClose(s(2), 0.55);
    expectClose(s(4), 1);
    expectClose(s(6), 0.55);
    expectClose(s(3), 0.1 + 0.9 * (1 + Math.cos((3 * Math.PI) / 4)) / 2);
  });
  it('cycle lengths grow by tMult; restarts at 10, 30, 70', () => {
    const s = cosineWarmRestarts({ maxLr: 0.1, t0: 10, tMult: 2 });
    expectClose(s(5), 0.05);
    expectClose(s(10), 0.1);
    expectClose(s(20), 0.05);
    expectClose(s(30), 0.1);
    expectClose(s(50), 0.05);
    expectClose(s(70), 0.1);
    expectClose(s(29), 0.1 * (1 + Math.cos((19 * Math.PI) / 20)) / 2);
  });
  it('mMul shrinks every restart peak (Keras m_mul)', () => {
    const s = cosineWarmRestarts({ maxLr: 1, t0: 10, tMult: 2, mMul: 0.5 });
    expectClose(s(10), 0.5);
    expectClose(s(30), 0.25);
  });
});

describe('linearWarmup', () => {
  it('ramps from startLr to the schedule, then shifts it', () => {
    const s = linearWarmup(stepDecay({ initialLearningRate: 1, stepSize: 10, gamma: 0.5 }), { warmupSteps: 4 });
    expect([0, 1, 2, 3].map(s)).toEqual([0, 0.25, 0.5, 0.75]);
    expect(s(4)).toBe(1);
    expect(s(13)).toBe(1);
    expect(s(14)).toBe(0.5);
  });
  it('without shift it overlays the first steps and stays continuous', () => {
    const inner = stepDecay({ initialLearningRate: 1, stepSize: 2, gamma: 0.5 });
    const s = linearWarmup(inner, { warmupSteps: 4, startLr: 0.1, shift: false });
    expectClose(s(0), 0.1);
    expectClose(s(2), 0.1 + (0.25 - 0.1) / 2);
    expect(s(4)).toBe(inner(4));
  });
  it('passes a momentum companion through', () => {
    const s = linearWarmup(oneCycle({ maxLr: 0.01, totalSteps: 100 }), { warmupSteps: 10 });
    expectClose(s.momentum(0), 0.95);
    expectClose(s.momentum(39), 0.85);
    expectClose(s(39), 0.01);
  });
});
