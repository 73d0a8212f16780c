import { linearScale } from './scale.js';
import { el, num, PALETTE, svgRoot, text, textWidth } from './svg.js';

/** One group of bars (one per category). */
export interface BarSeries {
  name: string;
  values: ArrayLike<number>;
  color?: string;
}

/** Options of {@link barChart}. */
export interface BarChartSpec {
  title?: string;
  subtitle?: string;
  width?: number;
  height?: number;
  /** Category labels along x. */
  categories: string[];
  series: BarSeries[];
  x?: { label?: string; unit?: string };
  y?: { label?: string; unit?: string; domain?: [number, number]; format?: (v: number) => string };
  /** Print each value above its bar. Default true when there are at most 24 bars. */
  valueLabels?: boolean;
  /** Format of value labels. Default 3 significant digits. */
  valueFormat?: (v: number) => string;
}

/**
 * A grouped bar chart (e.g. validation accuracy and samples/s per batch size). Negative values
 * hang below the zero line; NaN values leave a gap marked "n/a".
 *
 * @example
 * barChart({ title: 'Batch-size study', categories: ['32', '128', '512'],
 *   series: [{ name: 'val accuracy', values: [0.86, 0.87, 0.85] }], y: { label: 'Accuracy' } });
 */
export function barChart(spec: BarChartSpec): string {
  const W = spec.width ?? 760;
  const H = spec.height ?? 420;
  const parts: string[] = [];
  let top = 8;
  if (spec.title) {
    top += 17;
    parts.push(text(spec.title, { x: 12, y: top, 'font-size': 15, 'font-weight': 600, fill: '#222222' }));
  }
  if (spec.subtitle) {
    top += 17;
    parts.push(text(spec.subtitle, { x: 12, y: top, 'font-size': 12, fill: '#555555' }));
  }
  const colors = spec.series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]!);
  if (spec.series.length > 1) {
    top += 8;
    let lx = 12;
    const items: string[] = [];
    spec.series.forEach((s, i) => {
      items.push(el('rect', { x: lx, y: top + 1, width: 12, height: 12, fill: colors[i]! }));
      items.push(text(s.name, { x: lx + 17, y: top + 11, 'font-size': 12, fill: '#222222' }));
      lx += 17 + textWidth(s.name, 12) + 18;
    });
    parts.push(el('g', { class: 'legend' }, ...items));
    top += 16;
  }
  const vals: number[] = [];
  for (const s of spec.series) for (let i = 0; i < s.values.length; i++) if (Number.isFinite(s.values[i]!)) vals.push(s.values[i]!);
  const lo = Math.min(0, ...vals);
  const hi = Math.max(0, ...vals);
  const yTitle = spec.y?.label ? (spec.y.unit ? `${spec.y.label} (${spec.y.unit})` : spec.y.label) : '';
  const xTitle = spec.x?.label ? (spec.x.unit ? `${spec.x.label} (${spec.x.unit})` : spec.x.label) : '';
  const probe = linearScale(spec.y?.domain ?? [lo, hi === lo ? 1 : hi * 1.08], [0, 1], { exact: !!spec.y?.domain });
  const fmt = spec.y?.format ?? probe.format;
  const left = 12 + (yTitle ? 20 : 0) + Math.max(20, ...probe.ticks().map((t) => textWidth(fmt(t), 11))) + 8;
  const plotTop = top + 16;
  const bottom = 26 + (xTitle ? 20 : 0) + 6;
  const pw = Math.max(40, W - left - 18);
  const ph = Math.max(40, H - plotTop - bottom);
  const sy = linearScale(spec.y?.domain ?? [lo, hi === lo ? 1 : hi * 1.08], [plotTop + ph, plotTop], { exact: !!spec.y?.domain });

  const axes: string[] = [];
  for (const t of sy.ticks()) {
    const py = sy.map(t);
    axes.push(el('line', { x1: left, y1: py, x2: left + pw, y2: py, stroke: '#e5e5e5' }));
    axes.push(text(fmt(t), { x: left - 8, y: py + 4, 'font-size': 11, 'text-anchor': 'end', fill: '#555555' }));
  }
  const zero = sy.map(Math.max(sy.domain[0], Math.min(sy.domain[1], 0)));
  axes.push(el('line', { x1: left, y1: plotTop, x2: left, y2: plotTop + ph, stroke: '#6b6b6b' }));
  axes.push(el('line', { x1: left, y1: zero, x2: left + pw, y2: zero, stroke: '#6b6b6b' }));
  if (yTitle) {
    const cy = plotTop + ph / 2;
    axes.push(text(yTitle, { x: 16, y: cy, 'font-size': 12.5, 'text-anchor': 'middle', fill: '#222222', transform: `rotate(-90 16 ${num(cy)})` }));
  }
  if (xTitle) axes.push(text(xTitle, { x: left + pw / 2, y: plotTop + ph + 42, 'font-size': 12.5, 'text-anchor': 'middle', fill: '#222222' }));

  const nCat = Math.max(1, spec.categories.length);
  const groupW = pw / nCat;
  const nSer = Math.max(1, spec.series.length);
  const barW = Math.min(56, (groupW * 0.8) / nSer);
  const showValues = spec.valueLabels ?? nCat * nSer <= 24;
  const vfmt = spec.valueFormat ?? ((v: number) => String(Number(v.toPrecision(3))));
  const bars: string[] = [];
  spec.categories.forEach((cat, c) => {
    const gx = left + groupW * c + groupW / 2;
    axes.push(text(cat, { x: gx, y: plotTop + ph + 18, 'font-size': 11.5, 'text-anchor': 'middle', fill: '#444444' }));
    spec.series.forEach((s, k) => {
      const bx = gx - (barW * nSer) / 2 + k * barW;
      const v = s.values[c];
      if (v === undefined || !Number.isFinite(v)) {
        bars.push(text('n/a', { x: bx + barW / 2, y: zero - 4, 'font-size': 10, 'text-anchor': 'middle', fill: '#999999' }));
        return;
      }
      const py = sy.map(v);
      const y = Math.min(py, zero);
      bars.push(el('rect', { class: 'bar', x: bx + 1, y, width: Math.max(1, barW - 2), height: Math.max(0.5, Math.abs(zero - py)), fill: colors[k]! }));
      if (showValues) {
        bars.push(text(vfmt(v), { x: bx + barW / 2, y: v >= 0 ? py - 4 : py + 13, 'font-size': 10.5, 'text-anchor': 'middle', fill: '#333333' }));
      }
    });
  });
  if (vals.length === 0) bars.push(text('no data', { x: left + pw / 2, y: plotTop + ph / 2, 'font-size': 14, 'text-anchor': 'middle', fill: '#999999' }));
  parts.push(el('g', { class: 'axes' }, ...axes), el('g', { class: 'bars' }, ...bars));
  return svgRoot(W, H, spec.title ?? 'bar chart', parts.join(''));
}
