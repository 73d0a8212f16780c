/**
 * The tutorial model and its workload, shared by the benchmarks that run in a browser page and in
 * Node: no Node imports here, so the page bundle can use it.
 *
 * Model: embedding 10000×16 → bidirectional GRU 32 (concat) → dense 6 relu → dense 1 sigmoid;
 * binary cross-entropy; Adam (lr 1e-3). Input: T = 120 random token ids per sample (the same ids
 * for every library: a seeded mulberry32), labels alternating 0/1.
 *
 * TF.js builders take the `tf` namespaces as arguments, so the page can hand in the separately
 * bundled @tensorflow/tfjs-core and @tensorflow/tfjs-layers.
 */
import type * as tfc from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { data, fromFlat, layers, sequential, setSeed, train, type Backend, type Sequential } from '../../src/index.js';

export const VOCAB = 10000;
export const EMBED = 16;
export const UNITS = 32;
export const MAXLEN = 120;
export const DENSE = 6;

/** The PyTorch 1.13 CPU constant from the issue (2 threads, this kind of machine): train samples/s. */
export const TORCH_CPU_TRAIN_SAMPLES_PER_SECOND = 413;

/** Random ids in [0, vocab) of shape [batch, maxlen] and labels 0,1,0,1,… of shape [batch, 1]. */
export function randomBatch(batch: number, maxlen = MAXLEN, vocab = VOCAB, seed = 1000 + batch): { ids: Int32Array; labels: Float32Array } {
  // webgrad's seeded mulberry32, so every library sees the same ids.
  const rng = data.mulberry32(seed);
  const ids = new Int32Array(batch * maxlen);
  for (let i = 0; i < ids.length; i++) ids[i] = Math.floor(rng.next() * vocab);
  const labels = new Float32Array(batch);
  for (let i = 0; i < batch; i++) labels[i] = i % 2;
  return { ids, labels };
}

export interface TutorialFlops {
  /** GEMM FLOPs of one forward pass, per sample, by part. */
  forward: Record<string, number>;
  /** GEMM FLOPs of one forward pass per sample (multiply-add = 2). */
  forwardPerSample: number;
  /** Forward + backward GEMMs: each forward GEMM has a dX and a dW GEMM of its size, so 3 × forward. */
  trainPerSample: number;
  notCounted: string;
}

/**
 * Per sample, T steps, D = 2 directions, u units, E embedding width:
 *   input projection  2·T·E·3u·D  (one GEMM over all steps and directions)
 *   recurrence        2·T·u·3u·D  (h·U every step)
 *   dense 2u → 6      2·2u·6,   dense 6 → 1   2·6
 * Backward: each GEMM Y = X·W has dX = dY·Wᵀ and dW = Xᵀ·dY of the same size, so a training step
 * is 3 × the forward GEMMs. (The embedding's dX is needed: it feeds the embedding gradient.)
 */
export function tutorialFlops(T = MAXLEN, E = EMBED, u = UNITS, dense = DENSE): TutorialFlops {
  const D = 2;
  const forward = {
    'gru input projection': 2 * T * E * 3 * u * D,
    'gru recurrence': 2 * T * u * 3 * u * D,
    [`dense ${D * u}→${dense}`]: 2 * D * u * dense,
    [`dense ${dense}→1`]: 2 * dense,
  };
  const forwardPerSample = Object.values(forward).reduce((a, b) => a + b, 0);
  return {
    forward,
    forwardPerSample,
    trainPerSample: 3 * forwardPerSample,
    notCounted: 'elementwise gate math (~15 FLOPs per unit per step per direction, ≈0.1 MFLOP/sample forward), the embedding gather and scatter-add, the loss, and Adam (≈170k parameters × ~10 FLOPs per step, not per sample)',
  };
}

/** The tutorial model in webgrad, compiled with Adam and binary cross-entropy. */
export function webgradTutorial(resetAfter: boolean, { vocab = VOCAB, embed = EMBED, units = UNITS, dense = DENSE } = {}): Sequential {
  const model = sequential({
    layers: [
      layers.embedding({ inputDim: vocab, outputDim: embed }),
      layers.bidirectional({ layer: layers.gru({ units, resetAfter }) }),
      layers.dense({ units: dense, activation: 'relu' }),
      layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  model.compile({ optimizer: train.adam(), loss: 'binaryCrossentropy' });
  return model;
}

/**
 * The tutorial model (seed 2024) and one random batch on `backend` (which must be the current
 * one): `step()` trains on the batch once, `dispose()` frees model and batch.
 */
export function tutorialTrainer(batch: number, resetAfter: boolean, backend: Backend): { step(): void; dispose(): void } {
  setSeed(2024);
  const model = webgradTutorial(resetAfter);
  const { ids, labels } = randomBatch(batch);
  const x = fromFlat(ids, [batch, MAXLEN], 'int32', backend);
  const y = fromFlat(labels, [batch, 1], 'float32', backend);
  return {
    step: () => model.trainOnBatch(x, y).dispose(),
    dispose: () => {
      x.dispose();
      y.dispose();
      model.dispose();
    },
  };
}

/**
 * The tutorial model in TF.js (GRU resetAfter=false: TF.js has no other variant). The recurrent
 * activation is set to 'sigmoid' (Keras TF2's and webgrad's); TF.js's own default is 'hardSigmoid'.
 */
export function tfjsTutorial(tf: typeof tfc, tfLayers: typeof tfl, { maxlen = MAXLEN, vocab = VOCAB, embed = EMBED, units = UNITS, dense = DENSE } = {}): tfl.LayersModel {
  const model = tfLayers.sequential({
    layers: [
      tfLayers.layers.embedding({ inputDim: vocab, outputDim: embed, inputLength: maxlen }),
      tfLayers.layers.bidirectional({ layer: tfLayers.layers.gru({ units, recurrentActivation: 'sigmoid' }) as tfl.RNN }),
      tfLayers.layers.dense({ units: dense, activation: 'relu' }),
      tfLayers.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'binaryCrossentropy' });
  return model;
}

/**
 * Registers, on a CPU-memory backend (wasm or cpu), a direct scatter-add UnsortedSegmentSum: the
 * embedding gradient. Stock tfjs-backend-wasm 4.22 has no such kernel at all (training the
 * tutorial model fails), and stock tfjs-backend-cpu loops over the whole vocabulary. Returns a
 * function that restores the previous registration (or none).
 */
export function registerScatterSegmentSum(tf: typeof tfc, backendName: 'wasm' | 'cpu'): () => void {
  const previous = tf.getKernel('UnsortedSegmentSum', backendName);
  if (previous) tf.unregisterKernel('UnsortedSegmentSum', backendName);
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const x = inputs.x as tfc.TensorInfo;
      const ids = inputs.segmentIds as tfc.TensorInfo;
      const numSegments = (attrs as unknown as { numSegments: number }).numSegments;
      const be = backend as unknown as {
        readSync(dataId: unknown): unknown;
        makeTensorInfo?(shape: number[], dtype: string, values: Float32Array): tfc.TensorInfo;
        makeOutput?(shape: number[], dtype: string): tfc.TensorInfo;
        typedArrayFromHeap?(t: tfc.TensorInfo): Float32Array;
      };
      const xv = be.readSync(x.dataId) as Float32Array;
      const iv = be.readSync(ids.dataId) as Int32Array;
      let width = 1;
      for (const d of x.shape.slice(1)) width *= d;
      const shape = [numSegments, ...x.shape.slice(1)];
      // wasm: allocate on its heap and write through a view; cpu: build from a typed array. (The
      // cpu backend has a makeOutput too, with another signature: choose by backend, not by method.)
      const info = backendName === 'wasm' ? be.makeOutput!(shape, 'float32') : null;
      const out = info ? be.typedArrayFromHeap!(info) : new Float32Array(numSegments * width);
      out.fill(0);
      for (let i = 0; i < iv.length; i++) {
        const o = iv[i]! * width;
        const s = i * width;
        for (let k = 0; k < width; k++) out[o + k] = out[o + k]! + xv[s + k]!;
      }
      return info ?? be.makeTensorInfo!(shape, 'float32', out);
    },
  });
  return () => {
    tf.unregisterKernel('UnsortedSegmentSum', backendName);
    if (previous) tf.registerKernel(previous);
  };
}
