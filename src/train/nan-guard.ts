/**
 * Keeps the last good model when a training loss (or gradient) turns NaN or ±Infinity.
 *
 * The design problem: fit reads losses back through a ring, two steps late, so the GPU is never
 * waited on. When the loss of step s arrives and is not finite, steps s+1 and s+2 have already
 * been applied, and step s's update itself may have written NaN into the weights and Adam's
 * moments. Checking before applying would need a readback per step (a stall), so instead:
 *
 * Before every step the guard copies the weights and the optimizer's state (device-side buffer
 * copies: no readback, no kernel dispatch on WebGPU) into a small ring of snapshots, deep enough
 * to reach back past the readback lag (window = lag + 2). When step s's value turns out to be
 * non-finite, it puts back the snapshot taken before step s, i.e. the state after the last step
 * whose loss was finite — unless that snapshot itself holds non-finite values (step s−1's loss
 * was finite but its gradient was not), in which case it goes one step further back.
 *
 * Cost per step: one copy of the parameters (and of the optimizer's slots) into reused buffers.
 * fit's `nonFinite: 'ignore'` turns the guard off.
 */
import type { Storage } from '../kernels/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import { setOptimizerStateExact } from './checkpoint.js';
import type { FitModel } from './model.js';

type OptState = { iterations: number; learningRate: number; slots: { name: string; value: Tensor }[] };

interface Snapshot {
  step: number;
  weights: Storage[];
  opt: OptState | null;
}

export class NonFiniteGuard {
  private readonly ring: Snapshot[] = [];
  /** Snapshot buffers no longer in the ring, reused by the next capture. */
  private spare: Storage[][] = [];

  constructor(
    private readonly model: FitModel,
    private readonly window = 4,
  ) {}

  private params(): readonly { value: Tensor }[] {
    return (this.model as { weights?: readonly { value: Tensor }[] }).weights ?? [];
  }

  /** Snapshots the state the model is in before step `step` runs. */
  capture(step: number): void {
    const ws = this.params();
    let bufs = this.ring.length >= this.window ? this.recycle() : this.spare.pop();
    const storages = ws.map((w) => w.value.storageFor('fit'));
    if (!bufs || bufs.length !== storages.length || bufs.some((b, i) => b.backend !== storages[i]!.backend || b.size !== storages[i]!.size)) {
      if (bufs) free(bufs);
      bufs = storages.map((s) => s.backend.alloc(s.size, s.dtype));
    }
    storages.forEach((s, i) => {
      if (s.size > 0) s.backend.copy(s, 0, bufs[i]!, 0, s.size);
    });
    const o = this.model.optimizer as { getState?(): unknown } | null | undefined;
    const opt = o?.getState ? (o.getState() as OptState) : null;
    this.ring.push({ step, weights: bufs, opt });
  }

  /** Drops the oldest snapshot and returns its buffers for reuse. */
  private recycle(): Storage[] {
    const old = this.ring.shift()!;
    disposeOpt(old.opt);
    return old.weights;
  }

  /**
   * Restores the state from before `step` (or, when that holds non-finite values, the newest
   * older snapshot that does not). Returns the step whose pre-state was restored, or null when no
   * usable snapshot exists (the caller then reports that the weights may be damaged).
   */
  async restoreBefore(step: number): Promise<number | null> {
    const candidates = this.ring.filter((s) => s.step <= step).sort((a, b) => b.step - a.step);
    const ws = this.params();
    for (const snap of candidates) {
      if (snap.weights.length !== ws.length || !(await finite(snap))) continue;
      ws.forEach((w, i) => {
        const dst = w.value.storageFor('fit');
        if (dst.size > 0) dst.backend.copy(snap.weights[i]!, 0, dst, 0, dst.size);
      });
      const o = this.model.optimizer as Parameters<typeof setOptimizerStateExact>[0] | null | undefined;
      if (o && snap.opt) setOptimizerStateExact(o, snap.opt);
      for (const b of new Set(ws.map((w) => w.value.storageFor('fit').backend))) b.flush();
      return snap.step;
    }
    return null;
  }

  /** Frees every snapshot. */
  dispose(): void {
    for (const s of this.ring) {
      free(s.weights);
      disposeOpt(s.opt);
    }
    this.ring.length = 0;
    for (const b of this.spare) free(b);
    this.spare = [];
  }
}

function free(bufs: Storage[]): void {
  for (const b of bufs) b.backend.free(b);
}

function disposeOpt(opt: OptState | null): void {
  if (opt) for (const s of opt.slots) s.value.dispose();
}

async function finite(snap: Snapshot): Promise<boolean> {
  const reads: Promise<ArrayLike<number>>[] = snap.weights.map((s) => s.backend.read(s));
  if (snap.opt) for (const s of snap.opt.slots) reads.push(s.value.data());
  for (const values of await Promise.all(reads)) {
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  }
  return true;
}

