/** Small numeric helpers with NumPy's semantics where the reference tools rely on them. */

/**
 * Index of the minimum of `a[start:end)` with NumPy's `argmin` semantics: the first occurrence
 * of the minimum, and NaN propagates (the first NaN wins). -1 for an empty range.
 */
export function argminNumpy(a: ArrayLike<number>, start = 0, end = a.length): number {
  let best = -1;
  for (let i = start; i < end; i++) {
    const v = a[i]!;
    if (Number.isNaN(v)) return i;
    if (best < 0 || v < a[best]!) best = i;
  }
  return best;
}

/** NumPy `gradient` with unit spacing and edge_order 1 (one-sided at the ends, central inside). Needs ≥ 2 values. */
export function gradient(a: ArrayLike<number>): number[] {
  const n = a.length;
  if (n < 2) throw new RangeError('gradient needs at least 2 values');
  const g = new Array<number>(n);
  g[0] = a[1]! - a[0]!;
  g[n - 1] = a[n - 1]! - a[n - 2]!;
  for (let i = 1; i < n - 1; i++) g[i] = (a[i + 1]! - a[i - 1]!) / 2;
  return g;
}

/** NumPy `interp` for increasing `xp`: linear interpolation, clamped to the end values outside. */
export function interp(x: number, xp: ArrayLike<number>, fp: ArrayLike<number>): number {
  const n = xp.length;
  if (n === 0) return NaN;
  if (x <= xp[0]!) return fp[0]!;
  if (x >= xp[n - 1]!) return fp[n - 1]!;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xp[mid]! <= x) lo = mid;
    else hi = mid;
  }
  const t = (x - xp[lo]!) / (xp[hi]! - xp[lo]!);
  return fp[lo]! + t * (fp[hi]! - fp[lo]!);
}

/** Quantile of the finite values with NumPy's default (linear, "type 7") interpolation; NaN when none. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const v = Array.from(values).filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const pos = (v.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return v[lo]! + (pos - lo) * (v[hi]! - v[lo]!);
}

/** Median of the finite values (NaN when none). */
export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

/** Population standard deviation of the finite values (NaN when none). */
export function std(values: ArrayLike<number>): number {
  const v = Array.from(values).filter((x) => Number.isFinite(x));
  if (v.length === 0) return NaN;
  const m = v.reduce((s, x) => s + x, 0) / v.length;
  return Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length);
}
