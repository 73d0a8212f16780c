import './methods.js';
import './autograd.js';

export { Tensor, type TypedArray, type NestedArray } from './tensor.js';
export { WebgradError, checkOptions, didYouMean } from './errors.js';
export * from './creation.js';
export * from './scope.js';
export * from './backends.js';
export { backward, detach } from './autograd.js';
export * from './ops/elementwise.js';
export { sum, mean, max, sumTo } from './ops/reduce.js';
export { matMul, matmul, matmulConfig } from './ops/matmul.js';
export { reshape, transpose, slice, pad, concat, stack, reverse, broadcastTo } from './ops/movement.js';
export { gather } from './ops/gather.js';
export { registeredOps, type OpDef, type OpCase, type InputSpec } from './registry.js';
export { gruSequence, gruSequenceWithState, gruSequenceStacked, gruSequencePerStep, gruFusedAvailable, gruConfig, type GruSequenceOptions, type GruStackedOptions } from './ops/gru.js';
