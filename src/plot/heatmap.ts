import { el, num, svgRoot, text, textWidth } from './svg.js';

/** Options of {@link confusionMatrixChart}. */
export interface ConfusionMatrixSpec {
  /** Class names, in matrix order. */
  labels: string[];
  /** matrix[true][predicted] = count. */
  matrix: ArrayLike<number>[];
  title?: string;
  /** Axis titles. Defaults 'Predicted label' / 'True label'. */
  xLabel?: string;
  yLabel?: string;
  /** Cell size in px. Default: fits about 420 px, between 36 and 110. */
  cellSize?: number;
}

/** Mixes white → a deep blue by t ∈ [0, 1]. */
function blue(t: number): string {
  const c = (a: number, b: number) => Math.round(a + (b - a) * Math.max(0, Math.min(1, t)));
  const hex = (v: number) => v.toString(16).padStart(2, '0');
  return `#${hex(c(255, 33))}${hex(c(255, 84))}${hex(c(255, 158))}`;
}

/**
 * A confusion-matrix heatmap: rows are true classes, columns predictions; each cell shows the
 * count and the share of its row (recall on the diagonal), shaded by that share.
 *
 * @example
 * confusionMatrixChart({ labels: ['neg', 'pos'], matrix: [[11000, 1500], [1300, 11200]], title: 'Test set' });
 */
export function confusionMatrixChart(spec: ConfusionMatrixSpec): string {
  const n = spec.labels.length;
  if (spec.matrix.length !== n || spec.matrix.some((r) => r.length !== n)) {
    throw new RangeError(`confusion matrix must be ${n}×${n} to match the labels`);
  }
  const cell = spec.cellSize ?? Math.max(36, Math.min(110, Math.floor(420 / Math.max(1, n))));
  const labelW = Math.max(30, ...spec.labels.map((l) => textWidth(l, 12))) + 10;
  const titleH = spec.title ? 34 : 8;
  const left = 12 + 20 + labelW;
  const top = titleH + 24;
  const W = left + n * cell + 24;
  const H = top + n * cell + 24 + 22;
  const parts: string[] = [];
  if (spec.title) parts.push(text(spec.title, { x: 12, y: 25, 'font-size': 15, 'font-weight': 600, fill: '#222222' }));
  const xLabel = spec.xLabel ?? 'Predicted label';
  const yLabel = spec.yLabel ?? 'True label';
  parts.push(text(xLabel, { x: left + (n * cell) / 2, y: top + n * cell + 40, 'font-size': 12.5, 'text-anchor': 'middle', fill: '#222222' }));
  const cy = top + (n * cell) / 2;
  parts.push(text(yLabel, { x: 18, y: cy, 'font-size': 12.5, 'text-anchor': 'middle', fill: '#222222', transform: `rotate(-90 18 ${num(cy)})` }));
  const cells: string[] = [];
  let total = 0;
  for (let r = 0; r < n; r++) {
    const row = spec.matrix[r]!;
    let rowSum = 0;
    for (let c = 0; c < n; c++) rowSum += Number.isFinite(row[c]!) ? row[c]! : 0;
    total += rowSum;
    parts.push(text(spec.labels[r]!, { x: left - 8, y: top + r * cell + cell / 2 + 4, 'font-size': 12, 'text-anchor': 'end', fill: '#333333' }));
    for (let c = 0; c < n; c++) {
      const v = row[c]!;
      const share = rowSum > 0 && Number.isFinite(v) ? v / rowSum : 0;
      const x = left + c * cell;
      const y = top + r * cell;
      const g = [el('rect', { x, y, width: cell, height: cell, fill: Number.isFinite(v) ? blue(share) : '#f4f4f4', stroke: '#ffffff', 'stroke-width': 2 })];
      const fg = share > 0.55 ? '#ffffff' : '#1a1a1a';
      const countText = Number.isFinite(v) ? String(Number.isInteger(v) ? v : Number(v.toPrecision(4))) : 'n/a';
      const big = Math.min(16, cell / 4);
      g.push(text(countText, { x: x + cell / 2, y: y + cell / 2 + (cell >= 48 ? 0 : 4), 'font-size': big, 'font-weight': 600, 'text-anchor': 'middle', fill: fg }));
      if (cell >= 48 && Number.isFinite(v)) {
        g.push(text(`${(share * 100).toFixed(1)}%`, { x: x + cell / 2, y: y + cell / 2 + big + 2, 'font-size': Math.min(12, cell / 5), 'text-anchor': 'middle', fill: fg }));
      }
      cells.push(el('g', { class: 'cell' }, ...g));
    }
  }
  for (let c = 0; c < n; c++) {
    parts.push(text(spec.labels[c]!, { x: left + c * cell + cell / 2, y: top - 8, 'font-size': 12, 'text-anchor': 'middle', fill: '#333333' }));
  }
  parts.push(el('g', { class: 'cells' }, ...cells));
  if (total === 0) parts.push(text('no data', { x: left + (n * cell) / 2, y: top - 24, 'font-size': 12, 'text-anchor': 'middle', fill: '#999999' }));
  return svgRoot(W, H, spec.title ?? 'confusion matrix', parts.join(''));
}
