// Iterates the op registry: every op must carry test cases and a gradient rule (or a stated
// reason for none); each case gets a float64 finite-difference gradient check on the CPU, and a
// WebGPU-vs-CPU comparison of outputs and gradients with poisoned output buffers.
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/kernels/cpu/backend.js';
import type { WebGPUBackend } from '../../src/kernels/webgpu/backend.js';
import { fromFlat, matmulConfig, mul, noGrad, registeredOps, sum, add, tidy, withBackend, type OpCase, type OpDef, type Tensor } from '../../src/index.js';
import { applyMulti } from '../../src/tensor/registry.js';
import { Rng } from '../../src/tensor/random.js';
import { expectAllClose } from '../helpers/allclose.js';
import { makeInput, raw, valuesFor } from '../helpers/cases.js';
import { cpuAndWebgpuForTests } from '../helpers/backends.js';

// Importing the library registers every op; this list must name them all.
const EXPECTED = [
  'neg', 'exp', 'log', 'log1p', 'sqrt', 'square', 'abs', 'sign', 'relu', 'sigmoid', 'tanh', 'powScalar', 'clip', 'cast',
  'add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'reluGrad', 'sigmoidGrad', 'tanhGrad',
  'greater', 'greaterEqual', 'less', 'lessEqual', 'equal', 'notEqual', 'where',
  'sum', 'max', 'reshape', 'transpose', 'slice', 'pad', 'concat', 'reverse', 'broadcastTo', 'matmul', 'gather', 'segmentSum',
  'gru', 'gruGrad',
  'bceWithLogits', 'bceWithLogitsGrad', 'unstack', 'adamUpdate', 'sgdUpdate',
  'dense', 'bceWithLogitsMean', 'bceWithLogitsMeanGrad', 'binaryAccuracy', 'meanSquaredError', 'scaledDifference',
];

const ops = [...registeredOps().values()];

describe('op registry', () => {
  it('holds every op, each with cases and a gradient rule or a reason for none', () => {
    expect(new Set(ops.map((o) => o.name))).toEqual(new Set(EXPECTED));
    for (const op of ops) {
      expect(op.spec.cases.length, `${op.name} has no test cases`).toBeGreaterThan(0);
      expect(!!op.grad !== !!op.spec.noGrad, `${op.name}: needs exactly one of a gradient rule or spec.noGrad`).toBe(true);
    }
  });
});

/** A scalar loss Σ_k sum(out_k · w_k) with fixed random weights, so every output element matters. */
function lossOf(outputs: Tensor[], weights: Float64Array[], backend: CpuBackend | WebGPUBackend): Tensor {
  let loss: Tensor | null = null;
  outputs.forEach((o, k) => {
    if (o.dtype !== 'float32') return;
    const term = sum(mul(o, fromFlat(weights[k]!, o.shape, 'float32', backend)));
    loss = loss ? add(loss, term) : term;
  });
  return loss!;
}

function caseLabel(op: OpDef<unknown>, c: OpCase<unknown>, i: number): string {
  return `${op.name} #${i} ${c.inputs.map((s) => `[${s.shape.join('x')}]`).join(' ')}${c.note ? ` (${c.note})` : ''}`;
}

describe('finite-difference gradients (float64 CPU)', () => {
  const cpu = new CpuBackend({ precision: 'float64' });
  for (const op of ops.filter((o) => o.grad)) {
    op.spec.cases.forEach((c, ci) => {
      it(caseLabel(op, c, ci), () => {
        withBackend(cpu, () =>
          tidy(() => {
            const rng = new Rng(1000 + ci);
            const values = c.inputs.map((s) => valuesFor(s, rng));
            const inputs = c.inputs.map((s, k) => makeInput(s, values[k]!, cpu, true));
            const outputs = applyMulti(op, inputs, c.attrs);
            if (!outputs.some((o) => o.dtype === 'float32' && o.requiresGrad)) return;
            const weights = outputs.map((o) => rng.uniform(o.size, -1, 1));
            lossOf(outputs, weights, cpu).backward();
            const f = (vals: ArrayLike<number>[]) =>
              noGrad(() => tidy(() => raw(lossOf(applyMulti(op, c.inputs.map((s, k) => makeInput(s, vals[k]!, cpu, false)), c.attrs), weights, cpu))[0]!));
            inputs.forEach((t, k) => {
              if (!t.requiresGrad) return;
              const analytic = raw(t.grad!);
              const n = t.size;
              const picks = n <= 24 ? [...Array(n).keys()] : Array.from({ length: 12 }, () => Math.floor(rng.next() * n));
              const numeric: number[] = [];
              const expected: number[] = [];
              for (const j of picks) {
                const h = 1e-6 * Math.max(1, Math.abs(values[k]![j]!));
                const plus = values.map((v) => v.slice());
                const minus = values.map((v) => v.slice());
                plus[k]![j]! += h;
                minus[k]![j]! -= h;
                numeric.push((f(plus) - f(minus)) / (2 * h));
                expected.push(analytic[j]!);
              }
              expectAllClose(expected, numeric, { rtol: 1e-5, atol: 1e-6, what: `d loss / d input ${k}` });
              t.grad!.dispose();
            });
          }),
        );
      });
    });
  }
});

describe('WebGPU equals the CPU reference (poisoned outputs)', () => {
  const backends = cpuAndWebgpuForTests({ poisonOutputs: true });
  const { cpu } = backends;

  async function runOn(backend: CpuBackend | WebGPUBackend, op: OpDef<unknown>, c: OpCase<unknown>, values: ArrayLike<number>[], weights: Float64Array[]) {
    return withBackend(backend, async () => {
      const { outs, grads } = tidy(() => {
        const inputs = c.inputs.map((s, k) => makeInput(s, values[k]!, backend, true));
        const outputs = applyMulti(op, inputs, c.attrs);
        if (op.grad && outputs.some((o) => o.requiresGrad)) lossOf(outputs, weights, backend).backward();
        return { outs: outputs, grads: inputs.map((t) => t.grad) };
      });
      const read = async (ts: (Tensor | null)[]) => Promise.all(ts.map(async (t) => (t ? Array.from(await t.data()) : null)));
      const result = { outs: await read(outs), grads: await read(grads) };
      for (const t of [...outs, ...grads]) t?.dispose();
      return result;
    });
  }

  for (const op of ops) {
    const variants = op.name === 'matmul' ? (['tiled', 'register'] as const) : ([null] as const);
    for (const variant of variants) {
      op.spec.cases.forEach((c, ci) => {
        it(`${caseLabel(op, c, ci)}${variant ? ` ${variant}` : ''}`, async () => {
          if (!backends.gpu) return;
          const rng = new Rng(2000 + ci);
          const values = c.inputs.map((s) => valuesFor(s, rng));
          const metas = noGrad(() => withBackend(cpu, () => tidy(() => applyMulti(op, c.inputs.map((s, k) => makeInput(s, values[k]!, cpu, false)), c.attrs).map((o) => ({ size: o.size })))));
          const weights = metas.map((m) => rng.uniform(m.size, -1, 1));
          if (variant) matmulConfig.variant = variant;
          try {
            const want = await runOn(cpu, op, c, values, weights);
            const got = await runOn(backends.gpu, op, c, values, weights);
            want.outs.forEach((w, k) => expectAllClose(got.outs[k]!, w!, { rtol: 1e-4, atol: 1e-5, what: `output ${k}` }));
            want.grads.forEach((w, k) => {
              if (w) expectAllClose(got.grads[k]!, w, { rtol: 1e-4, atol: 1e-5, what: `gradient of input ${k}` });
            });
          } finally {
            matmulConfig.variant = 'auto';
          }
        });
      });
    }
  }
});
