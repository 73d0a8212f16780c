import { checkInteger, checkPositive, checkStep, type MomentumSchedule, type Schedule } from './types.js';

/** Options of {@link linearWarmup}. */
export interface LinearWarmupOptions {
  /** Number of warm-up steps. Step `warmupSteps` is the first one that uses the wrapped schedule. */
  warmupSteps: number;
  /** LR at step 0. Default 0 (Keras `CosineDecay` with warm-up starts at its initial LR; pass it here). */
  startLr?: number;
  /**
   * true (default): the wrapped schedule starts after the warm-up, seeing `step − warmupSteps`
   * (Keras `CosineDecay(warmup_steps=…)` does this). false: it sees the global step and the
   * warm-up overlays its first `warmupSteps` steps.
   */
  shift?: boolean;
}

/**
 * Linear warm-up in front of any schedule. For `step < warmupSteps`:
 * `lr = startLr + (target − startLr) · step / warmupSteps`, where target is the wrapped schedule's
 * first post-warm-up value (`inner(0)` when shifted, `inner(warmupSteps)` otherwise), so the LR is
 * continuous where the warm-up ends. A momentum companion (as on {@link oneCycle}) is passed
 * through, held at its first post-warm-up value during the warm-up.
 *
 * @example
 * const s = linearWarmup(constant({ learningRate: 1e-3 }), { warmupSteps: 100 });
 * s(0);   // 0
 * s(50);  // 5e-4
 * s(100); // 1e-3
 */
export function linearWarmup<S extends Schedule>(inner: S, options: LinearWarmupOptions): S {
  const { warmupSteps, startLr = 0, shift = true } = options;
  checkInteger('warmupSteps', warmupSteps, 0);
  checkPositive('startLr', startLr, true);
  const innerStep = (step: number) => (shift ? step - warmupSteps : step);
  const target = () => inner(shift ? 0 : warmupSteps);
  const wrapped = ((step: number) => {
    checkStep(step);
    if (step >= warmupSteps) return inner(innerStep(step));
    return startLr + ((target() - startLr) * step) / warmupSteps;
  }) as S;
  const mom = (inner as Partial<MomentumSchedule>).momentum;
  if (typeof mom === 'function') {
    (wrapped as unknown as MomentumSchedule).momentum = (step: number) => {
      checkStep(step);
      return mom(step >= warmupSteps ? innerStep(step) : shift ? 0 : warmupSteps);
    };
  }
  return wrapped;
}
