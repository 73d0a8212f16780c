// Property tests: on hundreds of generated shapes (fixed seed), WebGPU equals the CPU reference
// for broadcasting elementwise ops, reductions over any axes, and matmul in every transpose mode.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { Rng } from '../../src/tensor/random.js';
import { expectAllClose } from '../helpers/allclose.js';
import { cpuAndWebgpuForTests } from '../helpers/backends.js';

const RUNS = 120;
const dim = fc.integer({ min: 1, max: 9 });
const shapeArb = fc.array(dim, { minLength: 0, maxLength: 4 });

/** A shape that broadcasts against `s`: some dims set to 1, some leading dims dropped. */
const broadcastPartner = (s: number[]) =>
  fc.tuple(fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }), fc.integer({ min: 0, max: s.length })).map(([ones, drop]) => s.map((d, i) => (ones[i] ? 1 : d)).slice(drop));

describe('properties: WebGPU == CPU on generated cases', () => {
  const backends = cpuAndWebgpuForTests({ poisonOutputs: true });

  /** Runs `make` on the same inputs on both backends; returns [cpu, webgpu] results. */
  async function both(make: (ins: wg.Tensor[]) => wg.Tensor, inputs: { shape: number[]; values: Float64Array }[]): Promise<[Float32Array | Int32Array, Float32Array | Int32Array]> {
    const run = async (backend: wg.Backend) => {
      const out = wg.withBackend(backend, () => wg.tidy(() => make(inputs.map((i) => wg.fromFlat(i.values, i.shape, 'float32', backend)))));
      const data = await out.data();
      out.dispose();
      return data;
    };
    return [await run(backends.cpu), await run(backends.gpu!)];
  }

  it('broadcasting binary ops', async () => {
    if (!backends.gpu) return;
    const rng = new Rng(11);
    const ops = [wg.add, wg.sub, wg.mul, wg.maximum, wg.greater] as const;
    await fc.assert(
      fc.asyncProperty(shapeArb.chain((s) => fc.tuple(fc.constant(s), broadcastPartner(s), fc.boolean(), fc.integer({ min: 0, max: ops.length - 1 }))), async ([a, b, swap, k]) => {
        const [sa, sb] = swap ? [b, a] : [a, b];
        const ins = [sa, sb].map((shape) => ({ shape, values: rng.uniform(shape.reduce((p, q) => p * q, 1), -3, 3) }));
        const [want, got] = await both(([x, y]) => ops[k]!(x!, y!), ins);
        expectAllClose(got, want, { rtol: 1e-6, atol: 1e-6, what: `${ops[k]!.name} ${JSON.stringify([sa, sb])}` });
      }),
      { numRuns: RUNS, seed: 4242 },
    );
  });

  it('sum / max / mean over any axes, keepDims or not', async () => {
    if (!backends.gpu) return;
    const rng = new Rng(12);
    await fc.assert(
      fc.asyncProperty(
        fc.array(dim, { minLength: 1, maxLength: 4 }).chain((s) => fc.tuple(fc.constant(s), fc.subarray([...s.keys()]), fc.boolean(), fc.constantFrom('sum', 'max', 'mean'))),
        async ([shape, axes, keepDims, kind]) => {
          const ins = [{ shape, values: rng.uniform(shape.reduce((p, q) => p * q, 1), -3, 3) }];
          const f = kind === 'sum' ? wg.sum : kind === 'max' ? wg.max : wg.mean;
          const [want, got] = await both(([x]) => f(x!, axes.length ? axes : undefined, keepDims), ins);
          expectAllClose(got, want, { rtol: 1e-5, atol: 1e-5, what: `${kind} ${JSON.stringify({ shape, axes, keepDims })}` });
        },
      ),
      { numRuns: RUNS, seed: 4243 },
    );
  });

  it('matmul shapes, batches and transposes', async () => {
    if (!backends.gpu) return;
    const rng = new Rng(13);
    const size = fc.integer({ min: 1, max: 70 });
    await fc.assert(
      fc.asyncProperty(fc.tuple(size, size, size, fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.boolean(), fc.constantFrom(0, 1, 2)), async ([M, K, N, batch, ta, tb, batched]) => {
        const B = batch + 1;
        const aShape = ta ? [K, M] : [M, K];
        const bShape = tb ? [N, K] : [K, N];
        const sa = batched >= 1 ? [B, ...aShape] : aShape;
        const sb = batched === 2 ? [B, ...bShape] : bShape;
        const ins = [sa, sb].map((shape) => ({ shape, values: rng.uniform(shape.reduce((p, q) => p * q, 1), -1, 1) }));
        const [want, got] = await both(([x, y]) => wg.matMul(x!, y!, ta, tb), ins);
        expectAllClose(got, want, { rtol: 1e-4, atol: 1e-5, what: `matmul ${JSON.stringify({ sa, sb, ta, tb })}` });
      }),
      { numRuns: RUNS, seed: 4244 },
    );
  });

  it('generated shapes that do not broadcast are rejected by name, never computed', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 2, max: 6 }), { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 2 }), (s, at) => {
        const i = Math.min(at, s.length - 1);
        const other = s.map((d, j) => (j === i ? d + 1 : d));
        expect(() => wg.withBackend(backends.cpu, () => wg.tidy(() => wg.add(wg.zeros(s), wg.zeros(other))))).toThrow(/add: shapes .* do not broadcast/);
      }),
      { numRuns: 100, seed: 4245 },
    );
  });
});
