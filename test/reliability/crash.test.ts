// Crash safety across processes: a child process trains with checkpoints every 3 steps and is
// killed with SIGKILL at random steps (seeded, so a failure replays), again and again, each time
// resuming from whatever checkpoint survived. The final weights must be bit-identical to an
// uninterrupted run on the CPU backend, and within 1e-5 on WebGPU; every checkpoint left behind
// by a kill must load cleanly.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { buildPlugins } from '../../scripts/worker-source.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { removeDir, tempDir } from './helpers.js';

// Inside the repository, so the bundle resolves the external `webgpu` package from node_modules.
const bundleDir = join(process.cwd(), 'node_modules', '.cache', 'webgrad-reliability');
const bundle = join(bundleDir, `train-child-${process.pid}.mjs`);
const dirs: string[] = [];

beforeAll(async () => {
  mkdirSync(bundleDir, { recursive: true });
  await build({
    entryPoints: [join(process.cwd(), 'test/reliability/fixtures/train-child.ts')], bundle: true, format: 'esm', platform: 'node', target: 'node20',
    outfile: bundle, external: ['webgpu', '@stdlib/*'], loader: { '.wgsl': 'text' }, plugins: buildPlugins, logLevel: 'warning',
  });
});
afterAll(() => {
  rmSync(bundle, { force: true });
  rmSync(`${bundle}.map`, { force: true });
  dirs.forEach(removeDir);
});

interface ChildResult {
  killed: boolean;
  steps: number;
  stdout: string;
  stderr: string;
  code: number | null;
}

/**
 * Runs the child; with `killAt`, sends SIGKILL `jitterMs` after it has announced that many steps
 * (the jitter moves the kill off step boundaries, into checkpoint writes now and then).
 */
function runChild(dir: string, out: string, opts: { backend?: string; killAt?: number; jitterMs?: number; delayMs?: number; initSeed?: number }): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const args = [bundle, '--dir', dir, '--out', out, '--backend', opts.backend ?? 'cpu', '--delay-ms', String(opts.delayMs ?? 0)];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(opts.initSeed !== undefined ? { CHILD_INIT_SEED: String(opts.initSeed) } : {}) } });
    let stdout = '';
    let stderr = '';
    let steps = 0;
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      steps = (stdout.match(/^step$/gm) ?? []).length;
      if (opts.killAt !== undefined && !killed && steps >= opts.killAt) {
        killed = true;
        setTimeout(() => child.kill('SIGKILL'), opts.jitterMs ?? 0);
      }
    });
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ killed, steps, stdout, stderr, code }));
  });
}

/** mulberry32, for reproducible kill points. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Kills the run at random steps until it completes; returns the kills and the final output. */
async function killUntilDone(backend: string, seed: number, maxKills: number, delayMs: number, range: [number, number]) {
  const dir = tempDir('webgrad-crash-');
  dirs.push(dir);
  const out = join(dir, 'result');
  const ckptDir = join(dir, 'ckpt');
  const random = rng(seed);
  const kills: { at: number; steps: number; checkpoint: string }[] = [];
  for (let attempt = 0; ; attempt++) {
    // 24 steps in all; a resumed run has fewer left, so aim early. After maxKills, let it finish.
    const killAt = attempt < maxKills ? range[0] + Math.floor(random() * (range[1] - range[0] + 1)) : undefined;
    const jitterMs = Math.floor(random() * (delayMs + 3));
    const r = await runChild(ckptDir, out, { backend, ...(killAt !== undefined ? { killAt, jitterMs } : {}), delayMs, initSeed: 1000 + attempt });
    if (!r.killed || r.code === 0) {
      expect(r.code, `${r.stderr}\n${r.stdout}`).toBe(0);
      expect(r.stdout).toMatch(/^done (fresh|resumed)$/m);
      break;
    }
    // Whatever the kill interrupted, the checkpoint on disk is whole (or there is none yet).
    const path = await wg.train.findCheckpoint(ckptDir);
    let where = 'none';
    if (path) {
      const ck = await wg.train.loadCheckpoint(ckptDir);
      where = `epoch ${ck.position.epoch} batch ${ck.position.batch} step ${ck.position.step}`;
    }
    kills.push({ at: killAt!, steps: r.steps, checkpoint: where });
    if (attempt > maxKills + 2) throw new Error('the child never finished');
  }
  return { kills, weights: readFileSync(`${out}.weights`), result: JSON.parse(readFileSync(`${out}.json`, 'utf8')) as { history: Record<string, number[]>; epoch: number[] }, dir };
}

async function uninterrupted(backend: string) {
  const dir = tempDir('webgrad-ref-');
  dirs.push(dir);
  const out = join(dir, 'result');
  const r = await runChild(join(dir, 'ckpt'), out, { backend });
  expect(r.code, r.stderr).toBe(0);
  expect(existsSync(`${out}.weights`)).toBe(true);
  return { weights: readFileSync(`${out}.weights`), result: JSON.parse(readFileSync(`${out}.json`, 'utf8')) as { history: Record<string, number[]>; epoch: number[] } };
}

export const crashCounts = { kills: 0 };

describe('SIGKILL at random steps, then resume', () => {
  it('CPU: the final weights are bit-identical to an uninterrupted run', async () => {
    const seed = 20240601;
    // The reference and the killed runs side by side (two cores).
    const [reference, { kills, weights, result }] = await Promise.all([uninterrupted('cpu'), killUntilDone('cpu', seed, 4, 4, [1, 10])]);
    crashCounts.kills += kills.length;
    console.log(`[crash test] CPU, seed ${seed}: ${kills.length} SIGKILLs ${JSON.stringify(kills)}`);
    expect(kills.length).toBeGreaterThanOrEqual(3);
    expect(weights.equals(reference.weights), `kills ${JSON.stringify(kills)}`).toBe(true);
    expect(result.history).toEqual(reference.result.history);
  });

  it('WebGPU: the final weights are within 1e-5 of an uninterrupted run', async () => {
    if ((await wg.WebGPUBackend.create().then((b) => (typeof b === 'string' ? b : (b.dispose(), null)))) !== null) {
      if (process.env.WEBGRAD_SKIP_WEBGPU === '1' && !process.env.CI) return;
      throw new Error('No WebGPU adapter for the crash test');
    }
    const seed = 7;
    // One kill after the first checkpoint (step 3), so the resumed run really starts mid-epoch.
    const [reference, { kills, weights }] = await Promise.all([uninterrupted('webgpu'), killUntilDone('webgpu', seed, 1, 2, [4, 9])]);
    crashCounts.kills += kills.length;
    console.log(`[crash test] WebGPU, seed ${seed}: ${kills.length} SIGKILLs ${JSON.stringify(kills)}`);
    const a = new Float32Array(weights.buffer, weights.byteOffset, weights.length / 4);
    const b = new Float32Array(reference.weights.buffer, reference.weights.byteOffset, reference.weights.length / 4);
    expect(a.length).toBe(b.length);
    let d = 0;
    for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
    expect(d).toBeLessThanOrEqual(1e-5);
  });
});
