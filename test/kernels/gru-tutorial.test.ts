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
    const dyHost = seed.uniform(B * fnOutSize(p), -1, 1);
    await backend.read(inputs[0]!.storageFor('test')); // uploads done before the clock starts
    backend.resetCounters();
    const t0 = performance.now();
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
    for (const t of [y, ...grads, ...inputs]) t.dispose();
    return { out: data[0]!, grads: data.slice(1), ms, dispatches };
  });
}

/** Elements per batch row of the tested output (last state of D directions). */
function fnOutSize(p: GruProblem): number {
  return p.shapes[2]!.length === 3 ? p.shapes[2]![0]! * u : u;
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

  it('one direction: WebGPU == CPU; 2 dispatches forward, 4 backward', async () => {
    const p = gruProblem(B, T, F, u, true, 21);
    const f = (x: Tensor, W: Tensor, U: Tensor, b: Tensor) => gruSequence(x, W, U, b, { units: u });
    const c1 = await pass(cpu, p, f);
    const c2 = await pass(cpu, p, f);
    console.log(`[gru tutorial] CPU fwd+bwd, one direction: ${c1.ms.toFixed(0)} ms, again ${c2.ms.toFixed(0)} ms (${c2.dispatches} kernel calls)`);
    if (!gpu) return;
    const g1 = await pass(gpu, p, f);
    const g2 = await pass(gpu, p, f);
    console.log(`[gru tutorial] WebGPU (${gpu.description}, variant ${gpu.variant}) fwd+bwd, one direction: ${g1.ms.toFixed(0)} ms incl. pipeline compile, again ${g2.ms.toFixed(0)} ms; ${g2.dispatches} dispatches`);
    // forward: x·W GEMM + recurrence; backward: BPTT + partial sum, dW and dx GEMMs.
    expect(g2.dispatches).toBe(6);
    compare(g2, c2, 'webgpu vs cpu');
  });

  it('both directions stacked (Bidirectional concat): same 6 dispatches', async () => {
    const p = gruProblem(B, T, F, u, true, 22, 2);
    const f = (x: Tensor, W: Tensor, U: Tensor, b: Tensor) => gruSequenceStacked(x, W, U, b, { units: u, backwards: [false, true] });
    const c = await pass(cpu, p, f);
    console.log(`[gru tutorial] CPU fwd+bwd, both directions stacked: ${c.ms.toFixed(0)} ms`);
    if (!gpu) return;
    const g = await pass(gpu, p, f);
    console.log(`[gru tutorial] WebGPU fwd+bwd, both directions stacked: ${g.ms.toFixed(0)} ms; ${g.dispatches} dispatches`);
    expect(g.dispatches).toBe(6);
    compare(g, c, 'stacked webgpu vs cpu');
  });
});
