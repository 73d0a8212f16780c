import type { Dataset } from '../data/dataset.js';
import type { FitModel } from './model.js';

/**
 * Builds a model that has not seen data yet from the shape of the first batch of `batched`, so
 * its weights exist before the first step (snapshots, checkpoints, the LR finder's restore).
 * Keras builds on the first call too; a model that is built, or cannot be, is left alone.
 */
export function ensureBuilt(model: FitModel, batched: Dataset): void {
  const m = model as { built?: boolean; build?(shape?: readonly (number | null)[]): void };
  if (m.built !== false || typeof m.build !== 'function') return;
  const first = batched.epoch(0).next();
  m.build(first.done ? undefined : [null, ...first.value.x.shape.slice(1)]);
}
