/** Direction helpers shared by the metric-watching callbacks. */

/** 'auto' infers the direction from the metric's name. */
export type MonitorMode = 'auto' | 'min' | 'max';

/** Name fragments of metrics where higher is better (Keras metrics whose direction is "up"). */
const HIGHER_IS_BETTER = ['acc', 'auc', 'precision', 'recall', 'f1', 'iou'];

/**
 * Resolves 'auto' to 'max' when the monitored name (without a `val_` prefix, case-insensitive)
 * contains `acc` (so `accuracy`, `binary_accuracy`), `auc`, `precision`, `recall`, `f1` or `iou`,
 * else 'min' (`loss`, `mae`, `mse`, …).
 *
 * @example
 * resolveMode('val_accuracy', 'auto'); // 'max'
 * resolveMode('val_loss', 'auto');     // 'min'
 */
export function resolveMode(monitor: string, mode: MonitorMode): 'min' | 'max' {
  if (mode === 'min' || mode === 'max') return mode;
  if (mode !== 'auto') throw new RangeError(`mode must be 'auto', 'min' or 'max', got '${String(mode)}'`);
  const name = monitor.toLowerCase().replace(/^val_/, '');
  return HIGHER_IS_BETTER.some((f) => name.includes(f)) ? 'max' : 'min';
}

/** Compact, deterministic number text for messages (6 significant digits). */
export function fmtValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}
