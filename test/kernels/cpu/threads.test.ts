// The CPU backend's worker threads: the GRU split by batch over threads gives the single-thread
// result (forward bit for bit; weight gradients up to the order of float64 partial sums), at odd
// batch sizes whose last slice is ragged; a task that fails in a worker surfaces as an error on
// the calling thread; the batch split covers every row once.
import { afterAll, describe, expect, it } from 'vitest';
import { CpuBackend } from '../../../src/kernels/cpu/backend.js';
import { ThreadPool, threadSupport } from '../../../src/kernels/cpu/threads/pool.js';
import { shardRange } from '../../../src/kernels/cpu/threads/shard.js';
import { gruSequence, gruSequenceStacked } from '../../../src/index.js';
import { expectAllClose } from '../../helpers/allclose.js';
import { gruProblem, runGru } from '../gru-helpers.js';

describe('shardRange', () => {
  it('covers [0, n) once, in order, starting at multiples of the lockstep width', () => {
    for (const n of [1, 3, 4, 13, 64, 511, 512]) {
      for (const parts of [1, 2, 3, 8]) {
        const s = shardRange(n, parts, 4);
        expect(s.length).toBeLessThanOrEqual(parts);
        expect(s[0]![0]).toBe(0);
        expect(s.at(-1)![1]).toBe(n);
        s.forEach(([a, b], i) => {
          expect(b).toBeGreaterThan(a);
          expect(a % 4).toBe(0);
          if (i > 0) expect(a).toBe(s[i - 1]![1]);
        });
      }
    }
  });
});

describe('CPU worker threads', () => {
  it('are available in Node (CI runs them for real)', () => {
    expect(threadSupport()).toBeNull();
  });

  const single = new CpuBackend({ threads: 1 });
  const threaded = new CpuBackend({ threads: 3 });
  afterAll(() => threaded.dispose());

  for (const resetAfter of [true, false]) {
    it(`GRU over 3 threads == 1 thread (resetAfter=${resetAfter}, batch 13, both directions stacked and alone)`, async () => {
      const p = gruProblem(13, 40, 16, 32, resetAfter, 5, 2);
      const stacked = (x: Parameters<typeof gruSequenceStacked>[0], W: typeof x, U: typeof x, b: typeof x) =>
        gruSequenceStacked(x, W, U, b, { units: 32, resetAfter, backwards: [false, true], returnSequences: true });
      const one = await runGru(single, p, stacked);
      const before = threaded.threadStats().parallelRuns;
      const many = await runGru(threaded, p, stacked);
      // Forward and backward each split over the threads.
      expect(threaded.threadStats()).toEqual({ threads: 3, parallelRuns: before + 2, fallbackReason: null });
      expect(Array.from(many.out)).toEqual(Array.from(one.out));
      one.grads.forEach((g, k) => expectAllClose(many.grads[k]!, g, { rtol: 1e-6, atol: 1e-7, what: `gradient ${k}` }));
      const q = gruProblem(13, 40, 16, 32, resetAfter, 6);
      const last = (x: Parameters<typeof gruSequence>[0], W: typeof x, U: typeof x, b: typeof x) => gruSequence(x, W, U, b, { units: 32, resetAfter, goBackwards: true });
      const a = await runGru(single, q, last);
      const b = await runGru(threaded, q, last);
      expect(Array.from(b.out)).toEqual(Array.from(a.out));
      a.grads.forEach((g, k) => expectAllClose(b.grads[k]!, g, { rtol: 1e-6, atol: 1e-7, what: `last-state gradient ${k}` }));
    });
  }

  it('the threaded backend keeps its buffers in shared memory and says how many threads it has', () => {
    expect(threaded.threads).toBe(3);
    expect(threaded.description).toBe('cpu (float32, 3 threads)');
    const s = threaded.alloc(5, 'float32');
    expect(threaded.raw(s).buffer).toBeInstanceOf(SharedArrayBuffer);
    threaded.free(s);
    expect(single.raw(single.alloc(5, 'float32')).buffer).toBeInstanceOf(ArrayBuffer);
  });

  it('a task that throws in a worker is an error on the calling thread, and the pool still works after it', () => {
    const pool = new ThreadPool(2);
    try {
      const ok = { task: 'ping' as const, params: undefined, arrays: [] };
      const bad = { task: 'gruForward' as const, params: { B: 4, T: 2, F: 1, D: 1, units: 1, resetAfter: true, backMask: 0, save: false }, arrays: [] };
      expect(() => pool.run([ok, bad])).toThrow(/CPU thread failed: gruForward on worker 1: TypeError/);
      expect(() => pool.run([ok, ok])).not.toThrow();
      expect(pool.fallbackReason).toBeNull();
    } finally {
      pool.dispose();
    }
  });

  it('rejects a thread count that is not a positive integer', () => {
    expect(() => new CpuBackend({ threads: 0 })).toThrow(/CpuBackend: threads must be an integer ≥ 1, got 0/);
    expect(() => new CpuBackend({ threads: 1.5 })).toThrow(/got 1.5/);
  });
});
