/**
 * Browser benchmark (`npm run bench:browser [-- --json FILE] [--quick] [--budget SECONDS]
 * [--only webgrad,tfjs-webgpu,tfjs-wasm,leak] [--batches 32,128]`): webgrad against TensorFlow.js
 * 4.22 in one page of Debian's Chromium (headless, playwright-core), on the one WebGPU adapter the
 * browser offers (SwiftShader on a machine without a GPU), on the tutorial model (embedding
 * 10000×16 → bidirectional GRU 32 → dense 6 relu → dense 1 sigmoid; BCE; Adam; T=120 random ids):
 *   - webgrad on WebGPU, GRU resetAfter true (Keras TF2's default) and false;
 *   - TF.js on tfjs-backend-webgpu (GRU resetAfter=false, the only variant TF.js has);
 *   - TF.js on tfjs-backend-wasm, stock (4.22 has no UnsortedSegmentSum kernel on wasm, so training
 *     fails) and "patched" with a scatter-add UnsortedSegmentSum registered in the page.
 * Per configuration and batch (32, 128, 512): train and inference samples/s, ms per step, the
 * warm-up step (first step at that batch, shader compilation included) on its own, dispatches /
 * submits / compute passes per step (counted by wrapping the browser's WebGPU API, the same way for
 * both libraries; TF.js kernels by the engine; webgrad's wg.stats() beside them), live GPU buffers
 * and bytes before and after the timed steps, and a 100-step leak check at a small shape.
 *
 * Time: SwiftShader is a slow CPU, so every job runs a warm-up step and then steps until its budget
 * is spent (at least one). A whole-run deadline (`--budget`, seconds) bounds the run: before each
 * job its cost is predicted from the same configuration at the previous batch (linear in batch);
 * a job that would overrun the deadline is not started and the table says so, and a job that runs
 * past its cap is stopped by closing the page (the next job gets a fresh page; the table says so).
 *
 * Output: a table on stdout, JSON (`--json FILE`, default bench/results/browser-<date>.json), a
 * summary line appended to bench/results/history.jsonl and the chart bench/results/history.svg
 * regenerated from it.
 */
import { spawnSync } from 'node:child_process';
import { hostname, loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium, type LaunchedChromium } from '../tools/browser/chromium.js';
import { startStaticServer, type StaticServer } from '../tools/browser/server.js';
import type { Counts, Job, JobResult, Memory, PageInfo } from './browser-page/main.js';
import { describeEnvironment } from './lib/env.js';
import { forEachFlag } from './lib/flags.js';
import { appendHistory, writeHistoryChart, type HistoryEntry } from './lib/history.js';
import { defaultJsonPath, fmt, formatTable, writeJson } from './lib/report.js';
import { now } from './lib/timing.js';
import { DENSE, EMBED, MAXLEN, TORCH_CPU_TRAIN_SAMPLES_PER_SECOND, UNITS, VOCAB, tutorialFlops } from './lib/tutorial.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// ---------------------------------------------------------------------------------------------
// Configurations

export interface BrowserConfig {
  id: string;
  /** As printed: "webgrad webgpu", "TF.js 4.22 wasm (patched)". */
  name: string;
  group: 'webgrad' | 'tfjs-webgpu' | 'tfjs-wasm';
  lib: Job['lib'];
  backend: Job['backend'];
  resetAfter: boolean;
  variant: Job['variant'];
  /** Runs inference too (the patched wasm kernel touches only training: its inference = stock). */
  infer: boolean;
}

export const CONFIGS: readonly BrowserConfig[] = [
  { id: 'webgrad-webgpu-ra-true', name: 'webgrad webgpu', group: 'webgrad', lib: 'webgrad', backend: 'webgpu', resetAfter: true, variant: 'stock', infer: true },
  { id: 'webgrad-webgpu-ra-false', name: 'webgrad webgpu', group: 'webgrad', lib: 'webgrad', backend: 'webgpu', resetAfter: false, variant: 'stock', infer: true },
  { id: 'tfjs-webgpu', name: 'TF.js 4.22 webgpu', group: 'tfjs-webgpu', lib: 'tfjs', backend: 'webgpu', resetAfter: false, variant: 'stock', infer: true },
  { id: 'tfjs-wasm-stock', name: 'TF.js 4.22 wasm (stock)', group: 'tfjs-wasm', lib: 'tfjs', backend: 'wasm', resetAfter: false, variant: 'stock', infer: true },
  { id: 'tfjs-wasm-patched', name: 'TF.js 4.22 wasm (patched)', group: 'tfjs-wasm', lib: 'tfjs', backend: 'wasm', resetAfter: false, variant: 'patched', infer: false },
];

interface Options {
  json: string | null;
  quick: boolean;
  /** Whole-run deadline for the jobs, seconds (page build and browser start not included). */
  budget: number;
  only: string[] | null;
  batches: number[];
  /** Timed seconds per job after its warm-up. */
  train: number;
  infer: number;
  /** Leak check: training steps, and webgrad's batch (T is 120). */
  leakSteps: number;
  leakBatch: number;
  /** Longest the leak checks may run, seconds (webgrad; TF.js webgpu). */
  leakCap: number;
  leakCapTfjs: number;
  /** History run id (set by `npm run bench`, so its Node and browser entries share one). */
  runId: string | null;
  /** Do not append to bench/results/history.jsonl (trial runs). */
  noHistory: boolean;
}

function parse(argv: readonly string[]): Options {
  const quick = argv.includes('--quick');
  const o: Options = quick
    ? { json: null, quick, budget: 180, only: null, batches: [32], train: 2, infer: 1, leakSteps: 20, leakBatch: 4, leakCap: 20, leakCapTfjs: 10, runId: null, noHistory: false }
    : { json: null, quick, budget: 600, only: null, batches: [32, 128, 512], train: 4, infer: 2, leakSteps: 100, leakBatch: 4, leakCap: 60, leakCapTfjs: 30, runId: null, noHistory: false };
  forEachFlag(argv, (a, value) => {
    if (a === '--quick') return;
    else if (a === '--json') o.json = value();
    else if (a === '--budget') o.budget = Number(value());
    else if (a === '--only') o.only = value().split(',');
    else if (a === '--batches') o.batches = value().split(',').map(Number);
    else if (a === '--run-id') o.runId = value();
    else if (a === '--no-history') o.noHistory = true;
    else if (a === '--help' || a === '-h') {
      console.log('options: --json FILE (default bench/results/browser-<date>.json), --quick (batch 32, short budgets), --budget SECONDS (whole-run deadline for the jobs), --only webgrad,tfjs-webgpu,tfjs-wasm,leak, --batches 32,128,512, --no-history (do not append to bench/results/history.jsonl)');
      process.exit(0);
    } else throw new Error(`unknown argument '${a}' (try --help)`);
  });
  if (!(o.budget > 0)) throw new Error('--budget must be a positive number of seconds');
  if (o.batches.some((b) => !Number.isInteger(b) || b < 1)) throw new Error('--batches: positive integers');
  return o;
}

// ---------------------------------------------------------------------------------------------
// Results

export interface Measured {
  warmupSeconds: number | null;
  steps: number;
  seconds: number;
  samplesPerSecond: number;
  msPerStep: number;
  medianMsPerStep: number;
  counts: Counts | null;
  memoryBefore: Memory | null;
  memoryAfter: Memory | null;
  buildSeconds: number;
  /** Set when the job was stopped at its cap and this is what it finished. */
  note?: string;
}

export type Outcome = Measured | { error: string };

export interface BrowserRow {
  config: string;
  name: string;
  lib: Job['lib'];
  backend: Job['backend'];
  resetAfter: boolean;
  variant: Job['variant'];
  batch: number;
  train: Outcome | null;
  infer: Outcome | null;
}

export interface LeakResult {
  config: string;
  name: string;
  batch: number;
  maxlen: number;
  stepsWanted: number;
  outcome: Outcome;
}

export const isMeasured = (o: Outcome | null | undefined): o is Measured => !!o && 'samplesPerSecond' in o;

function toOutcome(r: JobResult, batch: number): Outcome {
  if (!r.ok) return { error: r.error ?? 'failed' };
  const sorted = [...r.stepMs].sort((a, b) => a - b);
  return {
    warmupSeconds: r.warmupMs === null ? null : r.warmupMs / 1000,
    steps: r.stepMs.length,
    seconds: r.timedMs / 1000,
    samplesPerSecond: (batch * r.stepMs.length) / (r.timedMs / 1000),
    msPerStep: r.timedMs / r.stepMs.length,
    medianMsPerStep: sorted[Math.floor(sorted.length / 2)]!,
    counts: r.counts,
    memoryBefore: r.memoryBefore,
    memoryAfter: r.memoryAfter,
    buildSeconds: r.buildMs / 1000,
  };
}

// ---------------------------------------------------------------------------------------------
// The page

interface Session {
  browser: LaunchedChromium;
  server: StaticServer;
  page: Page;
  /** Pages opened so far (a job past its cap closes its page). */
  pages: number;
}

async function openPage(s: Omit<Session, 'page' | 'pages'>): Promise<Page> {
  const page = await s.browser.newPage();
  await page.goto(`${s.server.origin}/index.html`, { waitUntil: 'load' });
  await page.waitForFunction(() => window.__benchReady !== undefined, undefined, { timeout: 120_000 });
  const ready = await page.evaluate(() => window.__benchReady);
  if (ready !== true) throw new Error(`the benchmark page did not start: ${String(ready)}`);
  return page;
}

/**
 * Runs one job with a cap in seconds. Past the cap, the result so far is read from the page
 * (`window.__progress`: warm-up, finished steps) and the page is closed; the next job gets a fresh
 * page.
 */
async function runJob(s: Session, job: Job, capSeconds: number): Promise<JobResult | { killed: string; partial: JobResult | null }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cap = new Promise<'cap'>((done) => {
    timer = setTimeout(() => done('cap'), Math.max(1, capSeconds) * 1000);
  });
  const started = now();
  const work = s.page.evaluate((j) => window.__bench!.run(j), job);
  const r = await Promise.race([work, cap]).finally(() => clearTimeout(timer));
  if (r !== 'cap') return r;
  work.catch(() => undefined);
  // The page answers between awaits of the running job (it waits for the GPU most of the time).
  const partial = await Promise.race([
    s.page.evaluate(() => (window.__progress ? (JSON.parse(JSON.stringify(window.__progress)) as JobResult) : null)).catch(() => null),
    new Promise<null>((done) => setTimeout(() => done(null), 15_000)),
  ]);
  const note = `stopped at its cap after ${fmt(now() - started)} s`;
  await s.page.close().catch(() => undefined);
  s.page = await openPage(s);
  s.pages++;
  return { killed: note, partial };
}

/** A job stopped at its cap: what it finished still counts, labelled. */
function partialOutcome(killed: string, partial: JobResult | null, batch: number): Outcome {
  if (partial && partial.stepMs.length > 0) {
    const timedMs = partial.stepMs.reduce((a, b) => a + b, 0);
    return { ...toOutcome({ ...partial, ok: true, timedMs }, batch), note: `${killed}; ${partial.stepMs.length} timed step(s) finished` } as Measured;
  }
  if (partial && partial.warmupMs !== null) return { error: `${killed}: the warm-up step took ${fmt(partial.warmupMs / 1000)} s, no timed step finished` };
  return { error: `${killed}: not even the warm-up step finished` };
}

// ---------------------------------------------------------------------------------------------
// Planning: predicted cost of a job from the same configuration at a smaller batch

interface Planned {
  config: BrowserConfig;
  batch: number;
  what: 'train' | 'infer';
}

interface Prediction {
  /** Seconds of one step at the new batch. */
  step: number;
  /** Warm-up step + timed steps (the budget, at least one step). */
  job: number;
  /** From which batches. */
  from: number[];
}

/**
 * Predicts a job from the same configuration at smaller batches: a step's time is affine in the
 * batch (a fixed cost per step — dispatches — plus a cost per sample), fitted through the two
 * largest measured batches, or proportional to the batch from one (conservative); the warm-up is
 * a step plus the compilation seen at the last batch (its warm-up minus its step).
 */
function predict(p: Planned, rows: readonly BrowserRow[], o: Options): Prediction | null {
  const pts = rows
    .filter((r) => r.config === p.config.id && r.batch < p.batch && isMeasured(r[p.what]))
    .map((r) => ({ batch: r.batch, m: r[p.what] as Measured }))
    .sort((a, b) => a.batch - b.batch)
    .slice(-2);
  if (!pts.length) return null;
  const last = pts.at(-1)!;
  const lastStep = last.m.medianMsPerStep / 1000;
  let step = lastStep * (p.batch / last.batch);
  if (pts.length === 2) {
    const slope = Math.max(0, (lastStep - pts[0]!.m.medianMsPerStep / 1000) / (last.batch - pts[0]!.batch));
    step = Math.max(lastStep, lastStep + slope * (p.batch - last.batch));
  }
  const compile = last.m.warmupSeconds === null ? 0 : Math.max(0, last.m.warmupSeconds - lastStep);
  const budget = p.what === 'train' ? o.train : o.infer;
  return { step, job: step + compile + Math.max(budget, step), from: pts.map((q) => q.batch) };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const started = now();
  const loadAtStart = loadavg();
  const want = (g: string) => !o.only || o.only.includes(g);
  const configs = CONFIGS.filter((c) => want(c.group));
  const flops = tutorialFlops();
  console.error(`[bench:browser] ${o.quick ? 'quick' : 'full'} run; batches ${o.batches.join(', ')}; T=${MAXLEN}; job deadline ${o.budget} s; train ${o.train} s / infer ${o.infer} s per job after its warm-up`);

  // 1. The page bundle.
  const b = spawnSync(process.execPath, [join(ROOT, 'bench/browser-page/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`building the page failed: ${b.stderr || b.stdout}`);
  const built = JSON.parse(b.stdout.trim().split('\n').at(-1)!) as { outdir: string; bundleBytes: number; wasmFiles: string[]; ms: number };
  console.error(`[bench:browser] page: ${(built.bundleBytes / 2 ** 20).toFixed(2)} MiB bundle, ${built.wasmFiles.length} wasm files (${fmt(built.ms / 1000)} s)`);

  // 2. Server (cross-origin isolated, so TF.js wasm may use threads) and Chromium with WebGPU.
  const server = await startStaticServer({ root: built.outdir, crossOriginIsolated: true });
  const pageLogs: string[] = [];
  const browser = await launchChromium({
    webgpu: true,
    forward: (line) => {
      pageLogs.push(line);
      if (/pageerror|crash|requestfailed|console:error/.test(line)) process.stderr.write(`[chromium] ${line}\n`);
    },
  });
  const rows: BrowserRow[] = [];
  const leaks: LeakResult[] = [];
  const skipped: string[] = [];
  let info: PageInfo | null = null;
  let session: Session | null = null;
  let deadline = Infinity;
  try {
    const page = await openPage({ browser, server });
    session = { browser, server, page, pages: 1 };
    info = await page.evaluate(() => window.__bench!.info());
    console.error(`[bench:browser] Chromium ${browser.version}; adapter ${info.adapter ? `${info.adapter.vendor} / ${info.adapter.architecture} (fallback ${info.adapter.isFallbackAdapter})` : 'none'}; webgrad ${info.webgrad?.description ?? info.webgradError}; TF.js ${info.tfjs.version} webgpu=${info.tfjs.webgpu} wasm=${info.tfjs.wasm} (simd ${String(info.tfjs.wasmSimd)}, threads ${String(info.tfjs.wasmThreads)})`);
    deadline = now() + o.budget;

    const rowFor = (c: BrowserConfig, batch: number): BrowserRow => {
      let r = rows.find((q) => q.config === c.id && q.batch === batch);
      if (!r) rows.push((r = { config: c.id, name: c.name, lib: c.lib, backend: c.backend, resetAfter: c.resetAfter, variant: c.variant, batch, train: null, infer: null }));
      return r;
    };
    // Order by priority, so that a run cut short by its deadline keeps what matters most: first
    // the comparison the issue is about (webgrad, both GRU variants, and TF.js webgpu training) at
    // every batch, then TF.js wasm, then TF.js webgpu inference (the slowest per result).
    const plan: Planned[] = [];
    const byId = (id: string) => configs.find((c) => c.id === id);
    const tiers: [string, 'train' | 'infer'][][] = [
      [['webgrad-webgpu-ra-true', 'train'], ['webgrad-webgpu-ra-true', 'infer'], ['webgrad-webgpu-ra-false', 'train'], ['webgrad-webgpu-ra-false', 'infer'], ['tfjs-webgpu', 'train']],
      [['tfjs-wasm-stock', 'train'], ['tfjs-wasm-patched', 'train'], ['tfjs-wasm-stock', 'infer']],
      [['tfjs-webgpu', 'infer']],
    ];
    for (const tier of tiers) for (const batch of o.batches) for (const [id, what] of tier) if (byId(id)) plan.push({ config: byId(id)!, batch, what });

    // Leak checks: live GPU buffers/bytes before and after many training steps. webgrad: a fresh
    // model at batch o.leakBatch × T, o.leakSteps steps, right after webgrad's first-batch jobs (so
    // their warm-up still includes shader compilation). TF.js webgpu: a new shape would cost another
    // long warm-up (shader compilation), so its check continues on the warm first-batch model, last,
    // for as many steps as fit.
    const runLeak = async (c: BrowserConfig, batch: number, wanted: number) => {
      const cap = Math.min(wanted, deadline - now());
      if (cap <= 2) {
        leaks.push({ config: c.id, name: c.name, batch, maxlen: MAXLEN, stepsWanted: o.leakSteps, outcome: { error: `not run: the ${o.budget} s deadline was spent` } });
        return;
      }
      console.error(`  leak check ${c.name}: up to ${o.leakSteps} training steps at batch ${batch} × T ${MAXLEN} (at most ${fmt(cap)} s)…`);
      const job: Job = { lib: c.lib, backend: c.backend, resetAfter: c.resetAfter, variant: c.variant, what: 'leak', batch, maxlen: MAXLEN, budgetSeconds: cap, maxSteps: o.leakSteps, noWarmup: true };
      // The page stops before a step that would overrun `cap`; the kill cap only guards a stuck page.
      const r = await runJob(session!, job, cap + 30);
      const outcome: Outcome = 'killed' in r ? partialOutcome(r.killed, r.partial, batch) : toOutcome(r, batch);
      leaks.push({ config: c.id, name: c.name, batch, maxlen: MAXLEN, stepsWanted: o.leakSteps, outcome });
      if (isMeasured(outcome)) console.error(`    ${outcome.steps} steps: buffers ${outcome.memoryBefore?.buffers} → ${outcome.memoryAfter?.buffers}, bytes ${outcome.memoryBefore?.bytes} → ${outcome.memoryAfter?.bytes}, tensors ${outcome.memoryBefore?.tensors} → ${outcome.memoryAfter?.tensors}`);
      else console.error(`    ${outcome.error}`);
    };
    const webgradLeak = byId('webgrad-webgpu-ra-true') ?? byId('webgrad-webgpu-ra-false');
    const leakAt = webgradLeak && want('leak') ? plan.map((q) => q.config.lib === 'webgrad' && q.batch === o.batches[0]).lastIndexOf(true) + 1 : -1;

    for (let i = 0; i <= plan.length; i++) {
      if (i === leakAt) await runLeak(webgradLeak!, o.leakBatch, o.leakCap);
      const p = plan[i];
      if (!p) break;
      const row = rowFor(p.config, p.batch);
      const left = deadline - now();
      // Stock TF.js wasm cannot train (no UnsortedSegmentSum): one attempt at the first batch says so.
      const earlier = rows.find((r) => r.config === p.config.id && r.batch < p.batch && r[p.what] && !isMeasured(r[p.what]));
      if (earlier && p.config.id === 'tfjs-wasm-stock' && p.what === 'train') {
        row.train = { error: `not run: failed at batch ${earlier.batch} (${(earlier.train as { error: string }).error})` };
        continue;
      }
      const pred = predict(p, rows, o);
      // When the whole job (warm-up + timed steps) does not fit but one step does, run one step
      // alone: its time includes whatever compilation the new shape needs (labelled as such).
      const single = pred !== null && pred.job > left && pred.step * 1.15 <= left;
      if (left <= 0 || (pred !== null && pred.job > left && !single)) {
        const why = left <= 0 ? `not run: the ${o.budget} s deadline was spent` : `not run: predicted ${fmt(pred!.step)} s per step, ${fmt(pred!.job)} s with its warm-up (from batch ${pred!.from.join(' and ')}); ${fmt(left)} s were left of the ${o.budget} s deadline`;
        row[p.what] = { error: why };
        skipped.push(`${p.config.name}${p.config.lib === 'webgrad' ? ` resetAfter=${p.config.resetAfter}` : ''} ${p.what} batch ${p.batch}: ${why}`);
        console.error(`  ${p.config.name} ${p.what} batch ${p.batch}: ${why}`);
        continue;
      }
      const job: Job = { lib: p.config.lib, backend: p.config.backend, resetAfter: p.config.resetAfter, variant: p.config.variant, what: p.what, batch: p.batch, maxlen: MAXLEN, budgetSeconds: p.what === 'train' ? o.train : o.infer, maxSteps: single ? 1 : 1000, ...(single ? { singleStep: true } : {}) };
      console.error(`  ${p.config.name}${p.config.lib === 'webgrad' ? ` resetAfter=${p.config.resetAfter}` : ''} ${p.what} batch ${p.batch}${pred ? ` (predicted ${fmt(pred.job)} s${single ? `; ${fmt(left)} s left: one step only, predicted ${fmt(pred.step)} s` : ''})` : ''}…`);
      const t = now();
      const r = await runJob(session, job, left);
      let outcome: Outcome = 'killed' in r ? partialOutcome(r.killed, r.partial, p.batch) : toOutcome(r, p.batch);
      if (single && isMeasured(outcome)) outcome = { ...outcome, note: `one step only, compilation included (the time left did not allow a separate warm-up)${outcome.note ? `; ${outcome.note}` : ''}` };
      row[p.what] = outcome;
      console.error(`    ${isMeasured(outcome) ? `${fmt(outcome.samplesPerSecond)} samples/s, ${fmt(outcome.msPerStep)} ms/step (${outcome.steps} steps), warm-up ${outcome.warmupSeconds === null ? '—' : fmt(outcome.warmupSeconds)} s${outcome.counts ? `, ${outcome.counts.dispatches} dispatches, ${outcome.counts.submits} submits${outcome.counts.kernels !== undefined ? `, ${outcome.counts.kernels} kernels` : ''}` : ''}` : outcome.error} [${fmt(now() - t)} s]`);
    }

    // TF.js webgpu's leak check: last, with whatever time is left (see runLeak).
    if (want('leak') && byId('tfjs-webgpu')) await runLeak(byId('tfjs-webgpu')!, o.batches[0]!, o.leakCapTfjs);
  } finally {
    await browser.close();
    await server.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Report
  const seconds = now() - started;
  const env = describeEnvironment([]);
  const sps = (o2: Outcome | null | undefined) => (isMeasured(o2) ? o2.samplesPerSecond : null);
  const ratio = (a: number | null, b2: number | null) => (a === null || b2 === null ? '—' : `${fmt(a / b2)}×`);
  const tfGpu = (batch: number, what: 'train' | 'infer') => sps(rows.find((r) => r.config === 'tfjs-webgpu' && r.batch === batch)?.[what]);
  const tfWasm = (batch: number) => sps(rows.find((r) => r.config === 'tfjs-wasm-patched' && r.batch === batch)?.train);
  const cellSps = (x: Outcome | null) => (isMeasured(x) ? fmt(x.samplesPerSecond) : '—');
  const cellMs = (x: Outcome | null) => (isMeasured(x) ? fmt(x.msPerStep) : '—');
  const note = (r: BrowserRow) =>
    [
      r.train && !isMeasured(r.train) ? `train: ${r.train.error}` : null,
      r.infer && !isMeasured(r.infer) ? `infer: ${r.infer.error}` : null,
      isMeasured(r.train) && r.train.note ? `train: ${r.train.note}` : null,
      isMeasured(r.infer) && r.infer.note ? `infer: ${r.infer.note}` : null,
      r.config === 'tfjs-wasm-patched' ? 'infer = stock (the patch touches only the embedding gradient)' : null,
    ]
      .filter(Boolean)
      .join('; ');
  const throughput = rows
    .sort((a, b2) => a.batch - b2.batch || CONFIGS.findIndex((c) => c.id === a.config) - CONFIGS.findIndex((c) => c.id === b2.config))
    .map((r) => {
      const mine = r.lib === 'webgrad';
      return [
        r.name,
        r.lib === 'webgrad' ? String(r.resetAfter) : 'false',
        String(r.batch),
        cellSps(r.train),
        cellMs(r.train),
        isMeasured(r.train) && r.train.warmupSeconds !== null ? fmt(r.train.warmupSeconds) : '—',
        isMeasured(r.train) ? String(r.train.steps) : '—',
        cellSps(r.infer),
        cellMs(r.infer),
        isMeasured(r.infer) && r.infer.warmupSeconds !== null ? fmt(r.infer.warmupSeconds) : '—',
        mine ? ratio(sps(r.train), tfGpu(r.batch, 'train')) : '—',
        mine ? ratio(sps(r.infer), tfGpu(r.batch, 'infer')) : '—',
        mine ? ratio(sps(r.train), tfWasm(r.batch)) : '—',
        note(r),
      ];
    });
  const counts = rows.flatMap((r) =>
    (['train', 'infer'] as const).flatMap((what) => {
      const m = r[what];
      if (!isMeasured(m) || !m.counts) return [];
      const c = m.counts;
      return [[r.name, r.lib === 'webgrad' ? String(r.resetAfter) : 'false', String(r.batch), what, r.backend === 'wasm' ? '—' : String(c.dispatches), r.backend === 'wasm' ? '—' : String(c.submits), r.backend === 'wasm' ? '—' : String(c.passes), c.kernels !== undefined ? String(c.kernels) : '—', c.wgDispatches !== undefined ? `${c.wgDispatches} / ${c.wgSubmits}` : '—']];
    }),
  );
  const mem = (m: Memory | null | undefined, k: 'buffers' | 'bytes' | 'tensors') => (m ? (m[k] === null ? '—' : String(m[k])) : '—');
  const memoryRows = [
    ...leaks.map((l) => ({ name: l.name, shape: `${l.batch} × ${l.maxlen}`, o: l.outcome, kind: `leak check (up to ${l.stepsWanted} steps)` })),
    ...rows.filter((r) => isMeasured(r.train) && r.backend === 'webgpu').map((r) => ({ name: `${r.name}${r.lib === 'webgrad' ? ` resetAfter=${r.resetAfter}` : ''}`, shape: `${r.batch} × ${MAXLEN}`, o: r.train as Outcome, kind: 'timed training steps' })),
  ].map(({ name, shape, o: m, kind }) => [name, kind, shape, isMeasured(m) ? String(m.steps) : '—', isMeasured(m) ? `${mem(m.memoryBefore, 'buffers')} → ${mem(m.memoryAfter, 'buffers')}` : '—', isMeasured(m) ? `${mem(m.memoryBefore, 'bytes')} → ${mem(m.memoryAfter, 'bytes')}` : '—', isMeasured(m) ? `${mem(m.memoryBefore, 'tensors')} → ${mem(m.memoryAfter, 'tensors')}` : '—', isMeasured(m) ? '' : m.error]);

  const a = info?.adapter;
  const lines: string[] = [];
  lines.push(`webgrad vs TensorFlow.js in Chromium — ${env.date}, commit ${env.gitCommit ?? '?'}${env.gitDirty ? ' (dirty tree)' : ''}${o.quick ? ', --quick' : ''}`);
  lines.push(`machine: ${hostname()}, ${env.cpu.model} (${env.cpu.cores} cores, ${env.cpu.memoryGiB} GiB), ${env.platform}; 1-min load average ${fmt(loadAtStart[0]!)} before, ${fmt(env.loadAverage[0]!)} after${loadAtStart[0]! > env.cpu.cores * 0.5 ? ' — other work was running, timings are noisy' : ''}`);
  lines.push(`browser: Chromium ${browser.version} headless (${info?.userAgent ?? '?'}), flags ${browser.args.filter((f) => f.includes('webgpu')).join(' ')}; crossOriginIsolated ${String(info?.crossOriginIsolated)}`);
  lines.push(`adapter: ${a ? `vendor "${a.vendor}", architecture "${a.architecture}", device "${a.device}", description "${a.description}", isFallbackAdapter ${String(a.isFallbackAdapter)}` : 'none'}`);
  lines.push(`webgrad: ${info?.webgrad ? `${info.webgrad.description}, kernel family ${info.webgrad.variant}` : `unavailable: ${info?.webgradError ?? '?'}`}`);
  lines.push(`TF.js ${info?.tfjs.version ?? '?'}: webgpu ${info?.tfjs.webgpu ?? '?'} (adapter ${JSON.stringify(info?.tfjs.webgpuAdapter)}; ${JSON.stringify(info?.tfjs.flags)}), wasm ${info?.tfjs.wasm ?? '?'} (SIMD ${String(info?.tfjs.wasmSimd)}, threads ${String(info?.tfjs.wasmThreads)}); GRU resetAfter=false, recurrentActivation sigmoid`);
  lines.push(`model: embedding ${VOCAB}×${EMBED} → bidirectional GRU ${UNITS} → dense ${DENSE} relu → dense 1 sigmoid; BCE, Adam; T=${MAXLEN}, random ids; ${fmt(flops.trainPerSample / 1e6)} MFLOP per sample per training step (GEMMs), ${fmt(flops.forwardPerSample / 1e6)} per inference`);
  lines.push('');
  lines.push(formatTable(['system', 'resetAfter', 'batch', 'train/s', 'ms/step', 'warm-up s', 'steps', 'infer/s', 'infer ms', 'infer warm-up s', '× TF.js webgpu train', '× TF.js webgpu infer', '× TF.js wasm patched train', 'note'], throughput));
  lines.push('');
  lines.push('train/s, infer/s: samples per second over the timed steps (each waits for the device); warm-up: the first step at that batch (shader compilation, allocation), not in train/s. × columns: webgrad ÷ TF.js at the same batch, same page, same adapter.');
  if (counts.length) {
    lines.push('');
    lines.push(formatTable(['system', 'resetAfter', 'batch', 'what', 'GPU dispatches', 'submits', 'compute passes', 'TF.js kernels', 'wg.stats dispatches / submits'], counts));
    lines.push('(one step after the warm-up; dispatches, submits and passes counted by wrapping GPUComputePassEncoder.dispatchWorkgroups, GPUQueue.submit and GPUCommandEncoder.beginComputePass in the page; TF.js kernels = engine kernel invocations, CPU-forwarded ones included)');
  }
  if (memoryRows.length) {
    lines.push('');
    lines.push(formatTable(['system', 'what', 'batch × T', 'steps', 'GPU buffers before → after', 'GPU bytes before → after', 'tensors before → after', 'note'], memoryRows));
    lines.push('(webgrad: wg.stats() buffers/bytes/tensors for the whole page — every model built so far stays alive — pooled free buffers excluded; TF.js webgpu: bufferManager buffers in use, tf.memory().numBytesInGPU, tensor data on the backend; "before" = after the warm-up step, device idle)');
  }
  // The goal of the issue: webgrad ≥ 50× TF.js webgpu at every batch; webgrad's best ≥ 2× PyTorch CPU at 512.
  const goal: string[] = [];
  for (const batch of o.batches) {
    const best = Math.max(...rows.filter((r) => r.lib === 'webgrad' && r.batch === batch).map((r) => sps(r.train) ?? -1));
    const tf = tfGpu(batch, 'train');
    goal.push(`batch ${batch}: webgrad best ${best > 0 ? fmt(best) : '—'} train/s vs TF.js webgpu ${tf === null ? '—' : fmt(tf)} → ${best > 0 ? ratio(best, tf) : '—'} (goal ≥ 50×); vs PyTorch CPU ${TORCH_CPU_TRAIN_SAMPLES_PER_SECOND}/s → ${best > 0 ? ratio(best, TORCH_CPU_TRAIN_SAMPLES_PER_SECOND) : '—'}`);
  }
  lines.push('');
  lines.push('goal (issue 8):');
  for (const g of goal) lines.push(`  ${g}`);
  if (skipped.length) {
    lines.push('');
    lines.push('not run (time budget):');
    for (const s of skipped) lines.push(`  ${s}`);
  }
  if (session && session.pages > 1) lines.push(`note: ${session.pages - 1} job(s) ran past their cap; the page was reloaded, so later warm-ups include shader compilation again.`);
  lines.push(`${fmt(seconds)} s in all.`);
  console.log(lines.join('\n'));

  const path = o.json ?? defaultJsonPath('browser');
  const result = {
    bench: 'browser',
    ...env,
    hostname: hostname(),
    loadAverageAtStart: loadAtStart,
    quick: o.quick,
    options: o,
    browser: { name: 'chromium', version: browser.version, args: browser.args },
    page: info,
    model: { vocab: VOCAB, embed: EMBED, units: UNITS, maxlen: MAXLEN, dense: DENSE },
    flops,
    seconds,
    results: rows,
    leaks,
    skipped,
    pagesOpened: session?.pages ?? 0,
    table: lines.join('\n'),
    pageErrors: pageLogs.filter((l) => /^(pageerror|crash)/.test(l)).slice(0, 20),
  };
  writeJson(path, result);
  console.log(`wrote ${path}`);

  // History: one line per run, and the chart.
  const entry: HistoryEntry = {
    run: o.runId ?? env.date,
    date: env.date,
    commit: env.gitCommit,
    dirty: env.gitDirty,
    machine: `${hostname()} · ${env.cpu.model} × ${env.cpu.cores}`,
    source: 'browser',
    quick: o.quick,
    device: a ? `${a.vendor} ${a.architecture}${a.isFallbackAdapter ? ' (fallback)' : ''}` : 'no adapter',
    file: relative(ROOT, resolve(path)),
    train: Object.fromEntries(rows.filter((r) => isMeasured(r.train)).map((r) => [`${historyName(r)} @${r.batch}`, round(sps(r.train)!)])),
    infer: Object.fromEntries(rows.filter((r) => isMeasured(r.infer)).map((r) => [`${historyName(r)} @${r.batch}`, round(sps(r.infer)!)])),
  };
  const historyFile = join(ROOT, 'bench/results/history.jsonl');
  if (o.noHistory) return;
  appendHistory(historyFile, entry);
  const svg = writeHistoryChart(historyFile, join(ROOT, 'bench/results/history.svg'));
  console.log(`appended ${historyFile}; chart ${svg}`);
}

function historyName(r: BrowserRow): string {
  if (r.lib === 'webgrad') return `webgrad webgpu ra=${r.resetAfter}`;
  return r.backend === 'webgpu' ? 'tfjs webgpu' : `tfjs wasm ${r.variant}`;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

await main();
process.exit(process.exitCode ?? 0);
