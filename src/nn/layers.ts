/**
 * Layer constructors with TF.js names and option objects (`wg.layers.dense({ units: 6 })`).
 */
import { Bidirectional, type BidirectionalArgs } from './bidirectional.js';
import { Dense, type DenseArgs } from './dense.js';
import { Embedding, type EmbeddingArgs } from './embedding.js';
import { GRU, type GRUArgs } from './gru.js';

export { Bidirectional, Dense, Embedding, GRU };
export type { BidirectionalArgs, DenseArgs, EmbeddingArgs, GRUArgs };
export { Layer, type LayerArgs, type LayerWeight, type SymbolicShape } from './layer.js';

/** Row lookup in an (inputDim, outputDim) table, uniform(−0.05, 0.05). */
export const embedding = (args: EmbeddingArgs): Embedding => new Embedding(args);
/** Fully connected layer, glorot_uniform kernel, zero bias. */
export const dense = (args: DenseArgs): Dense => new Dense(args);
/** Keras TF2 GRU (resetAfter true by default). */
export const gru = (args: GRUArgs): GRU => new GRU(args);
/** Forward and backward copies of a recurrent layer, merged (concat by default). */
export const bidirectional = (args: BidirectionalArgs): Bidirectional => new Bidirectional(args);
