import type { Tensor } from '../tensor/tensor.js';

/**
 * Reads scalar tensors (losses) back without stalling the device every step: each push starts
 * the readback and only the value `depth` steps older is awaited, so the GPU always has the next
 * steps queued. On the CPU backend every read resolves at once.
 */
export class ReadbackRing<M> {
  private readonly queue: { value: Promise<number>; meta: M }[] = [];

  constructor(private readonly depth = 2) {}

  /** Starts reading `t` (then disposes it); returns the entries that are now due, oldest first. */
  async push(t: Tensor, meta: M): Promise<{ value: number; meta: M }[]> {
    const value = t.data().then((d) => d[0]!);
    value.then(() => t.dispose(), () => t.dispose());
    this.queue.push({ value, meta });
    const due: { value: number; meta: M }[] = [];
    while (this.queue.length > this.depth) {
      const head = this.queue.shift()!;
      due.push({ value: await head.value, meta: head.meta });
    }
    return due;
  }

  /** Awaits everything still in flight. */
  async drain(): Promise<{ value: number; meta: M }[]> {
    const rest = this.queue.splice(0);
    return Promise.all(rest.map(async (e) => ({ value: await e.value, meta: e.meta })));
  }

  /**
   * The values still in flight, awaited but left in the ring (they are delivered at the same
   * points as without the peek): a checkpoint records them so a resumed run delivers them alike.
   */
  async peek(): Promise<{ value: number; meta: M }[]> {
    return Promise.all(this.queue.map(async (e) => ({ value: await e.value, meta: e.meta })));
  }

  /** Puts already-read values back in flight, oldest first (resuming from a checkpoint). */
  prefill(entries: readonly { value: number; meta: M }[]): void {
    for (const e of entries) this.queue.push({ value: Promise.resolve(e.value), meta: e.meta });
  }

  /** How many values are in flight. */
  get pending(): number {
    return this.queue.length;
  }
}
