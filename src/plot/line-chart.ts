import { linearScale, logScale, type Scale } from './scale.js';
import { el, hashId, num, PALETTE, svgRoot, text, textWidth } from './svg.js';

/** An axis: label, unit (shown as "label (unit)"), log scale, fixed domain, custom format. */
export interface AxisSpec {
  label?: string;
  unit?: string;
  log?: boolean;
  /** Fixed domain; values outside are clipped at the plot edge. */
  domain?: [number, number];
  /** Ticks on whole numbers only (epochs). */
  integer?: boolean;
  format?: (v: number) => string;
}

/** A line. Non-finite points (and x ≤ 0 on a log axis) break it into separate segments. */
export interface LineSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: string;
  /** Stroke width in px. Default 2. */
  width?: number;
  /** SVG dash pattern, e.g. '6 4'. */
  dash?: string;
  opacity?: number;
  /** Draw a dot on every point (for short series such as epochs). */
  dots?: boolean;
  /** Leave out of the legend. */
  hideInLegend?: boolean;
}

/** A filled area between two curves (e.g. a band over seeds). */
export interface BandSpec {
  name?: string;
  x: ArrayLike<number>;
  lower: ArrayLike<number>;
  upper: ArrayLike<number>;
  color?: string;
  /** Fill opacity. Default 0.18. */
  opacity?: number;
}

/** A labelled vertical line (a suggestion, the early-stopping epoch, the best epoch). */
export interface MarkerSpec {
  x: number;
  label?: string;
  color?: string;
  /** Dash pattern; default '5 4'. Use '' for solid. */
  dash?: string;
  /** Drawn thicker, label in bold. */
  emphasis?: boolean;
}

/** A highlighted point with an optional label. */
export interface PointSpec {
  x: number;
  y: number;
  label?: string;
  color?: string;
  /** Radius in px. Default 5. */
  radius?: number;
}

/** Everything a line chart shows. */
export interface LineChartSpec {
  title?: string;
  subtitle?: string;
  /** Size in px. Default 760 × 440. */
  width?: number;
  height?: number;
  x?: AxisSpec;
  y?: AxisSpec;
  series: LineSeries[];
  bands?: BandSpec[];
  markers?: MarkerSpec[];
  points?: PointSpec[];
  /** Show the legend row. Default true when there is more than one named entry. */
  legend?: boolean;
  /** Prefix of element ids (clip path). Default: a hash of the spec, so charts on one page don't clash. */
  idPrefix?: string;
}

const AXIS_COLOR = '#6b6b6b';
const GRID = '#e5e5e5';
const GRID_MINOR = '#f1f1f1';
const TEXT = '#222222';
const MUTED = '#555555';

function axisTitle(a: AxisSpec | undefined): string {
  if (!a?.label) return a?.unit ? `(${a.unit})` : '';
  return a.unit ? `${a.label} (${a.unit})` : a.label;
}

function finiteValues(...arrays: ArrayLike<number>[]): number[] {
  const out: number[] = [];
  for (const a of arrays) for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i]!)) out.push(a[i]!);
  return out;
}

/** Extent of values; NaN pair when empty. */
function extent(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return values.length ? [lo, hi] : [NaN, NaN];
}

/** Path data for a polyline, split at points that cannot be placed. Empty string when nothing is drawable. */
export function linePath(xs: ArrayLike<number>, ys: ArrayLike<number>, sx: Scale, sy: Scale): string {
  let d = '';
  let pen = false;
  const n = Math.min(xs.length, ys.length);
  for (let i = 0; i < n; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (!sx.valid(x) || !sy.valid(y)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${num(sx.map(x))} ${num(sy.map(y))}`;
    pen = true;
  }
  // A lone "M x y" draws nothing; drop it (the panel draws isolated points as dots).
  return d.replace(/M[-\d.]+ [-\d.]+(?=M|$)/g, '');
}

/** Path data for a band, one closed polygon per run of drawable points. */
export function bandPath(xs: ArrayLike<number>, lo: ArrayLike<number>, hi: ArrayLike<number>, sx: Scale, sy: Scale): string {
  let d = '';
  let run: number[] = [];
  const flush = () => {
    if (run.length >= 2) {
      d += run.map((i, k) => `${k === 0 ? 'M' : 'L'}${num(sx.map(xs[i]!))} ${num(sy.map(hi[i]!))}`).join('');
      d += run.slice().reverse().map((i) => `L${num(sx.map(xs[i]!))} ${num(sy.map(lo[i]!))}`).join('') + 'Z';
    }
    run = [];
  };
  const n = Math.min(xs.length, lo.length, hi.length);
  for (let i = 0; i < n; i++) {
    if (sx.valid(xs[i]!) && sy.valid(lo[i]!) && sy.valid(hi[i]!)) run.push(i);
    else flush();
  }
  flush();
  return d;
}

interface Box { x: number; y: number; width: number; height: number }

/**
 * Renders a line chart panel into a <g> positioned at `box` (for composing several panels into
 * one SVG). {@link lineChart} wraps one panel in a standalone SVG.
 */
export function renderLinePanel(spec: LineChartSpec, box: Box): string {
  const idp = spec.idPrefix ?? `c${hashId(JSON.stringify([spec.title, spec.series.map((s) => [s.name, s.x.length]), box]))}`;
  const W = box.width;
  const H = box.height;
  const parts: string[] = [];

  // --- header: title, subtitle, legend rows ---
  let top = 8;
  if (spec.title) {
    top += 17;
    parts.push(text(spec.title, { x: 12, y: top, 'font-size': 15, 'font-weight': 600, fill: TEXT }));
  }
  if (spec.subtitle) {
    top += 17;
    parts.push(text(spec.subtitle, { x: 12, y: top, 'font-size': 12, fill: MUTED }));
  }
  const legendItems: { name: string; color: string; kind: 'line' | 'band'; dash?: string; width?: number }[] = [];
  spec.series.forEach((s, i) => {
    const empty = !Array.from(s.y).some((v) => Number.isFinite(v));
    if (!s.hideInLegend && s.name) legendItems.push({ name: empty ? `${s.name} (no data)` : s.name, color: s.color ?? PALETTE[i % PALETTE.length]!, kind: 'line', dash: s.dash, width: s.width });
  });
  for (const b of spec.bands ?? []) if (b.name) legendItems.push({ name: b.name, color: b.color ?? PALETTE[0]!, kind: 'band' });
  const showLegend = spec.legend ?? legendItems.length > 1;
  if (showLegend && legendItems.length) {
    top += 8;
    let lx = 12;
    let row = 0;
    const rowsSvg: string[] = [];
    for (const item of legendItems) {
      const w = 26 + textWidth(item.name, 12) + 18;
      if (lx + w > W - 8 && lx > 12) {
        row++;
        lx = 12;
      }
      const ly = top + 10 + row * 18;
      if (item.kind === 'line') {
        rowsSvg.push(el('line', { x1: lx, y1: ly - 4, x2: lx + 20, y2: ly - 4, stroke: item.color, 'stroke-width': Math.max(2, item.width ?? 2), 'stroke-dasharray': item.dash || undefined }));
      } else {
        rowsSvg.push(el('rect', { x: lx, y: ly - 10, width: 20, height: 12, fill: item.color, 'fill-opacity': 0.25, stroke: item.color, 'stroke-opacity': 0.5 }));
      }
      rowsSvg.push(text(item.name, { x: lx + 26, y: ly, 'font-size': 12, fill: TEXT }));
      lx += w;
    }
    parts.push(el('g', { class: 'legend' }, ...rowsSvg));
    top += 10 + (row + 1) * 18 - 8;
  }

  // --- scales ---
  const xLog = !!spec.x?.log;
  const yLog = !!spec.y?.log;
  const keepX = (v: number) => Number.isFinite(v) && (!xLog || v > 0);
  const keepY = (v: number) => Number.isFinite(v) && (!yLog || v > 0);
  const allX = finiteValues(...spec.series.map((s) => s.x), ...(spec.bands ?? []).map((b) => b.x)).filter(keepX);
  const allY = finiteValues(...spec.series.map((s) => s.y), ...(spec.bands ?? []).flatMap((b) => [b.lower, b.upper]),
    (spec.points ?? []).map((p) => p.y)).filter(keepY);
  const hasData = spec.series.some((s) => finiteValues(s.y).length > 0) || (spec.bands ?? []).length > 0;
  let [x0, x1] = spec.x?.domain ?? extent(allX);
  let [y0, y1] = spec.y?.domain ?? extent(allY);
  if (!spec.y?.domain && Number.isFinite(y0) && !yLog) {
    const pad = (y1 - y0) * 0.05;
    y0 -= pad;
    y1 += pad;
  }
  if (!Number.isFinite(x0)) [x0, x1] = xLog ? [1, 10] : [0, 1];
  if (!Number.isFinite(y0)) [y0, y1] = yLog ? [1, 10] : [0, 1];

  // Measure y tick labels to size the left margin.
  const probeY = yLog ? logScale([y0, y1], [0, 1]) : linearScale([y0, y1], [0, 1], { integer: spec.y?.integer, exact: !!spec.y?.domain });
  const yFormat = spec.y?.format ?? probeY.format;
  const yLabelW = Math.max(20, ...probeY.ticks().map((t) => textWidth(yFormat(t), 11)));
  const yTitle = axisTitle(spec.y);
  const left = 12 + (yTitle ? 20 : 0) + yLabelW + 8;
  const right = 18;
  const xTitle = axisTitle(spec.x);
  const bottom = 24 + (xTitle ? 20 : 0) + 6;
  const plotTop = top + 12;
  const pw = Math.max(40, W - left - right);
  const ph = Math.max(40, H - plotTop - bottom);
  const sx = xLog ? logScale([x0, x1], [left, left + pw]) : linearScale([x0, x1], [left, left + pw], { integer: spec.x?.integer, exact: true });
  const sy = yLog ? logScale([y0, y1], [plotTop + ph, plotTop]) : linearScale([y0, y1], [plotTop + ph, plotTop], { integer: spec.y?.integer, exact: !!spec.y?.domain });
  const xFormat = spec.x?.format ?? sx.format;

  // --- grid and axes ---
  const grid: string[] = [];
  for (const t of sx.minorTicks()) grid.push(el('line', { x1: sx.map(t), y1: plotTop, x2: sx.map(t), y2: plotTop + ph, stroke: GRID_MINOR }));
  for (const t of sy.minorTicks()) grid.push(el('line', { x1: left, y1: sy.map(t), x2: left + pw, y2: sy.map(t), stroke: GRID_MINOR }));
  const xTicks = sx.ticks();
  const yTicks = sy.ticks();
  for (const t of xTicks) grid.push(el('line', { x1: sx.map(t), y1: plotTop, x2: sx.map(t), y2: plotTop + ph, stroke: GRID }));
  for (const t of yTicks) grid.push(el('line', { x1: left, y1: sy.map(t), x2: left + pw, y2: sy.map(t), stroke: GRID }));
  parts.push(el('g', { class: 'grid' }, ...grid));

  const axes: string[] = [];
  axes.push(el('line', { x1: left, y1: plotTop + ph, x2: left + pw, y2: plotTop + ph, stroke: AXIS_COLOR }));
  axes.push(el('line', { x1: left, y1: plotTop, x2: left, y2: plotTop + ph, stroke: AXIS_COLOR }));
  // Thin out x labels that would collide.
  let lastRight = -Infinity;
  for (const t of xTicks) {
    const px = sx.map(t);
    axes.push(el('line', { x1: px, y1: plotTop + ph, x2: px, y2: plotTop + ph + 5, stroke: AXIS_COLOR }));
    const label = xFormat(t);
    const w = textWidth(label, 11);
    if (px - w / 2 > lastRight + 6) {
      axes.push(text(label, { x: px, y: plotTop + ph + 18, 'font-size': 11, 'text-anchor': 'middle', fill: MUTED }));
      lastRight = px + w / 2;
    }
  }
  for (const t of yTicks) {
    const py = sy.map(t);
    axes.push(el('line', { x1: left - 5, y1: py, x2: left, y2: py, stroke: AXIS_COLOR }));
    axes.push(text(yFormat(t), { x: left - 8, y: py + 4, 'font-size': 11, 'text-anchor': 'end', fill: MUTED }));
  }
  if (xTitle) axes.push(text(xTitle, { x: left + pw / 2, y: plotTop + ph + 40, 'font-size': 12.5, 'text-anchor': 'middle', fill: TEXT }));
  if (yTitle) {
    const cy = plotTop + ph / 2;
    axes.push(text(yTitle, { x: 16, y: cy, 'font-size': 12.5, 'text-anchor': 'middle', fill: TEXT, transform: `rotate(-90 16 ${num(cy)})` }));
  }
  parts.push(el('g', { class: 'axes' }, ...axes));

  // --- data, clipped to the plot area ---
  const clipId = `${idp}-clip`;
  parts.push(el('clipPath', { id: clipId }, el('rect', { x: left, y: plotTop, width: pw, height: ph })));
  const data: string[] = [];
  (spec.bands ?? []).forEach((b) => {
    const d = bandPath(b.x, b.lower, b.upper, sx, sy);
    if (d) data.push(el('path', { class: 'band', d, fill: b.color ?? PALETTE[0]!, 'fill-opacity': b.opacity ?? 0.18, stroke: 'none' }));
  });
  spec.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const d = linePath(s.x, s.y, sx, sy);
    if (d) {
      data.push(el('path', {
        class: 'series', 'data-name': s.name, d, fill: 'none', stroke: color, 'stroke-width': s.width ?? 2,
        'stroke-dasharray': s.dash || undefined, 'stroke-opacity': s.opacity, 'stroke-linejoin': 'round', 'stroke-linecap': 'round',
      }));
    }
    const dots: string[] = [];
    const m = Math.min(s.x.length, s.y.length);
    const ok = (k: number) => k >= 0 && k < m && sx.valid(s.x[k]!) && sy.valid(s.y[k]!);
    for (let k = 0; k < m; k++) {
      // Every point with `dots`; otherwise only isolated points, which a line cannot show.
      if (ok(k) && (s.dots || (!ok(k - 1) && !ok(k + 1)))) {
        dots.push(el('circle', { cx: sx.map(s.x[k]!), cy: sy.map(s.y[k]!), r: s.dots ? 2.8 : Math.max(2.5, (s.width ?? 2) * 1.2), fill: color }));
      }
    }
    if (dots.length) data.push(el('g', { class: 'dots' }, ...dots));
  });
  parts.push(el('g', { 'clip-path': `url(#${clipId})` }, ...data));
  if (!hasData) parts.push(text('no data', { x: left + pw / 2, y: plotTop + ph / 2, 'font-size': 14, 'text-anchor': 'middle', fill: '#999999' }));

  // --- vertical markers with staggered labels ---
  const markers = (spec.markers ?? []).filter((m) => sx.valid(m.x) && sx.map(m.x) >= left - 0.5 && sx.map(m.x) <= left + pw + 0.5);
  const order = markers.map((m, i) => ({ m, i, px: sx.map(m.x) })).sort((a, b) => a.px - b.px || a.i - b.i);
  const rowEnds: number[] = [];
  const markerLines: string[] = [];
  const markerLabels: string[] = [];
  for (const { m, px } of order) {
    const color = m.color ?? '#444444';
    markerLines.push(el('line', {
      class: 'marker', x1: px, y1: plotTop, x2: px, y2: plotTop + ph, stroke: color, 'stroke-width': m.emphasis ? 2.5 : 1.5,
      'stroke-dasharray': m.dash === undefined ? '5 4' : m.dash || undefined,
    }));
    const g: string[] = [];
    if (m.label) {
      const fs = 11.5;
      const w = textWidth(m.label, fs) * (m.emphasis ? 1.08 : 1) + 8;
      const toLeft = px + 4 + w > left + pw;
      const x0l = toLeft ? px - 4 - w : px + 4;
      let row = rowEnds.findIndex((end) => x0l > end + 4);
      if (row < 0) {
        row = rowEnds.length;
        rowEnds.push(-Infinity);
      }
      rowEnds[row] = x0l + w;
      const ly = plotTop + 6 + row * 18;
      g.push(el('rect', { x: x0l, y: ly, width: w, height: 16, rx: 3, fill: '#ffffff', 'fill-opacity': 0.88, stroke: color, 'stroke-opacity': 0.6 }));
      g.push(text(m.label, { x: x0l + 4, y: ly + 12, 'font-size': fs, fill: color, 'font-weight': m.emphasis ? 700 : undefined }));
      markerLabels.push(el('g', { class: 'marker-label' }, ...g));
    }
  }
  if (markerLines.length) parts.push(el('g', { class: 'markers' }, ...markerLines, ...markerLabels));

  // --- highlighted points ---
  for (const p of spec.points ?? []) {
    if (!sx.valid(p.x) || !sy.valid(p.y)) continue;
    const px = sx.map(p.x);
    const py = sy.map(p.y);
    if (px < left - 1 || px > left + pw + 1 || py < plotTop - 1 || py > plotTop + ph + 1) continue;
    const color = p.color ?? '#d62728';
    const g = [el('circle', { cx: px, cy: py, r: p.radius ?? 5, fill: color, stroke: '#ffffff', 'stroke-width': 1.5 })];
    if (p.label) {
      const w = textWidth(p.label, 11.5);
      const toLeft = px + 10 + w > left + pw;
      g.push(text(p.label, {
        x: toLeft ? px - 9 : px + 9, y: py > plotTop + 20 ? py - 8 : py + 18, 'font-size': 11.5, fill: color,
        'font-weight': 600, 'text-anchor': toLeft ? 'end' : 'start', stroke: '#ffffff', 'stroke-width': 3, 'paint-order': 'stroke',
      }));
    }
    parts.push(el('g', { class: 'point' }, ...g));
  }

  return el('g', { class: 'panel', transform: box.x || box.y ? `translate(${num(box.x)} ${num(box.y)})` : undefined }, ...parts);
}

/**
 * A standalone SVG line chart: several series with a legend, optional log axes, bands,
 * labelled vertical markers and highlighted points. Output is deterministic for a given spec.
 *
 * @example
 * const svg = lineChart({
 *   title: 'Loss', x: { label: 'Learning rate', log: true }, y: { label: 'Loss' },
 *   series: [{ name: 'smoothed', x: lrs, y: smoothed }],
 *   markers: [{ x: 3e-3, label: 'valley 3e-3', color: '#e15759' }],
 * });
 * fs.writeFileSync('lr.svg', svg);
 */
export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 760;
  const height = spec.height ?? 440;
  return svgRoot(width, height, spec.title ?? 'chart', renderLinePanel(spec, { x: 0, y: 0, width, height }));
}
