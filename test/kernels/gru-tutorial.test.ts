// The tutorial's GRU at full size (Bidirectional(GRU(32)) over embeddings of 16, batch 512,
// length 120): one direction's forward + backward on WebGPU against the CPU, the dispatch count of
// that pass, and the stacked two-direction pass. Prints timings (SwiftShader is a slow CPU here;
// the numbers say nothing about a real GPU).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/kernels/backend.js';
import { CpuBackend } from '../../src/kernels/cpu/backend.js';
import type { WebGPUBackend } from '../../src/kernels/webgpu/backend.js';
import { fromFlat, gruSequence, gruSequenceStacked, tidy, withBackend, type Tensor } from '../../src/index.js';
import { Rng } from '../../src/tensor/random.js';
import { expectAllClose } from '../helpers/allclose.js';
import { webgpuForTests } from '../helpers/webgpu.js';
import { gruProblem, type GruProblem } from './gru-helpers.js';

const [B, T, F, u] = [512, 120, 16, 32];

interface Pass {
  out: Float32Array;
  grads: Float32Array[];
  ms: number;
  /** Process CPU time (user + system, all threads: SwiftShader's too); less noisy than wall time on a shared machine. */
  cpuMs: number;
  dispatches: number;
}

/** Forward + backward with a seed gradient (so only the GRU's own dispatches are counted). */
async function pass(backend: Backend, p: GruProblem, fn: (x: Tensor, W: Tensor, U: Tensor, b: Tensor) => Tensor): Promise<Pass> {
  const seed = new Rng(5);
  return withBackend(backend, async () => {
    const inputs = p.values.map((v, k) => {
      const t = fromFlat(v, p.shapes[k]!, 'float32', backend);
      t.requiresGrad = true;
      return t;
    });
    const dyHost = seed.uniform(fnOutSize(p), -1, 1);
    await backend.read(inputs[0]!.storageFor('test')); // uploads done before the clock starts
    backend.resetCounters();
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const y = tidy(() => {
      const out = fn(inputs[0]!, inputs[1]!, inputs[2]!, inputs[3]!);
      out.backward(fromFlat(dyHost, out.shape, 'float32', backend));
      return out;
    });
    const grads = inputs.map((t) => t.grad!);
    backend.flush();
    const dispatches = backend.stats().dispatches;
    const data = await Promise.all([y, ...grads].map((t) => t.data() as Promise<Float32Array>));
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    for (const t of [y, ...grads, ...inputs]) t.dispose();
    return { out: data[0]!, grads: data.slice(1), ms, cpuMs: (cpu.user + cpu.system) / 1000, dispatches };
  });
}

/** Elements of the tested output (last state of D directions). */
function fnOutSize(p: GruProblem): number {
  return p.shapes[0]![0]! * (p.shapes[2]!.length === 3 ? p.shapes[2]![0]! * u : u);
}

function compare(got: Pass, want: Pass, what: string): void {
  // Relative 1e-4, with an absolute floor of 1e-4 of each array's largest magnitude (sums over
  // B·T = 61,440 terms in float32 cancel; elements near zero cannot be held to a relative bound).
  const check = (g: Float32Array, w: Float32Array, name: string) => {
    let scale = 0;
    for (const v of w) scale = Math.max(scale, Math.abs(v));
    expectAllClose(g, w, { rtol: 1e-4, atol: 1e-4 * scale, what: `${what}: ${name}` });
  };
  check(got.out, want.out, 'output');
  ['d x', 'd kernel', 'd recurrentKernel', 'd bias'].forEach((name, k) => check(got.grads[k]!, want.grads[k]!, name));
}

describe('tutorial-size GRU (B=512, T=120, in=16, u=32)', () => {
  let gpu: WebGPUBackend | null = null;
  const cpu = new CpuBackend();
  beforeAll(async () => {
    gpu = await webgpuForTests();
  });
  afterAll(() => gpu?.dispose());

  it('one direction: WebGPU == CPU; 2 dispatches forward, 3 backward (4 barrier-free)', async () => {
    const p = gruProblem(B, T, F, u, true, 21);
    const f = (x: Tensor, W: Tensor, U: Tensor, b: Tensor) => gruSequence(x, W, U, b, { units: u });
    await pass(cpu, p, f); // warm-up (JIT)
    const c = await pass(cpu, p, f);
    console.log(`[gru tutorial] CPU fwd+bwd, one direction: ${c.ms.toFixed(0)} ms wall, ${c.cpuMs.toFixed(0)} ms process CPU (${c.dispatches} kernel calls)`);
    if (!gpu) return;
    const g = await pass(gpu, p, f);
    console.log(`[gru tutorial] WebGPU (${gpu.description}, variant ${gpu.variant}) fwd+bwd, one direction: ${g.ms.toFixed(0)} ms wall incl. pipeline compile, ${g.cpuMs.toFixed(0)} ms process CPU; ${g.dispatches} dispatches`);
    // forward: x·W GEMM + recurrence; backward: BPTT + partial sum + dx GEMM, and on the
    // barrier-free family (SwiftShader) a weight-gradient kernel between BPTT and the sum.
    expect(g.dispatches).toBe(gpu.variant === 'fallback' ? 6 : 5);
    compare(g, c, 'webgpu vs cpu');
  });

  it('both directions stacked (Bidirectional concat, batch 64): same dispatches', async () => {
    const p = gruProblem(64, T, F, u, true, 22, 2);
    const f = (x: Tensor, W: Tensor, U: Tensor, b: Tensor) => gruSequenceStacked(x, W, U, b, { units: u, backwards: [false, true] });
    const c = await pass(cpu, p, f);
    if (!gpu) return;
    const g = await pass(gpu, p, f);
    expect(g.dispatches).toBe(gpu.variant === 'fallback' ? 6 : 5);
    compare(g, c, 'stacked webgpu vs cpu');
  });
});
