import { describe, expect, it } from 'vitest';
import {
  barChart, confusionMatrixChart, formatLr, historyChart, lineChart, linearScale, logScale, lrFinderChart, num,
} from '../../src/plot/index.js';
import { debiasedEma, findDivergence, kerasRunningMean, LrFinderResult, lrSweep, aggregateSweeps } from '../../src/train/lr-finder/index.js';
import { all, find, parseXml, texts } from './xml.js';

const segments = (d: string) => (d.match(/M/g) ?? []).length;

describe('the XML checker itself', () => {
  it('accepts good XML and rejects the usual breakage', () => {
    expect(parseXml('<?xml version="1.0"?><a x="1"><b/><!-- c --><c>t &amp; u</c></a>').children).toHaveLength(2);
    for (const bad of ['<a><b></a>', '<a x=1/>', '<a>x & y</a>', '<a x="1" x="2"/>', '<a/><b/>', '<a>', '<a x="<"/>']) {
      expect(() => parseXml(bad), bad).toThrow();
    }
  });
});

describe('scales', () => {
  it('linear: nice 1-2-5 ticks; integer ticks for epochs', () => {
    const s = linearScale([0.03, 0.97], [0, 100]);
    expect(s.ticks()).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(s.format(0.2)).toBe('0.2');
    expect(linearScale([1, 4], [0, 1], { integer: true, exact: true }).ticks()).toEqual([1, 2, 3, 4]);
    expect(linearScale([5, 5], [0, 1]).domain[0]).toBeLessThan(5);
  });
  it('log: decade ticks with readable labels, minor ticks, 2-5 ticks on short spans', () => {
    const s = logScale([1e-6, 1], [0, 600]);
    expect(s.ticks().map((t) => s.format(t))).toEqual(['10⁻⁶', '10⁻⁵', '10⁻⁴', '0.001', '0.01', '0.1', '1']);
    expect(s.map(1e-3)).toBeCloseTo(300, 9);
    expect(s.minorTicks()).toHaveLength(6 * 8);
    const short = logScale([1e-3, 2e-2], [0, 1]);
    expect(short.ticks().map((t) => short.format(t))).toEqual(['0.001', '0.002', '0.005', '0.01', '0.02']);
    expect(s.valid(0)).toBe(false);
  });
  it('number formatting is deterministic', () => {
    expect([num(1.005), num(-0.001), num(12), num(NaN), num(3.14159)]).toEqual(['1', '0', '12', '0', '3.14']);
    expect([formatLr(0.0032), formatLr(0.042), formatLr(1), formatLr(1e-6)]).toEqual(['3.2e-3', '0.042', '1', '1e-6']);
  });
});

describe('lineChart', () => {
  const spec = {
    title: 'Loss & <friends> "quoted"',
    x: { label: 'Learning rate', unit: 'log', log: true },
    y: { label: 'Loss', unit: 'nats' },
    series: [
      { name: 'a', x: [1e-4, 1e-3, 1e-2, 1e-1], y: [1, 0.8, 0.5, 0.9] },
      { name: 'b', x: [1e-4, 1e-3, 1e-2, 1e-1], y: [1.1, 0.9, 0.6, 1.0], dash: '4 3' },
    ],
    bands: [{ name: 'band', x: [1e-4, 1e-3, 1e-2, 1e-1], lower: [0.9, 0.7, 0.4, 0.8], upper: [1.2, 1.0, 0.7, 1.1] }],
    markers: [{ x: 1e-3, label: 'valley 1e-3' }, { x: 1.1e-3, label: 'steep 1.1e-3' }, { x: 5, label: 'off the axis' }],
    points: [{ x: 1e-2, y: 0.5, label: 'min' }],
  };
  it('is well-formed, with one path per series, band, marker and point', () => {
    const svg = lineChart(spec);
    const doc = parseXml(svg);
    expect(doc.name).toBe('svg');
    expect(doc.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(find(doc, 'path', 'series')).toHaveLength(2);
    expect(find(doc, 'path', 'band')).toHaveLength(1);
    expect(find(doc, 'line', 'marker')).toHaveLength(2); // the third lies outside the x range
    expect(find(doc, 'g', 'marker-label')).toHaveLength(2);
    expect(find(doc, 'g', 'point')).toHaveLength(1);
    expect(find(doc, 'title')[0]!.text).toBe(spec.title);
    const t = texts(doc);
    expect(t).toContain('Learning rate (log)');
    expect(t).toContain('Loss (nats)');
    expect(t).toContain('valley 1e-3');
    // overlapping marker labels go to different rows
    const rects = find(doc, 'g', 'marker-label').map((g) => Number(g.children[0]!.attrs.y));
    expect(new Set(rects).size).toBe(2);
    // every data element is clipped to the plot area
    const clip = find(doc, 'clipPath')[0]!;
    expect(find(doc, 'g').some((g) => g.attrs['clip-path'] === `url(#${clip.attrs.id})`)).toBe(true);
  });
  it('is deterministic, and ids differ between charts', () => {
    expect(lineChart(spec)).toBe(lineChart(spec));
    const other = lineChart({ ...spec, title: 'other' });
    expect(find(parseXml(other), 'clipPath')[0]!.attrs.id).not.toBe(find(parseXml(lineChart(spec)), 'clipPath')[0]!.attrs.id);
  });
  it('breaks lines at NaN/Inf, drops x ≤ 0 on a log axis, draws isolated points as dots', () => {
    const doc = parseXml(lineChart({ series: [{ name: 'gaps', x: [0, 1, 2, 3, 4, 5, 6], y: [1, 2, NaN, 3, Infinity, 2, 1] }] }));
    const d = find(doc, 'path', 'series')[0]!.attrs.d!;
    expect(segments(d)).toBe(2);
    expect(d).not.toMatch(/NaN|Infinity/);
    expect(find(doc, 'circle')).toHaveLength(1); // the lone point at x = 3
    const log = parseXml(lineChart({ x: { log: true }, series: [{ name: 's', x: [0, -1, 1e-3, 1e-2], y: [1, 1, 2, 3] }] }));
    const dl = find(log, 'path', 'series')[0]!.attrs.d!;
    expect([segments(dl), (dl.match(/L/g) ?? []).length]).toEqual([1, 1]);
  });
  it('handles empty series and an empty chart', () => {
    const doc = parseXml(lineChart({ series: [{ name: 'empty', x: [], y: [] }, { name: 'full', x: [1, 2], y: [1, 2] }] }));
    expect(find(doc, 'path', 'series')).toHaveLength(1);
    expect(texts(doc)).toContain('empty (no data)');
    const none = parseXml(lineChart({ title: 'nothing', series: [] }));
    expect(texts(none)).toContain('no data');
    const allNaN = parseXml(lineChart({ series: [{ name: 'nan', x: [1, 2], y: [NaN, NaN] }], y: { log: true }, x: { log: true } }));
    expect(find(allNaN, 'path', 'series')).toHaveLength(0);
    expect(texts(allNaN)).toContain('no data');
  });
});

describe('barChart and confusionMatrixChart', () => {
  it('bars: one rect per finite value, n/a for NaN, negative values below zero', () => {
    const doc = parseXml(barChart({
      title: 'Batch-size study', categories: ['32', '128', '512'], x: { label: 'Batch size' }, y: { label: 'Accuracy' },
      series: [{ name: 'val', values: [0.86, 0.87, NaN] }, { name: 'gap', values: [-0.02, 0.01, 0.03] }],
    }));
    expect(find(doc, 'rect', 'bar')).toHaveLength(5);
    expect(texts(doc)).toContain('n/a');
    expect(texts(doc)).toContain('-0.02');
    expect(find(doc, 'g', 'legend')).toHaveLength(1);
    expect(texts(parseXml(barChart({ categories: [], series: [] })))).toContain('no data');
  });
  it('confusion matrix: n² cells with counts and row shares', () => {
    const doc = parseXml(confusionMatrixChart({ labels: ['neg', 'pos'], matrix: [[90, 10], [20, 80]], title: 'Test' }));
    expect(find(doc, 'g', 'cell')).toHaveLength(4);
    const t = texts(doc);
    for (const s of ['90', '90.0%', '10.0%', '20.0%', '80.0%', 'Predicted label', 'True label']) expect(t).toContain(s);
    expect(parseXml(confusionMatrixChart({ labels: ['a', 'b', 'c'], matrix: [[0, 0, 0], [0, 0, 0], [0, 0, 0]] }))).toBeTruthy();
    expect(() => confusionMatrixChart({ labels: ['a'], matrix: [[1, 2]] })).toThrow(RangeError);
  });
});

function finderResult(withRunning = true) {
  const lrs = lrSweep({ startLr: 1e-6, endLr: 1, numSteps: 150 });
  let s = 3;
  const losses = lrs.map((lr) => {
    const x = Math.log10(lr);
    s = (s * 1664525 + 1013904223) >>> 0;
    return 0.7 - 0.35 / (1 + Math.exp(-(x + 3) * 2.5)) + (x > -1.2 ? (x + 1.2) ** 2 * 20 : 0) + (s / 2 ** 32 - 0.5) * 0.05;
  });
  const d = findDivergence(debiasedEma(losses));
  const n = d >= 0 ? d + 1 : losses.length;
  return new LrFinderResult({
    lrs: lrs.slice(0, n), losses: losses.slice(0, n), numSteps: 150, divergedAt: d,
    runningLosses: withRunning ? kerasRunningMean(losses.slice(0, n), { stepsPerEpoch: 30 }) : undefined,
  });
}

describe('lrFinderChart', () => {
  it('draws raw, smoothed and running curves, marks every suggestion, divergence and the chosen LR', () => {
    const r = finderResult();
    expect(r.divergedAt).toBeGreaterThan(0);
    const doc = parseXml(lrFinderChart(r, { chosen: r.suggestion() }));
    expect(find(doc, 'path', 'series').map((p) => p.attrs['data-name'])).toEqual(['batch loss', 'smoothed (debiased EMA)', 'Keras running mean (tutorial)']);
    const labels = find(doc, 'g', 'marker-label').map((g) => texts(g)[0]!);
    for (const rule of ['valley', 'steep', 'minimum', 'slide', 'steepest']) expect(labels.some((l) => l.startsWith(`${rule} `))).toBe(true);
    expect(labels.some((l) => l.startsWith('diverged'))).toBe(true);
    expect(labels.some((l) => l.startsWith('chosen'))).toBe(true);
    expect(find(doc, 'line', 'marker')).toHaveLength(7);
    expect(find(doc, 'g', 'point').length).toBeGreaterThanOrEqual(6);
    expect(texts(doc)).toContain('Learning rate (log scale)');
  });
  it('shows a band over seeds and copes with an empty or all-NaN curve', () => {
    const runs = [finderResult(false), finderResult(false)];
    const agg = aggregateSweeps(runs);
    const doc = parseXml(lrFinderChart(runs[0]!, { band: { lrs: agg.lrs, lower: agg.lower, upper: agg.upper, median: agg.median, runs: 2 }, showRaw: false }));
    expect(find(doc, 'path', 'band')).toHaveLength(1);
    expect(find(doc, 'path', 'series')).toHaveLength(2);
    expect(texts(parseXml(lrFinderChart({ lrs: [], losses: [] })))).toContain('no steps recorded');
    expect(parseXml(lrFinderChart({ lrs: [1e-3, 1e-2], losses: [NaN, NaN] }))).toBeTruthy();
  });
});

describe('historyChart', () => {
  const history = {
    history: {
      loss: [0.62, 0.41, 0.3, 0.24, 0.19], val_loss: [0.52, 0.38, 0.33, 0.32, NaN],
      accuracy: [0.65, 0.82, 0.88, 0.91, 0.93], val_accuracy: [0.76, 0.84, 0.866, 0.871, 0.869], learning_rate: [1e-3, 1e-3, 1e-3, 1e-3, 1e-3],
    },
    epoch: [0, 1, 2, 3, 4],
  };
  it('two panels, stop and best epochs marked on both, best value highlighted (1-based epochs)', () => {
    const doc = parseXml(historyChart(history, { stoppedEpoch: 4, bestEpoch: 3, monitor: 'val_accuracy', title: 'History' }));
    expect(find(doc, 'g', 'panel')).toHaveLength(2);
    expect(find(doc, 'path', 'series')).toHaveLength(4);
    expect(find(doc, 'line', 'marker')).toHaveLength(4);
    const t = texts(doc);
    expect(t).toContain('best epoch 4 (restored)');
    expect(t).toContain('early stop, epoch 5');
    expect(t).toContain('val_accuracy 0.871');
    expect(find(doc, 'g', 'point')).toHaveLength(1);
    expect(t).not.toContain('Learning rate');
    // x ticks are whole epochs from 1
    expect(t.filter((s) => /^\d+$/.test(s)).slice(0, 5)).toEqual(['1', '2', '3', '4', '5']);
  });
  it('works from a plain record, without markers, and with a single epoch or none', () => {
    expect(find(parseXml(historyChart({ loss: [0.5, 0.4] })), 'line', 'marker')).toHaveLength(0);
    expect(find(parseXml(historyChart({ loss: [0.5], val_loss: [0.6] }, { bestEpoch: 0 })), 'g', 'point')).toHaveLength(1);
    const empty = parseXml(historyChart({}));
    expect(texts(empty)).toContain('no data');
    expect(all(empty).length).toBeGreaterThan(5);
  });
});
