import type { Backend } from '../kernels/backend.js';
import { CpuBackend } from '../kernels/cpu/backend.js';
import { Rng } from './random.js';
import type { Tensor } from './tensor.js';

/**
 * Process-wide state: the current backend, the scope stack that frees intermediates, whether
 * gradients are recorded, the seeded PRNG, and counters for `stats()`.
 */
class Engine {
  backend: Backend = new CpuBackend();
  rng = new Rng(42);
  gradEnabled = true;
  liveTensors = 0;
  nextId = 1;
  private readonly scopes: Set<Tensor>[] = [];

  track(t: Tensor): void {
    this.liveTensors++;
    this.scopes[this.scopes.length - 1]?.add(t);
  }

  untrack(t: Tensor): void {
    this.liveTensors--;
    for (const s of this.scopes) s.delete(t);
  }

  /** Removes `t` from every open scope so that no scope frees it. */
  keep<T extends Tensor>(t: T): T {
    for (const s of this.scopes) s.delete(t);
    return t;
  }

  beginScope(): void {
    this.scopes.push(new Set());
  }

  /** Frees every tensor created in the scope except `result`'s; those move to the parent scope. */
  endScope(result: Set<Tensor>): void {
    const scope = this.scopes.pop();
    if (!scope) throw new Error('endScope: no open scope');
    const parent = this.scopes[this.scopes.length - 1];
    for (const t of scope) {
      if (result.has(t)) parent?.add(t);
      else t.dispose();
    }
  }

  get scopeDepth(): number {
    return this.scopes.length;
  }
}

export const engine = new Engine();
