import { checkPositive, checkStep, type Schedule } from './types.js';

/** Options of {@link cosineWarmRestarts}. */
export interface CosineWarmRestartsOptions {
  /** LR at the start of the first cycle (PyTorch: the optimizer's base LR; Keras: initial_learning_rate). */
  maxLr: number;
  /** Length of the first cycle in steps (PyTorch `T_0`). */
  t0: number;
  /** Each cycle is `tMult` times longer than the previous (PyTorch `T_mult`, an integer ≥ 1 there; any real ≥ 1 here). Default 1. */
  tMult?: number;
  /** Floor of the cosine (PyTorch `eta_min`). Default 0. */
  etaMin?: number;
  /** Each restart's peak is `mMul` times the previous one (Keras `m_mul`). Default 1 (PyTorch's behaviour). */
  mMul?: number;
}

/**
 * Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter 2016), as PyTorch
 * `CosineAnnealingWarmRestarts` stepped once per batch:
 * `lr = etaMin + (peak − etaMin) · (1 + cos(π · Tcur / Ti)) / 2`, where cycle k (0-based) lasts
 * `Ti = t0 · tMult^k` steps, `Tcur` counts steps since the last restart, and `peak = maxLr · mMul^k`.
 * The cycle is found by walking the cycle lengths (exact at the boundaries, where PyTorch's
 * closed form takes a floating-point log).
 *
 * @example
 * const s = cosineWarmRestarts({ maxLr: 0.1, t0: 10, tMult: 2 });
 * s(0);  // 0.1   (start of cycle 0, steps 0–9)
 * s(5);  // 0.05  (half-way down)
 * s(10); // 0.1   (restart; cycle 1 has 20 steps)
 * s(20); // 0.05
 * s(30); // 0.1   (restart; cycle 2 has 40 steps)
 */
export function cosineWarmRestarts(options: CosineWarmRestartsOptions): Schedule {
  const { maxLr, t0, tMult = 1, etaMin = 0, mMul = 1 } = options;
  checkPositive('maxLr', maxLr, true);
  checkPositive('t0', t0);
  if (!(Number.isFinite(tMult) && tMult >= 1)) throw new RangeError(`tMult must be >= 1, got ${tMult}`);
  checkPositive('etaMin', etaMin, true);
  checkPositive('mMul', mMul, true);
  return (step: number) => {
    checkStep(step);
    let tCur: number;
    let tI: number;
    let k: number;
    if (tMult === 1) {
      k = Math.floor(step / t0);
      tCur = step - k * t0;
      tI = t0;
    } else {
      tCur = step;
      tI = t0;
      k = 0;
      while (tCur >= tI) {
        tCur -= tI;
        tI *= tMult;
        k++;
      }
    }
    const peak = maxLr * mMul ** k;
    return etaMin + ((peak - etaMin) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2;
  };
}
