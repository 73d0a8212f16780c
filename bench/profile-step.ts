/**
 * Per-kernel profile of one training step of the tutorial model on WebGPU
 * (`npm run build && node dist/bench/profile-step.js [--batches 32,512] [--reset-after false] [--match REGEX]`).
 *
 * One step is recorded (every kernel dispatch with its buffers, which are kept alive), then every
 * GPU program of every dispatch is replayed alone: n copies in one batch, one submit, one wait,
 * n chosen so a batch lasts ~0.2 s; the median of three batches per program is reported. The whole
 * step is timed the same way, so the table shows what each program costs and how much of the step
 * they add up to. The replayed data are the recorded step's real values.
 */
import { loadavg } from 'node:os';
import { WebGPUBackend, setBackend, type GpuProgram, type Kernel, type Storage } from '../src/index.js';
import { now } from './lib/timing.js';
import { flagValue } from './lib/flags.js';
import { tutorialTrainer } from './lib/tutorial.js';


interface Recorded {
  kernel: Kernel;
  inputs: readonly Storage[];
  outputs: readonly Storage[];
}

interface PerCall {
  /** Wall seconds per call (median batch). */
  wall: number;
  /** Process CPU seconds per call, every thread (SwiftShader's workers included): less sensitive to other load than wall time. */
  cpu: number;
}

/** Seconds per call of `body`, repeated in batches of n that last about `target` seconds; the median batch. */
async function perCall(gpu: WebGPUBackend, body: () => void, target = 0.2): Promise<PerCall> {
  body();
  await gpu.sync();
  let s = now();
  body();
  await gpu.sync();
  const n = Math.max(1, Math.min(200, Math.round(target / Math.max(1e-5, now() - s))));
  const runs: PerCall[] = [];
  for (let r = 0; r < 3; r++) {
    s = now();
    const c = process.cpuUsage();
    for (let i = 0; i < n; i++) body();
    await gpu.sync();
    const used = process.cpuUsage(c);
    runs.push({ wall: (now() - s) / n, cpu: (used.user + used.system) / 1e6 / n });
  }
  return runs.sort((a, b) => a.wall - b.wall)[1]!;
}

const programsOf = (k: Kernel): GpuProgram[] => {
  const p = k.gpu();
  return Array.isArray(p) ? [...(p as GpuProgram[])] : [p as GpuProgram];
};

async function profile(gpu: WebGPUBackend, batch: number, resetAfter: boolean): Promise<void> {
  setBackend(gpu);
  const trainer = tutorialTrainer(batch, resetAfter, gpu);
  const { step } = trainer;
  // The first step compiles every pipeline (new shapes only: earlier batches' pipelines are cached).
  const w0 = now();
  step();
  await gpu.sync();
  const warmup = now() - w0;
  const whole = await perCall(gpu, step, 1);

  // Record one step; its buffers are never freed, so replays cannot alias a recycled buffer.
  const recorded: Recorded[] = [];
  const dispatch = gpu.dispatch.bind(gpu);
  const free = gpu.free.bind(gpu);
  gpu.dispatch = (kernel, inputs, outputs) => {
    recorded.push({ kernel, inputs, outputs });
    dispatch(kernel, inputs, outputs);
  };
  gpu.free = () => {};
  step();
  await gpu.sync();
  gpu.dispatch = dispatch;
  gpu.free = free;

  const rows: [string, PerCall][] = [];
  for (const r of recorded) {
    const programs = programsOf(r.kernel);
    for (const program of programs) {
      if (program.workgroups.reduce((a, b) => a * b, 1) === 0 || !match.test(program.key)) continue;
      const one: Kernel = { ...r.kernel, gpu: () => program };
      const t = await perCall(gpu, () => gpu.dispatch(one, r.inputs, r.outputs));
      rows.push([`${r.kernel.name} ${program.key} [${program.workgroups.join(',')}]`, t]);
    }
  }
  const sum = rows.reduce((a, [, t]) => a + t.wall, 0);
  const ms = (t: number) => (t * 1e3).toFixed(2).padStart(9);
  console.log(`\nbatch ${batch}, resetAfter ${resetAfter}: whole step ${ms(whole.wall)} ms wall, ${ms(whole.cpu)} ms CPU = ${(batch / whole.wall).toFixed(1)} samples/s; first step ${warmup.toFixed(1)} s; programs alone sum to ${(sum * 1e3).toFixed(1)} ms (load ${loadavg()[0]!.toFixed(2)})`);
  console.log('  wall ms    CPU ms  share  kernel program [workgroups]');
  for (const [name, t] of [...rows].sort((a, b) => b[1].wall - a[1].wall)) {
    console.log(`${ms(t.wall)} ${ms(t.cpu)} ${((100 * t.wall) / sum).toFixed(1).padStart(5)}%  ${name}`);
  }
  trainer.dispose();
}

const gpu = await WebGPUBackend.create();
if (typeof gpu === 'string') throw new Error(gpu);
console.log(gpu.description);
const resetAfter = flagValue('--reset-after') !== 'false';
/** Only programs whose key matches are replayed (e.g. --match gru). */
const match = new RegExp(flagValue('--match') ?? '.');
for (const b of (flagValue('--batches') ?? '32,512').split(',').map(Number)) await profile(gpu, b, resetAfter);
gpu.dispose();
