/**
 * The browser demo (demo/, issue 7) end to end: `node demo/build.mjs --serve` builds the page, the
 * module worker and the compact dataset and serves them on localhost; Debian's Chromium (headless,
 * via playwright-core) then loads the page
 * - with WebGPU on SwiftShader: the status line names the adapter; a short LR range test draws its
 *   curve and marks its suggestions; a click on the curve picks the learning rate; one epoch on a
 *   256-sample subset draws the loss and accuracy charts; a typed text gets a probability;
 * - without the WebGPU flags: the CPU fallback banner says why, and the same steps still work,
 *   here with early stopping firing and the best epoch restored, and the batch-size study.
 * Tiny settings (GRU units 8, 256 samples) come in through URL parameters: SwiftShader is a CPU
 * emulation of a GPU. Screenshots go to test-output/browser/demo-*.png.
 *
 * Fails — does not skip — when Chromium or WebGPU is missing. Outside CI a developer without
 * Chromium may opt out with WEBGRAD_SKIP_BROWSER=1 (ignored when CI is set).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { DEFAULT_CHROMIUM_PATH, findChromium, launchChromium, type LaunchedChromium } from '../../tools/browser/chromium.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = join(ROOT, 'test-output/browser');
const optOut = !process.env.CI && process.env.WEBGRAD_SKIP_BROWSER === '1';

/** Small enough for SwiftShader: 256 samples (205 training, 51 validation), GRU 8+8, 120 tokens. */
const SMALL = { subset: '256', units: '8', embed: '8', lrStart: '1e-4', lrEnd: '1', lrSteps: '12', batch: '32' };

/** What main.ts exposes as window.__demo (a subset). */
interface DemoState {
  backend: { kind: 'webgpu' | 'cpu'; description: string; fallbackReason: string | null } | null;
  dataset: { n: number; maxlen: number; numWords: number; labelNames: [string, string] } | null;
  busy: string | null;
  lr: { lrs: number[]; losses: number[]; suggestions: { rule: string; lr: number }[]; done: boolean; chosen: number | null; startLr: number; endLr: number } | null;
  train: {
    steps: number;
    epochLogs: Record<string, number>[];
    bx: number[];
    done: { stoppedEpoch: number | null; bestEpoch: number | null; restored: boolean; epochs: number; samplesPerSec: number } | null;
  } | null;
  study: { points: { batchSize: number; valAccuracy: number; samplesPerSec: number }[]; done: boolean } | null;
  prediction: { probability: number; trained: boolean; tokens: number; known: number } | null;
  errors: string[];
}

const demoState = (page: Page) => page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { __demo: unknown }).__demo)) as unknown) as Promise<DemoState>;

async function waitFor(page: Page, what: string, predicate: string, timeout: number): Promise<void> {
  try {
    await page.waitForFunction(`(() => { const s = window.__demo; if (s && s.errors.length) throw new Error(s.errors.join('; ')); return ${predicate}; })()`, undefined, { timeout, polling: 100 });
    // Charts are redrawn on the next animation frame after the state changes: let two frames pass.
    await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
  } catch (e) {
    const s = await demoState(page).catch(() => null);
    throw new Error(`waiting for ${what}: ${(e as Error).message.split('\n')[0]}; page state: busy=${s?.busy} errors=${JSON.stringify(s?.errors)} task="${await page.textContent('#task-text').catch(() => '?')}"`);
  }
}

/** Number of points in an SVG path's data (M/L commands). */
function pointCount(d: string | null): number {
  return (d?.match(/[ML]/g) ?? []).length;
}

/** Counts how often a chart container's content is replaced (to see that it was drawn live). */
async function countRenders(page: Page, selector: string): Promise<void> {
  await page.evaluate((sel) => {
    const w = window as unknown as { __renders?: Record<string, number> };
    w.__renders ??= {};
    w.__renders[sel] = 0;
    new MutationObserver(() => void w.__renders![sel]!++).observe(document.querySelector(sel)!, { childList: true });
  }, selector);
}
const renders = (page: Page, selector: string) => page.evaluate((sel) => (window as unknown as { __renders: Record<string, number> }).__renders[sel]!, selector);

/** A ustar archive of text files, gzipped (what the page reads with DecompressionStream + readTar). */
function tarGz(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, text] of Object.entries(files)) {
    const body = Buffer.from(text, 'utf8');
    const h = Buffer.alloc(512);
    h.write(name, 0, 100, 'utf8');
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write('14000000000\0', 136);
    h.fill(0x20, 148, 156);
    h.write('0', 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

/** Small synthetic reviews: positive ones praise, negative ones complain. */
function review(i: number, positive: boolean): string {
  const good = ['wonderful', 'great', 'loved', 'brilliant', 'moving', 'superb'];
  const bad = ['awful', 'boring', 'terrible', 'dull', 'waste', 'worst'];
  const w = positive ? good : bad;
  return `Review ${i}: the film was ${w[i % 6]} and the acting was ${w[(i + 2) % 6]}, honestly ${w[(i + 4) % 6]} from start to end; `
    + `the story, the music and the camera work were all ${w[(i + 1) % 6]}.`;
}

/** Starts `node demo/build.mjs --serve --port 0` and resolves with the URL it prints. */
function startDemoServer(): Promise<{ url: string; child: ChildProcess; output: string[] }> {
  const child = spawn(process.execPath, ['demo/build.mjs', '--serve', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`demo/build.mjs printed no URL within 60 s:\n${output.join('')}`)), 60_000);
    const onData = (b: Buffer) => {
      output.push(b.toString());
      const m = /serving demo\/dist at (http:\/\/localhost:\d+\/)/.exec(output.join(''));
      if (m) {
        clearTimeout(timer);
        ok({ url: m[1]!, child, output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`demo/build.mjs exited with ${code}:\n${output.join('')}`));
    });
  });
}

interface RunOptions {
  params: Record<string, string>;
  /** Expect early stopping to fire (epochs > 1, impossible minDelta). */
  earlyStop?: boolean;
  study?: boolean;
  shot: string;
}

/** Drives the page through LR range test → click on the curve → training → prediction. */
async function exercise(page: Page, baseUrl: string, o: RunOptions): Promise<DemoState> {
  const t0 = performance.now();
  const lap = (what: string) => console.log(`[demo test] ${o.shot}: ${what} at ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await page.goto(`${baseUrl}?${new URLSearchParams(o.params)}`, { waitUntil: 'load' });
  await waitFor(page, 'the engine and the dataset', 's.backend !== null && s.dataset !== null && s.busy === null', 60_000);
  lap('ready');
  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);

  // --- LR range test, drawn live, every suggestion marked ---
  await countRenders(page, '#lr-chart');
  await countRenders(page, '#loss-chart');
  await page.click('#find-lr');
  await waitFor(page, 'the LR range test', 's.lr !== null && s.lr.done && s.busy === null', 120_000);
  lap('LR range test done');
  let s = await demoState(page);
  const lr = s.lr!;
  expect(lr.lrs.length).toBeGreaterThanOrEqual(6);
  expect(lr.suggestions.length).toBeGreaterThanOrEqual(1);
  const lrPaths = await page.$$eval('#lr-chart path.series', (ps) => ps.map((p) => ({ name: p.getAttribute('data-name'), d: p.getAttribute('d') })));
  expect(lrPaths.map((p) => p.name)).toEqual(['batch loss (raw)', 'smoothed loss (debiased EMA, β 0.98)']);
  for (const p of lrPaths) expect(pointCount(p.d), p.name!).toBeGreaterThanOrEqual(lr.lrs.length - 1);
  const markerLabels = await page.$$eval('#lr-chart .marker-label text', (ts) => ts.map((t) => t.textContent ?? ''));
  for (const sug of lr.suggestions) expect(markerLabels.some((l) => l.startsWith(`${sug.rule} `)), `marker for ${sug.rule} in ${markerLabels}`).toBe(true);
  expect(await page.$$eval('#lr-suggestions .chip', (cs) => cs.length)).toBe(lr.suggestions.length);
  expect(await page.textContent('#lr-chart svg')).toMatch(/Learning rate \(log scale\)/);
  // Drawn while the sweep ran, not only at the end.
  expect(await renders(page, '#lr-chart')).toBeGreaterThanOrEqual(3);

  // --- a click on the curve chooses the learning rate (40 % along the log axis) ---
  // The plot area is the chart's clip rectangle (in SVG units; the SVG is scaled to the card).
  const target = await page.$eval('#lr-chart svg', (svg) => {
    const r = svg.querySelector('clipPath rect')!;
    const at = (k: string) => Number(r.getAttribute(k));
    const p = new DOMPoint(at('x') + 0.4 * at('width'), at('y') + 0.5 * at('height')).matrixTransform((svg as SVGSVGElement).getScreenCTM()!);
    return { x: p.x, y: p.y };
  });
  await page.mouse.click(target.x, target.y);
  const expected = 10 ** (Math.log10(lr.startLr) + 0.4 * (Math.log10(lr.endLr) - Math.log10(lr.startLr)));
  s = await demoState(page);
  expect(s.lr!.chosen! / expected).toBeGreaterThan(0.9);
  expect(s.lr!.chosen! / expected).toBeLessThan(1.1);
  expect(Number(await page.inputValue('#lr'))).toBe(s.lr!.chosen);
  expect(await page.$$eval('#lr-chart .marker-label text', (ts) => ts.some((t) => (t.textContent ?? '').startsWith('chosen ')))).toBe(true);

  // --- training with live charts ---
  await page.click('#train');
  await waitFor(page, 'training', 's.train !== null && s.train.done !== null && s.busy === null', 150_000);
  lap('training done');
  s = await demoState(page);
  const t = s.train!;
  const epochs = Number(o.params.epochs ?? 1);
  expect(t.epochLogs.length).toBe(o.earlyStop ? 2 : epochs);
  expect(t.bx.length).toBe(t.steps * t.epochLogs.length);
  for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy']) expect(Number.isFinite(t.epochLogs[0]![k]), k).toBe(true);
  expect(t.done!.samplesPerSec).toBeGreaterThan(0);
  for (const chart of ['#loss-chart', '#acc-chart']) {
    const paths = await page.$$eval(`${chart} path.series`, (ps) => ps.map((p) => ({ name: p.getAttribute('data-name'), d: p.getAttribute('d') })));
    const perBatch = paths.find((p) => p.name === 'training, epoch mean so far');
    expect(pointCount(perBatch?.d ?? null), `${chart} per-batch curve`).toBeGreaterThanOrEqual(t.bx.length - 1);
    // Per-epoch validation values are drawn as dots (one per epoch).
    expect(await page.$$eval(`${chart} .dots circle`, (cs) => cs.length)).toBeGreaterThanOrEqual(2 * t.epochLogs.length);
    expect(await page.textContent(`${chart} svg`)).toMatch(/Training progress \(epochs\)/);
  }
  expect(await renders(page, '#loss-chart')).toBeGreaterThanOrEqual(3);
  expect(await page.$$eval('#epoch-table tbody tr', (rs) => rs.length)).toBe(t.epochLogs.length);
  expect(await page.textContent('#train-result')).toMatch(/samples\/s/);
  if (o.params.schedule === 'oneCycle') {
    // The per-batch schedule moved the learning rate between epochs.
    expect(t.epochLogs[0]!.learning_rate).not.toBeCloseTo(t.epochLogs[1]!.learning_rate!, 6);
  }
  if (o.earlyStop) {
    expect(t.done).toMatchObject({ stoppedEpoch: 1, bestEpoch: 0, restored: true });
    expect(await page.textContent('#train-result')).toMatch(/Early stopping fired at epoch 2.*Restored the weights of the best epoch, epoch 1/);
    const labels = await page.$$eval('#loss-chart .marker-label text', (ts) => ts.map((x) => x.textContent));
    expect(labels).toEqual(expect.arrayContaining(['best epoch 1 (restored)', 'early stop, epoch 2']));
    expect(await page.textContent('#loss-chart svg')).toMatch(/best val_loss 0\.\d{4}/);
  }

  // --- a typed text gets a probability from the trained model ---
  await page.fill('#review', 'Congratulations! You have been selected to receive a FREE prize. Click here now to claim your cash reward, limited time offer.');
  await waitFor(page, 'a prediction', 's.prediction !== null && s.prediction.trained', 30_000);
  s = await demoState(page);
  expect(s.prediction!.probability).toBeGreaterThanOrEqual(0);
  expect(s.prediction!.probability).toBeLessThanOrEqual(1);
  expect(s.prediction!.known).toBeGreaterThan(10);
  expect(await page.textContent('#pred-value')).toMatch(/^[01]\.\d{3}$/);
  lap('prediction shown');

  if (o.study) {
    await page.click('#study');
    await waitFor(page, 'the batch-size study', 's.study !== null && s.study.done && s.busy === null', 120_000);
    lap('batch-size study done');
    s = await demoState(page);
    expect(s.study!.points.map((p) => p.batchSize)).toEqual([32, 64]);
    for (const p of s.study!.points) {
      expect(p.valAccuracy).toBeGreaterThanOrEqual(0);
      expect(p.samplesPerSec).toBeGreaterThan(0);
    }
    for (const chart of ['#study-acc', '#study-speed']) expect(await page.$$eval(`${chart} rect.bar`, (rs) => rs.length)).toBe(2);
  }

  // The status line reports engine counters after work has run.
  expect(await page.textContent('#stats-text')).toMatch(/\d+ dispatches\/step · [\d.]+ (B|KiB|MiB) in \d+ buffers · \d+ tensors/);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, o.shot), fullPage: true });
  lap(`screenshot ${join('test-output/browser', o.shot)}`);
  return s;
}

describe.skipIf(optOut)('browser demo (npm run demo) in Chromium', () => {
  let server: { url: string; child: ChildProcess; output: string[] } | undefined;
  let gpuBrowser: LaunchedChromium | undefined;
  let plainBrowser: LaunchedChromium | undefined;
  let setupError: Error | undefined;
  const t0 = performance.now();

  beforeAll(async () => {
    try {
      if (!findChromium()) {
        throw new Error(`Chromium not found at ${process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH); outside CI, WEBGRAD_SKIP_BROWSER=1 opts out`);
      }
      const [srv, gpu, plain] = await Promise.allSettled([startDemoServer(), launchChromium({ webgpu: true }), launchChromium({ webgpu: false })]);
      if (srv.status === 'fulfilled') server = srv.value;
      if (gpu.status === 'fulfilled') gpuBrowser = gpu.value;
      if (plain.status === 'fulfilled') plainBrowser = plain.value;
      for (const r of [srv, gpu, plain]) if (r.status === 'rejected') throw r.reason;
      console.log(`[demo test] ${server!.output.join('').trim().split('\n').join(' | ')}; setup ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (e) {
      setupError = e as Error;
    }
  }, 90_000);

  afterAll(async () => {
    await Promise.all([gpuBrowser?.close(), plainBrowser?.close()]);
    if (server && server.child.exitCode === null) {
      const exited = new Promise((ok) => server!.child.once('exit', ok));
      server.child.kill('SIGTERM');
      await exited;
    }
    console.log(`[demo test] total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  });

  it('on WebGPU (SwiftShader): names the adapter, finds the LR live, trains an epoch, predicts a typed text', async () => {
    if (setupError) throw setupError;
    const page = await gpuBrowser!.newPage();
    const s = await exercise(page, server!.url, { params: { ...SMALL, epochs: '1', backend: 'webgpu' }, shot: 'demo-webgpu.png' });
    expect(s.backend!.kind).toBe('webgpu');
    expect(s.backend!.fallbackReason).toBeNull();
    expect(await page.textContent('#backend-badge')).toBe('WebGPU');
    expect(await page.textContent('#status')).toMatch(/adapter: .*swiftshader/i);
    expect(await page.isHidden('#banner')).toBe(true);
    expect(gpuBrowser!.pageErrors()).toEqual([]);
    expect(gpuBrowser!.logs.filter((l) => l.kind === 'requestfailed')).toEqual([]);
  }, 240_000);

  it('without WebGPU: shows the CPU fallback banner with the reason and still works (early stopping, batch-size study)', async () => {
    if (setupError) throw setupError;
    const page = await plainBrowser!.newPage();
    const s = await exercise(page, server!.url, {
      params: { ...SMALL, epochs: '3', schedule: 'oneCycle', es: '1', monitor: 'val_loss', minDelta: '1', patience: '1', restore: '1', studySizes: '32,64', studyEpochs: '1' },
      earlyStop: true,
      study: true,
      shot: 'demo-cpu-fallback.png',
    });
    expect(s.backend!.kind).toBe('cpu');
    expect(s.backend!.fallbackReason).toMatch(/requestAdapter\(\) returned null/);
    expect(await page.textContent('#backend-badge')).toBe('CPU');
    expect(await page.isVisible('#banner')).toBe(true);
    expect(await page.textContent('#banner')).toMatch(/CPU fallback: WebGPU is not available here \(navigator\.gpu\.requestAdapter\(\) returned null/);
    expect(plainBrowser!.pageErrors()).toEqual([]);
  }, 240_000);

  it("loads the user's own CSV and aclImdb .tar.gz in the page; Stop ends the LR sweep and training; the page stays responsive", async () => {
    if (setupError) throw setupError;
    const page = await plainBrowser!.newPage();
    const params = new URLSearchParams({ units: '8', embed: '8', subset: '256', batch: '8', lrSteps: '400', epochs: '200', es: '0' });
    await page.goto(`${server!.url}?${params}`, { waitUntil: 'load' });
    await waitFor(page, 'the engine and the dataset', 's.backend !== null && s.dataset !== null && s.busy === null', 60_000);

    // CSV with its own column names, quoted fields and commas inside the text.
    const rows = Array.from({ length: 60 }, (_, i) => `"${review(i, i % 3 === 0).replace(/"/g, '""')}",${i % 3 === 0 ? 1 : 0}`);
    await page.check('input[name="source"][value="file"]');
    await page.fill('#text-field', 'review');
    await page.fill('#label-field', 'sentiment');
    await page.setInputFiles('#file', { name: 'reviews.csv', mimeType: 'text/csv', buffer: Buffer.from(`review,sentiment\n${rows.join('\n')}\n`) });
    await waitFor(page, 'the CSV', "s.dataset !== null && s.dataset.name === 'reviews.csv' && s.busy === null", 30_000);
    let s = await demoState(page);
    expect(s.dataset).toMatchObject({ n: 60, maxlen: 120, counts: { positive: 20, negative: 40 } });

    // aclImdb layout in a .tar.gz, with files the reader must skip.
    const files: Record<string, string> = { 'aclImdb/README': 'not a review', 'aclImdb/imdb.vocab': 'the\nand\n' };
    for (let i = 0; i < 40; i++) files[`aclImdb/train/${i % 2 ? 'pos' : 'neg'}/${i}_${i % 2 ? 9 : 2}.txt`] = review(i, i % 2 === 1);
    for (let i = 0; i < 20; i++) files[`aclImdb/test/${i % 2 ? 'pos' : 'neg'}/${i}_${i % 2 ? 8 : 3}.txt`] = review(100 + i, i % 2 === 1);
    files['aclImdb/train/unsup/0_0.txt'] = 'unlabelled';
    await page.setInputFiles('#file', { name: 'aclImdb_v1.tar.gz', mimeType: 'application/gzip', buffer: tarGz(files) });
    await waitFor(page, 'the tar.gz', "s.dataset !== null && s.dataset.name === 'aclImdb_v1.tar.gz' && s.busy === null", 30_000);
    s = await demoState(page);
    expect(s.dataset).toMatchObject({ n: 60, fixedValidation: 20, labelNames: ['negative', 'positive'], counts: { positive: 30, negative: 30 } });
    expect(await page.textContent('#dataset-info')).toMatch(/40 for training, 20 test reviews for validation/);

    // Stop a long LR sweep after a few steps: the curve so far stays, with suggestions where possible.
    await page.click('#find-lr');
    await waitFor(page, 'the first LR steps', 's.lr !== null && s.lr.lrs.length >= 3', 30_000);
    await page.click('#stop');
    await waitFor(page, 'the sweep to stop', 's.lr.done && s.busy === null', 30_000);
    s = await demoState(page);
    expect(s.lr!.lrs.length).toBeLessThan(400);
    expect(await page.textContent('#lr-chart svg')).toMatch(/stopped after \d+ of 400 steps/);

    // Train for "200 epochs"; the page answers while the worker trains; Stop ends it.
    await page.click('#train');
    await waitFor(page, 'the first training batches', 's.train !== null && s.train.bx.length >= 3', 30_000);
    const t = performance.now();
    await page.evaluate(() => document.querySelectorAll('svg').length);
    const latency = performance.now() - t;
    expect(latency).toBeLessThan(1000);
    await page.click('#stop-train');
    await waitFor(page, 'training to stop', 's.train.done !== null && s.busy === null', 30_000);
    s = await demoState(page);
    expect(s.train!.done).toMatchObject({ stopped: true });
    expect(s.train!.epochLogs.length).toBeLessThan(200);
    expect(await page.textContent('#train-result')).toMatch(/^Stopped by you after \d+ epochs?/);

    await page.fill('#review', 'A wonderful, moving film: I loved the music and the acting was superb.');
    await waitFor(page, 'a prediction', 's.prediction !== null && s.prediction.trained', 30_000);
    expect(await page.textContent('#pred-label')).toBe('P(positive)');
    console.log(`[demo test] own data: page answered in ${latency.toFixed(0)} ms while training`);
    await page.screenshot({ path: join(SHOTS, 'demo-own-data.png'), fullPage: true });
    expect(plainBrowser!.pageErrors()).toEqual([]);
  }, 120_000);
});
