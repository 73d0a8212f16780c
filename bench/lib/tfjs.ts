// TensorFlow.js 4.22 as the competitor, set up in Node on the same machine: the tutorial model
// (GRU with resetAfter=false: TF.js lacks Keras's default) and, labelled "patched", a scatter-add
// UnsortedSegmentSum kernel for backends that lack one (wasm) or loop over the whole vocabulary (cpu).
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type TfBackend = 'cpu' | 'wasm' | 'webgpu';

export async function useTfBackend(name: TfBackend): Promise<string> {
  if (name === 'wasm') {
    const require = createRequire(import.meta.url);
    setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
  }
  if (name === 'webgpu') {
    await import('@tensorflow/tfjs-backend-webgpu');
    // TF.js looks for navigator.gpu; in Node we hand it Dawn (the same adapter webgrad uses).
    const { create, globals } = (await import('webgpu')) as unknown as { create: (f: string[]) => GPU; globals: Record<string, unknown> };
    Object.assign(globalThis, globals);
    const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
    if (nav) Object.defineProperty(nav, 'gpu', { value: create([]), configurable: true });
    else Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true });
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`TF.js backend ${name} failed to initialise`);
  await tf.ready();
  return tf.getBackend();
}

/** Registers a direct scatter-add for UnsortedSegmentSum on `backend` (the embedding gradient). */
export function patchSegmentSum(backend: 'cpu' | 'wasm'): void {
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: backend,
    kernelFunc: ({ inputs, attrs, backend: b }) => {
      const x = inputs.x as tf.TensorInfo;
      const ids = inputs.segmentIds as tf.TensorInfo;
      const numSegments = (attrs as { numSegments: number }).numSegments;
      // The cpu backend builds outputs from values; wasm allocates on its heap and hands out a view.
      const be = b as {
        readSync(id: unknown): unknown;
        makeTensorInfo?(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
        makeOutput?(shape: number[], dtype: string): tf.TensorInfo;
        typedArrayFromHeap?(t: tf.TensorInfo): Float32Array;
      };
      const xv = be.readSync(x.dataId) as Float32Array;
      const iv = be.readSync(ids.dataId) as Int32Array;
      const d = x.shape.slice(1).reduce((p, q) => p * q, 1);
      const shape = [numSegments, ...x.shape.slice(1)];
      // (The cpu backend has a makeOutput too, with another signature: choose by backend, not by method.)
      const info = backend === 'wasm' ? be.makeOutput!(shape, 'float32') : undefined;
      const out = info ? be.typedArrayFromHeap!(info) : new Float32Array(numSegments * d);
      out.fill(0);
      for (let i = 0; i < iv.length; i++) {
        const o = iv[i]! * d;
        const s = i * d;
        for (let k = 0; k < d; k++) out[o + k]! += xv[s + k]!;
      }
      return info ?? be.makeTensorInfo!(shape, 'float32', out);
    },
  });
}

export interface TutorialShape {
  vocab: number;
  embed: number;
  units: number;
  maxlen: number;
}

export const TUTORIAL: TutorialShape = { vocab: 10000, embed: 16, units: 32, maxlen: 120 };

/**
 * The tutorial model in TF.js. `recurrentActivation` defaults to 'sigmoid', Keras TF2's (and
 * webgrad's) choice, so both libraries compute the same function; TF.js's own GRU default is
 * 'hardSigmoid' (Keras 1), available here for comparison.
 */
export function tfTutorialModel(s: TutorialShape = TUTORIAL, { recurrentActivation = 'sigmoid' }: { recurrentActivation?: 'sigmoid' | 'hardSigmoid' } = {}): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.embedding({ inputDim: s.vocab, outputDim: s.embed, inputLength: s.maxlen }),
      // TF.js's GRU implements only resetAfter=false (Keras 1 / TF1 layout).
      tf.layers.bidirectional({ layer: tf.layers.gru({ units: s.units, recurrentActivation }) as tf.layers.RNN }),
      tf.layers.dense({ units: 6, activation: 'relu' }),
      tf.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return model;
}

export { tf };
