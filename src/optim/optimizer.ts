import type { Backend, Kernel } from '../kernels/backend.js';
import { sumSquaresKernel, type UpdateClip, type UpdateRange } from '../kernels/optimizer.js';
import { fail, fmtShape } from '../tensor/errors.js';
import { fromFlat } from '../tensor/creation.js';
import { engine } from '../tensor/engine.js';
import { tidy } from '../tensor/scope.js';
import { Tensor } from '../tensor/tensor.js';
import type { OptimizerLike } from '../nn/optimizer-like.js';
import { clone } from '../nn/assign.js';
import { ParameterArena, type UpdateRun } from './arena.js';
import { clipByGlobalNorm, clipByNorm } from './clip.js';

export interface OptimizerArgs {
  learningRate?: number;
  /** Clip each gradient to this L2 norm. */
  clipnorm?: number;
  /** Clip each gradient element to [−clipvalue, clipvalue]. */
  clipvalue?: number;
  /** Clip all gradients together to this global L2 norm. */
  globalClipnorm?: number;
}

/** One parameter's optimizer state: the slots packed in one tensor ([m | v | …] for Adam). */
export interface SlotState {
  /** The parameter's name (a layer weight's path) or `param_<i>` in first-seen order. */
  name: string;
  /** Packed slots, k × the parameter's size; a tensor (getState) or host values (exportState). */
  value: Tensor | ArrayLike<number>;
}

export interface OptimizerState {
  iterations: number;
  learningRate: number;
  slots: SlotState[];
}

/** What an update kernel covers: elements [start, start + n) of arenas whose slots are `stride` apart. */
export type UpdateSpan = UpdateRange & UpdateClip & { start: number; stride: number };

/**
 * The optimizer contract: `applyGradients([[param, grad], …])` updates parameters in place. The
 * update of all parameters is ONE fused dispatch per step: on its first step the optimizer adopts
 * its parameters into flat arenas (src/optim/arena.ts: each parameter tensor is re-pointed to a
 * view of the parameter arena; `dispose()` gives them buffers of their own again), each step
 * copies the gradients into the gradient arena and runs one kernel over everything, then submits
 * the step's GPU work. The learning rate is a plain property, read and set freely between steps;
 * state export/import covers the moments and the step count.
 */
export abstract class Optimizer implements OptimizerLike {
  learningRate: number;
  /** Steps taken (Keras `iterations`); the next step is number iterations + 1. */
  iterations = 0;
  readonly clipnorm: number | undefined;
  readonly clipvalue: number | undefined;
  readonly globalClipnorm: number | undefined;
  /** State restored by name before its parameter was first seen. */
  private readonly pending = new Map<string, Tensor | ArrayLike<number>>();
  private arenaInstance: ParameterArena | null = null;

  constructor(
    readonly className: string,
    args: OptimizerArgs,
    defaultLearningRate: number,
  ) {
    this.learningRate = args.learningRate ?? defaultLearningRate;
    if (!(this.learningRate >= 0)) fail(className, `learningRate must be ≥ 0, got ${this.learningRate}`);
    const set = (['clipnorm', 'clipvalue', 'globalClipnorm'] as const).filter((k) => args[k] !== undefined);
    if (set.length > 1) fail(className, `only one of clipnorm, clipvalue and globalClipnorm can be set (got ${set.join(', ')})`);
    for (const k of set) if (!(args[k]! > 0)) fail(className, `${k} must be positive, got ${args[k]}`);
    this.clipnorm = args.clipnorm;
    this.clipvalue = args.clipvalue;
    this.globalClipnorm = args.globalClipnorm;
  }

  /** Slots per parameter element (0 for plain SGD). */
  protected abstract slotCount(): number;
  /** The fused in-place update kernel over `span` of the arenas; `step` is 1 on the first call. */
  protected abstract updateKernel(span: UpdateSpan, step: number): Kernel;

  private get arena(): ParameterArena {
    return (this.arenaInstance ??= new ParameterArena(this.className, this.slotCount(), (name) => {
      const v = this.pending.get(name);
      this.pending.delete(name);
      return v;
    }));
  }

  applyGradients(pairs: readonly (readonly [Tensor, Tensor])[]): void {
    tidy(() => {
      pairs.forEach(([p, g]) => {
        if (g.size !== p.size || g.rank !== p.rank) fail(this.className, `gradient ${fmtShape(g.shape)} does not match parameter ${p.name ?? ''} ${fmtShape(p.shape)}`);
      });
      const params = pairs.map(([p]) => p);
      this.arena.adopt(params);
      // Clipping by each gradient's norm runs as tensor ops; clipvalue and (over one whole arena)
      // the global norm are fused into the update kernel.
      const fuseGlobal = this.globalClipnorm !== undefined && this.arena.coversOneChunk(params);
      const grads = this.clip(pairs.map(([, g]) => g), fuseGlobal);
      const runs = this.arena.gather(params.map((p, i) => [p, grads[i]!] as const));
      const step = this.iterations + 1;
      const touched = new Set<Backend>();
      for (const run of runs) this.dispatchRun(run, step, fuseGlobal, touched);
      // The update ends a training step: submit its work now rather than at the next readback.
      for (const b of touched) b.flush();
    });
    this.iterations++;
  }

  private dispatchRun(run: UpdateRun, step: number, fuseGlobal: boolean, touched: Set<Backend>): void {
    const { backend, params, grads, state, length } = run.chunk;
    const clip: UpdateClip = {
      ...(this.clipvalue !== undefined ? { clipValue: this.clipvalue } : {}),
      ...(fuseGlobal ? { globalClipnorm: this.globalClipnorm } : {}),
    };
    const sumsq = fuseGlobal ? backend.alloc(1, 'float32') : null;
    if (sumsq) backend.dispatch(sumSquaresKernel('globalClipnorm', length), [grads], [sumsq]);
    const kernel = this.updateKernel({ n: run.n, start: run.start, stride: length, ...clip }, step);
    backend.dispatch(kernel, sumsq ? [grads, sumsq] : [grads], state ? [params, state] : [params]);
    // Later commands (and reuse of the buffer) are queue-ordered after these.
    if (sumsq) backend.free(sumsq);
    touched.add(backend);
  }

  /**
   * TF.js-style step: runs `f` (a scalar loss), back-propagates to `varList`, updates them, and
   * frees everything but the returned loss (not read back).
   */
  minimize(f: () => Tensor, varList: readonly Tensor[]): Tensor {
    for (const v of varList) {
      v.grad?.dispose();
      v.grad = null;
    }
    try {
      const loss = tidy(() => {
        const l = f();
        l.backward();
        this.applyGradients(varList.filter((v) => v.grad).map((v) => [v, v.grad!] as const));
        return l;
      });
      loss.creator = null;
      loss.requiresGrad = false;
      return loss;
    } finally {
      for (const v of varList) {
        v.grad?.dispose();
        v.grad = null;
      }
    }
  }

  private clip(grads: Tensor[], globalFused: boolean): Tensor[] {
    if (this.clipnorm !== undefined) return grads.map((g) => clipByNorm(g, this.clipnorm!));
    if (this.globalClipnorm !== undefined && !globalFused) return clipByGlobalNorm(grads, this.globalClipnorm);
    return grads;
  }

  /**
   * The parameters' packed states (tensors, copies: the caller disposes them), the step
   * count and the learning rate. State restored for parameters not seen yet is included as it was
   * given, so a getState/setState round trip before the first step loses nothing.
   */
  getState(): OptimizerState {
    const waiting = [...this.pending].map(([name, v]): SlotState => ({ name, value: v instanceof Tensor ? clone(v, `${this.className}.getState`) : fromFlat(v, [v.length], 'float32', engine.backend) }));
    return { iterations: this.iterations, learningRate: this.learningRate, slots: [...(this.arenaInstance?.slotStates() ?? []), ...waiting] };
  }

  /**
   * Restores a state from getState or exportState (by parameter name; unseen parameters pick theirs
   * up on first use). It replaces the whole state: parameters it holds nothing for start from zero
   * moments again (a state taken before the first step holds none).
   */
  setState(state: OptimizerState): void {
    const held = new Set(state.slots.map((s) => s.name));
    if (this.arenaInstance?.stateNames().some((n) => !held.has(n))) this.dispose();
    for (const [name, v] of this.pending) {
      if (held.has(name)) continue;
      if (v instanceof Tensor) v.dispose();
      this.pending.delete(name);
    }
    this.iterations = state.iterations;
    this.learningRate = state.learningRate;
    const what = `${this.className}.setState`;
    for (const { name, value } of state.slots) {
      if (this.arenaInstance?.restore(name, value, what)) continue;
      const old = this.pending.get(name);
      if (old instanceof Tensor) old.dispose();
      this.pending.set(name, value instanceof Tensor ? clone(value, what) : Array.from(value));
    }
  }

  /** The state as plain numbers (for checkpoints); reads back from the device. */
  async exportState(): Promise<OptimizerState> {
    const st = this.getState();
    try {
      const slots = await Promise.all(st.slots.map(async ({ name, value }) => ({ name, value: Array.from(await (value as Tensor).data()) })));
      return { ...st, slots };
    } finally {
      for (const s of st.slots) (s.value as Tensor).dispose();
    }
  }

  /**
   * Frees the optimizer's state and arenas. Parameters it adopted keep working: each gets a buffer
   * of its own again (a device copy, no readback).
   */
  dispose(): void {
    this.arenaInstance?.dispose();
    this.arenaInstance = null;
    for (const v of this.pending.values()) if (v instanceof Tensor) v.dispose();
    this.pending.clear();
  }
}
