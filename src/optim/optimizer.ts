import { fail, fmtShape } from '../tensor/errors.js';
import { engine } from '../tensor/engine.js';
import { clipByValue } from '../tensor/ops/elementwise.js';
import { tidy } from '../tensor/scope.js';
import { Tensor } from '../tensor/tensor.js';
import { assign, clone } from '../nn/assign.js';
import type { OptimizerLike } from '../nn/optimizer-like.js';
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

/**
 * The optimizer contract: `applyGradients([[param, grad], …])` updates parameters in place with
 * one fused dispatch per parameter. The learning rate is a plain property, read and set freely
 * between steps; state export/import covers the moments and the step count.
 */
export abstract class Optimizer implements OptimizerLike {
  learningRate: number;
  /** Steps taken (Keras `iterations`); the next step is number iterations + 1. */
  iterations = 0;
  readonly clipnorm: number | undefined;
  readonly clipvalue: number | undefined;
  readonly globalClipnorm: number | undefined;
  private readonly state = new Map<Tensor, Tensor | null>();
  private readonly order: Tensor[] = [];
  /** State restored by name before its parameter was first seen. */
  private readonly pending = new Map<string, Tensor | ArrayLike<number>>();

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
  /** One in-place update; `step` is 1 on the first call. */
  protected abstract update(param: Tensor, grad: Tensor, state: Tensor | null, step: number): void;

  applyGradients(pairs: readonly (readonly [Tensor, Tensor])[]): void {
    tidy(() => {
      const grads = this.clip(pairs.map(([, g]) => g));
      const step = this.iterations + 1;
      pairs.forEach(([p], i) => {
        const g = grads[i]!;
        if (g.size !== p.size || g.rank !== p.rank) fail(this.className, `gradient ${fmtShape(g.shape)} does not match parameter ${p.name ?? ''} ${fmtShape(p.shape)}`);
        this.update(p, g, this.stateFor(p), step);
      });
    });
    this.iterations++;
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

  private clip(grads: Tensor[]): Tensor[] {
    if (this.clipnorm !== undefined) return grads.map((g) => clipByNorm(g, this.clipnorm!));
    if (this.globalClipnorm !== undefined) return clipByGlobalNorm(grads, this.globalClipnorm);
    if (this.clipvalue !== undefined) return grads.map((g) => clipByValue(g, -this.clipvalue!, this.clipvalue!));
    return grads;
  }

  private slotName(p: Tensor, index: number): string {
    return p.name ?? `param_${index}`;
  }

  private stateFor(p: Tensor): Tensor | null {
    if (this.state.has(p)) return this.state.get(p)!;
    const k = this.slotCount();
    const name = this.slotName(p, this.order.length);
    let s: Tensor | null = null;
    if (k > 0) {
      const backend = p.storageFor(this.className).backend;
      s = engine.keep(new Tensor([k * p.size], 'float32', backend.alloc(k * p.size, 'float32')));
      const restored = this.pending.get(name);
      this.pending.delete(name);
      assign(s, restored ?? new Float32Array(k * p.size), `${this.className}.state`);
    }
    this.state.set(p, s);
    this.order.push(p);
    return s;
  }

  /** The parameters' packed states (copies; the caller disposes them), the step count and the learning rate. */
  getState(): OptimizerState {
    return {
      iterations: this.iterations,
      learningRate: this.learningRate,
      slots: this.order.flatMap((p, i) => {
        const s = this.state.get(p);
        return s ? [{ name: this.slotName(p, i), value: clone(s, `${this.className}.getState`) }] : [];
      }),
    };
  }

  /** Restores a state from getState or exportState (by parameter name; unseen parameters pick theirs up on first use). */
  setState(state: OptimizerState): void {
    this.iterations = state.iterations;
    this.learningRate = state.learningRate;
    const byName = new Map(this.order.map((p, i) => [this.slotName(p, i), p] as const));
    for (const { name, value } of state.slots) {
      const p = byName.get(name);
      const s = p ? this.state.get(p) : undefined;
      if (s) assign(s, value, `${this.className}.setState`);
      else this.pending.set(name, value instanceof Tensor ? clone(value, `${this.className}.setState`) : value);
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

  /** Frees the optimizer's state. */
  dispose(): void {
    for (const s of this.state.values()) s?.dispose();
    for (const v of this.pending.values()) if (v instanceof Tensor) v.dispose();
    this.state.clear();
    this.pending.clear();
    this.order.length = 0;
  }
}
