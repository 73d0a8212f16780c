export * as layers from './layers.js';
export { Layer, type LayerArgs, type LayerWeight, type SymbolicShape, type CallArgs } from './layer.js';
export { Sequential, sequential, type SequentialArgs, type CompileArgs } from './sequential.js';
export * as losses from './losses.js';
export * as metrics from './metrics.js';
export type { OptimizerLike } from './optimizer-like.js';
