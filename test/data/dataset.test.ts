import { describe, expect, it } from 'vitest';
import { dataset, type Batch } from '../../src/data/dataset.js';

// 10 rows of 3 features: x[r] = [10r, 10r+1, 10r+2], y[r] = r.
const N = 10;
const X = Int32Array.from({ length: N * 3 }, (_, i) => Math.floor(i / 3) * 10 + (i % 3));
const Y = Float32Array.from({ length: N }, (_, i) => i);
const make = () => dataset({ data: X, shape: [N, 3] }, Y);
// Read each batch while iterating: shuffled batches live in reused buffers.
const ys = (batches: Iterable<Batch>) => Array.from(batches, (b) => Array.from(b.y.data));
const flat = (batches: Iterable<Batch>) => ys(batches).flat();
/** Every batch's x rows must belong to its y rows. */
const consistent = (b: Batch) => Array.from(b.y.data).every((r, k) => b.x.data[k * 3] === r * 10 && b.x.data[k * 3 + 2] === r * 10 + 2);

describe('dataset: batching', () => {
  it('yields unbatched elements as row views without the batch dimension', () => {
    const els = [...make()];
    expect(els).toHaveLength(10);
    expect(els[4].x.shape).toEqual([3]);
    expect(els[4].y.shape).toEqual([]);
    expect(Array.from(els[4].x.data)).toEqual([40, 41, 42]);
    expect(els[4].x.data.buffer).toBe(X.buffer);
    expect(make().stepsPerEpoch).toBe(10);
  });

  it('batches as zero-copy subarray views, last batch smaller', () => {
    const bs = [...make().batch(4)];
    expect(bs.map((b) => b.x.shape)).toEqual([[4, 3], [4, 3], [2, 3]]);
    expect(bs.map((b) => b.y.shape)).toEqual([[4], [4], [2]]);
    expect(bs.map((b) => [b.index, b.size])).toEqual([[0, 4], [1, 4], [2, 2]]);
    expect(bs[1].x.data.buffer).toBe(X.buffer);
    expect(bs[1].x.data.byteOffset).toBe(4 * 3 * 4);
    expect(bs[2].y.data.buffer).toBe(Y.buffer);
    expect(Array.from(bs[2].x.data)).toEqual([80, 81, 82, 90, 91, 92]);
    expect(make().batch(4).stepsPerEpoch).toBe(3);
  });

  it('dropRemainder drops the short last batch', () => {
    const ds = make().batch(4, { dropRemainder: true });
    expect(ys(ds)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(ds.stepsPerEpoch).toBe(2);
    expect(make().batch(5, { dropRemainder: true }).stepsPerEpoch).toBe(2);
    expect(make().batch(11, { dropRemainder: true }).stepsPerEpoch).toBe(0);
  });

  it('take/skip count elements before batch() and batches after it', () => {
    expect(flat(make().take(3))).toEqual([0, 1, 2]);
    expect(flat(make().skip(8))).toEqual([8, 9]);
    expect(ys(make().skip(2).take(5).batch(2))).toEqual([[2, 3], [4, 5], [6]]);
    expect(ys(make().batch(4).take(2))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(ys(make().batch(4).skip(1))).toEqual([[4, 5, 6, 7], [8, 9]]);
    expect(make().batch(4).skip(1).stepsPerEpoch).toBe(2);
    expect(make().take(0).stepsPerEpoch).toBe(0);
    expect(make().skip(20).size).toBe(0);
  });
});

describe('dataset: seeded shuffling', () => {
  it('visits every row once per epoch, with x and y rows kept together', () => {
    const seen: number[] = [];
    for (const b of make().shuffle({ seed: 7 }).batch(4)) {
      expect(consistent(b)).toBe(true);
      seen.push(...b.y.data);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('is deterministic per (seed, epoch) and reshuffles each epoch', () => {
    const a = make().shuffle({ seed: 7 }).batch(4);
    const e0 = flat(a);
    const e1 = flat(a); // second loop = epoch 1
    expect(e1).not.toEqual(e0);
    const b = make().shuffle({ seed: 7 }).batch(4);
    expect(flat(b.epoch(1))).toEqual(e1);
    expect(flat(b.epoch(0))).toEqual(e0);
    expect(flat(make().shuffle({ seed: 8 }).batch(4).epoch(0))).not.toEqual(e0);
    const fixed = make().shuffle({ seed: 7, reshuffleEachEpoch: false });
    expect(flat(fixed.epoch(3))).toEqual(flat(fixed.epoch(0)));
    expect(flat(fixed.epoch(0))).toEqual(e0);
  });

  it('gathers shuffled batches into a ring of two reused buffers', () => {
    const bs = [...make().shuffle({ seed: 1 }).batch(3)].map((b) => ({ b, copy: Array.from(b.y.data) }));
    expect(bs.map(({ b }) => b.x.shape[0])).toEqual([3, 3, 3, 1]);
    expect(bs[0].b.x.data.buffer).not.toBe(X.buffer);
    expect(bs[0].b.x.data.buffer).not.toBe(bs[1].b.x.data.buffer);
    expect(bs[0].b.x.data.buffer).toBe(bs[2].b.x.data.buffer);
    // A single-row batch is contiguous, so it is a view again.
    expect(bs[3].b.y.data.buffer).toBe(Y.buffer);
    // Batch 2 overwrote batch 0's buffer; batch 1 is still intact after batch 2 was made.
    expect(Array.from(bs[1].b.y.data)).toEqual(bs[1].copy);
    expect(Array.from(bs[0].b.y.data)).toEqual(bs[2].copy);
  });

  it('shuffle then take picks a different subset per epoch; take then shuffle permutes the prefix', () => {
    const st = make().shuffle({ seed: 3 }).take(4);
    expect(st.size).toBe(4);
    expect(flat(st.epoch(0))).not.toEqual(flat(st.epoch(1)));
    const ts = make().take(4).shuffle({ seed: 3 });
    expect(flat(ts.epoch(0)).sort()).toEqual([0, 1, 2, 3]);
  });

  it('handles multi-dimensional y (one-hot) when gathering', () => {
    const y2 = Float32Array.from({ length: N * 2 }, (_, i) => (i % 2 === 0 ? Math.floor(i / 2) : -Math.floor(i / 2)));
    for (const b of dataset({ data: X, shape: [N, 3] }, { data: y2, shape: [N, 2] }).shuffle({ seed: 5 }).batch(4)) {
      for (let k = 0; k < b.size; k++) {
        const r = b.x.data[k * 3] / 10;
        expect([b.y.data[2 * k], b.y.data[2 * k + 1]]).toEqual([r, -r]);
      }
    }
  });
});

describe('dataset: validationSplit (Keras validation_split)', () => {
  it('takes the LAST fraction, before shuffling', () => {
    const [train, val] = make().validationSplit(0.25); // int(10 * 0.75) = 7
    expect(flat(train)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(flat(val)).toEqual([7, 8, 9]);
    expect(flat(train.shuffle({ seed: 1 })).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const [, valBatched] = make().batch(2).validationSplit(0.25);
    expect(ys(valBatched)).toEqual([[7, 8], [9]]);
  });

  it('splits where Python\'s int(n * (1. - f)) does, float rounding included', () => {
    // 10 * (1 - 0.8) = 1.9999999999999996 in IEEE doubles, so Keras trains on 1 row, not 2.
    const [train, val] = make().validationSplit(0.8);
    expect(train.size).toBe(1);
    expect(val.size).toBe(9);
  });

  it('rejects bad fractions, too little data and use after shuffle', () => {
    expect(() => make().validationSplit(0)).toThrow('dataset.validationSplit: fraction must be in (0, 1), got 0');
    expect(() => make().validationSplit(1)).toThrow(/fraction must be in \(0, 1\), got 1/);
    expect(() => make().validationSplit(0.95)).toThrow(/10 rows are not enough to split with fraction 0\.95 \(train would get 0, validation 10\)/);
    expect(() => make().shuffle({ seed: 1 }).validationSplit(0.2)).toThrow(/call it before shuffle\/take\/skip/);
  });
});

describe('dataset: inputs and errors', () => {
  it('accepts typed arrays, {data, shape}, tensor-likes and number arrays', () => {
    const t = { shape: [N, 3], dataSync: () => X };
    const ds = dataset(t, [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    const [b] = ds.batch(10);
    expect(b.y.data).toBeInstanceOf(Float32Array);
    expect(Array.from(b.y.data)).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    expect(b.x.data.buffer).toBe(X.buffer);
    expect(Array.from(b.x.data)).toEqual(Array.from(X));
  });

  it('gives clear errors', () => {
    expect(() => make().batch(0)).toThrow('dataset.batch: size must be an integer >= 1, got 0');
    expect(() => make().batch(2.5)).toThrow('dataset.batch: size must be an integer >= 1, got 2.5');
    expect(() => make().batch(2).batch(2)).toThrow(/already batched/);
    expect(() => dataset(X, Y)).toThrow('dataset: x has 30 rows but y has 10; they must match');
    expect(() => dataset(new Int32Array(0), new Float32Array(0))).toThrow(/no rows; an empty dataset/);
    expect(() => dataset({ data: X, shape: [N, 4] }, Y)).toThrow('dataset: x has shape [10, 4] (40 elements) but 30 data elements');
    expect(() => dataset({ data: X, shape: [] }, Y)).toThrow(/x\.shape must be a non-empty list/);
    expect(() => dataset('x' as unknown as Int32Array, Y)).toThrow(/x must be a typed array or \{data, shape\}, got string/);
    expect(() => make().shuffle({ seed: -1 })).toThrow('dataset.shuffle: seed must be an integer in [0, 2^32), got -1');
    expect(() => make().batch(2).shuffle({ seed: 1 })).toThrow(/call shuffle before batch/);
    expect(() => make().take(-1)).toThrow('dataset.take: n must be an integer >= 0, got -1');
    expect(() => [...make().epoch(-1)]).toThrow(/epoch: k must be an integer >= 0/);
  });
});

describe('dataset: prefetch (the device seam)', () => {
  it('starts toDevice for batch i+1 before the consumer gets batch i', async () => {
    const log: string[] = [];
    const ds = make().batch(4);
    for await (const dev of ds.prefetch(async (b) => {
      log.push(`upload ${b.index}`);
      await new Promise((r) => setTimeout(r, 1));
      return { first: b.y.data[0], index: b.index };
    })) {
      log.push(`step ${dev.index} (y0=${dev.first})`);
    }
    expect(log).toEqual(['upload 0', 'upload 1', 'step 0 (y0=0)', 'upload 2', 'step 1 (y0=4)', 'step 2 (y0=8)']);
  });

  it('uses the epoch counter like plain iteration, or an explicit epoch', async () => {
    const ds = make().shuffle({ seed: 9 }).batch(5);
    const firstLoop: number[] = [];
    for await (const b of ds.prefetch((b) => Array.from(b.y.data))) firstLoop.push(...b);
    expect(firstLoop).toEqual(flat(make().shuffle({ seed: 9 }).batch(5).epoch(0)));
    const e3: number[] = [];
    for await (const b of ds.prefetch((b) => Array.from(b.y.data), { epoch: 3 })) e3.push(...b);
    expect(e3).toEqual(flat(make().shuffle({ seed: 9 }).batch(5).epoch(3)));
  });

  it('propagates a failing upload', async () => {
    const run = async () => {
      for await (const _ of make().batch(4).prefetch((b) => (b.index === 1 ? Promise.reject(new Error('device lost')) : b))) void _;
    };
    await expect(run()).rejects.toThrow('device lost');
  });
});
