// wg.ready() picks a backend: WebGPU when an adapter exists (it does here: SwiftShader at least),
// the CPU when asked; the chosen backend names its adapter.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { CpuBackend, WebGPUBackend, type Backend } from '../../src/index.js';
import { webgpuForTests } from '../helpers/webgpu.js';

let probe: WebGPUBackend | null = null;
const created: Backend[] = [];
let prev: Backend;
beforeAll(async () => {
  prev = wg.getBackend();
  // Fails (in CI) when there is no adapter; null only when the developer opted out.
  probe = await webgpuForTests();
});
afterEach(() => {
  wg.setBackend(prev);
});
afterAll(() => {
  for (const b of created) b.dispose();
  probe?.dispose();
});

describe('ready()', () => {
  it("'auto' picks WebGPU here, without a warning, and makes it current", async (ctx) => {
    if (!probe) ctx.skip();
    const warnings: string[] = [];
    const { backend, fallbackReason } = await wg.ready({ backend: 'auto', warn: (m) => warnings.push(m) });
    created.push(backend);
    expect(backend).toBeInstanceOf(WebGPUBackend);
    expect(backend.name).toBe('webgpu');
    expect(fallbackReason).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(wg.getBackend()).toBe(backend);
    // Tensors land on it and compute.
    const t = wg.tensor([1, 2, 3]).mul(2);
    expect(t.storageFor('test').backend).toBe(backend);
    expect(Array.from(await t.data())).toEqual([2, 4, 6]);
    t.dispose();
  });

  it("the default is 'auto'", async (ctx) => {
    if (!probe) ctx.skip();
    const { backend } = await wg.ready({ warn: () => {} });
    created.push(backend);
    expect(backend.name).toBe('webgpu');
  });

  it("'webgpu' gives a backend whose description names the adapter (and says when it is a fallback adapter)", async (ctx) => {
    if (!probe) ctx.skip();
    const { backend } = await wg.ready({ backend: 'webgpu' });
    created.push(backend);
    const g = backend as WebGPUBackend;
    const a = g.adapter;
    const parts = [a.vendor, a.architecture, a.description].filter(Boolean);
    expect(parts.length, 'the adapter reports at least one of vendor, architecture, description').toBeGreaterThan(0);
    expect(g.description.startsWith('webgpu')).toBe(true);
    for (const p of parts) expect(g.description).toContain(p);
    expect(g.description.includes('fallback adapter')).toBe(a.isFallbackAdapter);
    if (/swiftshader/i.test(parts.join(' '))) expect(a.isFallbackAdapter).toBe(true);
    expect(a.via).toMatch(/dawn|navigator\.gpu/);
    // stats() reports the same description.
    expect(wg.stats().backend).toBe(g.description);
    // The adapter's limits were requested, not the spec's defaults.
    expect(g.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 2 ** 20);
    // Kernel variants follow the adapter kind.
    expect(g.variant).toBe(a.isFallbackAdapter ? 'fallback' : 'tiled');
  });

  it("'cpu' gives the CPU reference backend and works", async () => {
    const warnings: string[] = [];
    const { backend, fallbackReason } = await wg.ready({ backend: 'cpu', warn: (m) => warnings.push(m) });
    created.push(backend);
    expect(backend).toBeInstanceOf(CpuBackend);
    // The thread count depends on the machine (one thread says nothing).
    expect(backend.description).toMatch(/^cpu \(float32(, \d+ threads)?\)$/);
    expect(fallbackReason).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(wg.getBackend()).toBe(backend);
    const y = wg.tensor([[1, 2], [3, 4]]).matMul(wg.tensor([[1], [1]]));
    expect(Array.from(y.dataSync())).toEqual([3, 7]);
    expect(await y.array()).toEqual([[3], [7]]);
    y.dispose();
    const { backend: b64 } = await wg.ready({ backend: 'cpu', cpu: { precision: 'float64' } });
    created.push(b64);
    expect(b64.description).toMatch(/^cpu \(float64(, \d+ threads)?\)$/);
  });

  it('toBackend copies a tensor between backends', async (ctx) => {
    if (!probe) ctx.skip();
    const c = new CpuBackend();
    created.push(c);
    const src = wg.withBackend(c, () => wg.tensor([[1.5, -2], [3, 4]]));
    const moved = await wg.toBackend(src, probe!);
    expect(moved.storageFor('test').backend).toBe(probe);
    expect(moved.shape).toEqual([2, 2]);
    expect(Array.from(await moved.data())).toEqual([1.5, -2, 3, 4]);
    const ids = wg.withBackend(c, () => wg.tensor([3, 1], undefined, 'int32'));
    const movedIds = await wg.toBackend(ids, probe!);
    expect(movedIds.dtype).toBe('int32');
    expect(Array.from(await movedIds.data())).toEqual([3, 1]);
    wg.dispose([src, moved, ids, movedIds]);
  });
});
