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

// Layers, models, losses and metrics (src/nn); optimizers under TF.js's `train` namespace (src/optim).
export * as layers from './nn/layers.js';
export { Layer, Sequential, sequential, losses, metrics } from './nn/index.js';
export type { LayerArgs, LayerWeight, SymbolicShape, CallArgs, SequentialArgs, CompileArgs, OptimizerLike } from './nn/index.js';
export * as train from './train/index.js';
export * as callbacks from './train/callbacks/index.js';
export * as plot from './plot/index.js';
export * as data from './data/index.js';
export { sigmoidCrossEntropyWithLogits } from './tensor/ops/bce.js';
export { unstack } from './tensor/ops/unstack.js';
export * as io from './io/index.js';
export { saveModel, loadModel, loadModelBundle } from './io/model-io.js';
