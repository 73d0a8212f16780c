/**
 * Training-step benchmark (`npm run bench:train [-- --json FILE] [--quick] [--only a,b]`): the
 * tutorial model (embedding 10000×16 → bidirectional GRU 32 → dense 6 relu → dense 1 sigmoid,
 * binary cross-entropy, Adam) at sequence length 120 with random ids, train and inference samples/s
 * at batch 32, 128 and 512 for
 *   - webgrad on WebGPU (Dawn in Node; SwiftShader on a machine without a GPU) and on the CPU,
 *     GRU resetAfter true (Keras TF2's default) and false;
 *   - in the same run, TensorFlow.js 4.22 (GRU resetAfter=false, the only variant TF.js has) on
 *     tfjs-backend-webgpu (same Dawn adapter as webgrad's webgpu rows), and on tfjs-backend-cpu and
 *     tfjs-backend-wasm, stock and, labelled "patched", with the scatter-add UnsortedSegmentSum of
 *     bench/lib/tutorial.ts;
 *   - PyTorch 1.13 on the CPU with 2 threads: the constant from the issue (413 train samples/s),
 *     and a live measurement (bench/torch_train_step.py) when Debian's python3-torch is installed.
 * `--only` picks groups: webgpu, cpu, tfjs-webgpu, tfjs-wasm, tfjs-cpu, torch, leak. TF.js webgpu runs
 * on the same Dawn adapter as webgrad's webgpu rows (stock kernels: its UnsortedSegmentSum is a GPU
 * kernel), and the "× TF.js webgpu" column compares the two on that adapter. `--torch-device cuda`
 * times the live PyTorch on a GPU instead (for the runs on a lent GPU machine).
 *
 * Timing, per configuration and batch: one warm-up step (pipeline compilation, buffer pools, JIT)
 * is timed and reported on its own; then steps run until a time budget is spent, at least one;
 * samples/s = batch × steps / their time. WebGPU steps end with `await backend.sync()`, so each
 * step's time includes its device work. Stock TF.js cpu needs minutes per step (its
 * UnsortedSegmentSum loops over the whole vocabulary): it runs one step at batch 32 only, after the
 * patched runs of the same model warmed every other kernel, under a kill cap; larger batches are
 * estimated, not run. TF.js runs in child processes (one per backend), so a step that runs past its
 * cap can be killed and the stock kernel is restored cleanly.
 *
 * FLOPs: counted analytically (`tutorialFlops`, bench/lib/tutorial.ts): the GEMMs of one step, multiply-add = 2; training =
 * 3 × forward (each forward GEMM has two backward GEMMs of the same size).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { CpuBackend, WebGPUBackend, flush, fromFlat, resetStats, setBackend, setSeed, stats, type Backend, type Stats } from '../src/index.js';
import { describeEnvironment } from './lib/env.js';
import { defaultJsonPath, fmt, formatTable, parseArgs, writeJson } from './lib/report.js';
import { tfjsFlag } from './lib/tfjs-flags.js';
import { now } from './lib/timing.js';
import { DENSE, EMBED, MAXLEN, TORCH_CPU_TRAIN_SAMPLES_PER_SECOND, UNITS, VOCAB, randomBatch, registerScatterSegmentSum, tfjsTutorial, tutorialFlops, webgradTutorial } from './lib/tutorial.js';

// ---------------------------------------------------------------------------------------------
// Shared helpers

export interface Measured {
  /** The first step at this batch, timed on its own (compilation, allocation). */
  warmupSeconds: number | null;
  steps: number;
  seconds: number;
  samplesPerSecond: number;
  medianStepSeconds: number;
  /**
   * Process CPU time (user + system, all threads) per measured step. Next to the wall time it shows
   * contention: a single-threaded run on a busy machine has wall ≫ CPU.
   */
  cpuSecondsPerStep: number;
}

/** One warm-up call, then calls until `budget` seconds are spent (at least one). */
async function budgeted(batch: number, budget: number, step: () => Promise<void> | void, { warmup = true } = {}): Promise<Measured> {
  let warmupSeconds: number | null = null;
  if (warmup) {
    const w = now();
    await step();
    warmupSeconds = now() - w;
  }
  const times: number[] = [];
  const c0 = process.cpuUsage();
  const t0 = now();
  do {
    const s = now();
    await step();
    times.push(now() - s);
  } while (now() - t0 < budget);
  const seconds = now() - t0;
  const cpu = process.cpuUsage(c0);
  const sorted = [...times].sort((a, b) => a - b);
  return { warmupSeconds, steps: times.length, seconds, samplesPerSecond: (batch * times.length) / seconds, medianStepSeconds: sorted[Math.floor(sorted.length / 2)]!, cpuSecondsPerStep: (cpu.user + cpu.system) / 1e6 / times.length };
}

type Outcome = Measured | { error: string };

/** A measurement, or the first line of the error that ended it (a table cell). */
async function outcomeOf(measure: () => Promise<Measured>): Promise<Outcome> {
  try {
    return await measure();
  } catch (e) {
    return { error: String(e instanceof Error ? e.message : e).split('\n')[0]! };
  }
}

interface Row {
  system: 'webgrad' | 'TF.js 4.22' | 'PyTorch';
  backend: string;
  /** 'true' | 'false': GRU resetAfter. */
  resetAfter: boolean;
  /** 'stock' | 'patched' for TF.js; 'live' | 'issue constant' for PyTorch. */
  label?: string;
  batch: number;
  train: Outcome | null;
  infer: Outcome | null;
  note?: string;
}

const isMeasured = (o: Outcome | null | undefined): o is Measured => !!o && 'samplesPerSecond' in o;

interface Budgets {
  batches: number[];
  train: number;
  infer: number;
  /** Kill cap for one stock TF.js cpu training step, seconds. */
  stockCpuCap: number;
  /** Steps of the live-buffer check. */
  leakSteps: number;
}

// ---------------------------------------------------------------------------------------------
// webgrad

interface DispatchCount {
  backend: string;
  resetAfter: boolean;
  batch: number;
  what: 'train step' | 'inference';
  dispatches: number;
  submits: number;
}

/** 'webgpu', or 'cpu 1 thread' / 'cpu N threads'. */
const backendLabel = (b: Backend): string => (b instanceof CpuBackend ? `cpu ${b.threads} thread${b.threads > 1 ? 's' : ''}` : b.name);

async function benchWebgrad(backend: Backend, resetAfter: boolean, b: Budgets, counts: DispatchCount[], log: (r: Row) => void): Promise<void> {
  setBackend(backend);
  setSeed(2024);
  const model = webgradTutorial(resetAfter);
  const gpu = backend instanceof WebGPUBackend ? backend : null;
  const sync = async () => {
    if (gpu) await gpu.sync();
  };
  try {
    for (const batch of b.batches) {
      const { ids, labels } = randomBatch(batch);
      const x = fromFlat(ids, [batch, MAXLEN], 'int32', backend);
      const y = fromFlat(labels, [batch, 1], 'float32', backend);
      /** `run`, counting the dispatches and submits of its first call after the warm-up (WebGPU). */
      const counted = <T>(what: DispatchCount['what'], run: () => T): (() => T) => {
        let calls = 0;
        return () => {
          const counting = gpu !== null && calls++ === 1;
          if (counting) resetStats();
          const out = run();
          if (counting) {
            flush();
            const s = stats();
            counts.push({ backend: backend.name, resetAfter, batch, what, dispatches: s.dispatches, submits: s.submits });
          }
          return out;
        };
      };
      const train = counted('train step', () => model.trainOnBatch(x, y).dispose());
      const infer = counted('inference', () => model.predict(x, { batchSize: batch }));
      const trainResult = await outcomeOf(() => budgeted(batch, b.train, async () => {
        train();
        await sync();
      }));
      const inferResult = await outcomeOf(() => budgeted(batch, b.infer, async () => {
        const p = infer();
        await p.data();
        p.dispose();
      }));
      x.dispose();
      y.dispose();
      log({ system: 'webgrad', backend: backendLabel(backend), resetAfter, batch, train: trainResult, infer: inferResult });
    }
  } finally {
    model.dispose();
  }
}

interface LeakCheck {
  backend: string;
  batch: number;
  maxlen: number;
  steps: number;
  seconds: number;
  before: Stats;
  after: Stats;
}

/** Live tensors and buffers after one step and after `steps` more (flushed each step, synced every 10). */
async function leakCheck(backend: Backend, steps: number, batch = 4, maxlen = 16): Promise<LeakCheck> {
  setBackend(backend);
  setSeed(7);
  const model = webgradTutorial(true);
  const { ids, labels } = randomBatch(batch, maxlen, VOCAB, 5);
  const x = fromFlat(ids, [batch, maxlen], 'int32', backend);
  const y = fromFlat(labels, [batch, 1], 'float32', backend);
  const gpu = backend instanceof WebGPUBackend ? backend : null;
  const step = () => {
    model.trainOnBatch(x, y).dispose();
    flush();
  };
  step();
  await gpu?.sync();
  const before = stats();
  const t0 = now();
  for (let i = 1; i <= steps; i++) {
    step();
    if (i % 10 === 0) await gpu?.sync();
  }
  await gpu?.sync();
  const seconds = now() - t0;
  const after = stats();
  x.dispose();
  y.dispose();
  model.dispose();
  return { backend: backend.name, batch, maxlen, steps, seconds, before, after };
}

// ---------------------------------------------------------------------------------------------
// TF.js, in a child process per backend

interface TfjsJob {
  backend: 'cpu' | 'wasm' | 'webgpu';
  batches: number[];
  train: number;
  infer: number;
  /** Batches at which stock training is attempted (cpu: 32 only, under the parent's kill cap; webgpu: stock only). */
  stockTrainBatches: number[];
}

type TfjsEvent =
  | { kind: 'meta'; meta: Record<string, unknown> }
  | { kind: 'start'; label: string; what: 'train' | 'infer'; batch: number; capSeconds: number | null }
  | { kind: 'result'; label: string; what: 'train' | 'infer'; batch: number; outcome: Outcome; note?: string };

const EVENT = '@@bench ';
/** Child output not worth showing: TF.js's Node banner and initialiser notice, Dawn's XDG warning. */
const QUIET = /^=+$|Hi, looks like you are running TensorFlow.js in Node.js|Orthogonal initializer|XDG_RUNTIME_DIR/;

async function tfjsChild(job: TfjsJob): Promise<void> {
  const emit = (e: TfjsEvent) => process.stdout.write(`${EVENT}${JSON.stringify(e)}\n`);
  const { tf, useTfBackend } = await import('./lib/tfjs.js');
  const active = await useTfBackend(job.backend);
  emit({ kind: 'meta', meta: { tfjs: tf.version.tfjs, backend: active, wasmSimd: tfjsFlag(tf, 'WASM_HAS_SIMD_SUPPORT'), wasmThreads: tfjsFlag(tf, 'WASM_HAS_MULTITHREAD_SUPPORT'), gruRecurrentActivation: 'sigmoid (set explicitly; TF.js default is hardSigmoid)' } });
  const model = tfjsTutorial(tf, tf);
  const data = new Map(job.batches.map((b) => {
    const { ids, labels } = randomBatch(b);
    return [b, { x: tf.tensor2d(ids, [b, MAXLEN], 'int32'), y: tf.tensor2d(labels, [b, 1]) }] as const;
  }));
  const run = async (label: string, what: 'train' | 'infer', batch: number, capSeconds: number | null, opts: { warmup?: boolean; budget?: number } = {}) => {
    emit({ kind: 'start', label, what, batch, capSeconds });
    const { x, y } = data.get(batch)!;
    const step =
      what === 'train'
        ? async () => {
            await model.trainOnBatch(x, y);
          }
        : async () => {
            // Asynchronous read: TF.js webgpu's dataSync needs an OffscreenCanvas, which Node lacks.
            const p = model.predict(x, { batchSize: batch }) as import('@tensorflow/tfjs').Tensor;
            await p.data();
            p.dispose();
          };
    const outcome = await outcomeOf(() => budgeted(batch, opts.budget ?? (what === 'train' ? job.train : job.infer), step, { warmup: opts.warmup ?? true }));
    emit({ kind: 'result', label, what, batch, outcome });
  };
  // Inference does not touch UnsortedSegmentSum (only the embedding's gradient does): stock = patched.
  for (const b of job.batches) await run('stock', 'infer', b, null);
  const hasStock = tf.getKernel('UnsortedSegmentSum', job.backend) !== undefined;
  if (job.backend !== 'cpu') for (const b of job.stockTrainBatches) await run('stock', 'train', b, null);
  if (job.backend === 'webgpu') return;
  const restoreStock = registerScatterSegmentSum(tf, job.backend);
  for (const b of job.batches) await run('patched', 'train', b, null);
  if (job.backend === 'cpu' && hasStock) {
    // Back to the stock kernel; the patched runs above warmed every other kernel of this model.
    restoreStock();
    for (const b of job.stockTrainBatches) await run('stock', 'train', b, null, { warmup: false, budget: 0 });
  }
}

async function runTfjs(job: TfjsJob, stockCap: number, rows: Row[], log: (r: Row) => void): Promise<Record<string, unknown> | string> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [self], { env: { ...process.env, WEBGRAD_BENCH_TFJS: JSON.stringify(job) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let meta: Record<string, unknown> | string = 'no meta received';
  const byKey = new Map<string, Row>();
  const rowFor = (label: string, batch: number): Row => {
    const key = `${label}/${batch}`;
    let r = byKey.get(key);
    if (!r) {
      r = { system: 'TF.js 4.22', backend: `tfjs-${job.backend}`, resetAfter: false, label, batch, train: null, infer: null };
      byKey.set(key, r);
    }
    return r;
  };
  let inFlight: { label: string; what: 'train' | 'infer'; batch: number; started: number; cap: number | null } | null = null;
  let killedNote: string | null = null;
  const timer = setInterval(() => {
    if (inFlight?.cap && now() - inFlight.started > inFlight.cap) {
      killedNote = `killed after ${fmt(now() - inFlight.started)} s: one ${inFlight.what} step at batch ${inFlight.batch} takes longer than the ${inFlight.cap} s cap`;
      rowFor(inFlight.label, inFlight.batch)[inFlight.what] = { error: killedNote };
      child.kill('SIGKILL');
    }
  }, 500);
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!line.startsWith(EVENT)) {
        if (line.trim() && !QUIET.test(line)) process.stderr.write(`  [tfjs-${job.backend}] ${line}\n`);
        continue;
      }
      const e = JSON.parse(line.slice(EVENT.length)) as TfjsEvent;
      if (e.kind === 'meta') meta = e.meta;
      else if (e.kind === 'start') {
        inFlight = { label: e.label, what: e.what, batch: e.batch, started: now(), cap: e.label === 'stock' && e.what === 'train' && job.backend === 'cpu' ? stockCap : e.capSeconds };
        console.error(`  tfjs-${job.backend} ${e.label} ${e.what} batch ${e.batch}…`);
      } else {
        inFlight = null;
        rowFor(e.label, e.batch)[e.what] = e.outcome;
        const o = e.outcome;
        console.error(`  tfjs-${job.backend} ${e.label} ${e.what} batch ${e.batch}: ${isMeasured(o) ? `${fmt(o.samplesPerSecond)} samples/s (${o.steps} steps, warm-up ${o.warmupSeconds === null ? '—' : fmt(o.warmupSeconds)} s)` : o.error}`);
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim() && !QUIET.test(line)) process.stderr.write(`  [tfjs-${job.backend}] ${line}\n`);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearInterval(timer);
  const got = meta as Record<string, unknown> | string;
  if (code !== 0 && !killedNote) return typeof got === 'string' ? `child exited with ${code}` : { ...got, exit: code };
  for (const r of byKey.values()) {
    rows.push(r);
    log(r);
  }
  return got;
}

// ---------------------------------------------------------------------------------------------
// PyTorch (optional, live)

interface TorchResult {
  torch: string;
  /** 'cpu', or the GPU's name with --torch-device cuda. */
  device: string;
  threads: number;
  results: { batch: number; train: Measured; infer: Measured }[];
}

function findPython(): string | null {
  for (const py of [process.env.WEBGRAD_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p)) {
    const r = spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
    if (r.status === 0) return py;
  }
  return null;
}

function runTorch(b: Budgets, device: string): TorchResult | string {
  const script = fileURLToPath(new URL('../../bench/torch_train_step.py', import.meta.url));
  if (!existsSync(script)) return `missing ${script}`;
  const py = findPython();
  if (!py) return 'PyTorch not installed (apt-get install python3-torch); the issue constant is reported instead';
  const r = spawnSync(py, [script, '--threads', '2', '--batches', b.batches.join(','), '--maxlen', String(MAXLEN), '--train-budget', String(b.train), '--infer-budget', String(b.infer), '--device', device], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) return `torch script failed (${r.status ?? r.signal}): ${(r.stderr ?? '').trim().split('\n').at(-1)}`;
  const parsed = JSON.parse(r.stdout) as TorchResult;
  return { ...parsed, torch: `${parsed.torch} (${py})` };
}

// ---------------------------------------------------------------------------------------------
// Report

function trainPerSample(): number {
  return tutorialFlops().trainPerSample;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const budgets: Budgets = args.quick
    ? { batches: [32], train: 1.5, infer: 1, stockCpuCap: 20, leakSteps: 30 }
    : { batches: [32, 128, 512], train: 4, infer: 2, stockCpuCap: 300, leakSteps: 300 };
  const want = (g: string) => !args.only || args.only.includes(g);
  const started = now();
  const loadAtStart = loadavg();
  const flops = tutorialFlops();
  console.error(`[bench:train] ${args.quick ? 'quick' : 'full'} run; batches ${budgets.batches.join(', ')}; T=${MAXLEN}; ${fmt(flops.trainPerSample / 1e6)} MFLOP per sample per training step, ${fmt(flops.forwardPerSample / 1e6)} per inference`);
  const rows: Row[] = [];
  const counts: DispatchCount[] = [];
  const leaks: LeakCheck[] = [];
  const log = (r: Row) => {
    if (!rows.includes(r)) rows.push(r);
    const show = (o: Outcome | null) => (o === null ? '—' : isMeasured(o) ? `${fmt(o.samplesPerSecond)}/s (${o.steps} steps, warm-up ${o.warmupSeconds === null ? '—' : fmt(o.warmupSeconds)} s)` : o.error);
    console.error(`  ${r.system} ${r.backend}${r.label ? ` ${r.label}` : ''} resetAfter=${r.resetAfter} batch ${r.batch}: train ${show(r.train)}; infer ${show(r.infer)}`);
  };
  const backends: Backend[] = [];
  let gpuNote: string | null = null;

  if (want('webgpu') || want('leak')) {
    const gpu = await WebGPUBackend.create();
    if (typeof gpu === 'string') gpuNote = `WebGPU unavailable: ${gpu}`;
    else backends.push(gpu);
    console.error(`[bench:train] ${typeof gpu === 'string' ? gpuNote : `${gpu.description} via ${gpu.adapter.via} (kernel family ${gpu.variant})`}`);
  }
  const gpu = backends.find((b): b is WebGPUBackend => b instanceof WebGPUBackend) ?? null;
  // The default CPU backend (one thread per core here) and, for the thread scaling, one thread.
  const cpu = new CpuBackend();
  const cpuOne = new CpuBackend({ threads: 1 });
  backends.push(cpu, ...(cpu.threads > 1 ? [cpuOne] : []));

  if (gpu && want('webgpu')) for (const ra of [true, false]) await benchWebgrad(gpu, ra, budgets, counts, log);
  if (want('cpu')) for (const be of cpu.threads > 1 ? [cpu, cpuOne] : [cpu]) for (const ra of [true, false]) await benchWebgrad(be, ra, budgets, counts, log);

  const tfjsMeta: Record<string, unknown> = {};
  for (const be of ['webgpu', 'wasm', 'cpu'] as const) {
    if (!want(`tfjs-${be}`)) continue;
    console.error(`[bench:train] TF.js ${be} (child process)`);
    const job: TfjsJob = { backend: be, batches: budgets.batches, train: budgets.train, infer: budgets.infer, stockTrainBatches: be === 'cpu' ? budgets.batches.slice(0, 1) : budgets.batches };
    const before = rows.length;
    tfjsMeta[be] = await runTfjs(job, budgets.stockCpuCap, rows, () => {});
    for (const r of rows.slice(before)) log(r);
    // Stock cpu at larger batches: estimated from batch 32, not run.
    if (be === 'cpu') {
      const first = rows.find((r) => r.backend === 'tfjs-cpu' && r.label === 'stock' && r.batch === job.stockTrainBatches[0]);
      for (const b of budgets.batches.slice(job.stockTrainBatches.length)) {
        let r = rows.find((q) => q.backend === 'tfjs-cpu' && q.label === 'stock' && q.batch === b);
        if (!r) rows.push((r = { system: 'TF.js 4.22', backend: 'tfjs-cpu', resetAfter: false, label: 'stock', batch: b, train: null, infer: null }));
        const t = first?.train;
        const est = isMeasured(t) ? `est. ${fmt((b / first!.batch) * t.medianStepSeconds)} s per step (batch ${first!.batch}: ${fmt(t.medianStepSeconds)} s; the stock kernel's cost grows with batch × vocabulary)` : `batch ${first?.batch ?? 32} did not finish within the cap`;
        r.train = { error: `not run: ${est}` };
      }
    }
  }

  let torch: TorchResult | string | null = null;
  if (want('torch')) {
    console.error('[bench:train] PyTorch (optional, live)');
    torch = runTorch(budgets, args.torchDevice);
    if (typeof torch === 'string') console.error(`  ${torch}`);
    else for (const r of torch.results) log({ system: 'PyTorch', backend: torch.device === 'cpu' ? `cpu ${torch.threads} threads` : torch.device, resetAfter: true, label: 'live', batch: r.batch, train: r.train, infer: r.infer });
  }

  if (want('leak')) {
    for (const b of [gpu, cpu]) {
      if (!b) continue;
      console.error(`[bench:train] live buffers over ${budgets.leakSteps} steps on ${b.name}`);
      const l = await leakCheck(b, budgets.leakSteps);
      leaks.push(l);
      console.error(`  ${b.name}: tensors ${l.before.tensors} → ${l.after.tensors}, buffers ${l.before.buffers} → ${l.after.buffers}, bytes ${l.before.bytes} → ${l.after.bytes} (${fmt(l.seconds)} s)`);
    }
  }

  // Ratios: against the better patched TF.js backend at the same batch, PyTorch's constant, and live PyTorch.
  const trainSps = (r: Row | undefined) => (r && isMeasured(r.train) ? r.train.samplesPerSecond : null);
  const tfBest = (batch: number) => {
    const c = rows.filter((r) => r.system === 'TF.js 4.22' && r.label === 'patched' && r.batch === batch).map(trainSps).filter((v): v is number => v !== null);
    return c.length ? Math.max(...c) : null;
  };
  const tfWebgpu = (batch: number) => trainSps(rows.find((r) => r.backend === 'tfjs-webgpu' && r.batch === batch));
  const torchLive = (batch: number) => trainSps(rows.find((r) => r.system === 'PyTorch' && r.label === 'live' && r.batch === batch));
  const ratio = (a: number | null, b: number | null) => (a === null || b === null ? '—' : `${fmt(a / b)}×`);
  const fwd = flops.forwardPerSample;
  const cell = (o: Outcome | null, perSample: number): [string, string] => (o === null ? ['—', '—'] : isMeasured(o) ? [fmt(o.samplesPerSecond), fmt((o.samplesPerSecond * perSample) / 1e9)] : ['—', '—']);
  const errorNote = (r: Row) => [r.note, !r.train || isMeasured(r.train) ? null : `train: ${r.train.error}`, !r.infer || isMeasured(r.infer) ? null : `infer: ${r.infer.error}`, r.label === 'patched' && r.infer === null ? 'infer: = stock (the patch touches only the embedding gradient)' : null].filter(Boolean).join('; ');
  const table = rows.map((r) => {
    const [tr, tg] = cell(r.train, trainPerSample());
    const [inf, ig] = cell(r.infer, fwd);
    const mine = r.system === 'webgrad' ? trainSps(r) : null;
    const mineOnGpu = r.system === 'webgrad' && r.backend === 'webgpu' ? mine : null;
    const steps = isMeasured(r.train) ? String(r.train.steps) : '—';
    const warm = isMeasured(r.train) && r.train.warmupSeconds !== null ? fmt(r.train.warmupSeconds) : '—';
    const wallCpu = isMeasured(r.train) ? `${fmt(r.train.seconds / r.train.steps)} / ${r.train.cpuSecondsPerStep === undefined ? '—' : fmt(r.train.cpuSecondsPerStep)}` : '—';
    return [`${r.system} ${r.backend}${r.label ? ` (${r.label})` : ''}`, String(r.resetAfter), String(r.batch), tr, tg, inf, ig, warm, steps, wallCpu, ratio(mineOnGpu, tfWebgpu(r.batch)), ratio(mine, tfBest(r.batch)), ratio(mine, TORCH_CPU_TRAIN_SAMPLES_PER_SECOND), ratio(mine, torchLive(r.batch)), errorNote(r)];
  });
  table.push(['PyTorch 1.13 cpu 2 threads (issue constant)', 'true', '—', String(TORCH_CPU_TRAIN_SAMPLES_PER_SECOND), fmt((TORCH_CPU_TRAIN_SAMPLES_PER_SECOND * trainPerSample()) / 1e9), '—', '—', '—', '—', '—', '—', '—', '—', '—', 'measured before this issue on this kind of machine']);

  const env = describeEnvironment(backends);
  console.log(`webgrad training-step benchmark — ${env.date}, commit ${env.gitCommit ?? '?'}${env.gitDirty ? ' (dirty tree)' : ''}, node ${env.node}${args.quick ? ', --quick' : ''}`);
  const busy = loadAtStart[0]! > env.cpu.cores * 0.5;
  console.log(`cpu: ${env.cpu.model} (${env.cpu.cores} cores); 1-min load average ${fmt(loadAtStart[0]!)} before, ${fmt(env.loadAverage[0]!)} after${busy ? ' — other work was running, timings are noisy' : ''}`);
  for (const b of backends) console.log(`${b.name}: ${b.description}${b instanceof WebGPUBackend ? ` via ${b.adapter.via}, fallback adapter: ${b.adapter.isFallbackAdapter}, GRU kernel family: ${b.variant}` : ''}`);
  if (gpuNote) console.log(`webgpu: ${gpuNote}`);
  for (const [be, m] of Object.entries(tfjsMeta)) console.log(`tfjs-${be}: ${typeof m === 'string' ? m : JSON.stringify(m)}`);
  if (torch) console.log(`pytorch: ${typeof torch === 'string' ? torch : `${torch.torch}, ${torch.device === 'cpu' ? `${torch.threads} threads` : torch.device} (live)`}`);
  console.log(`model: embedding ${VOCAB}×${EMBED} → bidirectional GRU ${UNITS} → dense ${DENSE} relu → dense 1 sigmoid; BCE, Adam; T=${MAXLEN}, random ids`);
  console.log(`FLOPs per sample (GEMMs, multiply-add = 2): forward ${fmt(fwd / 1e6)} M (${Object.entries(flops.forward).map(([k, v]) => `${k} ${v}`).join(', ')}), training step 3 × forward = ${fmt(flops.trainPerSample / 1e6)} M (issue: 6.64 M). Not counted: ${flops.notCounted}.`);
  console.log('');
  console.log(formatTable(['system', 'resetAfter', 'batch', 'train/s', 'train GFLOP/s', 'infer/s', 'infer GFLOP/s', 'warm-up s', 'steps', 'train s/step wall / CPU', '× TF.js webgpu', '× TF.js best patched', '× PyTorch 413', '× PyTorch live', 'note'], table));
  console.log(`\ntrain/s, infer/s: samples per second; warm-up = the first training step at that batch (compilation, allocation), excluded from train/s.`);
  console.log(`train s/step wall / CPU: wall time and the process's CPU time (all threads) per measured step; single-threaded runs (webgrad cpu, TF.js) with wall ≫ CPU waited for other processes.`);
  console.log(`× TF.js webgpu: webgrad webgpu train/s ÷ TF.js webgpu's (stock) on the same adapter at the same batch.`);
  console.log(`× TF.js best patched: webgrad train/s ÷ the faster patched TF.js backend at the same batch (TF.js has only resetAfter=false).`);
  if (counts.length) {
    console.log('');
    console.log(formatTable(['backend', 'resetAfter', 'batch', 'what', 'dispatches', 'submits'], counts.map((c) => [c.backend, String(c.resetAfter), String(c.batch), c.what, String(c.dispatches), String(c.submits)])));
    console.log('(wg.resetStats(), one step, wg.flush(), wg.stats(); the step after the warm-up step)');
  }
  if (leaks.length) {
    console.log('');
    console.log(formatTable(['backend', 'batch × T', 'steps', 'tensors before → after', 'buffers before → after', 'bytes before → after', 'seconds'], leaks.map((l) => [l.backend, `${l.batch} × ${l.maxlen}`, String(l.steps), `${l.before.tensors} → ${l.after.tensors}`, `${l.before.buffers} → ${l.after.buffers}`, `${l.before.bytes} → ${l.after.bytes}`, fmt(l.seconds)])));
  }
  // Where webgrad's best backend lands against the issue's goal at the largest batch.
  const top = budgets.batches.at(-1)!;
  const best = rows.filter((r) => r.system === 'webgrad' && r.batch === top && isMeasured(r.train)).sort((a, b) => trainSps(b)! - trainSps(a)!)[0];
  if (best) console.log(`\nbest webgrad at batch ${top}: ${best.backend} resetAfter=${best.resetAfter}, ${fmt(trainSps(best)!)} train samples/s = ${ratio(trainSps(best), tfBest(top))} TF.js's best patched (goal ≥ 10×), ${ratio(trainSps(best), TORCH_CPU_TRAIN_SAMPLES_PER_SECOND)} PyTorch's 413 (goal ≥ 2×)${torchLive(top) ? `, ${ratio(trainSps(best), torchLive(top))} PyTorch live` : ''}.`);
  const seconds = now() - started;
  console.log(`${fmt(seconds)} s in all.`);

  const path = args.json ?? defaultJsonPath('train-step');
  writeJson(path, {
    bench: 'train-step',
    ...env,
    loadAverageAtStart: loadAtStart,
    quick: args.quick,
    webgpuUnavailable: gpuNote,
    model: { vocab: VOCAB, embed: EMBED, units: UNITS, maxlen: MAXLEN, dense: DENSE },
    flops,
    budgets,
    tfjs: tfjsMeta,
    torch: torch ?? 'not run',
    torchConstant: { trainSamplesPerSecond: TORCH_CPU_TRAIN_SAMPLES_PER_SECOND, source: 'issue 3: PyTorch 1.13 CPU, 2 threads, measured on this kind of machine before the issue' },
    seconds,
    results: rows,
    dispatches: counts,
    liveBuffers: leaks,
  });
  console.log(`wrote ${path}`);
  for (const b of backends) b.dispose();
}

if (process.env.WEBGRAD_BENCH_TFJS) {
  await tfjsChild(JSON.parse(process.env.WEBGRAD_BENCH_TFJS) as TfjsJob);
  process.exit(0);
} else {
  await main();
  process.exit(0);
}
