/**
 * The run report: one self-contained report.html (inline CSS and SVG, no scripts, no external
 * assets, so it opens from disk in any browser) plus the same figures as standalone SVG files and
 * the raw data as JSON.
 */
import { barChart } from '../plot/bar-chart.js';
import { formatLr, lrFinderChart, RULE_COLORS } from '../plot/charts.js';
import { confusionMatrixChart } from '../plot/heatmap.js';
import { lineChart, renderLinePanel, type MarkerSpec, type PointSpec } from '../plot/line-chart.js';
import { PALETTE, svgRoot, text } from '../plot/svg.js';
import { formatDuration } from '../train/progress.js';
import type { ReportHistory, ReportStudy, RunReport } from './types.js';

/** Standalone figure file names. */
export const FIGURES = {
  finder: 'lr_finder.svg',
  history: 'history.svg',
  confusion: 'confusion_matrix.svg',
  studyCurves: 'batch_study_curves.svg',
  studyThroughput: 'batch_study_throughput.svg',
  studyTime: 'batch_study_time_to_accuracy.svg',
} as const;

function h(s: unknown): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function pct(v: number | undefined | null, digits = 2): string {
  return v === undefined || v === null || !Number.isFinite(v) ? 'n/a' : `${(v * 100).toFixed(digits)} %`;
}

function fixed(v: number | undefined | null, digits = 4): string {
  return v === undefined || v === null || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);
}

function lr(v: number | undefined | null): string {
  return v === undefined || v === null || !Number.isFinite(v) ? 'n/a' : formatLr(v);
}

function rate(v: number): string {
  return Number.isFinite(v) ? `${v >= 100 ? v.toFixed(0) : v.toFixed(1)}` : 'n/a';
}

/** Every figure the report has data for, by file name. */
export function buildFigures(r: RunReport): Record<string, string> {
  const out: Record<string, string> = {};
  if (r.finder) {
    const f = r.finder;
    const suggestions: Record<string, { lr: number; pointLr?: number; loss?: number }> = {};
    for (const [rule, s] of Object.entries(f.suggestions)) {
      suggestions[rule] = { lr: s.lr, ...(s.pointLr !== undefined && s.loss !== undefined ? { pointLr: s.pointLr, loss: s.loss } : {}) };
    }
    out[FIGURES.finder] = lrFinderChart(
      { lrs: f.lrs, losses: f.losses, smoothed: f.smoothed, running: f.running, divergedAt: f.divergedAt },
      {
        title: 'LR range test: training loss vs learning rate',
        subtitle: `${f.lrs.length} of ${f.numSteps} steps, batch ${f.batchSize}, lr ${formatLr(f.startLr)} → ${formatLr(f.endLr)}${f.divergedAt >= 0 ? `, stopped at divergence (step ${f.divergedAt})` : ''}${f.band ? `, band = IQR over ${f.band.runs} seeds` : ''}`,
        suggestions,
        chosen: { lr: f.chosen.lr, label: `chosen (${f.chosen.rule}) ${formatLr(f.chosen.lr)}` },
        ...(f.band ? { band: { lrs: f.band.lrs, lower: f.band.lower, upper: f.band.upper, median: f.band.median, runs: f.band.runs, label: `IQR over ${f.band.runs} seeds` } } : {}),
        width: 1000,
        height: 520,
        idPrefix: 'rep-lrf',
      },
    );
  }
  if (r.history && r.history.epoch.length > 0) out[FIGURES.history] = historyFigure(r.history);
  if (r.test) {
    out[FIGURES.confusion] = confusionMatrixChart({
      labels: r.test.labels,
      matrix: r.test.confusion,
      title: `Test set (n = ${r.test.n})`,
      xLabel: 'Predicted class',
      yLabel: 'True class',
      cellSize: 120,
    });
  }
  if (r.study && r.study.rows.length > 0) Object.assign(out, studyFigures(r.study));
  return out;
}

/**
 * Loss and accuracy per epoch, training and validation, in two panels with the early-stopping
 * epoch and the restored best epoch marked. Axes stay in meaningful ranges: loss from 0,
 * accuracy ticks up to 100 % (the space above holds the marker labels).
 */
function historyFigure(hs: ReportHistory): string {
  const xs = hs.epoch.map((e) => e + 1);
  const n = xs.length;
  const panelW = 500;
  const panelH = 380;
  const header = 34;
  const finite = (...keys: string[]) => keys.flatMap((k) => hs.history[k] ?? []).filter(Number.isFinite);
  const body: string[] = [];
  const title = `Training and validation per epoch (${n} epoch${n === 1 ? '' : 's'}${hs.stoppedEpoch !== null ? `, early stop after epoch ${hs.stoppedEpoch + 1}` : ''})`;
  body.push(text(title, { x: 12, y: 24, 'font-size': 16, 'font-weight': 600, fill: '#222222' }));
  const panels: { key: string; label: string; domain: [number, number]; format: (v: number) => string }[] = [];
  const losses = finite('loss', 'val_loss');
  // Headroom at the top keeps the marker labels off the curves.
  if (losses.length) panels.push({ key: 'loss', label: 'Binary cross-entropy', domain: [0, Math.max(...losses) * 1.25 || 1], format: (v) => v.toFixed(2) });
  const accs = finite('accuracy', 'val_accuracy');
  if (accs.length) {
    const lo = Math.max(0, Math.floor((Math.min(...accs) - 0.02) * 20) / 20);
    panels.push({ key: 'accuracy', label: 'Accuracy', domain: [lo, 1 + (1 - lo) * 0.22], format: (v) => (v > 1 + 1e-9 ? '' : `${Math.round(v * 100)}%`) });
  }
  panels.forEach((p, i) => {
    const markers: MarkerSpec[] = [];
    const points: PointSpec[] = [];
    if (hs.bestEpoch !== null) {
      markers.push({ x: hs.bestEpoch + 1, label: `best epoch ${hs.bestEpoch + 1}${hs.restored ? ' (restored)' : ''}`, color: '#2e8b3e', dash: '', emphasis: true });
      const v = hs.history[hs.monitor]?.[hs.epoch.indexOf(hs.bestEpoch)];
      if (hs.monitor.replace(/^val_/, '') === p.key && v !== undefined && Number.isFinite(v)) {
        points.push({ x: hs.bestEpoch + 1, y: v, color: '#2e8b3e', radius: 5.5 });
      }
    }
    if (hs.stoppedEpoch !== null) markers.push({ x: hs.stoppedEpoch + 1, label: `early stop, epoch ${hs.stoppedEpoch + 1}`, color: '#d62728' });
    body.push(renderLinePanel({
      title: p.key === 'loss' ? 'Loss' : 'Accuracy',
      idPrefix: `rep-hist-${i}`,
      x: { label: 'Epoch', integer: true, domain: [1, Math.max(2, n, ...markers.map((m) => m.x))] },
      y: { label: p.label, domain: p.domain, format: p.format },
      series: [
        { name: `training ${p.key}`, x: xs, y: hs.history[p.key] ?? [], color: '#4e79a7', width: 2, dots: true },
        { name: `validation ${p.key}`, x: xs, y: hs.history[`val_${p.key}`] ?? [], color: '#f28e2b', width: 2, dots: true },
      ],
      markers, points, legend: true,
    }, { x: i * panelW, y: header, width: panelW, height: panelH }));
  });
  return svgRoot(panelW * Math.max(1, panels.length), panelH + header, title, body.join(''));
}

function studyFigures(s: ReportStudy): Record<string, string> {
  const out: Record<string, string> = {};
  const rows = s.rows;
  const maxT = Math.max(1, ...rows.flatMap((row) => row.curve.seconds));
  out[FIGURES.studyCurves] = lineChart({
    title: 'Batch-size study: validation accuracy vs training time',
    subtitle: `${s.epochs} epoch(s) per batch size; LR ${s.lrMode}; dashed line: target ${pct(s.target, 1)} (${s.targetWhy})`,
    width: 1000,
    height: 440,
    x: { label: 'Training time', unit: 's', domain: [0, maxT * 1.04] },
    y: { label: 'Validation accuracy', format: (v) => `${(v * 100).toFixed(0)}%` },
    series: [
      ...rows.map((row, i) => ({
        name: `batch ${row.batchSize} (lr ${formatLr(row.lr)})`, x: [0, ...row.curve.seconds], y: [NaN, ...row.curve.valAccuracy],
        color: PALETTE[i % PALETTE.length]!, width: 2, dots: true,
      })),
      { name: 'target', x: [0, maxT * 1.04], y: [s.target, s.target], color: '#7f7f7f', width: 1.2, dash: '5 4' },
    ],
    legend: true,
    idPrefix: 'rep-study',
  });
  const cats = rows.map((row) => String(row.batchSize));
  out[FIGURES.studyThroughput] = barChart({
    title: 'Training throughput by batch size',
    categories: cats,
    series: [{ name: 'samples/s', values: rows.map((row) => row.samplesPerSec), color: '#4e79a7' }],
    x: { label: 'Batch size' },
    y: { label: 'Throughput', unit: 'samples/s' },
    width: 490,
    height: 360,
    valueFormat: (v) => v.toFixed(0),
  });
  out[FIGURES.studyTime] = barChart({
    title: `Time to ${pct(s.target, 1)} validation accuracy`,
    subtitle: 'n/a = never reached within the budget',
    categories: cats,
    series: [{ name: 'seconds', values: rows.map((row) => row.timeToTarget ?? NaN), color: '#59a14f' }],
    x: { label: 'Batch size' },
    y: { label: 'Training time', unit: 's' },
    width: 490,
    height: 360,
    valueFormat: (v) => `${v.toFixed(1)} s`,
  });
  return out;
}

const CSS = `
:root { --fg:#1d2330; --muted:#5b6475; --line:#e3e6ec; --bg:#f6f7f9; --card:#ffffff; --accent:#1f4e99; --good:#2e8b3e; --bad:#c0392b; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 28px 24px 60px; }
header h1 { font-size: 26px; margin: 0 0 4px; }
header p { margin: 0; color: var(--muted); }
.notes { margin: 14px 0 0; padding: 10px 14px; background:#fff8e6; border:1px solid #f1dca7; border-radius:8px; font-size:14px; }
.notes p { margin: 2px 0; color: #6b5300; }
.cards { display:grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin: 22px 0 8px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding: 12px 14px; }
.card .k { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.card .v { font-size: 24px; font-weight: 650; margin-top: 2px; }
.card .s { font-size: 12.5px; color: var(--muted); }
section { background:var(--card); border:1px solid var(--line); border-radius:12px; padding: 18px 20px; margin-top: 18px; }
section h2 { font-size: 19px; margin: 0 0 6px; }
section > p.lead { margin: 0 0 12px; color: var(--muted); }
figure { margin: 10px 0; }
figure svg { max-width: 100%; height: auto; display: block; border: 1px solid var(--line); border-radius: 8px; }
figcaption { font-size: 13px; color: var(--muted); margin-top: 6px; }
.grid2 { display:grid; grid-template-columns: 1fr 1fr; gap: 14px; align-items: start; }
.side { display:grid; grid-template-columns: auto 1fr; gap: 22px; align-items: start; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { white-space: nowrap; font-weight: 600; color: var(--muted); font-size: 12.5px; text-transform: uppercase; letter-spacing: .03em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.chosen td { background: #fdecea; font-weight: 600; }
tr.best td { background: #eaf6ec; }
.tag { display:inline-block; padding: 1px 7px; border-radius: 10px; font-size: 12px; font-weight: 600; }
.tag.ok { background:#e3f4e6; color: var(--good); }
.tag.err { background:#fbe5e2; color: var(--bad); }
.snippet { color:#333; font-size: 13.5px; max-width: 620px; overflow-wrap: anywhere; }
td.prob { white-space: nowrap; }
.pbar { position: relative; height: 10px; width: 120px; background:#edf0f4; border-radius: 5px; overflow: hidden; display:inline-block; vertical-align: middle; margin-right: 8px; }
.pbar span { position:absolute; left:0; top:0; bottom:0; background: var(--accent); }
.kv td:first-child { color: var(--muted); width: 34%; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
.kv td { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
.cmd { background:#f0f2f5; border-radius: 6px; padding: 8px 10px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
footer { color: var(--muted); font-size: 12.5px; margin-top: 24px; text-align: center; }
@media (max-width: 900px) { .grid2, .side { grid-template-columns: 1fr; } }
`;

function card(k: string, v: string, s = ''): string {
  return `<div class="card"><div class="k">${h(k)}</div><div class="v">${h(v)}</div>${s ? `<div class="s">${h(s)}</div>` : ''}</div>`;
}

function figure(svg: string | undefined, caption: string): string {
  return svg ? `<figure>${svg}<figcaption>${caption}</figcaption></figure>` : '';
}

function fmtValue(v: unknown): string {
  if (typeof v === 'number' && v !== 0 && Math.abs(v) < 1e-3) return v.toExponential().replace(/\.?0+e/, 'e');
  if (Array.isArray(v)) return v.join(',');
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

function kvTable(obj: Record<string, unknown>): string {
  const rows = Object.entries(obj)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<tr><td>${h(k)}</td><td>${h(fmtValue(v))}</td></tr>`);
  return `<table class="kv">${rows.join('')}</table>`;
}

function finderSection(r: RunReport, figs: Record<string, string>): string {
  const f = r.finder!;
  const order = Object.entries(f.suggestions).sort((a, b) => a[1].lr - b[1].lr);
  const rows = order.map(([rule, s]) => {
    const chosen = rule === f.chosen.rule;
    const color = RULE_COLORS[rule.split(' ')[0]!] ?? '#555';
    const spread = s.spread ? `${lr(s.spread.min)} – ${lr(s.spread.max)} (×${s.spread.ratio.toFixed(2)} over ${s.spread.runs})` : '';
    return `<tr class="${chosen ? 'chosen' : ''}"><td><span style="color:${color}">●</span> ${h(rule)}${chosen ? ' <span class="tag err">chosen</span>' : ''}</td><td class="num mono">${h(lr(s.lr))}</td><td>${h(s.source)}</td><td>${h(s.note ?? '')}${spread ? `<div class="s">${h(spread)}</div>` : ''}</td></tr>`;
  });
  const errs = Object.entries(f.errors).map(([rule, e]) => `<tr><td>${h(rule)}</td><td class="num">—</td><td colspan="2">${h(e)}</td></tr>`);
  return `<section id="finder"><h2>1 · Learning-rate range test</h2>
<p class="lead">One batch per learning rate on an exponential sweep from ${h(lr(f.startLr))} to ${h(lr(f.endLr))}; the model's weights, the optimizer state and the RNG were restored afterwards. Every rule's suggestion is marked; the learning rate used for training is in red.</p>
${figure(figs[FIGURES.finder], `Light blue: raw batch loss; dark blue: debiased EMA (β = 0.98); dashed orange: Keras's running mean (what the tutorial's lrfinder reads). Log-scaled x axis. ${f.lrs.length} steps in ${formatDuration(f.seconds)}.`)}
<table><thead><tr><th>Rule</th><th class="num">Suggested LR</th><th>Curve read</th><th>Notes</th></tr></thead><tbody>${rows.join('')}${errs.join('')}</tbody></table>
${f.chosen.why ? `<p class="lead" style="margin-top:10px">${h(f.chosen.why)}</p>` : ''}
</section>`;
}

function historySection(r: RunReport, figs: Record<string, string>): string {
  const hs = r.history!;
  const keys = ['loss', 'accuracy', 'val_loss', 'val_accuracy'].filter((k) => hs.history[k]);
  const head = `<tr><th class="num">Epoch</th>${keys.map((k) => `<th class="num">${h(k.replace('_', ' '))}</th>`).join('')}<th class="num">LR</th></tr>`;
  const rows = hs.epoch.map((e, i) => {
    const best = hs.bestEpoch === e;
    const cells = keys.map((k) => `<td class="num">${k.includes('accuracy') ? pct(hs.history[k]![i]) : fixed(hs.history[k]![i])}</td>`).join('');
    const lrv = hs.history.learning_rate?.[i];
    return `<tr class="${best ? 'best' : ''}"><td class="num">${e + 1}${best ? ' ★' : ''}${hs.stoppedEpoch === e ? ' <span class="tag err">stop</span>' : ''}</td>${cells}<td class="num mono">${lr(lrv)}</td></tr>`;
  });
  const stop = hs.stoppedEpoch !== null
    ? `Early stopping fired after epoch ${hs.stoppedEpoch + 1} (${h(hs.stopReason ?? 'patience')}).`
    : `Training ran all ${hs.epoch.length} epoch(s) without early stopping firing.`;
  const best = hs.bestEpoch !== null ? ` Best ${h(hs.monitor)} at epoch ${hs.bestEpoch + 1}${hs.restored ? '; its weights were restored and are the ones evaluated and saved' : ''}.` : '';
  return `<section id="training"><h2>2 · Training with early stopping</h2>
<p class="lead">${stop}${best} ${hs.epoch.length} epoch(s) in ${formatDuration(hs.seconds)}, ${rate(hs.samplesPerSec)} samples/s.</p>
${figure(figs[FIGURES.history], 'Loss (binary cross-entropy) and accuracy per epoch, training (blue) and validation (orange). Green: the best epoch by the monitored metric; red dashed: the epoch where early stopping fired.')}
<table><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>
<p class="lead" style="margin-top:8px">★ best epoch${hs.restored ? ' (restored)' : ''} · <span class="tag err">stop</span> epoch where early stopping fired. Training values are means over the epoch's batches (Keras), validation values are computed after the epoch.</p>
</section>`;
}

function testSection(r: RunReport, figs: Record<string, string>): string {
  const t = r.test!;
  const [neg, pos] = t.labels;
  const m = t.confusion;
  const metrics = `<table><tbody>
<tr><td>Accuracy</td><td class="num">${pct(t.accuracy)}</td></tr>
<tr><td>Loss (BCE)</td><td class="num">${fixed(t.loss)}</td></tr>
<tr><td>Precision (${h(pos)})</td><td class="num">${pct(t.precision)}</td></tr>
<tr><td>Recall (${h(pos)})</td><td class="num">${pct(t.recall)}</td></tr>
<tr><td>F1 (${h(pos)})</td><td class="num">${pct(t.f1)}</td></tr>
<tr><td>True ${h(neg)} / false ${h(pos)}</td><td class="num">${m[0]![0]} / ${m[0]![1]}</td></tr>
<tr><td>False ${h(neg)} / true ${h(pos)}</td><td class="num">${m[1]![0]} / ${m[1]![1]}</td></tr>
</tbody></table>`;
  let examples = '';
  if (r.examples && r.examples.length > 0) {
    const rows = r.examples.map((ex) => {
      const predicted = ex.probability >= 0.5 ? 1 : 0;
      const ok = predicted === ex.label;
      return `<tr><td class="snippet">${h(ex.text)}</td><td>${h(t.labels[ex.label])}</td><td class="num prob"><span class="pbar"><span style="width:${(ex.probability * 100).toFixed(1)}%"></span></span>${ex.probability.toFixed(3)}</td><td><span class="tag ${ok ? 'ok' : 'err'}">${ok ? '✓' : '✗'} ${h(t.labels[predicted])}</span></td><td>${h(ex.kind)}</td></tr>`;
    });
    examples = `<h3 style="margin:18px 0 6px;font-size:16px">Example predictions</h3>
<table><thead><tr><th>Text (start)</th><th>True label</th><th class="num">P(${h(pos)})</th><th>Predicted</th><th>Picked as</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  }
  return `<section id="test"><h2>3 · Test set</h2>
<p class="lead">The held-out test split, never used for training, LR selection or early stopping. Threshold 0.5 on the sigmoid output.</p>
<div class="side">${figure(figs[FIGURES.confusion], 'Rows: true class; columns: predicted. Each cell: count and share of its row.')}<div>${metrics}</div></div>
${examples}
</section>`;
}

function studySection(r: RunReport, figs: Record<string, string>): string {
  const s = r.study!;
  const bestAcc = Math.max(...s.rows.map((row) => row.finalValAccuracy));
  const rows = s.rows.map((row) => `<tr class="${row.finalValAccuracy === bestAcc ? 'best' : ''}"><td class="num">${row.batchSize}</td><td class="num mono">${lr(row.lr)}</td><td>${h(row.lrSource)}</td><td class="num">${pct(row.finalValAccuracy)}</td><td class="num">${pct(row.bestValAccuracy)}</td><td class="num">${fixed(row.finalValLoss)}</td><td class="num">${rate(row.samplesPerSec)}</td><td class="num">${row.seconds.toFixed(1)} s</td><td class="num">${row.timeToTarget === null ? 'not reached' : `${row.timeToTarget.toFixed(1)} s`}</td></tr>`);
  return `<section id="batch-study"><h2>4 · Batch-size study</h2>
<p class="lead">A fresh model per batch size, ${s.epochs} epoch(s) each, learning rate ${h(s.lrMode)}. Time to accuracy counts training time (validation excluded) until the validation accuracy first reached ${pct(s.target, 1)} (${h(s.targetWhy)}).</p>
${figure(figs[FIGURES.studyCurves], 'Validation accuracy after each epoch against cumulative training time.')}
<div class="grid2">${figure(figs[FIGURES.studyThroughput], 'Training samples per second.')}${figure(figs[FIGURES.studyTime], 'Training time until the target accuracy was first reached.')}</div>
<table><thead><tr><th class="num">Batch</th><th class="num">LR</th><th>LR from</th><th class="num">Final val acc</th><th class="num">Best val acc</th><th class="num">Final val loss</th><th class="num">Samples/s</th><th class="num">Train time</th><th class="num">Time to target</th></tr></thead><tbody>${rows.join('')}</tbody></table>
</section>`;
}

/** The report page. `figures` defaults to {@link buildFigures}. */
export function buildReportHtml(r: RunReport, figures: Record<string, string> = buildFigures(r)): string {
  const strip = (svg: string) => svg.replace(/^<\?xml[^>]*>\s*/, '');
  const figs = Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, strip(v)]));
  const cards: string[] = [];
  if (r.test) cards.push(card('Test accuracy', pct(r.test.accuracy), `loss ${fixed(r.test.loss)} · n = ${r.test.n}`));
  if (r.learningRate !== undefined) cards.push(card('Learning rate', lr(r.learningRate), r.finder ? `finder rule: ${r.finder.chosen.rule}` : 'fixed'));
  if (r.history) {
    const hs = r.history;
    cards.push(card('Epochs run', String(hs.epoch.length), hs.bestEpoch !== null ? `best epoch ${hs.bestEpoch + 1}${hs.restored ? ' (restored)' : ''}` : ''));
    cards.push(card('Throughput', `${rate(hs.samplesPerSec)}`, 'training samples/s'));
  }
  const total = r.timings.find((t) => t.phase === 'total');
  if (total) cards.push(card('Total time', formatDuration(total.seconds), 'wall clock'));
  cards.push(card('Backend', (r.environment.backend ?? '?').split(/[ :(]/)[0]!, r.environment.backend ?? ''));

  const d = r.dataset;
  const dataRows = Object.keys(d.counts).map((k) => `<tr><td>${h(k)}</td><td class="num">${d.counts[k]}</td><td class="num">${d.positives[k] !== undefined && d.counts[k] ? pct(d.positives[k]! / d.counts[k]!, 1) : 'n/a'}</td></tr>`);
  const timingRows = r.timings.map((t) => `<tr><td>${h(t.phase)}</td><td class="num">${formatDuration(t.seconds)}</td><td class="num">${h(t.rate ?? '')}</td></tr>`);
  const files = (r.files ?? []).map((f) => `<tr><td><a href="${h(encodeURI(f.name))}"><code>${h(f.name)}</code></a></td><td>${h(f.what)}</td></tr>`);
  let n = 0;
  const sections = [
    r.finder ? finderSection(r, figs) : '',
    r.history ? historySection(r, figs) : '',
    r.test ? testSection(r, figs) : '',
    r.study ? studySection(r, figs) : '',
  ].filter(Boolean).map((s) => s.replace(/<h2>\d+ · /, () => `<h2>${++n} · `));

  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(r.title)}</title><style>${CSS}</style></head>
<body><main>
<header><h1>${h(r.title)}</h1><p>${h(r.subtitle ?? '')}${r.subtitle ? ' · ' : ''}${h(r.created)}</p>
${r.notes && r.notes.length ? `<div class="notes">${r.notes.map((x) => `<p>${h(x)}</p>`).join('')}</div>` : ''}</header>
<div class="cards">${cards.join('')}</div>
${sections.join('\n')}
<section id="run"><h2>${++n} · Data, configuration and environment</h2>
<div class="grid2"><div>
<h3 style="font-size:15px;margin:4px 0">Data: ${h(d.name)}</h3><p class="lead" style="margin:0 0 6px">${h(d.source)}</p>
<table><thead><tr><th>Split</th><th class="num">Samples</th><th class="num">${h(d.labels[1])} share</th></tr></thead><tbody>${dataRows.join('')}</tbody></table>
<h3 style="font-size:15px;margin:16px 0 4px">Timings</h3>
<table><thead><tr><th>Phase</th><th class="num">Time</th><th class="num">Rate</th></tr></thead><tbody>${timingRows.join('')}</tbody></table>
<h3 style="font-size:15px;margin:16px 0 4px">Environment</h3>${kvTable(r.environment)}
</div><div>
<h3 style="font-size:15px;margin:4px 0">Configuration</h3>${kvTable(r.config)}
</div></div>
<h3 style="font-size:15px;margin:16px 0 4px">Command</h3><div class="cmd mono">${h(r.commandLine)}</div>
${files.length ? `<h3 style="font-size:15px;margin:16px 0 4px">Files in this folder</h3><table><tbody>${files.join('')}</tbody></table>` : ''}
</section>
<footer>Generated by webgrad · self-contained page: no scripts, no external assets.</footer>
</main></body></html>
`;
}

/**
 * Writes report.html, the standalone SVGs, history.json and lr_finder.json (when there is data
 * for them) and report.json (everything) into `dir`, each atomically. Returns the file names.
 */
export async function writeReport(dir: string, r: RunReport): Promise<string[]> {
  const { join } = await import('node:path');
  const { mkdir } = await import('node:fs/promises');
  const { writeFileAtomic, writeJsonAtomic } = await import('../io/atomic.js');
  await mkdir(dir, { recursive: true });
  const figures = buildFigures(r);
  const written: string[] = [];
  for (const [name, svg] of Object.entries(figures)) {
    await writeFileAtomic(join(dir, name), svg);
    written.push(name);
  }
  if (r.history) {
    await writeJsonAtomic(join(dir, 'history.json'), r.history);
    written.push('history.json');
  }
  if (r.finder) {
    await writeJsonAtomic(join(dir, 'lr_finder.json'), r.finder);
    written.push('lr_finder.json');
  }
  if (r.study) {
    await writeJsonAtomic(join(dir, 'batch_study.json'), r.study);
    written.push('batch_study.json');
  }
  await writeJsonAtomic(join(dir, 'report.json'), r);
  written.push('report.json');
  await writeFileAtomic(join(dir, 'report.html'), buildReportHtml(r, figures));
  written.push('report.html');
  return written;
}
