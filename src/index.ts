/**
 * webgrad: a tensor engine with WGSL/WebGPU kernels and a CPU reference, and the training
 * techniques around it.
 *
 * @example
 * import * as wg from 'webgrad';
 * await wg.ready();
 * const x = wg.tensor([[1, 2], [3, 4]]);
 * console.log(await x.matMul(x).data());
 */
export * from './tensor/index.js';
export type { Backend, DType, Kernel, GpuProgram, Storage } from './kernels/backend.js';
export { CpuBackend } from './kernels/cpu/backend.js';
export { WebGPUBackend } from './kernels/webgpu/backend.js';
