/**
 * Where one training step's time goes on WebGPU: the host (JavaScript, autograd, encoding, Dawn's
 * or the browser's API calls) or the device. `npm run build && node dist/bench/step-timeline.js
 * [--batches 32,512] [--steps 50]` (add `node --cpu-prof` to see the host's hot functions).
 *
 * For each batch: `steps` training steps are enqueued back to back with no wait (host seconds per
 * step = the enqueue loop's time / steps), then one wait for the device (the drain); total / steps
 * is the pipelined step time. A step time close to the host time means the host is the bottleneck:
 * a faster GPU would not help, less work per dispatch on the host would. Also one step enqueued
 * and awaited alone (latency), and the WebGPU API calls per step.
 */
import { WebGPUBackend, resetStats, setBackend, stats } from '../src/index.js';
import { now } from './lib/timing.js';
import { flagValue } from './lib/flags.js';
import { tutorialTrainer } from './lib/tutorial.js';


const gpu = await WebGPUBackend.create();
if (typeof gpu === 'string') throw new Error(gpu);
setBackend(gpu);
const steps = Number(flagValue('--steps') ?? 50);
console.log(`${gpu.description} via ${gpu.adapter.via}; GRU kernel family ${gpu.variant}; ${steps} steps per batch size`);
console.log('batch | host ms/step (enqueue) | drain ms | pipelined ms/step | samples/s | one step alone ms | dispatches/step | submits/step');
for (const batch of (flagValue('--batches') ?? '32,512').split(',').map(Number)) {
  const trainer = tutorialTrainer(batch, true, gpu);
  const { step } = trainer;
  for (let i = 0; i < 3; i++) step();
  await gpu.sync();
  resetStats();
  const t0 = now();
  for (let i = 0; i < steps; i++) step();
  const t1 = now();
  await gpu.sync();
  const t2 = now();
  const s = stats();
  const a0 = now();
  step();
  await gpu.sync();
  const alone = now() - a0;
  const host = ((t1 - t0) / steps) * 1e3;
  const total = ((t2 - t0) / steps) * 1e3;
  console.log(`${batch} | ${host.toFixed(2)} | ${((t2 - t1) * 1e3).toFixed(1)} | ${total.toFixed(2)} | ${((batch * 1e3) / total).toFixed(0)} | ${(alone * 1e3).toFixed(2)} | ${(s.dispatches / steps).toFixed(1)} | ${(s.submits / steps).toFixed(1)}`);
  trainer.dispose();
}
gpu.dispose();
