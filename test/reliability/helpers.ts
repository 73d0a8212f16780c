// Shared fixtures of the reliability suite: tiny models and tasks that train in milliseconds.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import * as wg from '../../src/index.js';

/** Label 1 when token 3 occurs in the sequence (learnable by embedding + GRU in a few epochs). */
export function tokenTask(n: number, seed: number, T = 8): { x: { data: Int32Array; shape: number[] }; y: Float32Array } {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const x = new Int32Array(n * T);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const positive = rand() < 0.5;
    for (let t = 0; t < T; t++) x[i * T + t] = 4 + Math.floor(rand() * 16);
    if (positive) x[i * T + Math.floor(rand() * T)] = 3;
    y[i] = positive ? 1 : 0;
  }
  return { x: { data: x, shape: [n, T] }, y };
}

/** y = 1 when x0 + x1 − x2 > 0: a dense model learns it in a few steps. */
export function denseTask(n: number, seed: number): { x: { data: Float32Array; shape: number[] }; y: Float32Array } {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const x = new Float32Array(n * 3);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) x[i * 3 + k] = rand();
    y[i] = x[i * 3]! + x[i * 3 + 1]! - x[i * 3 + 2]! > 0 ? 1 : 0;
  }
  return { x: { data: x, shape: [n, 3] }, y };
}

/** Embedding(20, 6) → GRU(5) → Dense(1, sigmoid), Adam. */
export function tokenModel(opts: { lr?: number; seed?: number; optimizer?: wg.OptimizerLike } = {}): wg.Sequential {
  wg.setSeed(opts.seed ?? 5);
  const m = wg.sequential({
    layers: [wg.layers.embedding({ inputDim: 20, outputDim: 6, inputLength: 8 }), wg.layers.gru({ units: 5 }), wg.layers.dense({ units: 1, activation: 'sigmoid' })],
  });
  m.compile({ optimizer: opts.optimizer ?? wg.train.adam({ learningRate: opts.lr ?? 0.01 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return m;
}

/** Dense(4, relu) → Dense(1, sigmoid) on 3 features, Adam. */
export function denseModel(opts: { lr?: number; seed?: number; optimizer?: wg.OptimizerLike } = {}): wg.Sequential {
  wg.setSeed(opts.seed ?? 3);
  const m = wg.sequential({ layers: [wg.layers.dense({ units: 4, activation: 'relu', inputShape: [3] }), wg.layers.dense({ units: 1, activation: 'sigmoid' })] });
  m.compile({ optimizer: opts.optimizer ?? wg.train.adam({ learningRate: opts.lr ?? 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return m;
}

/** The weights as plain number arrays (read back; the copies are freed). */
export async function weightsOf(m: wg.Sequential): Promise<number[][]> {
  return Promise.all(m.weights.map(async (w) => Array.from(await w.value.data())));
}

/** The weights' exact bytes, concatenated (bit-identity checks). */
export async function weightBytes(m: wg.Sequential): Promise<Buffer> {
  const parts = await Promise.all(m.weights.map(async (w) => Buffer.from(Float32Array.from(await w.value.data()).buffer)));
  return Buffer.concat(parts);
}

/** Largest |a − b| over all weights. */
export function maxDiff(a: number[][], b: number[][]): number {
  let d = 0;
  a.forEach((w, i) => w.forEach((v, j) => (d = Math.max(d, Math.abs(v - b[i]![j]!)))));
  return d;
}

export function tempDir(prefix = 'webgrad-rel-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** name → size + SHA-256 of every file under `dir` (recursively): "files unchanged" checks. */
export function fileDigests(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(p).isDirectory()) walk(p, r);
      else {
        const bytes = readFileSync(p);
        out[r] = `${bytes.length}:${createHash('sha256').update(bytes).digest('hex')}`;
      }
    }
  };
  walk(dir, '');
  return out;
}
