// TensorFlow.js 4.22 as the competitor, set up in Node on the same machine (the tutorial model and
// the "patched" scatter-add UnsortedSegmentSum are in tutorial.ts, shared with the browser page).
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { nodeWebGPU } from '../../src/kernels/webgpu/acquire.js';

export type TfBackend = 'cpu' | 'wasm' | 'webgpu';

export async function useTfBackend(name: TfBackend): Promise<string> {
  if (name === 'wasm') {
    const require = createRequire(import.meta.url);
    setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
  }
  if (name === 'webgpu') {
    // TF.js looks for navigator.gpu; in Node we hand it Dawn (the same adapter webgrad uses). It
    // looks when its module loads (it registers the backend only if WebGPU is there): set it first.
    // webgrad's own lookup, so that both pick the same Vulkan driver (SwiftShader without a GPU).
    const dawn = await nodeWebGPU();
    if (typeof dawn === 'string') throw new Error(`TF.js webgpu: ${dawn}`);
    const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
    if (nav) Object.defineProperty(nav, 'gpu', { value: dawn.gpu, configurable: true });
    else Object.defineProperty(globalThis, 'navigator', { value: { gpu: dawn.gpu }, configurable: true });
    await import('@tensorflow/tfjs-backend-webgpu');
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`TF.js backend ${name} failed to initialise`);
  await tf.ready();
  return tf.getBackend();
}

export { tf };
