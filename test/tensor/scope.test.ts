// Scopes: tidy frees what it does not return, nested scopes hand results outwards, keep() and
// dispose() do what they say, and storage shared by reshape views is freed exactly once.
import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { cpuForFile } from '../helpers/backends.js';

cpuForFile();

/** Live tensors and buffers now. */
const live = () => {
  const s = wg.stats();
  return { tensors: s.tensors, buffers: s.buffers, bytes: s.bytes };
};

describe('tidy', () => {
  it('frees every intermediate and keeps the returned tensor', () => {
    const before = live();
    const seen: Tensor[] = [];
    const x = wg.tensor([1, 2, 3]);
    const y = wg.tidy(() => {
      const a = x.mul(2);
      const b = a.add(1);
      const c = b.square();
      seen.push(a, b, c);
      return c.sum();
    });
    for (const t of seen) expect(t.isDisposed, `${t}`).toBe(true);
    expect(x.isDisposed, 'a tensor created outside the scope is untouched').toBe(false);
    expect(y.isDisposed).toBe(false);
    expect(y.dataSync()[0]).toBe(9 + 25 + 49);
    expect(live().tensors - before.tensors).toBe(2); // x and y
    wg.dispose([x, y]);
    expect(live()).toEqual(before);
  });

  it('keeps tensors nested in arrays and plain objects, frees the rest', () => {
    const before = live();
    let scratch: Tensor | null = null;
    const out = wg.tidy(() => {
      scratch = wg.ones([4]);
      return { a: wg.zeros([2]), nested: [wg.ones([3]), { deep: wg.fill([1], 7) }], n: 5, s: 'text', none: null };
    });
    expect(scratch!.isDisposed).toBe(true);
    expect(out.n).toBe(5);
    expect(out.s).toBe('text');
    const kept = [out.a, out.nested[0] as Tensor, (out.nested[1] as { deep: Tensor }).deep];
    for (const t of kept) expect(t.isDisposed).toBe(false);
    expect(live().tensors - before.tensors).toBe(3);
    wg.dispose(out);
    for (const t of kept) expect(t.isDisposed).toBe(true);
    expect(live()).toEqual(before);
  });

  it('nested tidy: the inner result moves to the outer scope and is freed there unless returned', () => {
    const before = live();
    let inner: Tensor | null = null;
    let innerScratch: Tensor | null = null;
    const outer = wg.tidy(() => {
      inner = wg.tidy(() => {
        innerScratch = wg.ones([2]).mul(3);
        return innerScratch.add(1);
      });
      expect(innerScratch!.isDisposed, 'freed when the inner scope ends').toBe(true);
      expect(inner!.isDisposed, 'alive in the outer scope').toBe(false);
      return inner.mul(2);
    });
    expect(inner!.isDisposed, 'freed when the outer scope ends').toBe(true);
    expect(Array.from(outer.dataSync())).toEqual([8, 8]);
    outer.dispose();
    expect(live()).toEqual(before);
    // The inner result survives both scopes when each returns it.
    const both = wg.tidy(() => wg.tidy(() => wg.ones([2]).add(1)));
    expect(both.isDisposed).toBe(false);
    both.dispose();
    expect(live()).toEqual(before);
  });

  it('keep() saves a tensor from every enclosing scope', () => {
    const before = live();
    let kept: Tensor | null = null;
    let other: Tensor | null = null;
    wg.tidy(() => {
      wg.tidy(() => {
        kept = wg.keep(wg.fill([3], 2));
        other = wg.fill([3], 4);
      });
    });
    expect(kept!.isDisposed).toBe(false);
    expect(other!.isDisposed).toBe(true);
    expect(Array.from(kept!.dataSync())).toEqual([2, 2, 2]);
    kept!.dispose();
    expect(live()).toEqual(before);
  });

  it('frees the scope when the function throws, and rejects async functions', () => {
    const before = live();
    expect(() =>
      wg.tidy(() => {
        wg.ones([10]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(live()).toEqual(before);
    // An async function's body runs synchronously up to its first await: that tensor is freed too.
    expect(() => wg.tidy((async () => wg.ones([1])) as never)).toThrow(/synchronous/);
    expect(live()).toEqual(before);
  });

  it('reshape views share storage: the buffer is freed when the last view goes', () => {
    const before = live();
    const x = wg.tensor([1, 2, 3, 4, 5, 6]);
    const v = wg.tidy(() => x.reshape([2, 3]).reshape([3, 2]));
    expect(live().buffers - before.buffers, 'one buffer for x and its views').toBe(1);
    x.dispose();
    expect(live().buffers - before.buffers, 'the view keeps the buffer alive').toBe(1);
    expect(Array.from(v.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    v.dispose();
    expect(live()).toEqual(before);
  });

  it('dispose() of a container frees each tensor once, even when listed twice', () => {
    const before = live();
    const a = wg.ones([2]);
    const b = wg.ones([3]);
    wg.dispose([a, { b, again: a }, [b]]);
    expect(a.isDisposed && b.isDisposed).toBe(true);
    expect(live()).toEqual(before);
  });
});
