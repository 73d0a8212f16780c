import type { Suggestion, SuggestionRule } from '../train/lr-finder/suggestions.js';
import { renderLinePanel, type LineSeries, type MarkerSpec, type PointSpec } from './line-chart.js';
import { svgRoot, text } from './svg.js';

/** Colour of each suggestion rule's marker (the chosen LR is drawn in red on top). */
export const RULE_COLORS: Record<string, string> = {
  valley: '#2e8b3e', steep: '#e07b00', minimum: '#8b5fbf', slide: '#8c564b', steepest: '#1b8fa6',
};
const CHOSEN_COLOR = '#d62728';

/** A learning rate as short text: 3.2e-3. */
export function formatLr(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v >= 0.01 && v < 1000) return String(Number(v.toPrecision(2)));
  return v.toExponential(1).replace('e+', 'e').replace('.0e', 'e');
}

/** What {@link lrFinderChart} reads; an `LrFinderResult` (src/train/lr-finder) fits. */
export interface LrFinderChartInput {
  lrs: ArrayLike<number>;
  /** Raw batch losses. */
  losses: ArrayLike<number>;
  /** Smoothed losses (debiased EMA). */
  smoothed?: ArrayLike<number>;
  /** Keras running mean (the tutorial's curve). */
  running?: ArrayLike<number> | null;
  /** Index of the divergent step, or -1. */
  divergedAt?: number;
  /** When present (as on LrFinderResult), called to get every rule's suggestion. */
  suggestions?: (...args: never[]) => { suggestions: Partial<Record<SuggestionRule, Suggestion>> };
}

/** Options of {@link lrFinderChart}. */
export interface LrFinderChartOptions {
  title?: string;
  subtitle?: string;
  width?: number;
  height?: number;
  /**
   * Suggestions to mark, by rule name; default: the input's own `suggestions()`. A vertical line
   * goes at `lr`; the dot at (`pointLr`, `loss`) — the point the rule picked on the curve it read —
   * when given, else on the smoothed curve at `lr`.
   */
  suggestions?: Partial<Record<string, { lr: number; pointLr?: number; loss?: number }>>;
  /** The LR actually used, highlighted in red. */
  chosen?: number | { lr: number; label?: string };
  /** A band over seeds (from aggregateSweeps) and its median curve. */
  band?: { lrs: ArrayLike<number>; lower: ArrayLike<number>; upper: ArrayLike<number>; median?: ArrayLike<number>; label?: string; runs?: number };
  /** Draw the raw batch losses. Default true. */
  showRaw?: boolean;
  /** Draw the running mean when present. Default true. */
  showRunning?: boolean;
  /** Fixed loss range; default: from the lowest loss up to the highest smoothed loss before divergence. */
  yDomain?: [number, number];
  idPrefix?: string;
}

function interpLog(x: number, xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  const lx = Math.log(x);
  let prev = -1;
  for (let i = 0; i < xs.length; i++) {
    if (!(xs[i]! > 0) || !Number.isFinite(ys[i]!)) continue;
    const li = Math.log(xs[i]!);
    if (li >= lx) {
      if (prev < 0 || li === lx) return ys[i]!;
      const lp = Math.log(xs[prev]!);
      return ys[prev]! + ((lx - lp) / (li - lp)) * (ys[i]! - ys[prev]!);
    }
    prev = i;
  }
  return prev >= 0 && Math.abs(Math.log(xs[prev]!) - lx) < 1e-9 ? ys[prev]! : NaN;
}

/**
 * The LR range test figure: loss against learning rate on a log axis — raw batch loss (light),
 * smoothed loss (bold), the Keras running mean when recorded (dashed), an optional band over
 * seeds — with every suggestion marked by a labelled vertical line and a dot on the curve, the
 * chosen LR highlighted in red, and the divergence point marked.
 *
 * @example
 * fs.writeFileSync('lr_finder.svg', lrFinderChart(result, { chosen: result.suggestion() }));
 */
export function lrFinderChart(result: LrFinderChartInput, options: LrFinderChartOptions = {}): string {
  const n = Math.min(result.lrs.length, result.losses.length);
  const lrs = Array.from(result.lrs).slice(0, n);
  const raw = Array.from(result.losses).slice(0, n);
  const smoothed = result.smoothed ? Array.from(result.smoothed).slice(0, n) : null;
  const running = result.running ? Array.from(result.running).slice(0, n) : null;
  const ref = smoothed ?? raw;
  const divergedAt = result.divergedAt ?? -1;

  const series: LineSeries[] = [];
  if (options.band) {
    if (options.band.median) {
      series.push({ name: `median over ${options.band.runs ?? 'all'} seeds`, x: options.band.lrs, y: options.band.median, color: '#08306b', width: 2, dash: '2 3' });
    }
  }
  if (options.showRaw ?? true) series.push({ name: 'batch loss', x: lrs, y: raw, color: '#9cc3e6', width: 1.1 });
  if (smoothed) series.push({ name: 'smoothed (debiased EMA)', x: lrs, y: smoothed, color: '#1f4e99', width: 2.4 });
  if (running && (options.showRunning ?? true)) series.push({ name: 'Keras running mean (tutorial)', x: lrs, y: running, color: '#f28e2b', width: 1.6, dash: '6 4' });

  let suggestions: Partial<Record<string, { lr: number; pointLr?: number; loss?: number }>> = options.suggestions ?? {};
  if (!options.suggestions && typeof result.suggestions === 'function') suggestions = result.suggestions().suggestions;

  const markers: MarkerSpec[] = [];
  const points: PointSpec[] = [];
  // Dots sit on the median curve when a band is shown, else on the smoothed (or raw) loss.
  const [px, py] = options.band?.median ? [options.band.lrs, options.band.median] : [lrs, ref];
  for (const [rule, s] of Object.entries(suggestions)) {
    if (!s || !(s.lr > 0)) continue;
    const color = RULE_COLORS[rule] ?? '#555555';
    markers.push({ x: s.lr, label: `${rule} ${formatLr(s.lr)}`, color });
    if (s.pointLr !== undefined && s.loss !== undefined && Number.isFinite(s.loss)) {
      points.push({ x: s.pointLr, y: s.loss, color, radius: 4 });
    } else {
      const y = interpLog(s.lr, px, py);
      if (Number.isFinite(y)) points.push({ x: s.lr, y, color, radius: 4 });
    }
  }
  if (divergedAt >= 0 && divergedAt < n) markers.push({ x: lrs[divergedAt]!, label: `diverged (step ${divergedAt})`, color: '#7f7f7f', dash: '2 3' });
  if (options.chosen !== undefined) {
    const c = typeof options.chosen === 'number' ? { lr: options.chosen } : options.chosen;
    if (c.lr > 0) {
      markers.push({ x: c.lr, label: c.label ?? `chosen ${formatLr(c.lr)}`, color: CHOSEN_COLOR, dash: '', emphasis: true });
      const y = interpLog(c.lr, px, py);
      if (Number.isFinite(y)) points.push({ x: c.lr, y, color: CHOSEN_COLOR, radius: 6 });
    }
  }

  let yDomain = options.yDomain;
  if (!yDomain) {
    // Show the descent: up to the highest smoothed loss before its minimum (or the first half of
    // the sweep), so the blow-up at the end leaves through the top instead of flattening the rest.
    const end = divergedAt >= 0 ? divergedAt : n;
    let iMin = -1;
    for (let i = 0; i < end; i++) if (Number.isFinite(ref[i]!) && (iMin < 0 || ref[i]! < ref[iMin]!)) iMin = i;
    const upto = Math.max(iMin, Math.floor(end / 2)) + 1;
    const tops = [...ref.slice(0, upto), ...(running ?? []).slice(0, upto), ...(options.band?.median ? Array.from(options.band.median).slice(0, upto) : [])]
      .filter(Number.isFinite);
    const lows = [...raw.slice(0, end + 1), ...ref, ...(options.band ? Array.from(options.band.lower) : [])].filter(Number.isFinite);
    if (tops.length && lows.length) {
      const lo = Math.min(...lows);
      const hi = Math.max(...tops);
      if (hi > lo) yDomain = [lo - (hi - lo) * 0.05, hi + (hi - lo) * 0.35];
    }
  }
  const validLrs = lrs.filter((v) => v > 0);
  const subtitle = options.subtitle ?? (validLrs.length
    ? `${n} steps, lr ${formatLr(Math.min(...validLrs))} → ${formatLr(Math.max(...validLrs))}`
      + (divergedAt >= 0 ? `; stopped at divergence (step ${divergedAt})` : '')
    : 'no steps recorded');
  const width = options.width ?? 820;
  const height = options.height ?? 480;
  const title = options.title ?? 'LR range test';
  const panel = renderLinePanel({
    title, subtitle, idPrefix: options.idPrefix ?? 'lrfinder',
    x: { label: 'Learning rate', unit: 'log scale', log: true },
    y: { label: 'Loss', unit: 'training', domain: yDomain },
    series,
    bands: options.band ? [{ name: options.band.label ?? 'band over seeds', x: options.band.lrs, lower: options.band.lower, upper: options.band.upper, color: '#4e79a7', opacity: 0.2 }] : [],
    markers, points, legend: true,
  }, { x: 0, y: 0, width, height });
  return svgRoot(width, height, title, panel);
}

/** A Keras/TF.js History, or just its `history` record. */
export interface HistoryLike {
  history: Record<string, ArrayLike<number>>;
  /** 0-based epoch indices (Keras `history.epoch`). */
  epoch?: ArrayLike<number>;
}

/** Options of {@link historyChart}. */
export interface HistoryChartOptions {
  /** 0-based epoch where early stopping fired (EarlyStopping.stoppedEpoch). */
  stoppedEpoch?: number | null;
  /** 0-based best epoch (EarlyStopping.bestEpoch). */
  bestEpoch?: number | null;
  /** Whether the best epoch's weights were restored (changes the label). Default true when bestEpoch is given. */
  restored?: boolean;
  /** Metric whose value at the best epoch is highlighted. Default 'val_loss' (or 'loss'). */
  monitor?: string;
  /** Base metric names, one panel each. Default: 'loss' and the first other metric. */
  metrics?: string[];
  title?: string;
  /** Size of one panel. Default 480 × 380. */
  panelWidth?: number;
  panelHeight?: number;
}

const IGNORED = new Set(['learning_rate', 'lr', 'momentum']);

function pretty(name: string): string {
  const s = name.replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Training curves per epoch: one panel for the loss and one for the first metric (training and
 * validation), with the early-stopping epoch and the (restored) best epoch marked on both and the
 * monitored value at the best epoch highlighted. Epochs are shown 1-based, as Keras prints them.
 *
 * @example
 * historyChart(history, { stoppedEpoch: es.stoppedEpoch, bestEpoch: es.bestEpoch, monitor: 'val_accuracy' });
 */
export function historyChart(history: HistoryLike | Record<string, ArrayLike<number>>, options: HistoryChartOptions = {}): string {
  const h = isHistoryLike(history) ? history.history : history;
  const epochIdx = isHistoryLike(history) && history.epoch ? Array.from(history.epoch) : null;
  const keys = Object.keys(h);
  const n = Math.max(0, ...keys.map((k) => h[k]!.length));
  const xs = Array.from({ length: n }, (_, i) => (epochIdx && epochIdx[i] !== undefined ? epochIdx[i]! : i) + 1);
  const bases: string[] = [];
  for (const k of keys) {
    const b = k.replace(/^val_/, '');
    if (!IGNORED.has(b) && !bases.includes(b)) bases.push(b);
  }
  bases.sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : 0));
  const panels = options.metrics ?? (bases.length ? bases.slice(0, 2) : ['loss']);
  const monitor = options.monitor ?? (h.val_loss ? 'val_loss' : 'loss');
  const pw = options.panelWidth ?? 480;
  const ph = options.panelHeight ?? 380;
  const header = options.title ? 34 : 0;
  const W = pw * panels.length;
  const H = ph + header;

  const body: string[] = [];
  if (options.title) body.push(text(options.title, { x: 12, y: 24, 'font-size': 16, 'font-weight': 600, fill: '#222222' }));
  panels.forEach((base, p) => {
    const series: LineSeries[] = [];
    if (h[base]) series.push({ name: `training ${base}`, x: xs, y: h[base]!, color: '#4e79a7', width: 2, dots: true });
    if (h[`val_${base}`]) series.push({ name: `validation ${base}`, x: xs, y: h[`val_${base}`]!, color: '#f28e2b', width: 2, dots: true });
    const markers: MarkerSpec[] = [];
    const points: PointSpec[] = [];
    const best = options.bestEpoch;
    if (best !== null && best !== undefined && best >= 0) {
      const restored = options.restored ?? true;
      markers.push({ x: best + 1, label: `best epoch ${best + 1}${restored ? ' (restored)' : ''}`, color: '#2e8b3e', dash: '', emphasis: true });
      const mBase = monitor.replace(/^val_/, '');
      const values = h[monitor];
      if (mBase === base && values && Number.isFinite(values[best]!)) {
        points.push({ x: best + 1, y: values[best]!, label: `${monitor} ${Number(values[best]!.toPrecision(4))}`, color: '#2e8b3e', radius: 5.5 });
      }
    }
    const stopped = options.stoppedEpoch;
    if (stopped !== null && stopped !== undefined && stopped >= 0) {
      markers.push({ x: stopped + 1, label: `early stop, epoch ${stopped + 1}`, color: '#d62728' });
    }
    const maxX = Math.max(n, ...markers.map((m) => m.x));
    body.push(renderLinePanel({
      title: pretty(base), idPrefix: `history-${p}`,
      x: { label: 'Epoch', integer: true, domain: [1, Math.max(2, maxX)] },
      y: { label: pretty(base) },
      series, markers, points, legend: true,
    }, { x: p * pw, y: header, width: pw, height: ph }));
  });
  return svgRoot(W, H, options.title ?? 'Training history', body.join(''));
}

function isHistoryLike(h: unknown): h is HistoryLike {
  return typeof h === 'object' && h !== null && 'history' in h
    && typeof (h as { history: unknown }).history === 'object' && !Array.isArray((h as { history: unknown }).history);
}
