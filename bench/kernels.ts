/**
 * Kernel benchmarks (`npm run bench:kernels [-- --json FILE] [--quick] [--only cpu|webgpu]`):
 * matmul GFLOP/s for the shapes the tutorial model needs, elementwise add GB/s, and how many tiny
 * dispatches per second a backend sustains, on the CPU backend and on WebGPU (each matmul variant).
 *
 * GPU work is timed the way training uses it: a warm-up call, then N iterations encoded into one
 * batch, one submit and one `await backend.sync()`. N grows until one batch lasts about a third of
 * the target time (bench/lib/timing.ts), so the whole run stays short on slow adapters (SwiftShader,
 * about a minute on two cores) and still measures long enough on fast ones. Products that would take
 * more than `maxSingleSeconds` once are skipped, with the estimate in the note.
 */
import { CpuBackend, WebGPUBackend, add, matMul, matmulConfig, randomNormal, tidy, withBackend, zeros, type Backend, type Kernel } from '../src/index.js';
import { loadavg } from 'node:os';
import { describeEnvironment } from './lib/env.js';
import { defaultJsonPath, fmt, formatTable, parseArgs, writeJson } from './lib/report.js';
import { measure, now, type Timing } from './lib/timing.js';

type MatmulVariant = 'tiled' | 'register';

interface Result {
  backend: 'cpu' | 'webgpu';
  /** 'cpu', or the WebGPU kernel variant. */
  variant: string;
  bench: 'matmul' | 'add' | 'dispatch';
  /** e.g. "[512,16]x[16,96]", "1M floats", "1-element add". */
  label: string;
  value: number | null;
  unit: 'GFLOP/s' | 'GB/s' | 'dispatches/s';
  /** Time per iteration (per dispatch for the dispatch bench). */
  msPerIter: number | null;
  /** WebGPU: of that, the host time spent encoding (before the wait for the device). */
  encodeMsPerIter?: number | null;
  iters: number;
  note?: string;
}

const MATMULS: readonly [number, number, number][] = [
  [512, 16, 96],
  [61440, 16, 192],
  [512, 64, 6],
  [1024, 1024, 1024],
];
const ADD_SIZES = [1 << 20, 1 << 24];

const args = parseArgs(process.argv.slice(2));
const target = args.quick ? 0.3 : 1;
/** A single iteration predicted to take longer than this is skipped (its estimate is reported). */
const maxSingleSeconds = args.quick ? 5 : 20;

/**
 * Runs `body` `iters` times on `b` as one batch and waits for the device. Returns the seconds spent
 * encoding on WebGPU (nothing on the CPU, where the work is done when `body` returns).
 */
async function batch(b: Backend, iters: number, body: () => unknown): Promise<number | void> {
  const s = now();
  withBackend(b, () => {
    for (let i = 0; i < iters; i++) body();
  });
  if (!(b instanceof WebGPUBackend)) return;
  const encode = now() - s;
  await b.sync();
  return encode;
}

/**
 * Puts a written buffer of the output's size into the WebGPU pool, so that no timed run pays for
 * creating (and lazily zeroing) a large buffer.
 */
function primePool(b: Backend, size: number): void {
  if (b instanceof WebGPUBackend) withBackend(b, () => zeros([size]).dispose());
}

function timingFields(t: Timing): Pick<Result, 'msPerIter' | 'encodeMsPerIter' | 'iters'> {
  return { msPerIter: t.seconds * 1e3, ...(t.encodeSeconds === null ? {} : { encodeMsPerIter: t.encodeSeconds * 1e3 }), iters: t.iters };
}

function label([m, k, n]: readonly number[]): string {
  return m === k && k === n ? `${m}³` : `[${m},${k}]x[${k},${n}]`;
}

async function benchMatmul(b: Backend, variant: string, [m, k, n]: readonly [number, number, number]): Promise<Result> {
  const flops = 2 * m * n * k;
  const base: Omit<Result, 'value' | 'msPerIter' | 'iters'> = { backend: b.name, variant, bench: 'matmul', label: label([m, k, n]), unit: 'GFLOP/s' };
  const [x, w] = withBackend(b, () => [randomNormal([m, k]), randomNormal([k, n])] as const);
  primePool(b, m * n);
  const run = (iters: number) => batch(b, iters, () => tidy(() => matMul(x, w)));
  try {
    // Big products on slow devices: estimate from a 256³ product first (which also compiles the
    // pipeline), skip when one product would take too long, run once when it is expensive.
    if (flops > 2 * 256 ** 3) {
      const small = await benchMatmul(b, variant, [256, 256, 256]);
      const estimate = flops / 1e9 / small.value!;
      if (estimate > maxSingleSeconds) {
        return { ...base, value: null, msPerIter: null, iters: 0, note: `skipped: est. ${fmt(estimate)} s per product from 256³ (${fmt(small.value!)} GFLOP/s)` };
      }
      if (estimate * 3 > target) {
        const t = await measure(run, { targetSeconds: target, noWarmup: true });
        return { ...base, value: flops / t.seconds / 1e9, ...timingFields(t) };
      }
    }
    const t = await measure(run, { targetSeconds: target });
    return { ...base, value: flops / t.seconds / 1e9, ...timingFields(t) };
  } finally {
    x.dispose();
    w.dispose();
  }
}

async function benchAdd(b: Backend, variant: string, n: number): Promise<Result> {
  const [x, y] = withBackend(b, () => [randomNormal([n]), randomNormal([n])] as const);
  primePool(b, n);
  try {
    const t = await measure((iters) => batch(b, iters, () => tidy(() => add(x, y))), { targetSeconds: target });
    const bytes = 3 * 4 * n; // two reads and one write of float32
    return { backend: b.name, variant, bench: 'add', label: `${n / 2 ** 20}M floats`, value: bytes / t.seconds / 1e9, unit: 'GB/s', ...timingFields(t) };
  } finally {
    x.dispose();
    y.dispose();
  }
}

/** Many 1-element adds through the tensor API (allocation, kernel build, bind group, dispatch). */
async function benchTinyOps(b: Backend, variant: string): Promise<Result> {
  const [x, y] = withBackend(b, () => [randomNormal([1]), randomNormal([1])] as const);
  try {
    const t = await measure((iters) => batch(b, iters, () => tidy(() => add(x, y))), { targetSeconds: target });
    return perDispatch(b, variant, '1-element add (tensor API)', t);
  } finally {
    x.dispose();
    y.dispose();
  }
}

/** The backend verb alone: one single-invocation kernel dispatched over and over into one batch. */
async function benchRawDispatch(b: Backend, variant: string): Promise<Result> {
  const kernel: Kernel = {
    name: 'bench:touch',
    cpu: (_in, [out]) => {
      out![0] = 1;
    },
    gpu: () => ({
      key: 'bench:touch',
      workgroups: [1, 1, 1],
      code: () => '@group(0) @binding(0) var<storage, read_write> out: array<f32>;\n@compute @workgroup_size(1) fn main() { out[0] = 1.0; }',
    }),
  };
  // Independent outputs: consecutive dispatches writing one buffer would also time the barrier between them.
  const outs = Array.from({ length: 16 }, () => b.alloc(1, 'float32'));
  let i = 0;
  try {
    const t = await measure((iters) => batch(b, iters, () => b.dispatch(kernel, [], [outs[i++ % outs.length]!])), { targetSeconds: target, maxIters: 1_000_000 });
    return perDispatch(b, variant, '1-invocation kernel (backend.dispatch)', t);
  } finally {
    for (const o of outs) b.free(o);
  }
}

function perDispatch(b: Backend, variant: string, what: string, t: Timing): Result {
  return { backend: b.name, variant, bench: 'dispatch', label: what, value: 1 / t.seconds, unit: 'dispatches/s', ...timingFields(t) };
}

async function main(): Promise<void> {
  const started = now();
  const loadAtStart = loadavg();
  const backends: Backend[] = [];
  const results: Result[] = [];
  const log = (r: Result) => {
    results.push(r);
    console.error(`  ${r.backend}/${r.variant} ${r.bench} ${r.label}: ${r.value === null ? '—' : fmt(r.value)} ${r.unit}${r.note ? ` (${r.note})` : ''}`);
  };
  const want = (name: string) => !args.only || args.only.includes(name);

  if (want('cpu')) {
    const cpu = new CpuBackend();
    backends.push(cpu);
    console.error(`[bench] ${cpu.description}`);
    for (const s of MATMULS) log(await benchMatmul(cpu, 'cpu', s));
    for (const n of ADD_SIZES) log(await benchAdd(cpu, 'cpu', n));
    log(await benchTinyOps(cpu, 'cpu'));
    log(await benchRawDispatch(cpu, 'cpu'));
  }

  let gpuNote: string | null = null;
  if (want('webgpu')) {
    const gpu = await WebGPUBackend.create();
    if (typeof gpu === 'string') {
      gpuNote = `WebGPU unavailable: ${gpu}`;
      console.error(`[bench] ${gpuNote}`);
    } else {
      backends.push(gpu);
      console.error(`[bench] ${gpu.description} via ${gpu.adapter.via} (default kernel family: ${gpu.variant})`);
      const prev = matmulConfig.variant;
      try {
        for (const variant of ['register', 'tiled'] as MatmulVariant[]) {
          matmulConfig.variant = variant;
          const auto = gpu.variant === 'tiled' ? 'tiled' : 'register';
          for (const s of MATMULS) {
            const r = await benchMatmul(gpu, variant, s);
            log(variant === auto ? { ...r, note: [r.note, 'variant auto-selected on this adapter'].filter(Boolean).join('; ') } : r);
          }
        }
      } finally {
        matmulConfig.variant = prev;
      }
      for (const n of ADD_SIZES) log(await benchAdd(gpu, 'elementwise', n));
      log(await benchTinyOps(gpu, 'elementwise'));
      log(await benchRawDispatch(gpu, 'raw'));
    }
  }

  const env = describeEnvironment(backends);
  const ms = (x: number | null | undefined) => (x === null || x === undefined ? '—' : fmt(x));
  const rows = results.map((r) => [r.backend, r.variant, r.bench, r.label, r.value === null ? '—' : fmt(r.value), r.unit, ms(r.msPerIter), ms(r.encodeMsPerIter), String(r.iters), r.note ?? '']);
  console.log(`webgrad kernel benchmarks — ${env.date}, commit ${env.gitCommit ?? '?'}${env.gitDirty ? ' (dirty tree)' : ''}, node ${env.node}`);
  const busy = loadAtStart[0]! > env.cpu.cores * 0.5;
  console.log(`cpu: ${env.cpu.model} (${env.cpu.cores} cores); 1-min load average ${fmt(loadAtStart[0]!)} before, ${fmt(env.loadAverage[0]!)} after${busy ? ' — other work was running, timings are noisy' : ''}`);
  for (const b of backends) console.log(`${b.name}: ${b.description}${b instanceof WebGPUBackend ? ` via ${b.adapter.via}, fallback adapter: ${b.adapter.isFallbackAdapter}` : ''}`);
  if (gpuNote) console.log(`webgpu: ${gpuNote}`);
  console.log('');
  console.log(formatTable(['backend', 'variant', 'bench', 'shape / size', 'value', 'unit', 'ms/iter', 'host ms/iter', 'iters', 'note'], rows));
  const seconds = now() - started;
  console.log(`\n${fmt(seconds)} s. GPU rows: iters iterations encoded into one batch, one submit, one wait for completion;`);
  console.log(`ms/iter = that wall time / iters; host ms/iter = the encoding part of it (JavaScript + Dawn, before the wait).`);

  const path = args.json ?? defaultJsonPath('kernels');
  writeJson(path, { bench: 'kernels', ...env, loadAverageAtStart: loadAtStart, webgpuUnavailable: gpuNote, seconds, results });
  console.log(`wrote ${path}`);
  for (const b of backends) b.dispose();
}

await main();
