/**
 * LR schedules: pure functions of the 0-based global step, applied per batch by
 * `batchLearningRateScheduler` (src/train/callbacks).
 *
 * @example
 * import { schedules } from 'webgrad';
 * const lr = schedules.linearWarmup(schedules.cosineWarmRestarts({ maxLr: 3e-3, t0: 500 }), { warmupSteps: 100 });
 */
export type { Schedule, MomentumSchedule } from './types.js';
export { constant, type ConstantOptions } from './constant.js';
export { stepDecay, type StepDecayOptions } from './step-decay.js';
export { exponentialDecay, type ExponentialDecayOptions } from './exponential.js';
export { cyclical, type CyclicalOptions, type CyclicalMode } from './cyclical.js';
export { oneCycle, type OneCycleOptions } from './one-cycle.js';
export { cosineWarmRestarts, type CosineWarmRestartsOptions } from './cosine-restarts.js';
export { linearWarmup, type LinearWarmupOptions } from './warmup.js';
