/** Linear and log scales with readable ticks. */

export interface Scale {
  kind: 'linear' | 'log';
  domain: [number, number];
  range: [number, number];
  /** Data → pixel. */
  map(v: number): number;
  /** Whether a value can be placed (finite; > 0 on a log scale). */
  valid(v: number): boolean;
  /** Labelled tick values. */
  ticks(): number[];
  /** Unlabelled minor ticks (log scales: 2–9 × each decade). */
  minorTicks(): number[];
  /** Tick label text. */
  format(v: number): string;
}

const SUPERSCRIPT: Record<string, string> = {
  '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹',
};

/** 10^k as text: plain decimals for −3 ≤ k ≤ 3, "10⁻⁵" otherwise. */
export function formatPow10(k: number): string {
  if (k >= -3 && k <= 3) return k < 0 ? (10 ** k).toFixed(-k) : String(10 ** k);
  return '10' + String(k).split('').map((c) => SUPERSCRIPT[c] ?? c).join('');
}

/** A step from the 1–2–5 series near `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/** Compact number text for linear ticks given the tick step. */
export function formatLinear(v: number, step: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(Math.max(0, Math.min(3, -Math.floor(Math.log10(step)) + Math.floor(Math.log10(a))))).replace('e+', 'e');
  const decimals = Math.max(0, Math.min(8, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

/**
 * A linear scale. The domain is widened to whole tick steps (about `count` ticks) unless `exact`.
 * `integer` keeps ticks on whole numbers (epochs).
 */
export function linearScale(domain: [number, number], range: [number, number],
  options: { count?: number; integer?: boolean; exact?: boolean } = {}): Scale {
  let [lo, hi] = domain;
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) [lo, hi] = [0, 1];
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const count = options.count ?? 6;
  let step = niceStep((hi - lo) / count);
  if (options.integer) step = Math.max(1, Math.round(step));
  if (!options.exact) {
    lo = Math.floor(lo / step + 1e-9) * step;
    hi = Math.ceil(hi / step - 1e-9) * step;
  }
  const d: [number, number] = [lo, hi];
  const map = (v: number) => range[0] + ((v - lo) / (hi - lo)) * (range[1] - range[0]);
  return {
    kind: 'linear', domain: d, range,
    map, valid: (v) => Number.isFinite(v),
    ticks: () => {
      const out: number[] = [];
      for (let t = Math.ceil(lo / step - 1e-9); t * step <= hi + step * 1e-9; t++) out.push(t === 0 ? 0 : Number((t * step).toPrecision(12)));
      return out;
    },
    minorTicks: () => [],
    format: (v) => formatLinear(v, step),
  };
}

/** A log10 scale over exactly `domain` (both > 0), with decade ticks (and 2×, 5× when it spans < 2 decades). */
export function logScale(domain: [number, number], range: [number, number]): Scale {
  let [lo, hi] = domain;
  if (!(lo > 0 && hi > 0 && Number.isFinite(lo) && Number.isFinite(hi))) [lo, hi] = [1, 10];
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) {
    lo /= 2;
    hi *= 2;
  }
  const l0 = Math.log10(lo);
  const l1 = Math.log10(hi);
  const map = (v: number) => range[0] + ((Math.log10(v) - l0) / (l1 - l0)) * (range[1] - range[0]);
  const inside = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  const k0 = Math.floor(l0);
  const k1 = Math.ceil(l1);
  const decades = k1 - k0;
  const every = decades > 12 ? Math.ceil(decades / 8) : 1;
  return {
    kind: 'log', domain: [lo, hi], range,
    map, valid: (v) => Number.isFinite(v) && v > 0,
    ticks: () => {
      const out: number[] = [];
      for (let k = k0; k <= k1; k++) {
        if ((k - k0) % every !== 0) continue;
        for (const m of l1 - l0 < 2 ? [1, 2, 5] : [1]) {
          const v = m * 10 ** k;
          if (inside(v)) out.push(v);
        }
      }
      return out;
    },
    minorTicks: () => {
      if (decades > 12) return [];
      const out: number[] = [];
      for (let k = k0; k <= k1; k++) {
        for (let m = 2; m <= 9; m++) {
          const v = m * 10 ** k;
          if (inside(v) && !(l1 - l0 < 2 && (m === 2 || m === 5))) out.push(v);
        }
      }
      return out;
    },
    format: (v) => {
      const k = Math.round(Math.log10(v));
      if (Math.abs(v / 10 ** k - 1) < 1e-9) return formatPow10(k);
      return Number(v.toPrecision(2)).toString();
    },
  };
}
