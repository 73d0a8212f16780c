/**
 * `npm run bench [-- --quick] [--node-full] [--total SECONDS]`: runs the Node training bench
 * (bench/train-step.ts: webgrad on Dawn and on the CPU, TF.js webgpu/cpu/wasm, PyTorch) and then the
 * browser bench (bench/browser.ts: webgrad and TF.js in one Chromium page on one adapter), and
 * prints one merged table. The whole run aims to finish within `--total` seconds (default 820, i.e. about
 * 14 minutes): the browser bench gets whatever the Node bench left as its job deadline, and skips
 * (and names) what does not fit.
 *
 * The Node bench runs with its own `--quick` (batch 32, every group) unless `--node-full` is given:
 * its full run (batches 32/128/512, stock TF.js cpu under a 240 s cap, 300 leak steps) took 18
 * minutes on the 2-core SwiftShader machine, more than the whole 15-minute allowance. `--quick`
 * makes both parts quick.
 *
 * A part that fails or writes no JSON is reported as such in the merged table, never fatal.
 * `node dist/bench/merge.js --train FILE --browser FILE [--json OUT]` merges existing results
 * without running anything.
 *
 * Writes bench/results/train-step-<date>.json, bench/results/browser-<date>.json and the merged
 * bench/results/bench-<date>.json, appends the Node run to bench/results/history.jsonl (the browser
 * bench appends its own) and regenerates bench/results/history.svg.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeEnvironment } from './lib/env.js';
import { forEachFlag } from './lib/flags.js';
import { appendHistory, writeHistoryChart, type HistoryEntry } from './lib/history.js';
import { fmt, formatTable, writeJson } from './lib/report.js';
import { now } from './lib/timing.js';
import { TORCH_CPU_TRAIN_SAMPLES_PER_SECOND } from './lib/tutorial.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Options {
  run: boolean;
  quick: boolean;
  nodeFull: boolean;
  total: number;
  train: string | null;
  browser: string | null;
  json: string | null;
}

function parse(argv: readonly string[]): Options {
  const o: Options = { run: false, quick: false, nodeFull: false, total: 820, train: null, browser: null, json: null };
  forEachFlag(argv, (a, value) => {
    if (a === '--run') o.run = true;
    else if (a === '--quick') o.quick = true;
    else if (a === '--node-full') o.nodeFull = true;
    else if (a === '--total') o.total = Number(value());
    else if (a === '--train') o.train = value();
    else if (a === '--browser') o.browser = value();
    else if (a === '--json') o.json = value();
    else if (a === '--help' || a === '-h') {
      console.log('options: --run (run bench:train, then bench:browser), --quick (both parts quick), --node-full (bench:train without --quick; ~18 min on a 2-core SwiftShader machine), --total SECONDS (whole run, default 820), --train FILE and --browser FILE (merge existing results), --json OUT');
      process.exit(0);
    } else throw new Error(`unknown argument '${a}' (try --help)`);
  });
  if (!o.run && !o.train && !o.browser) o.run = true;
  return o;
}

interface ChildRun {
  command: string;
  code: number | null;
  signal: string | null;
  seconds: number;
  /** The last lines of its stderr, for the merged report when it failed. */
  tail: string[];
}

/** Runs a bench as a child process; its output goes to ours as it comes. */
function runChild(args: string[], killAfterSeconds: number): Promise<ChildRun> {
  const t = now();
  const command = `node ${args.join(' ')}`;
  console.error(`[bench] ${command}`);
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'pipe'] });
    const tail: string[] = [];
    child.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      tail.push(...chunk.toString().split('\n').filter((l) => l.trim()));
      tail.splice(0, Math.max(0, tail.length - 8));
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterSeconds * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      done({ command, code: null, signal: null, seconds: now() - t, tail: [String(e)] });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ command, code, signal, seconds: now() - t, tail });
    });
  });
}

/**
 * webgrad's fastest row at `batch` in the newest bench/results/train-step-*.json that is a full run
 * (not --quick) from this machine's CPU model (results from lent GPU machines have others).
 */
function latestFullTrain(batch: number): { file: string; date: string; backend: string; resetAfter: string; sps: number } | null {
  const dir = join(ROOT, 'bench/results');
  const cpuModel = describeEnvironment([]).cpu.model;
  const runs = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('train-step-') && f.endsWith('.json')) : [];
  let found: { file: string; date: string; backend: string; resetAfter: string; sps: number } | null = null;
  for (const f of runs) {
    const { data } = readJson(join(dir, f));
    if (!data || data.quick || (data.cpu as { model?: string } | undefined)?.model !== cpuModel) continue;
    const date = String(data.date ?? '');
    if (found && date <= found.date) continue;
    const best = nodeRows(data).filter((r) => r.system === 'webgrad' && r.batch === batch && measured(r.train)).sort((a, b) => (b.train as AnyMeasured).samplesPerSecond - (a.train as AnyMeasured).samplesPerSecond)[0];
    if (best) found = { file: `bench/results/${f}`, date, backend: best.backend, resetAfter: best.resetAfter, sps: (best.train as AnyMeasured).samplesPerSecond };
  }
  return found;
}

function readJson(path: string | null): { data: Record<string, unknown> | null; problem: string | null } {
  if (!path) return { data: null, problem: 'not run' };
  if (!existsSync(path)) return { data: null, problem: `${path.startsWith(ROOT) ? relative(ROOT, path) : path} was not written` };
  try {
    return { data: JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>, problem: null };
  } catch (e) {
    return { data: null, problem: `${path}: ${(e as Error).message}` };
  }
}

// ---------------------------------------------------------------------------------------------
// The two result formats, read defensively (bench/train-step.ts is maintained separately)

interface AnyMeasured {
  samplesPerSecond: number;
  steps?: number;
  warmupSeconds?: number | null;
  medianStepSeconds?: number;
  msPerStep?: number;
}
type AnyOutcome = AnyMeasured | { error: string } | null | undefined;
const measured = (o: AnyOutcome): o is AnyMeasured => !!o && typeof (o as AnyMeasured).samplesPerSecond === 'number';
const errorOf = (o: AnyOutcome): string | null => (o && 'error' in o ? o.error : null);

interface MergedRow {
  where: 'node' | 'chromium';
  system: string;
  backend: string;
  resetAfter: string;
  variant: string;
  batch: number | null;
  train: AnyOutcome;
  infer: AnyOutcome;
  note: string;
}

function nodeRows(data: Record<string, unknown>): MergedRow[] {
  const rows = Array.isArray(data.results) ? (data.results as Record<string, unknown>[]) : [];
  return rows.map((r) => ({
    where: 'node',
    system: String(r.system ?? '?'),
    backend: String(r.backend ?? '?'),
    resetAfter: String(r.resetAfter ?? '—'),
    variant: typeof r.label === 'string' ? r.label : '',
    batch: typeof r.batch === 'number' ? r.batch : null,
    train: r.train as AnyOutcome,
    infer: r.infer as AnyOutcome,
    note: typeof r.note === 'string' ? r.note : '',
  }));
}

function browserRows(data: Record<string, unknown>): MergedRow[] {
  const rows = Array.isArray(data.results) ? (data.results as Record<string, unknown>[]) : [];
  return rows.map((r) => ({
    where: 'chromium',
    system: r.lib === 'webgrad' ? 'webgrad' : 'TF.js 4.22',
    backend: r.lib === 'webgrad' ? String(r.backend) : `tfjs-${String(r.backend)}`,
    resetAfter: String(r.resetAfter ?? '—'),
    variant: r.lib === 'tfjs' && r.backend === 'wasm' ? String(r.variant) : '',
    batch: typeof r.batch === 'number' ? r.batch : null,
    train: r.train as AnyOutcome,
    infer: r.infer as AnyOutcome,
    note: '',
  }));
}

function historyFromNode(data: Record<string, unknown>, file: string, run: string): HistoryEntry {
  const name = (r: MergedRow) => (r.system === 'webgrad' ? `webgrad ${r.backend} ra=${r.resetAfter}` : r.system === 'PyTorch' ? `pytorch ${r.variant || 'live'}` : `tfjs ${r.backend.replace(/^tfjs-/, '')} ${r.variant || 'stock'}`);
  const rows = nodeRows(data).filter((r) => r.batch !== null);
  const cpu = data.cpu as { model?: string; cores?: number } | undefined;
  const backends = data.backends as Record<string, { description?: string }> | undefined;
  return {
    run,
    date: String(data.date ?? new Date().toISOString()),
    commit: (data.gitCommit as string | null) ?? null,
    dirty: (data.gitDirty as boolean | null) ?? null,
    machine: `${hostname()} · ${cpu?.model ?? '?'} × ${cpu?.cores ?? '?'}`,
    source: 'node',
    quick: Boolean(data.quick),
    device: backends?.webgpu?.description ?? 'no adapter',
    file,
    train: Object.fromEntries(rows.filter((r) => measured(r.train)).map((r) => [`${name(r)} @${r.batch}`, Math.round((r.train as AnyMeasured).samplesPerSecond * 1000) / 1000])),
    infer: Object.fromEntries(rows.filter((r) => measured(r.infer)).map((r) => [`${name(r)} @${r.batch}`, Math.round((r.infer as AnyMeasured).samplesPerSecond * 1000) / 1000])),
  };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const started = now();
  const runId = new Date().toISOString();
  const stamp = runId.replace(/[:]/g, '-').replace(/\..*$/, '');
  let trainFile = o.train;
  let browserFile = o.browser;
  const runs: Record<string, ChildRun> = {};
  if (o.run) {
    trainFile = join(ROOT, `bench/results/train-step-${stamp}.json`);
    browserFile = join(ROOT, `bench/results/browser-${stamp}.json`);
    const q = o.quick ? ['--quick'] : [];
    const nodeQuick = o.quick || !o.nodeFull ? ['--quick'] : [];
    // The Node bench first; it is killed only if it alone would use up the whole run.
    runs.train = await runChild([join(ROOT, 'dist/bench/train-step.js'), '--json', trainFile, ...nodeQuick], o.nodeFull ? 3600 : Math.max(60, o.total - 60));
    // The browser bench gets what is left, less ~50 s for its page build, browser start and report.
    const left = o.total - (now() - started);
    const budget = Math.max(o.quick ? 60 : 120, Math.floor(left - 50));
    if (left - 50 < budget) console.error(`[bench] only ${fmt(left)} s of the ${o.total} s are left; the browser bench still gets ${budget} s (the total will be exceeded)`);
    runs.browser = await runChild([join(ROOT, 'dist/bench/browser.js'), '--json', browserFile, '--budget', String(budget), '--run-id', runId, ...q], budget + 240);
  }
  const train = readJson(trainFile);
  const browser = readJson(browserFile);
  const problem = (what: 'train' | 'browser', r: { problem: string | null }) => {
    const run = runs[what];
    if (run && (run.code !== 0 || run.signal)) return `${run.command} ${run.signal ? `was killed (${run.signal})` : `exited with ${run.code}`} after ${fmt(run.seconds)} s${r.problem ? `; ${r.problem}` : ''}: ${run.tail.slice(-2).join(' / ')}`;
    return r.problem;
  };
  const trainProblem = problem('train', train);
  const browserProblem = problem('browser', browser);

  const rows: MergedRow[] = [...(train.data ? nodeRows(train.data) : []), ...(browser.data ? browserRows(browser.data) : [])];
  // Ratios: webgrad ÷ TF.js webgpu in the same page (same adapter), and ÷ the best patched TF.js
  // CPU-side backend (wasm/cpu) in the same environment, at the same batch.
  const sps = (x: AnyOutcome) => (measured(x) ? x.samplesPerSecond : null);
  // webgrad webgpu against TF.js webgpu in the same environment: the same page, or the same Dawn adapter in Node.
  const tfWebgpu = (where: MergedRow['where'], batch: number | null) => sps(rows.find((r) => r.where === where && r.backend === 'tfjs-webgpu' && r.batch === batch)?.train);
  const tfBestCpu = (where: MergedRow['where'], batch: number | null) => {
    const v = rows.filter((r) => r.where === where && r.system === 'TF.js 4.22' && r.variant === 'patched' && r.batch === batch).map((r) => sps(r.train)).filter((x): x is number => x !== null);
    return v.length ? Math.max(...v) : null;
  };
  const ratio = (a: number | null, b: number | null) => (a === null || b === null ? '—' : `${fmt(a / b)}×`);
  const msPerStep = (x: AnyOutcome) => (measured(x) ? (x.msPerStep ?? (x.medianStepSeconds !== undefined ? x.medianStepSeconds * 1000 : NaN)) : NaN);
  const table: string[][] = rows.map((r) => {
    const mine = r.system === 'webgrad' ? sps(r.train) : null;
    const notes = [r.note, errorOf(r.train) ? `train: ${errorOf(r.train)}` : '', errorOf(r.infer) ? `infer: ${errorOf(r.infer)}` : ''].filter(Boolean).join('; ');
    return [
      r.where === 'node' ? 'node' : 'chromium',
      `${r.system} ${r.backend}${r.variant ? ` (${r.variant})` : ''}`,
      r.resetAfter,
      r.batch === null ? '—' : String(r.batch),
      measured(r.train) ? fmt(r.train.samplesPerSecond) : '—',
      fmt(msPerStep(r.train)),
      measured(r.train) && r.train.warmupSeconds != null ? fmt(r.train.warmupSeconds) : '—',
      measured(r.infer) ? fmt(r.infer.samplesPerSecond) : '—',
      r.backend === 'webgpu' ? ratio(mine, tfWebgpu(r.where, r.batch)) : '—',
      ratio(mine, tfBestCpu(r.where, r.batch)),
      ratio(mine, TORCH_CPU_TRAIN_SAMPLES_PER_SECOND),
      notes.length > 140 ? `${notes.slice(0, 137)}…` : notes,
    ];
  });
  if (!train.data) table.unshift(['node', 'bench:train (Dawn, webgrad cpu, TF.js webgpu/cpu/wasm)', '—', '—', '—', '—', '—', '—', '—', '—', '—', `MISSING: ${trainProblem}`]);
  if (!browser.data) table.push(['chromium', 'bench:browser (webgrad and TF.js in one page)', '—', '—', '—', '—', '—', '—', '—', '—', '—', `MISSING: ${browserProblem}`]);

  const env = describeEnvironment([]);
  const lines: string[] = [];
  lines.push(`webgrad benchmarks, merged — ${env.date}, commit ${env.gitCommit ?? '?'}${env.gitDirty ? ' (dirty tree)' : ''}${o.quick ? ', --quick' : ''}`);
  lines.push(`machine: ${hostname()}, ${env.cpu.model} (${env.cpu.cores} cores, ${env.cpu.memoryGiB} GiB), ${env.platform}, node ${env.node}`);
  const nodeGpu = (train.data?.backends as Record<string, { description?: string; adapter?: { via?: string } }> | undefined)?.webgpu;
  lines.push(`node: ${train.data ? `${trainFile ? relative(ROOT, trainFile) : ''}${train.data.quick ? ' (bench:train --quick: batch 32 only; `npm run bench -- --node-full` for all batches)' : ''}; webgpu ${nodeGpu ? `${nodeGpu.description} via ${nodeGpu.adapter?.via ?? '?'}` : 'not run / unavailable'}` : `MISSING — ${trainProblem}`}`);
  const page = browser.data?.page as { adapter?: { vendor: string; architecture: string; isFallbackAdapter: boolean | null } } | undefined;
  const bver = (browser.data?.browser as { version?: string } | undefined)?.version;
  lines.push(`chromium: ${browser.data ? `${browserFile ? relative(ROOT, browserFile) : ''}; Chromium ${bver ?? '?'}, adapter ${page?.adapter ? `${page.adapter.vendor} / ${page.adapter.architecture} (isFallbackAdapter ${String(page.adapter.isFallbackAdapter)})` : 'none'}` : `MISSING — ${browserProblem}`}`);
  lines.push('');
  lines.push(formatTable(['where', 'system', 'resetAfter', 'batch', 'train/s', 'ms/step', 'warm-up s', 'infer/s', '× TF.js webgpu (same adapter)', '× TF.js best patched (same env.)', `× PyTorch ${TORCH_CPU_TRAIN_SAMPLES_PER_SECOND}`, 'note'], table));
  // Work per step and live buffers, both environments.
  const work: string[][] = [];
  for (const d of (Array.isArray(train.data?.dispatches) ? train.data!.dispatches : []) as Record<string, unknown>[]) {
    work.push(['node', `webgrad ${String(d.backend)}`, String(d.resetAfter), String(d.batch), String(d.what), String(d.dispatches), String(d.submits), '—']);
  }
  for (const r of (Array.isArray(browser.data?.results) ? browser.data!.results : []) as Record<string, unknown>[]) {
    for (const what of ['train', 'infer'] as const) {
      const m = r[what] as { counts?: { dispatches: number; submits: number; kernels?: number } | null } | null;
      if (!m?.counts || r.backend !== 'webgpu') continue;
      work.push(['chromium', r.lib === 'webgrad' ? 'webgrad webgpu' : 'TF.js 4.22 webgpu', String(r.resetAfter), String(r.batch), what === 'train' ? 'train step' : 'inference', String(m.counts.dispatches), String(m.counts.submits), m.counts.kernels === undefined ? '—' : String(m.counts.kernels)]);
    }
  }
  const live: string[][] = [];
  for (const l of (Array.isArray(train.data?.liveBuffers) ? train.data!.liveBuffers : []) as Record<string, unknown>[]) {
    const b = l.before as { buffers: number; bytes: number; tensors: number }, a = l.after as { buffers: number; bytes: number; tensors: number };
    live.push(['node', `webgrad ${String(l.backend)}`, `${String(l.batch)} × ${String(l.maxlen)}`, String(l.steps), `${b.buffers} → ${a.buffers}`, `${b.bytes} → ${a.bytes}`, `${b.tensors} → ${a.tensors}`]);
  }
  for (const l of (Array.isArray(browser.data?.leaks) ? browser.data!.leaks : []) as Record<string, unknown>[]) {
    const o2 = l.outcome as { steps?: number; memoryBefore?: { buffers: number | null; bytes: number; tensors: number }; memoryAfter?: { buffers: number | null; bytes: number; tensors: number }; error?: string };
    const b = o2.memoryBefore, a = o2.memoryAfter;
    const pair = (k: 'buffers' | 'bytes' | 'tensors') => (b ? `${b[k] ?? '—'} → ${a ? (a[k] ?? '—') : '? (stopped)'}` : '—');
    live.push(['chromium', String(l.name), `${String(l.batch)} × ${String(l.maxlen)}`, o2.steps === undefined ? '—' : String(o2.steps), b ? pair('buffers') : (o2.error ?? '—'), pair('bytes'), pair('tensors')]);
  }
  if (work.length) {
    lines.push('');
    lines.push(formatTable(['where', 'system', 'resetAfter', 'batch', 'what', 'dispatches', 'submits', 'TF.js kernels'], work));
  }
  if (live.length) {
    lines.push('');
    lines.push(formatTable(['where', 'system', 'batch × T', 'steps', 'GPU buffers before → after', 'bytes before → after', 'tensors before → after'], live));
  }
  lines.push('');
  lines.push(`samples/s at T=120. × columns: webgrad train/s ÷ the named competitor at the same batch. PyTorch ${TORCH_CPU_TRAIN_SAMPLES_PER_SECOND}: PyTorch 1.13 CPU, 2 threads, the issue's constant.`);
  // Goal lines.
  const batches = [...new Set(rows.map((r) => r.batch).filter((b): b is number => b !== null))].sort((a, b) => a - b);
  lines.push('goal (issue 8):');
  for (const b of batches) {
    const best = Math.max(-1, ...rows.filter((r) => r.where === 'chromium' && r.system === 'webgrad' && r.batch === b).map((r) => sps(r.train) ?? -1));
    lines.push(`  batch ${b}: webgrad/TF.js webgpu in the same page: ${best > 0 ? ratio(best, tfWebgpu('chromium', b)) : '—'} (goal ≥ 50×)`);
    const inNode = Math.max(-1, ...rows.filter((r) => r.where === 'node' && r.system === 'webgrad' && r.backend === 'webgpu' && r.batch === b).map((r) => sps(r.train) ?? -1));
    if (inNode > 0 && tfWebgpu('node', b) !== null) lines.push(`  batch ${b}: webgrad/TF.js webgpu on Dawn in Node: ${ratio(inNode, tfWebgpu('node', b))}`);
  }
  const top = batches.at(-1);
  if (top !== undefined) {
    const all = rows.filter((r) => r.system === 'webgrad' && r.batch === top && measured(r.train)).sort((a, b) => sps(b.train)! - sps(a.train)!);
    const best = all[0];
    lines.push(`  batch ${top}: webgrad's best backend ${best ? `${best.where} ${best.backend} resetAfter=${best.resetAfter}, ${fmt(sps(best.train)!)} samples/s = ${ratio(sps(best.train), TORCH_CPU_TRAIN_SAMPLES_PER_SECOND)} PyTorch's ${TORCH_CPU_TRAIN_SAMPLES_PER_SECOND}` : '—'} (goal ≥ 2×)`);
    // A quick Node part has no CPU row at this batch: the newest full bench:train on this machine has.
    const full = train.data?.quick ? latestFullTrain(top) : null;
    if (full) lines.push(`  batch ${top}, from the newest full bench:train (${full.file}, ${full.date}): webgrad ${full.backend} resetAfter=${full.resetAfter}, ${fmt(full.sps)} samples/s = ${ratio(full.sps, TORCH_CPU_TRAIN_SAMPLES_PER_SECOND)} PyTorch's ${TORCH_CPU_TRAIN_SAMPLES_PER_SECOND}`);
  }
  const seconds = now() - started;
  if (o.run) lines.push(`times: bench:train ${runs.train ? fmt(runs.train.seconds) : '—'} s, bench:browser ${runs.browser ? fmt(runs.browser.seconds) : '—'} s; ${fmt(seconds)} s in all (${seconds <= 900 ? 'within' : 'OVER'} 15 minutes, excluding npm run build)`);
  console.log(`\n${lines.join('\n')}`);

  const out = o.json ?? join(ROOT, `bench/results/bench-${stamp}.json`);
  writeJson(out, {
    bench: 'merged',
    ...env,
    hostname: hostname(),
    quick: o.quick,
    seconds,
    runs,
    files: { train: trainFile, browser: browserFile },
    problems: { train: trainProblem, browser: browserProblem },
    rows,
    table: lines.join('\n'),
  });
  console.log(`wrote ${out}`);
  if (o.run && train.data && trainFile) {
    const historyFile = join(ROOT, 'bench/results/history.jsonl');
    appendHistory(historyFile, historyFromNode(train.data, relative(ROOT, trainFile), runId));
    console.log(`appended the Node run to ${historyFile}; chart ${writeHistoryChart(historyFile, join(ROOT, 'bench/results/history.svg'))}`);
  }
}

await main();
process.exit(0);
