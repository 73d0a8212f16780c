// Backends a whole test file runs on: created here, freed after the file's last test.
import { afterAll, beforeAll } from 'vitest';
import * as wg from '../../src/index.js';
import type { WebGPUBackend, WebGPUBackendOptions } from '../../src/kernels/webgpu/backend.js';
import { webgpuForTests } from './webgpu.js';

/**
 * A fresh CPU backend, current for this file's tests; afterwards the previous backend is put back
 * and this one freed. Call at the file's top level, before its own hooks (after hooks run in
 * reverse, so the file's own clean-up still runs on this backend).
 */
export function cpuForFile(): wg.CpuBackend {
  const cpu = new wg.CpuBackend();
  let prev: wg.Backend;
  beforeAll(() => {
    prev = wg.getBackend();
    wg.setBackend(cpu);
  });
  afterAll(() => {
    wg.setBackend(prev);
    cpu.dispose();
  });
  return cpu;
}

/** Both backends, for tests that run on each; `gpu` is set before the first test. */
export interface TestBackends {
  readonly cpu: wg.CpuBackend;
  /** null only where the developer opted out of WebGPU (see webgpuForTests). */
  gpu: WebGPUBackend | null;
}

/**
 * A CPU and a WebGPU backend (neither made current) for the tests of the enclosing file or
 * describe block, freed after the last of them.
 */
export function cpuAndWebgpuForTests(gpuOptions: WebGPUBackendOptions = {}): TestBackends {
  const backends: TestBackends = { cpu: new wg.CpuBackend(), gpu: null };
  beforeAll(async () => {
    backends.gpu = await webgpuForTests(gpuOptions);
  });
  afterAll(() => {
    backends.gpu?.dispose();
    backends.cpu.dispose();
  });
  return backends;
}
