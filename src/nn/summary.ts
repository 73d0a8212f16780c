import type { Layer, SymbolicShape } from './layer.js';
import { fmtSymbolic } from './layer.js';

export interface SummaryRow {
  layer: Layer;
  outputShape: SymbolicShape;
}

function fmtBytes(params: number): string {
  const bytes = params * 4;
  if (bytes < 1024) return `${bytes.toFixed(2)} Byte`;
  const units = ['KB', 'MB', 'GB'];
  let v = bytes / 1024;
  let k = 0;
  while (v >= 1024 && k < units.length - 1) {
    v /= 1024;
    k++;
  }
  return `${v.toFixed(2)} ${units[k]}`;
}

const grouped = (n: number) => n.toLocaleString('en-US');

/** Keras's summary table: Layer (type) | Output Shape | Param #, then the totals. */
export function formatSummary(modelName: string, rows: readonly SummaryRow[], lineLength = 65): string {
  const cells = rows.map(({ layer, outputShape }) => [`${layer.name} (${layer.className})`, fmtSymbolic(outputShape), String(layer.countParams())]);
  const head = ['Layer (type)', 'Output Shape', 'Param #'];
  // Keras's column stops are 45% and 85% of the line; columns widen to fit rather than wrap.
  const w0 = Math.max(Math.floor(lineLength * 0.45), ...cells.map((c) => c[0]!.length + 3));
  const w1 = Math.max(Math.floor(lineLength * 0.4), ...cells.map((c) => c[1]!.length + 3));
  const w2 = Math.max(lineLength - Math.floor(lineLength * 0.85), ...cells.map((c) => c[2]!.length + 1), 10);
  const width = w0 + w1 + w2;
  const line = (c: readonly string[]) => ` ${c[0]!.padEnd(w0 - 1)}${c[1]!.padEnd(w1)}${c[2]!.padEnd(w2)}`.trimEnd();
  const total = rows.reduce((n, r) => n + r.layer.countParams(), 0);
  const trainable = rows.reduce((n, r) => n + r.layer.trainableWeights.reduce((m, w) => m + w.value.size, 0), 0);
  const out = [`Model: "${modelName}"`, '_'.repeat(width), line(head), '='.repeat(width)];
  cells.forEach((c, i) => {
    out.push(line(c));
    if (i < cells.length - 1) out.push('');
  });
  out.push('='.repeat(width));
  out.push(`Total params: ${grouped(total)} (${fmtBytes(total)})`);
  out.push(`Trainable params: ${grouped(trainable)} (${fmtBytes(trainable)})`);
  out.push(`Non-trainable params: ${grouped(total - trainable)} (${fmtBytes(total - trainable)})`);
  out.push('_'.repeat(width));
  return out.join('\n');
}
