// The register family's two matmul programs on WebGPU against the CPU (poisoned outputs): whole
// rows with B in private memory (matmul_rows.wgsl, K·N ≤ 4032 and K ≤ 192: every shape of the op
// registry's cases) and 4×4 register blocks (matmul_register.wgsl, otherwise: e.g. a dense layer's
// weight gradient at batch 512), with awkward sizes, transposes, a batch and the dense epilogue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuProgram } from '../../src/kernels/backend.js';
import type { WebGPUBackend } from '../../src/kernels/webgpu/backend.js';
import { CpuBackend } from '../../src/kernels/cpu/backend.js';
import { fromFlat, matMul, matmulConfig, tidy, withBackend, type Tensor } from '../../src/index.js';
import { dense } from '../../src/tensor/ops/fused.js';
import { Rng } from '../../src/tensor/random.js';
import { expectAllClose } from '../helpers/allclose.js';
import { webgpuForTests } from '../helpers/webgpu.js';

type Backend = CpuBackend | WebGPUBackend;

// spill: B's private copy goes past 8 KiB, which only software adapters get (elsewhere the case
// runs the register-block program instead).
const cases: { why: string; a: number[]; b: number[]; transposeA?: boolean; transposeB?: boolean; spill?: boolean }[] = [
  { why: 'register blocks: K·N = 2700, ragged edges', a: [37, 300], b: [300, 9] },
  { why: 'register blocks: transposed operands', a: [301, 37], b: [9, 301], transposeA: true, transposeB: true },
  { why: 'register blocks: batched (K·N = 4550)', a: [2, 13, 70], b: [2, 70, 65] },
  { why: 'rows: K·N = 2048 exactly, batched × shared', a: [3, 129, 32], b: [32, 64] },
  { why: 'rows: transposed operands, one row', a: [17, 1], b: [5, 17], transposeA: true, transposeB: true },
  { why: 'register blocks: K = 2048, N = 1 (a dense layer\'s weight gradient at a large batch)', a: [6, 2048], b: [2048, 1] },
  { why: 'rows: K = 128, the deepest unrolled sum', a: [9, 128], b: [128, 5] },
  { why: 'rows: B past 8 KiB goes on in a function-scope array (K·N = 3230)', a: [45, 17], b: [17, 190], spill: true },
  { why: 'rows: K = 192, N = 16 (a bidirectional GRU\'s input gradient), K·N = 3072', a: [23, 192], b: [192, 16], spill: true },
  { why: 'rows: K·N = 4032, the largest private copy, batched', a: [2, 7, 63], b: [2, 63, 64], spill: true },
];

describe('matmul programs of the register family (WebGPU == CPU)', () => {
  let gpu: WebGPUBackend | null = null;
  const cpu = new CpuBackend();
  beforeAll(async () => {
    gpu = await webgpuForTests({ poisonOutputs: true });
    matmulConfig.variant = 'register';
  });
  afterAll(() => {
    matmulConfig.variant = 'auto';
    gpu?.dispose();
  });

  for (const c of cases) {
    it(c.why, async () => {
      if (!gpu) return;
      const rng = new Rng(c.a.length * 31 + c.b[0]!);
      const av = rng.uniform(c.a.reduce((x, y) => x * y, 1), -1, 1);
      const bv = rng.uniform(c.b.reduce((x, y) => x * y, 1), -1, 1);
      const run = (backend: Backend) => withBackend(backend, () => tidy(() => matMul(fromFlat(av, c.a, 'float32', backend), fromFlat(bv, c.b, 'float32', backend), c.transposeA, c.transposeB)));
      // The program the case is named for ran (matmul:rows… or matmul:register).
      const keys: string[] = [];
      const dispatch = gpu.dispatch.bind(gpu);
      gpu.dispatch = (kernel, inputs, outputs) => {
        const p = kernel.gpu();
        keys.push(...(Array.isArray(p) ? p : [p]).map((q) => (q as GpuProgram).key));
        dispatch(kernel, inputs, outputs);
      };
      let got: Tensor;
      try {
        got = run(gpu);
      } finally {
        gpu.dispatch = dispatch;
      }
      const rows = c.why.startsWith('rows') && (!c.spill || gpu.variant !== 'tiled');
      expect(keys.filter((k) => k.startsWith('matmul:'))).toEqual([rows ? expect.stringMatching(/^matmul:rows:/) : 'matmul:register']);
      const want = run(cpu);
      expectAllClose(Array.from(await got.data()), Array.from(want.dataSync()), { rtol: 1e-4, atol: 1e-5, what: c.why });
      got.dispose();
      want.dispose();
    });
  }

  it('fused dense epilogue (bias, relu) in both programs', async () => {
    if (!gpu) return;
    for (const [M, K, N] of [[67, 9, 70], [21, 80, 40]] as const) {
      const rng = new Rng(M + K + N);
      const xs = rng.uniform(M * K, -1, 1);
      const ws = rng.uniform(K * N, -1, 1);
      const bs = rng.uniform(N, -1, 1);
      const run = (backend: Backend): Tensor =>
        withBackend(backend, () => tidy(() => dense(fromFlat(xs, [M, K], 'float32', backend), fromFlat(ws, [K, N], 'float32', backend), fromFlat(bs, [N], 'float32', backend), 'relu')));
      const got = run(gpu);
      const want = run(cpu);
      expectAllClose(Array.from(await got.data()), Array.from(want.dataSync()), { rtol: 1e-4, atol: 1e-5, what: `dense ${M}×${K}×${N}` });
      got.dispose();
      want.dispose();
    }
  });
});
