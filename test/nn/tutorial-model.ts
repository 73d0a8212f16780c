import { layers, sequential, type Sequential } from '../../src/index.js';

/** The tutorial's model: embedding 10000×16 → bidirectional GRU 32 → dense 6 relu → dense 1 sigmoid. */
export function tutorialModel(vocab = 10000): Sequential {
  return sequential({
    layers: [
      layers.embedding({ inputDim: vocab, outputDim: 16 }),
      layers.bidirectional({ layer: layers.gru({ units: 32 }) }),
      layers.dense({ units: 6, activation: 'relu' }),
      layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
}
