/**
 * The browser bundle in a real browser: Debian's Chromium (headless, via playwright-core) loads
 * dist/browser/index.js as an ES module from a page served on 127.0.0.1, runs matmul → sigmoid →
 * mean → backward on WebGPU (SwiftShader), and must match the CPU backend in Node. With WebGPU
 * unavailable, `wg.ready()` must fall back to the CPU backend and say why.
 *
 * Needs `npm run build` first (`npm test` does it). Fails — does not skip — when Chromium, WebGPU
 * or the bundle is missing. Outside CI a developer without Chromium may opt out with
 * WEBGRAD_SKIP_BROWSER=1 (ignored when CI is set). Screenshots go to test-output/browser/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import * as wg from '../../src/index.js';
import { runBundleCase, type BundleCaseResult } from '../fixtures/browser/bundle-case.js';
import { expectAllClose } from '../helpers/allclose.js';
import { startStaticServer, type StaticServer } from '../../tools/browser/server.js';
import { DEFAULT_CHROMIUM_PATH, findChromium, launchChromium, type LaunchedChromium } from '../../tools/browser/chromium.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BUNDLE = join(ROOT, 'dist/browser/index.js');
const PAGE = '/test/fixtures/browser/bundle.html';
const SHOTS = join(ROOT, 'test-output/browser');
/** A name that resolves to our server but is not a secure origin, so navigator.gpu is absent. */
const INSECURE_HOST = 'webgrad.test';

const optOut = !process.env.CI && process.env.WEBGRAD_SKIP_BROWSER === '1';

interface PageResult {
  ok: boolean;
  error?: string;
  requested: string;
  backend: 'webgpu' | 'cpu';
  description: string;
  fallbackReason: string | null;
  warnings: string[];
  adapter: { vendor: string; architecture: string; description: string; isFallbackAdapter: boolean; via: string } | null;
  values: BundleCaseResult;
  stats: { tensors: number; buffers: number; dispatches: number; submits: number };
  readyMs: number;
  runMs: number;
  secureContext: boolean;
  hasNavigatorGpu: boolean;
  userAgent: string;
}

async function runPage(page: Page, url: string, shot: string): Promise<PageResult> {
  const t = performance.now();
  await page.goto(url, { waitUntil: 'load' });
  const loaded = performance.now();
  await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: 60_000 });
  const result = (await page.evaluate(() => (window as unknown as { __result: unknown }).__result)) as PageResult;
  mkdirSync(SHOTS, { recursive: true });
  const done = performance.now();
  await page.screenshot({ path: join(SHOTS, shot), fullPage: true });
  console.log(`[browser test] ${shot}: load ${(loaded - t).toFixed(0)} ms, result ${(done - loaded).toFixed(0)} ms, screenshot ${(performance.now() - done).toFixed(0)} ms`);
  if (!result.ok) expect.fail(`the page failed: ${result.error}`);
  return result;
}

function expectValues(actual: BundleCaseResult, expected: BundleCaseResult, tol: { rtol: number; atol: number }): void {
  for (const k of Object.keys(expected) as (keyof BundleCaseResult)[]) expectAllClose(actual[k], expected[k], { ...tol, what: k });
}

describe.skipIf(optOut)('browser bundle in Chromium', () => {
  let server: StaticServer;
  let gpuBrowser: LaunchedChromium;
  let plainBrowser: LaunchedChromium;
  let expected: BundleCaseResult;
  const t0 = performance.now();

  /** Set when the browser side could not start; every browser test then fails with it. */
  let setupError: Error | undefined;
  const browsers = () => {
    if (setupError) throw setupError;
    return { server, gpuBrowser, plainBrowser };
  };

  beforeAll(async () => {
    // The CPU reference in Node, through the sources rather than the bundle.
    await wg.ready({ backend: 'cpu' });
    expected = await runBundleCase(wg);
    try {
      if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run 'npm run build' first ('npm test' does)`);
      const stale = ['src/index.ts', 'src/tensor/index.ts'].find((f) => statSync(join(ROOT, f)).mtimeMs > statSync(BUNDLE).mtimeMs);
      if (stale) console.warn(`[browser test] ${stale} is newer than dist/browser/index.js; run 'npm run build' to test current sources`);
      if (!findChromium()) {
        throw new Error(`Chromium not found at ${process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH); outside CI, WEBGRAD_SKIP_BROWSER=1 opts out`);
      }
      // Settled, not all(): whatever did start must still be closed in afterAll when another fails.
      const [srv, gpu, plain] = await Promise.allSettled([
        startStaticServer({ root: ROOT }),
        launchChromium({ webgpu: true, hostAliases: [INSECURE_HOST] }),
        launchChromium({ webgpu: false }),
      ]);
      if (srv.status === 'fulfilled') server = srv.value;
      if (gpu.status === 'fulfilled') gpuBrowser = gpu.value;
      if (plain.status === 'fulfilled') plainBrowser = plain.value;
      for (const r of [srv, gpu, plain]) if (r.status === 'rejected') throw r.reason;
      console.log(`[browser test] Chromium ${gpuBrowser.version}; setup ${(performance.now() - t0).toFixed(0)} ms`);
    } catch (e) {
      setupError = e as Error;
    }
  });

  afterAll(async () => {
    await Promise.all([gpuBrowser?.close(), plainBrowser?.close()]);
    await server?.close();
    console.log(`[browser test] total ${(performance.now() - t0).toFixed(0)} ms`);
  });

  it('the Node CPU reference is right (float64 check of the 2×3 · 3×1 case)', () => {
    const x = [[1, 2, 3], [4, 5, 6]];
    const w = [0.5, -0.25, 0.125];
    const s = x.map((r) => 1 / (1 + Math.exp(-r.reduce((acc, v, i) => acc + v * w[i]!, 0))));
    const gradW = w.map((_, j) => x.reduce((acc, r, i) => acc + r[j]! * s[i]! * (1 - s[i]!) / x.length, 0));
    expectAllClose(expected.y, s, { rtol: 1e-6, what: 'y' });
    expectAllClose(expected.loss, [(s[0]! + s[1]!) / 2], { rtol: 1e-6, what: 'loss' });
    expectAllClose(expected.gradW, gradW, { rtol: 1e-6, what: 'gradW' });
  });

  it('runs matmul + sigmoid + backward on WebGPU (SwiftShader) in the page and matches the CPU backend', async () => {
    const { server, gpuBrowser } = browsers();
    const page = await gpuBrowser.newPage();
    const r = await runPage(page, `${server.origin}${PAGE}?backend=webgpu`, 'bundle-webgpu.png');
    console.log(`[browser test] ${r.description}; ready ${r.readyMs.toFixed(0)} ms, case ${r.runMs.toFixed(0)} ms, ${r.stats.dispatches} dispatches`);
    expect(r.backend).toBe('webgpu');
    expect(r.fallbackReason).toBeNull();
    expect(r.description).toMatch(/swiftshader/i);
    expect(r.adapter).toMatchObject({ via: 'navigator.gpu', isFallbackAdapter: true });
    expect(`${r.adapter!.vendor} ${r.adapter!.architecture}`).toMatch(/swiftshader/i);
    expect(r.stats.dispatches).toBeGreaterThan(0);
    expect(r.stats.tensors).toBe(0);
    const worst = Math.max(...Object.keys(expected).flatMap((k) => expected[k as keyof BundleCaseResult].map((e, i) => Math.abs(r.values[k as keyof BundleCaseResult][i]! - e))));
    console.log(`[browser test] WebGPU vs CPU: largest absolute difference ${worst.toExponential(2)}`);
    expectValues(r.values, expected, { rtol: 1e-5, atol: 1e-6 });
    expect(gpuBrowser.pageErrors()).toEqual([]);
    expect(gpuBrowser.logs.filter((l) => l.kind === 'requestfailed')).toEqual([]);
  });

  it("falls back to the CPU backend, and says why, when requestAdapter() finds no adapter; backend 'webgpu' rejects", async () => {
    const { server, plainBrowser } = browsers();
    const page = await plainBrowser.newPage();
    const r = await runPage(page, `${server.origin}${PAGE}?backend=auto`, 'bundle-no-webgpu.png');
    expect(r.hasNavigatorGpu).toBe(true);
    expect(r.backend).toBe('cpu');
    expect(r.description).toMatch(/^cpu/);
    expect(r.fallbackReason).toMatch(/requestAdapter\(\) returned null/);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toContain('using the CPU backend');
    // The same float32 CPU code in V8 on both sides.
    expectValues(r.values, expected, { rtol: 1e-6, atol: 1e-7 });
    // Asking for WebGPU explicitly rejects with the same reason instead of falling back.
    // (A string, not a function: vitest would rewrite import() inside a function's source.)
    const message = await page.evaluate(`import('/dist/browser/index.js').then((wg) => wg.ready({ backend: 'webgpu' })).then(() => 'resolved', (e) => e.message)`);
    expect(message).toMatch(/WebGPU was requested but is unavailable: .*requestAdapter\(\) returned null/);
    expect(plainBrowser.pageErrors()).toEqual([]);
  });

  it('runs the CPU backend on 2 threads inside a Web Worker of a cross-origin-isolated page, equal to 1 thread', async () => {
    const { gpuBrowser } = browsers();
    const isolated = await startStaticServer({ root: ROOT, crossOriginIsolated: true });
    try {
      const page = await gpuBrowser.newPage();
      await page.goto(`${isolated.origin}/test/fixtures/browser/threads.html`, { waitUntil: 'load' });
      await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: 60_000 });
      type Run = { description: string; y: number[]; grads: number[][]; stats: { threads: number; parallelRuns: number; fallbackReason: string | null } };
      const r = (await page.evaluate(() => (window as unknown as { __result: unknown }).__result)) as { ok: boolean; error?: string; crossOriginIsolated: boolean; two: Run; one: Run };
      if (!r.ok) expect.fail(`the worker failed: ${r.error}`);
      expect(r.crossOriginIsolated).toBe(true);
      expect(r.two.description).toBe('cpu (float32, 2 threads)');
      // Forward and backward really ran on two threads (no silent fallback to one).
      expect(r.two.stats).toEqual({ threads: 2, parallelRuns: 2, fallbackReason: null });
      expect(r.one.stats.threads).toBe(1);
      expect(r.two.y).toEqual(r.one.y);
      r.one.grads.forEach((g, k) => expectAllClose(r.two.grads[k]!, g, { rtol: 1e-6, atol: 1e-7, what: `gradient ${k}` }));
      expect(gpuBrowser.pageErrors()).toEqual([]);
    } finally {
      await isolated.close();
    }
  });

  it('falls back to the CPU backend, and says why, on a non-secure origin (no navigator.gpu)', async () => {
    const { server, gpuBrowser } = browsers();
    const page = await gpuBrowser.newPage();
    const r = await runPage(page, `http://${INSECURE_HOST}:${server.port}${PAGE}?backend=auto`, 'bundle-insecure-origin.png');
    expect(r.secureContext).toBe(false);
    expect(r.hasNavigatorGpu).toBe(false);
    expect(r.backend).toBe('cpu');
    expect(r.fallbackReason).toMatch(/navigator\.gpu is missing/);
    expectValues(r.values, expected, { rtol: 1e-6, atol: 1e-7 });
  });
});
