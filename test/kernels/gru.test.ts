// The fused whole-sequence GRU: fused == per-step == CPU, for both reset modes, both directions,
// sequence and last-state outputs, the stacked (bidirectional) form, both WebGPU kernel families
// ('fallback': barrier-free, 'tiled': workgroup tiles with barriers), the per-step route for large
// hidden sizes, and the inference pass that saves no activations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/kernels/cpu/backend.js';
import type { WebGPUBackend } from '../../src/kernels/webgpu/backend.js';
import { concat, fromFlat, gruConfig, gruSequence, gruSequencePerStep, gruSequenceStacked, noGrad, reshape, reverse, slice, withBackend, type Tensor } from '../../src/index.js';
import { tileShape } from '../../src/kernels/gru.js';
import { weightSplit } from '../../src/kernels/webgpu/gru-unrolled.js';
import { gruSequence as layerGruSequence, gruSequencePerStep as layerGruPerStep } from '../../src/nn/gru-math.js';
import { expectAllClose } from '../helpers/allclose.js';
import { webgpuForTests } from '../helpers/webgpu.js';
import { gruProblem, runGru, type RunResult } from './gru-helpers.js';

const NAMES = ['x', 'kernel', 'recurrentKernel', 'bias'];

function expectSame(got: RunResult, want: RunResult, tol: { rtol: number; atol: number }, what: string): void {
  expect(got.shape).toEqual(want.shape);
  expectAllClose(got.out, want.out, { ...tol, what: `${what}: output` });
  want.grads.forEach((w, k) => expectAllClose(got.grads[k]!, w, { ...tol, what: `${what}: d ${NAMES[k]}` }));
}

const CONFIGS = [true, false].flatMap((resetAfter) =>
  [false, true].flatMap((goBackwards) => [false, true].map((returnSequences) => ({ resetAfter, goBackwards, returnSequences }))),
);
const label = (c: (typeof CONFIGS)[number]) => `${c.resetAfter ? 'resetAfter' : 'reset before'}, ${c.goBackwards ? 'backwards' : 'forwards'}, ${c.returnSequences ? 'sequences' : 'last state'}`;

describe('GRU on the CPU: fused == per-step (float64)', () => {
  const cpu = new CpuBackend({ precision: 'float64' });
  for (const c of CONFIGS) {
    it(label(c), async () => {
      const p = gruProblem(33, 17, 5, 7, c.resetAfter);
      const opts = { units: 7, ...c };
      const fused = await runGru(cpu, p, (x, W, U, b) => gruSequence(x, W, U, b, opts));
      const perStep = await runGru(cpu, p, (x, W, U, b) => gruSequencePerStep(x, W, U, b, opts));
      expectSame(fused, perStep, { rtol: 1e-6, atol: 1e-7 }, 'fused vs per-step');
    });
  }

  it('stacked directions == separate layers (Bidirectional concat layout)', async () => {
    for (const resetAfter of [true, false]) {
      for (const returnSequences of [true, false]) {
        const p = gruProblem(9, 6, 4, 5, resetAfter, 3, 2);
        const u = 5;
        const stacked = await runGru(cpu, p, (x, W, U, b) => gruSequenceStacked(x, W, U, b, { units: u, resetAfter, backwards: [false, true], returnSequences }));
        const separate = await runGru(cpu, p, (x, W, U, b) => {
          const dir = (d: number) => {
            const Wd = slice(W, [0, d * 3 * u], [4, 3 * u]);
            const Ud = reshape(slice(U, [d, 0, 0], [1, u, 3 * u]), [u, 3 * u]);
            const bs = b.shape.slice(1);
            const bd = reshape(slice(b, [d, ...bs.map(() => 0)], [1, ...bs]), bs);
            const y = gruSequencePerStep(x, Wd, Ud, bd, { units: u, resetAfter, goBackwards: d === 1, returnSequences });
            return returnSequences && d === 1 ? reverse(y, 1) : y;
          };
          return concat([dir(0), dir(1)], -1);
        });
        expectSame(stacked, separate, { rtol: 1e-6, atol: 1e-7 }, `stacked resetAfter=${resetAfter} seq=${returnSequences}`);
      }
    }
  });

  it("the layers' entry point (src/nn/gru-math.ts) runs fused and equals its per-step version", async () => {
    for (const c of CONFIGS) {
      const p = gruProblem(6, 9, 4, 5, c.resetAfter, 5);
      const opts = { units: 5, ...c };
      // Output and final state together, as GRU(returnState) uses them.
      const both = (fn: typeof layerGruSequence) => (x: Tensor, W: Tensor, U: Tensor, b: Tensor) => {
        const { output, state } = fn(x, W, U, b, opts);
        return concat([reshape(output, [6, -1]), state], 1);
      };
      cpu.resetCounters();
      const fused = await runGru(cpu, p, both(layerGruSequence));
      const fusedCalls = cpu.stats().dispatches;
      cpu.resetCounters();
      const perStep = await runGru(cpu, p, both(layerGruPerStep));
      expect(fusedCalls * 5, 'the fused path is a handful of kernels, the per-step one ~10 per step').toBeLessThan(cpu.stats().dispatches);
      expectSame(fused, perStep, { rtol: 1e-6, atol: 1e-7 }, `layer entry ${label(c)}`);
    }
  });

  it('rejects mis-shaped weights with a message naming them', () => {
    withBackend(cpu, () => {
      const p = gruProblem(2, 3, 4, 5, true);
      const [x, W, U] = p.values.map((v, k) => fromFlat(v, p.shapes[k]!, 'float32', cpu));
      const badBias = fromFlat(new Float64Array(15), [15], 'float32', cpu);
      expect(() => gruSequence(x!, W!, U!, badBias, { units: 5 })).toThrow(/bias must have shape \[2, 15\]/);
      expect(() => gruSequence(x!, U!, U!, null, { units: 5 })).toThrow(/kernel must have shape \[4, 15\]/);
    });
  });
});

describe('GRU on WebGPU == CPU', () => {
  let gpu: WebGPUBackend | null = null;
  const cpu = new CpuBackend();
  beforeAll(async () => {
    gpu = await webgpuForTests({ poisonOutputs: true });
  });
  afterAll(() => {
    gruConfig.variant = 'auto';
    gruConfig.path = 'auto';
    gpu?.dispose();
  });
  const tol = { rtol: 1e-4, atol: 2e-5 };

  for (const variant of ['fallback', 'tiled'] as const) {
    for (const c of CONFIGS) {
      it(`${variant}: ${label(c)} (B=33, T=17)`, async () => {
        if (!gpu) return;
        const p = gruProblem(33, 17, 5, 7, c.resetAfter, 11);
        const opts = { units: 7, ...c };
        const f = (x: Tensor, W: Tensor, U: Tensor, b: Tensor) => gruSequence(x, W, U, b, opts);
        const want = await runGru(cpu, p, f);
        gruConfig.variant = variant;
        try {
          expectSame(await runGru(gpu, p, f), want, tol, `${variant} vs cpu`);
        } finally {
          gruConfig.variant = 'auto';
        }
      });
    }
  }

  it('per-step composition on WebGPU == fused on CPU', async () => {
    if (!gpu) return;
    for (const resetAfter of [true, false]) {
      const p = gruProblem(33, 17, 5, 7, resetAfter, 12);
      const opts = { units: 7, resetAfter, goBackwards: true, returnSequences: true };
      const want = await runGru(cpu, p, (x, W, U, b) => gruSequence(x, W, U, b, opts));
      expectSame(await runGru(gpu, p, (x, W, U, b) => gruSequencePerStep(x, W, U, b, opts)), want, tol, `per-step resetAfter=${resetAfter}`);
    }
  });

  it('hidden sizes above the fused limit take the per-step path', async () => {
    if (!gpu) return;
    const p = gruProblem(5, 4, 3, 9, true, 13);
    const opts = { units: 9, returnSequences: true };
    const f = (x: Tensor, W: Tensor, U: Tensor, b: Tensor) => gruSequence(x, W, U, b, opts);
    const want = await runGru(cpu, p, f);
    gruConfig.maxFusedUnits = 8;
    try {
      gpu.resetCounters();
      const got = await runGru(gpu, p, f);
      expect(gpu.stats().dispatches).toBeGreaterThan(40); // many small ops per step
      expectSame(got, want, tol, 'per-step route');
    } finally {
      gruConfig.maxFusedUnits = 256;
    }
  });

  for (const variant of ['fallback', 'tiled'] as const) {
    it(`${variant}: stacked bidirectional == CPU`, async () => {
      if (!gpu) return;
      for (const resetAfter of [true, false]) {
        const p = gruProblem(7, 6, 4, 5, resetAfter, 14, 2);
        const f = (x: Tensor, W: Tensor, U: Tensor, b: Tensor) => gruSequenceStacked(x, W, U, b, { units: 5, resetAfter, backwards: [false, true], returnSequences: true });
        const want = await runGru(cpu, p, f);
        gruConfig.variant = variant;
        try {
          expectSame(await runGru(gpu, p, f), want, tol, `stacked ${variant} resetAfter=${resetAfter}`);
        } finally {
          gruConfig.variant = 'auto';
        }
      }
    });
  }

  // The barrier-free weight-gradient kernel's slices (several invocations per sequence, each with
  // a run of partial rows) and its two steps per update with an odd T (a last step past T).
  const weightShapes: { B: number; T: number; F: number; u: number; why: string }[] = [
    { B: 9, T: 5, F: 16, u: 32, why: 'the tutorial shape' },
    { B: 6, T: 3, F: 200, u: 9, why: 'many input features' },
  ];
  for (const s of weightShapes) {
    it(`fallback: weight gradients in slices, ${s.why} (B=${s.B}, T=${s.T}, F=${s.F}, u=${s.u})`, async () => {
      if (!gpu) return;
      for (const [resetAfter, goBackwards] of [[true, false], [true, true], [false, false], [false, true]] as const) {
        expect(weightSplit({ units: s.u, F: s.F, resetAfter }).slices).toBeGreaterThan(1);
        const p = gruProblem(s.B, s.T, s.F, s.u, resetAfter, 17);
        const f = (x: Tensor, W: Tensor, U: Tensor, b: Tensor) => gruSequence(x, W, U, b, { units: s.u, resetAfter, goBackwards, returnSequences: true });
        const want = await runGru(cpu, p, f);
        gruConfig.variant = 'fallback';
        try {
          expectSame(await runGru(gpu, p, f), want, tol, `fallback ${s.why} resetAfter=${resetAfter} backwards=${goBackwards}`);
        } finally {
          gruConfig.variant = 'auto';
        }
      }
    });
  }

  // The tiled kernel's shapes: several sequences per workgroup with a ragged last tile, U read
  // from global memory when it does not fit in workgroup memory, several units per thread.
  // globalU: u grows, past the given one, until U outgrows this adapter's workgroup memory (16 KiB on
  // SwiftShader, 48 KiB or more on GPUs), so every adapter runs the global-memory path.
  const tiledShapes: { B: number; T: number; u: number; why: string; threads?: number; sequences?: number; globalU?: boolean }[] = [
    { B: 261, T: 4, u: 7, why: 'S > 1, ragged last tile' },
    { B: 19, T: 4, u: 32, why: '8 sequences × 32 units per workgroup (the tutorial shape on a GPU)', sequences: 8 },
    { B: 3, T: 3, u: 60, why: 'U in global memory', globalU: true },
    { B: 5, T: 4, u: 20, why: 'two units per thread (16-thread tiles)', threads: 16 },
  ];
  for (const s of tiledShapes) {
    it(`tiled: ${s.why} (B=${s.B}, u=${s.globalU ? `≥ ${s.u}` : s.u})`, async () => {
      if (!gpu) return;
      const shared = gpu.limits.maxComputeWorkgroupStorageSize;
      const u = s.globalU ? Math.max(s.u, Math.ceil(Math.sqrt(shared / 12)) + 1) : s.u;
      const ts = tileShape({ B: s.B, D: 1, units: u, F: 3 }, shared, s.threads ?? 256, s.sequences ?? 0);
      if (u === 7) expect(ts.S).toBeGreaterThan(1);
      if (u === 32) expect(ts.S).toBe(8);
      if (s.globalU) expect(ts.sharedU).toBe(false);
      if (s.threads) expect(ts.KPT).toBe(2);
      // SwiftShader compiles 256-invocation workgroups slowly: the big shape runs one reset mode.
      for (const resetAfter of s.sequences ? [true] : [true, false]) {
        const p = gruProblem(s.B, s.T, 3, u, resetAfter, 15);
        const f = (x: Tensor, W: Tensor, U: Tensor, b: Tensor) => gruSequence(x, W, U, b, { units: u, resetAfter, returnSequences: true });
        const want = await runGru(cpu, p, f);
        gruConfig.variant = 'tiled';
        gruConfig.tileThreads = s.threads ?? 256;
        gruConfig.tileSequences = s.sequences ?? 0;
        try {
          expectSame(await runGru(gpu, p, f), want, tol, `tiled ${s.why} resetAfter=${resetAfter}`);
        } finally {
          gruConfig.variant = 'auto';
          gruConfig.tileThreads = 256;
          gruConfig.tileSequences = 0;
        }
      }
    });
  }

  it('inference (no gradients) saves no activations and matches', async () => {
    if (!gpu) return;
    for (const variant of ['fallback', 'tiled'] as const) {
      const p = gruProblem(6, 5, 4, 7, true, 16);
      const f = (x: Tensor, W: Tensor, U: Tensor, b: Tensor) => noGrad(() => gruSequence(x, W, U, b, { units: 7, returnSequences: true }));
      const want = await runGru(cpu, p, f, false);
      gruConfig.variant = variant;
      try {
        expectSame(await runGru(gpu, p, f, false), want, tol, `inference ${variant}`);
      } finally {
        gruConfig.variant = 'auto';
      }
    }
  });
});
