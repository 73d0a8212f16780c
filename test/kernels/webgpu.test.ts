// The WebGPU backend's machinery, below the op registry: buffer pool, pipeline cache, uniform
// arena, poisoning, errors that name the op, device loss, limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import type { Kernel } from '../../src/index.js';
import type { GpuStorage, WebGPUBackend } from '../../src/kernels/webgpu/backend.js';
import { webgpuForTests } from '../helpers/webgpu.js';

let gpu: WebGPUBackend | null = null;
beforeAll(async () => {
  gpu = await webgpuForTests();
});
afterAll(() => gpu?.dispose());

const on = <T>(fn: () => T): T => wg.withBackend(gpu!, fn);

/** A kernel that writes `value` into out[0] only (the rest of the output is left alone). */
function touch(name: string, value: number, wgsl?: string): Kernel {
  return {
    name,
    cpu: (_in, [out]) => {
      out![0] = value;
    },
    gpu: () => ({
      key: `test:${name}`,
      workgroups: [1, 1, 1],
      code: () => wgsl ?? `@group(0) @binding(0) var<storage, read_write> out: array<f32>;\n@compute @workgroup_size(1) fn main() { out[0] = ${value.toFixed(1)}; }`,
    }),
  };
}

describe('WebGPU backend', () => {
  it('pools buffers by size: a freed buffer is reused, live counts exclude pooled buffers', (ctx) => {
    const b = gpu ?? ctx.skip();
    const s0 = b.stats();
    const a = b.alloc(100, 'float32') as GpuStorage;
    expect(b.stats().buffers - s0.buffers).toBe(1);
    expect(b.stats().bytes - s0.bytes).toBe(400);
    b.free(a);
    expect(b.stats()).toEqual(s0);
    // 99 floats round up to the same 400-byte (16-aligned) size class: same buffer back.
    const c = b.alloc(99, 'float32') as GpuStorage;
    expect(c.buffer).toBe(a.buffer);
    const d = b.alloc(100, 'int32') as GpuStorage;
    expect(d.buffer).not.toBe(a.buffer);
    b.free(c);
    b.free(d);
    expect(b.stats()).toEqual(s0);
  });

  it('caches pipelines by key: new sizes reuse them (sizes travel as uniforms)', async (ctx) => {
    const b = gpu ?? ctx.skip();
    const run = (n: number) => on(() => wg.tidy(() => wg.ones([n]).mul(wg.ones([n])).sum()));
    const warm = run(5);
    await warm.data();
    warm.dispose();
    const p = b.stats().pipelines;
    // (Size 1 would differ: a one-element operand is read as a broadcast scalar, another pipeline.)
    for (const n of [3, 7, 33, 257, 1030, 5000]) {
      const s = run(n);
      expect((await s.data())[0]).toBe(n);
      s.dispose();
    }
    expect(b.stats().pipelines).toBe(p);
    const m = run(2).neg();
    expect(b.stats().pipelines).toBe(p + 1);
    m.dispose();
  });

  it('poisoned outputs: an element a kernel does not write reads back as NaN', async (ctx) => {
    const b = gpu ?? ctx.skip();
    const out = b.alloc(3, 'float32');
    b.write(out, [5, 5, 5]);
    b.poisonOutputs = true;
    try {
      b.dispatch(touch('touch1', 1), [], [out]);
    } finally {
      b.poisonOutputs = false;
    }
    const got = Array.from(await b.read(out));
    expect(got[0]).toBe(1);
    expect(Number.isNaN(got[1]!) && Number.isNaN(got[2]!), `[${got.join(', ')}]`).toBe(true);
    b.free(out);
  });

  it('fill: in queue order with the dispatches around it, only a view\'s range, zero as a clear and other values', async (ctx) => {
    const b = gpu ?? ctx.skip();
    // Views start at multiples of 64 floats (256 bytes, WebGPU's storage offset alignment).
    const n = 200;
    const buf = b.alloc(n, 'float32');
    const start = Array.from({ length: n }, (_, i) => i + 1);
    b.write(buf, start);
    b.dispatch(touch('touchFill', 9), [], [buf]); // buf[0] = 9, recorded in this batch
    const mid = b.view(buf, 64, 3);
    b.fill(mid, 0);
    const tail = b.view(buf, 128, 2);
    b.fill(tail, -2.5);
    const want = start.map((v, i) => (i === 0 ? 9 : i >= 64 && i < 67 ? 0 : i >= 128 && i < 130 ? -2.5 : v));
    expect(Array.from(await b.read(buf))).toEqual(want);
    // A fill recorded after a dispatch that writes the same buffer in the same batch lands after it.
    b.dispatch(touch('touchFill2', 4), [], [buf]);
    b.fill(buf, 0);
    expect(Array.from(await b.read(buf))).toEqual(new Array(n).fill(0));
    const ints = b.alloc(3, 'int32');
    b.fill(ints, -7);
    expect(Array.from(await b.read(ints))).toEqual([-7, -7, -7]);
    for (const s of [mid, tail, buf, ints]) b.free(s);
  });

  it('more dispatches than the uniform arena holds in one batch still compute correctly', async (ctx) => {
    const b = gpu ?? ctx.skip();
    await b.sync();
    b.resetCounters();
    // Each dispatch takes one aligned uniform slot; go well past the 1 MiB arena.
    const slots = Math.ceil((1 << 20) / b.limits.minUniformBufferOffsetAlignment);
    const n = slots + 200;
    const x = on(() => {
      let t = wg.zeros([3]);
      for (let i = 0; i < n; i++) {
        const next = t.add(1);
        t.dispose();
        t = next;
      }
      return t;
    });
    const s = b.stats();
    expect(s.dispatches).toBeGreaterThanOrEqual(n);
    expect(s.submits, 'the full arena forced a submit mid-batch').toBeGreaterThanOrEqual(1);
    expect(Array.from(await x.data())).toEqual([n, n, n]);
    x.dispose();
  });

  it('reads int32, empty and pending results; a zero-size op dispatches nothing', async (ctx) => {
    const b = gpu ?? ctx.skip();
    const ids = on(() => wg.tensor([-3, 0, 2147483647], undefined, 'int32'));
    const r = await ids.data();
    expect(r).toBeInstanceOf(Int32Array);
    expect(Array.from(r)).toEqual([-3, 0, 2147483647]);
    await b.sync();
    b.resetCounters();
    const empty = on(() => wg.zeros([0, 4]).add(1));
    expect(empty.shape).toEqual([0, 4]);
    expect(b.stats().dispatches).toBe(0);
    expect((await empty.data()).length).toBe(0);
    // Two readbacks in flight at once.
    const [a, c] = on(() => [wg.fill([1000], 2).mul(3), wg.fill([10], 1).neg()]);
    const [ra, rc] = await Promise.all([a!.data(), c!.data()]);
    expect(ra.every((v) => v === 6)).toBe(true);
    expect(rc.every((v) => v === -1)).toBe(true);
    wg.dispose([ids, empty, a!, c!]);
  });

  it('a WGSL compile error surfaces as a JavaScript error naming the op, and the backend keeps working', async (ctx) => {
    const b = gpu ?? ctx.skip();
    const out = b.alloc(4, 'float32');
    const bad = touch('brokenOp', 0, '@group(0) @binding(0) var<storage, read_write> out: array<f32>;\n@compute @workgroup_size(1) fn main() { out[0] = undefined_name; }');
    b.dispatch(bad, [], [out]);
    await expect(b.sync()).rejects.toThrow(/brokenOp.*failed to compile.*undefined_name/s);
    b.free(out);
    const t = on(() => wg.tensor([1, 2]).add(1));
    expect(Array.from(await t.data())).toEqual([2, 3]);
    t.dispose();
  });

  it('rejects a tensor larger than the device allows, naming the sizes', (ctx) => {
    const b = gpu ?? ctx.skip();
    const max = b.limits.maxStorageBufferBindingSize;
    const n = Math.floor(max / 4) + 1;
    expect(() => b.alloc(n, 'float32')).toThrow(new RegExp(`${n} elements.*maxStorageBufferBindingSize of ${max}`));
  });

  it('a lost device turns the next op into an error that names the op', async (ctx) => {
    if (!gpu) ctx.skip();
    const doomed = (await webgpuForTests())!;
    const x = wg.withBackend(doomed, () => wg.tensor([1, -2]));
    doomed.device.destroy();
    await doomed.device.lost;
    expect(() => wg.withBackend(doomed, () => x.relu())).toThrow(/^relu: the WebGPU device was lost/);
    await expect(x.data()).rejects.toThrow(/^read: the WebGPU device was lost/);
    expect(() => wg.withBackend(doomed, () => wg.tensor([1]))).toThrow(/device was lost/);
  });
});
