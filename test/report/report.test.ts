/**
 * The run report on synthetic data: every figure is well-formed SVG, element ids do not clash on
 * the page, the page is self-contained, and in headless Chromium (opened from disk, no server)
 * every figure renders with a non-empty size. Screenshot: test-output/report/report.png.
 * Like the browser tests, this fails (does not skip) without Chromium unless WEBGRAD_SKIP_BROWSER=1
 * outside CI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildFigures, buildReportHtml, FIGURES, writeReport } from '../../src/report/report.js';
import type { RunReport } from '../../src/report/types.js';
import { parseXml } from '../plot/xml.js';
import { findChromium, launchChromium } from '../../tools/browser/chromium.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = join(ROOT, 'test-output/report');
const optOut = !process.env.CI && process.env.WEBGRAD_SKIP_BROWSER === '1';

function syntheticReport(): RunReport {
  const n = 120;
  const lrs = Array.from({ length: n }, (_, i) => 1e-6 * 1e6 ** (i / (n - 1)));
  const losses = lrs.map((lr, i) => 0.69 - 0.45 / (1 + Math.exp(-(Math.log10(lr) + 3) * 2.5)) + (i > 100 ? (i - 100) * 0.08 : 0) + 0.03 * Math.sin(i * 1.7));
  const smoothed = losses.map((_, i) => losses.slice(Math.max(0, i - 8), i + 1).reduce((a, b) => a + b, 0) / Math.min(i + 1, 9));
  const running = losses.map((_, i) => losses.slice(0, i + 1).reduce((a, b) => a + b, 0) / (i + 1));
  const acc = [0.74, 0.88, 0.95, 0.97, 0.968];
  return {
    title: 'webgrad · synthetic run',
    subtitle: 'report test',
    created: '2025-01-01 00:00:00 UTC',
    commandLine: "webgrad train --limit 300 --label-names 'a b',c",
    dataset: { name: 'Synthetic <corpus> & co', source: 'generated', labels: ['ham', 'spam'], counts: { train: 4353, validation: 484, test: 1209 }, positives: { train: 1365, validation: 150, test: 381 } },
    config: { batchSize: 128, numWords: 10000, oovToken: '<OOV>' },
    environment: { backend: 'cpu (float32)', adapter: 'none', node: process.version },
    timings: [{ phase: 'load data', seconds: 2.1, rate: '2900 texts/s' }, { phase: 'training', seconds: 150 }, { phase: 'total', seconds: 240 }],
    learningRate: 1.3e-3,
    finder: {
      lrs, losses, smoothed, running, divergedAt: 112, numSteps: n, startLr: 1e-6, endLr: 1, batchSize: 128, seconds: 90,
      suggestions: {
        valley: { lr: 1.3e-3, source: 'smoothed', note: 'fastai default' },
        steep: { lr: 5e-3, source: 'smoothed' },
        minimum: { lr: 1.6e-2, source: 'smoothed', pointLr: 0.16, loss: smoothed[96]! },
        slide: { lr: 1.8e-2, source: 'smoothed' },
        steepest: { lr: 0.16, source: 'running', note: 'the tutorial' },
        'steepest (raw loss)': { lr: 6e-2, source: 'raw' },
      },
      errors: {},
      chosen: { lr: 1.3e-3, rule: 'valley' },
    },
    history: {
      epoch: [0, 1, 2, 3, 4],
      history: { loss: [0.61, 0.42, 0.15, 0.08, 0.05], accuracy: [0.68, 0.83, 0.95, 0.97, 0.98], val_loss: [0.53, 0.29, 0.11, 0.09, 0.1], val_accuracy: acc, learning_rate: [1.3e-3, 1.3e-3, 1.3e-3, 1.3e-3, 1.3e-3] },
      monitor: 'val_accuracy', bestEpoch: 3, stoppedEpoch: 4, restored: true, stopReason: 'patience', seconds: 150, samplesPerSec: 140,
    },
    test: { n: 1209, loss: 0.09, accuracy: 0.97, confusion: [[810, 18], [18, 363]], labels: ['ham', 'spam'], precision: 0.953, recall: 0.953, f1: 0.953 },
    examples: [
      { text: 'FREE <b>money</b> & "prizes"', label: 1, probability: 0.998, kind: 'confident spam' },
      { text: 'meeting notes attached', label: 0, probability: 0.004, kind: 'confident ham' },
      { text: 'hello, long time', label: 0, probability: 0.7, kind: 'confident mistake' },
    ],
    study: {
      rows: [32, 128, 512].map((b, i) => ({
        batchSize: b, lr: 1e-3 * (i + 1), lrSource: 'finder (valley)', epochs: 2, finalValAccuracy: 0.9 + i * 0.02, bestValAccuracy: 0.9 + i * 0.02,
        finalValLoss: 0.2, samplesPerSec: 70 * (i + 1), seconds: 100 / (i + 1), timeToTarget: i === 0 ? null : 40 / i,
        curve: { seconds: [50 / (i + 1), 100 / (i + 1)], valAccuracy: [0.85, 0.9 + i * 0.02] },
      })),
      target: 0.9, targetWhy: 'the lowest best accuracy', epochs: 2, lrMode: 'from the finder',
    },
    notes: ['a note with <angle brackets>'],
    files: [{ name: 'history.json', what: 'data' }],
  };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'webgrad-report-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('report', () => {
  it('builds every figure as well-formed SVG with labelled axes', () => {
    const figs = buildFigures(syntheticReport());
    expect(Object.keys(figs).sort()).toEqual(Object.values(FIGURES).sort());
    for (const [name, svg] of Object.entries(figs)) {
      expect(() => parseXml(svg), name).not.toThrow();
    }
    expect(figs[FIGURES.finder]).toContain('Learning rate (log scale)');
    expect(figs[FIGURES.finder]).toContain('chosen (valley)');
    for (const rule of ['valley', 'steep', 'minimum', 'slide', 'steepest']) expect(figs[FIGURES.finder]).toContain(`${rule} `);
    expect(figs[FIGURES.history]).toContain('best epoch 4 (restored)');
    expect(figs[FIGURES.history]).toContain('early stop, epoch 5');
    expect(figs[FIGURES.studyThroughput]).toContain('Throughput (samples/s)');
  });

  it('makes a self-contained page with unique element ids and escaped text', () => {
    const html = buildReportHtml(syntheticReport());
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(html).toContain('Synthetic &lt;corpus&gt; &amp; co');
    expect(html).toContain('FREE &lt;b&gt;money&lt;/b&gt; &amp; &quot;prizes&quot;');
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const h of ['Learning-rate range test', 'Training with early stopping', 'Test set', 'Batch-size study', 'Data, configuration and environment']) expect(html).toContain(h);
    expect(html.match(/<svg /g)).toHaveLength(Object.keys(FIGURES).length);
  });

  it('omits the sections it has no data for', () => {
    const r = syntheticReport();
    delete r.study;
    delete r.history;
    const html = buildReportHtml(r);
    expect(html).not.toContain('Batch-size study');
    expect(html).not.toContain('Training with early stopping');
    expect(html).toContain('<h2>2 · Test set</h2>');
  });

  it.skipIf(optOut)('renders in headless Chromium from disk with every figure non-empty', async () => {
    const written = await writeReport(dir, syntheticReport());
    expect(written).toContain('report.html');
    expect(readdirSync(dir).sort()).toEqual([...written].sort());
    if (!findChromium()) throw new Error('Chromium not found (apt-get install chromium); set WEBGRAD_SKIP_BROWSER=1 to opt out');
    const browser = await launchChromium({ webgpu: false, viewport: { width: 1280, height: 2400 }, forward: null });
    try {
      const page = await browser.newPage();
      await page.goto(pathToFileURL(join(dir, 'report.html')).href, { waitUntil: 'load' });
      const figs = await page.evaluate(() => Array.from(document.querySelectorAll('figure svg')).map((s) => {
        const r = s.getBoundingClientRect();
        // The page's CSS must not change any figure's geometry (a class name shared with the SVG once did).
        const distorted = Array.from(s.querySelectorAll('rect')).filter((el) => {
          const b = (el as SVGRectElement).getBBox();
          return Math.abs(b.height - Number(el.getAttribute('height') ?? b.height)) > 0.5 || Math.abs(b.width - Number(el.getAttribute('width') ?? b.width)) > 0.5;
        }).length;
        return { label: s.getAttribute('aria-label'), w: r.width, h: r.height, marks: s.querySelectorAll('path, line, rect, circle, text').length, distorted };
      }));
      expect(figs).toHaveLength(Object.keys(FIGURES).length);
      for (const f of figs) {
        expect(f.w, f.label ?? '').toBeGreaterThan(200);
        expect(f.h, f.label ?? '').toBeGreaterThan(150);
        expect(f.marks, f.label ?? '').toBeGreaterThan(10);
        expect(f.distorted, f.label ?? '').toBe(0);
      }
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'report.png'), fullPage: true });
      expect(statSync(join(SHOTS, 'report.png')).size).toBeGreaterThan(50_000);
    } finally {
      await browser.close();
    }
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
    expect(readFileSync(join(dir, 'lr_finder.json'), 'utf8')).toContain('"suggestions"');
  });
});
