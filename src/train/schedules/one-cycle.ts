import { checkInteger, checkPositive, checkStep, type MomentumSchedule } from './types.js';

/** Options of {@link oneCycle}. Defaults are PyTorch `OneCycleLR`'s. */
export interface OneCycleOptions {
  /** Peak learning rate. */
  maxLr: number;
  /** Length of the cycle in steps (batches): epochs × steps per epoch. */
  totalSteps: number;
  /** Fraction of the cycle spent increasing the LR. Default 0.3. */
  pctStart?: number;
  /** 'cos' (default) or 'linear' interpolation inside each phase. */
  annealStrategy?: 'cos' | 'linear';
  /** Initial LR = maxLr / divFactor. Default 25. */
  divFactor?: number;
  /** Final LR = initial LR / finalDivFactor. Default 1e4. */
  finalDivFactor?: number;
  /** Smith's three phases (up, back down to the initial LR, then annihilation) instead of fastai's two. Default false. */
  threePhase?: boolean;
  /** Lowest momentum (β1), reached at the LR peak. Default 0.85. */
  baseMomentum?: number;
  /** Highest momentum (β1), at both ends. Default 0.95. */
  maxMomentum?: number;
}

interface Phase { endStep: number; startLr: number; endLr: number; startMom: number; endMom: number }

/**
 * The 1cycle policy (Smith & Topin 2017, "Super-Convergence"), step for step as PyTorch
 * `OneCycleLR` (which follows fastai's two-phase variant by default):
 *
 * - initial LR `maxLr/divFactor`, min LR `initial/finalDivFactor`;
 * - phase 1 ends at step `pctStart·totalSteps − 1` (LR initial → max, momentum max → base);
 * - phase 2 ends at step `totalSteps − 1` (LR max → min, momentum base → max);
 * - with `threePhase`: phase 2 ends at `2·pctStart·totalSteps − 2` going back to the initial LR,
 *   and phase 3 goes initial → min with momentum held at max;
 * - inside a phase `pct = (step − phaseStart)/(phaseEnd − phaseStart)` where phaseStart is the
 *   previous phase's (possibly fractional) end step, and 'cos' anneals as
 *   `end + (start − end)/2 · (1 + cos(π·pct))`.
 *
 * Differences from PyTorch, both at the edges only: steps ≥ totalSteps hold the final value
 * (PyTorch raises past totalSteps), and a phase of zero length yields its end value (PyTorch
 * divides by zero).
 *
 * @example
 * const s = oneCycle({ maxLr: 0.01, totalSteps: 100 });
 * s(0);   // 0.0004 (0.01/25)
 * s(29);  // 0.01   (pctStart·100 − 1)
 * s(99);  // 4e-8   (0.0004/1e4)
 * s.momentum(29); // 0.85 — apply to SGD momentum or Adam's beta1
 */
export function oneCycle(options: OneCycleOptions): MomentumSchedule {
  const {
    maxLr, totalSteps, pctStart = 0.3, annealStrategy = 'cos', divFactor = 25, finalDivFactor = 1e4,
    threePhase = false, baseMomentum = 0.85, maxMomentum = 0.95,
  } = options;
  checkPositive('maxLr', maxLr);
  checkInteger('totalSteps', totalSteps, 1);
  if (!(pctStart >= 0 && pctStart <= 1)) throw new RangeError(`pctStart must be in [0, 1], got ${pctStart}`);
  checkPositive('divFactor', divFactor);
  checkPositive('finalDivFactor', finalDivFactor);
  if (annealStrategy !== 'cos' && annealStrategy !== 'linear') {
    throw new RangeError(`annealStrategy must be 'cos' or 'linear', got '${annealStrategy}'`);
  }
  const initialLr = maxLr / divFactor;
  const minLr = initialLr / finalDivFactor;
  const phases: Phase[] = threePhase
    ? [
      { endStep: pctStart * totalSteps - 1, startLr: initialLr, endLr: maxLr, startMom: maxMomentum, endMom: baseMomentum },
      { endStep: 2 * pctStart * totalSteps - 2, startLr: maxLr, endLr: initialLr, startMom: baseMomentum, endMom: maxMomentum },
      { endStep: totalSteps - 1, startLr: initialLr, endLr: minLr, startMom: maxMomentum, endMom: maxMomentum },
    ]
    : [
      { endStep: pctStart * totalSteps - 1, startLr: initialLr, endLr: maxLr, startMom: maxMomentum, endMom: baseMomentum },
      { endStep: totalSteps - 1, startLr: maxLr, endLr: minLr, startMom: baseMomentum, endMom: maxMomentum },
    ];
  const anneal = annealStrategy === 'cos'
    ? (start: number, end: number, pct: number) => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1)
    : (start: number, end: number, pct: number) => (end - start) * pct + start;

  const at = (step: number, pick: 'lr' | 'mom'): number => {
    checkStep(step);
    const s = Math.min(step, totalSteps - 1);
    let startStep = 0;
    for (let i = 0; i < phases.length; i++) {
      const ph = phases[i]!;
      if (s <= ph.endStep || i === phases.length - 1) {
        const span = ph.endStep - startStep;
        const pct = span > 0 ? (s - startStep) / span : 1;
        return pick === 'lr' ? anneal(ph.startLr, ph.endLr, pct) : anneal(ph.startMom, ph.endMom, pct);
      }
      startStep = ph.endStep;
    }
    /* c8 ignore next */
    throw new Error('unreachable');
  };
  const lr = ((step: number) => at(step, 'lr')) as MomentumSchedule;
  lr.momentum = (step: number) => at(step, 'mom');
  return lr;
}
