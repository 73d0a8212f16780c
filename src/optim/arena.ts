import type { Backend, Storage } from '../kernels/backend.js';
import { engine } from '../tensor/engine.js';
import { fail } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * Flat buffers behind an optimizer's single fused update.
 *
 * On its first step the optimizer ADOPTS its parameters: their values are copied into one
 * parameter arena, and each parameter tensor is re-pointed (Tensor.rebindStorage) to its view of
 * that arena, at an offset aligned to the device's storage-offset alignment. The gradient arena
 * and the state arena ([slot 0 | slot 1 | …], each as long as the parameter arena) share the
 * layout. A step then copies each gradient into the gradient arena (buffer copies, not
 * dispatches) and runs one update kernel over everything. Alignment padding is zero in every
 * arena and stays zero under every update rule.
 *
 * Ownership: a parameter stays usable everywhere (reads, kernels, getWeights/setWeights,
 * gradients); disposing it releases its view. When every parameter of an arena has been disposed
 * (the model was disposed), the arena frees all its buffers. `dispose()` (the optimizer's) first
 * moves each live parameter back into a buffer of its own, then frees every arena.
 *
 * A parameter first seen later, or moved out by someone else (another optimizer adopting it),
 * triggers a re-layout of that backend's arenas: values and state are copied to new arenas.
 * Arenas are split into chunks that fit the device's largest storage binding (one dispatch each).
 * A step over a subset of the parameters (a frozen layer) runs one dispatch per contiguous run.
 */
interface Entry {
  readonly param: Tensor;
  readonly name: string;
  readonly size: number;
  chunk: Chunk | null;
  /** Element offset in the chunk's arenas. */
  offset: number;
  /** Where the parameter's values live: our arena, elsewhere (rebound by someone else), or gone. */
  home: 'arena' | 'moved' | 'disposed';
}

class Chunk {
  params: Storage | null;
  grads: Storage | null;
  state: Storage | null;
  /** Entries whose parameter lives in `params`. */
  resident = 0;
  readonly entries: Entry[] = [];

  constructor(
    readonly backend: Backend,
    /** Elements in each arena (the state arena holds `slots` times as many). */
    readonly length: number,
    slots: number,
  ) {
    this.params = backend.alloc(length, 'float32');
    this.grads = backend.alloc(length, 'float32');
    this.state = slots > 0 ? backend.alloc(slots * length, 'float32') : null;
    // Pooled buffers are not cleared: the padding must be zero.
    for (const s of [this.params, this.grads, this.state]) if (s) backend.write(s, new Float32Array(s.size));
  }

  freeParams(): void {
    for (const s of [this.params, this.grads]) if (s) this.backend.free(s);
    this.params = this.grads = null;
  }

  free(): void {
    this.freeParams();
    if (this.state) this.backend.free(this.state);
    this.state = null;
  }
}

/** A run of consecutive entries of one chunk updated by one dispatch. */
export interface UpdateRun {
  readonly chunk: { readonly backend: Backend; readonly length: number; readonly params: Storage; readonly grads: Storage; readonly state: Storage | null };
  readonly start: number;
  readonly n: number;
}

/** Restored state waiting for its parameter: a tensor or host values, `slots × size` long. */
export type PendingSlots = Tensor | ArrayLike<number>;

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

export class ParameterArena {
  private readonly entries = new Map<Tensor, Entry>();
  /** Every parameter ever seen, in first-seen order (its index names unnamed parameters). */
  private readonly order: Entry[] = [];
  private chunks: Chunk[] = [];

  constructor(
    private readonly owner: string,
    /** State slots per element (2 for Adam's m and v, 0 for plain SGD). */
    private readonly slots: number,
    /** Takes the restored state waiting for a parameter of this name, if any. */
    private readonly takePending: (name: string) => PendingSlots | undefined,
  ) {}

  /** Makes every parameter resident in an arena, adopting new ones (a re-layout, not a step's work). */
  adopt(params: readonly Tensor[]): void {
    const stale = new Set<Backend>();
    for (const p of params) {
      const backend = p.storageFor(this.owner).backend;
      const e = this.entries.get(p);
      if (!e || (e.home !== 'arena' && e.size > 0)) stale.add(backend);
    }
    for (const b of stale) this.relayout(b, params.filter((p) => p.storageFor(this.owner).backend === b));
  }

  /** Whether these parameters are exactly those of one arena chunk (a global norm over it is theirs). */
  coversOneChunk(params: readonly Tensor[]): boolean {
    const chunks = new Set(params.map((p) => this.entries.get(p)?.chunk));
    const c = chunks.size === 1 ? [...chunks][0] : undefined;
    if (!c) return false;
    const set = new Set(params);
    return c.entries.every((e) => e.size === 0 || set.has(e.param)) && params.every((p) => this.entries.get(p)!.home === 'arena' || p.size === 0);
  }

  /**
   * Copies the gradients of adopted parameters into the gradient arenas; returns the runs to
   * update, one per contiguous block of parameters with gradients (one per arena in training).
   */
  gather(pairs: readonly (readonly [Tensor, Tensor])[]): UpdateRun[] {
    const present = new Set<Entry>();
    for (const [p, g] of pairs) {
      const e = this.entries.get(p);
      if (!e) return fail(this.owner, `parameter ${p.name ?? `#${p.id}`} was not adopted before its update`);
      if (present.has(e)) fail(this.owner, `parameter ${p.name ?? `#${p.id}`} appears twice in one update`);
      present.add(e);
      if (e.size === 0) continue;
      const c = e.chunk!;
      const gs = g.storageFor(this.owner);
      if (gs.backend !== c.backend) fail(this.owner, `the gradient of ${p.name ?? `#${p.id}`} lives on ${gs.backend.name} but the parameter on ${c.backend.name}`);
      c.backend.copy(gs, 0, c.grads!, e.offset, e.size);
    }
    const runs: UpdateRun[] = [];
    for (const c of this.chunks) {
      const spans: [number, number][] = [];
      let open: [number, number] | null = null;
      for (const e of c.entries) {
        if (e.size === 0) continue;
        if (!present.has(e)) {
          open = null;
          continue;
        }
        if (open) open[1] = e.offset + e.size;
        else spans.push((open = [e.offset, e.offset + e.size]));
      }
      for (const [start, end] of spans) runs.push({ chunk: c as UpdateRun['chunk'], start, n: end - start });
    }
    return runs;
  }

  /**
   * Lays out every live parameter known on `backend` in new arenas (state copied over, restored
   * state for new ones) and moves there those that were in the old arenas or take part in this
   * step (`stepping`). A parameter another optimizer took keeps its state here but stays where it
   * is until it takes part in a step of ours again, so two optimizers sharing parameters do not
   * take them from each other on every step. Disposed parameters are dropped.
   */
  private relayout(backend: Backend, stepping: readonly Tensor[]): void {
    for (const p of stepping) {
      if (this.entries.has(p)) continue;
      if (p.dtype !== 'float32') fail(this.owner, `parameter ${p.name ?? `#${p.id}`} is ${p.dtype}; optimizers update float32 tensors`);
      const e: Entry = { param: p, name: p.name ?? `param_${this.order.length}`, size: p.size, chunk: null, offset: 0, home: 'moved' };
      this.entries.set(p, e);
      this.order.push(e);
    }
    const oldChunks = this.chunks.filter((c) => c.backend === backend);
    const onBackend = (e: Entry) => (e.chunk ? e.chunk.backend === backend : !e.param.isDisposed && e.param.storageFor(this.owner).backend === backend);
    for (const e of this.order) {
      if (onBackend(e) && e.param.isDisposed) {
        e.chunk = null;
        e.home = 'disposed';
      }
    }
    const mine = this.order.filter((e) => !e.param.isDisposed && onBackend(e));
    const joining = new Set(stepping);
    // Keep each entry's state where it was until it is copied.
    const before = new Map(mine.map((e) => [e, { chunk: e.chunk, offset: e.offset }] as const));
    const align = backend.viewAlignment;
    const capacity = Math.max(align, Math.floor(backend.maxStorageElements / Math.max(1, this.slots) / align) * align);
    const plans: { entries: Entry[]; offsets: number[]; length: number }[] = [];
    let plan: (typeof plans)[number] | null = null;
    for (const e of mine) {
      const at: number = plan ? roundUp(plan.length, align) : 0;
      if (!plan || (at + e.size > capacity && plan.entries.length > 0)) {
        plan = { entries: [], offsets: [], length: 0 };
        plans.push(plan);
      }
      const offset = roundUp(plan.length, align);
      plan.entries.push(e);
      plan.offsets.push(offset);
      plan.length = offset + e.size;
    }
    const created = plans.map((pl) => {
      const chunk = new Chunk(backend, Math.max(align, roundUp(pl.length, align)), this.slots);
      pl.entries.forEach((e, i) => {
        const offset = pl.offsets[i]!;
        chunk.entries.push(e);
        // Values: from wherever the parameter lives now (our old view, its own buffer, another arena).
        if (e.size > 0 && (e.home === 'arena' || joining.has(e.param))) backend.copy(e.param.storageFor(this.owner), 0, chunk.params!, offset, e.size);
        // State: from the old arena, else restored state, else zeros.
        const old = before.get(e)!;
        if (this.slots > 0 && e.size > 0) {
          if (old.chunk?.state) {
            for (let k = 0; k < this.slots; k++) backend.copy(old.chunk.state, k * old.chunk.length + old.offset, chunk.state!, k * chunk.length + offset, e.size);
          } else {
            const restored = this.takePending(e.name);
            if (restored !== undefined) this.writeSlots(chunk, offset, e, restored, `${this.owner}.setState`);
            // A restored tensor was the optimizer's copy; the queued copy above is ordered before any reuse.
            if (restored instanceof Tensor) restored.dispose();
          }
        }
      });
      return { chunk, pl };
    });
    // Every copy out of the old storages is queued: now re-point the parameters.
    for (const { chunk, pl } of created) {
      pl.entries.forEach((e, i) => {
        const wasHere = e.home === 'arena';
        e.chunk = chunk;
        e.offset = pl.offsets[i]!;
        if (e.size === 0 || !(wasHere || joining.has(e.param))) {
          e.home = 'moved';
          return;
        }
        const view = backend.view(chunk.params!, e.offset, e.size);
        e.param.rebindStorage(view, (reason) => this.release(e, chunk, reason));
        e.home = 'arena';
        chunk.resident++;
      });
    }
    for (const c of oldChunks) c.free();
    this.chunks = [...this.chunks.filter((c) => c.backend !== backend), ...created.map(({ chunk }) => chunk)];
  }

  /** A parameter left our arena: disposed, or rebound by someone else. */
  private release(e: Entry, chunk: Chunk, reason: 'disposed' | 'moved'): void {
    if (e.chunk !== chunk || e.home !== 'arena') return;
    e.home = reason;
    if (--chunk.resident > 0) return;
    chunk.freeParams();
    // Once every parameter is disposed, nothing can use the state either.
    if (chunk.entries.every((x) => x.home === 'disposed' || x.param.isDisposed)) {
      chunk.free();
      this.chunks = this.chunks.filter((c) => c !== chunk);
      for (const x of chunk.entries) x.chunk = null;
    }
  }

  /** Writes packed slots [s0 | s1 | …] (`slots × size` values) of one entry into a chunk's state. */
  private writeSlots(chunk: Chunk, offset: number, e: Entry, value: PendingSlots, what: string): void {
    const n = e.size;
    const want = this.slots * n;
    const len = value instanceof Tensor ? value.size : value.length;
    if (len !== want) fail(what, `state '${e.name}' has ${len} values, expected ${this.slots} × ${n}`);
    if (value instanceof Tensor) {
      const src = value.storageFor(what);
      if (src.backend === chunk.backend) {
        for (let k = 0; k < this.slots; k++) chunk.backend.copy(src, k * n, chunk.state!, k * chunk.length + offset, n);
        return;
      }
      if (!src.backend.readSync) fail(what, `the state lives on the ${src.backend.name} backend and the optimizer's on ${chunk.backend.name}; move it first with 'await wg.toBackend(t, backend)'`);
      value = src.backend.readSync(src);
    }
    for (let k = 0; k < this.slots; k++) {
      const piece = Array.prototype.slice.call(value, k * n, (k + 1) * n) as number[];
      chunk.backend.write(chunk.backend.view(chunk.state!, k * chunk.length + offset, n), piece);
    }
  }

  /** Each parameter's packed state (new tensors the caller owns), in first-seen order. */
  /** Names of the parameters that hold state (what slotStates would return). */
  stateNames(): string[] {
    return this.slots === 0 ? [] : this.order.filter((e) => e.chunk?.state).map((e) => e.name);
  }

  slotStates(): { name: string; value: Tensor }[] {
    if (this.slots === 0) return [];
    return this.order.flatMap((e) => {
      const c = e.chunk;
      if (!c?.state) return [];
      const t = engine.keep(new Tensor([this.slots * e.size], 'float32', c.backend.alloc(this.slots * e.size, 'float32')));
      const dst = t.storageFor(this.owner);
      for (let k = 0; k < this.slots; k++) c.backend.copy(c.state, k * c.length + e.offset, dst, k * e.size, e.size);
      return [{ name: e.name, value: t }];
    });
  }

  /** Restores one parameter's packed state by name; false if no such parameter was seen yet. */
  restore(name: string, value: PendingSlots, what: string): boolean {
    const e = this.order.find((x) => x.name === name && x.chunk?.state);
    if (!e) return false;
    this.writeSlots(e.chunk!, e.offset, e, value, what);
    return true;
  }

  /** Moves every live parameter back into a buffer of its own and frees the arenas. */
  dispose(): void {
    for (const e of this.order) {
      if (e.home !== 'arena' || e.param.isDisposed) continue;
      const c = e.chunk!;
      const own = c.backend.alloc(e.size, 'float32');
      c.backend.copy(e.param.storageFor(this.owner), 0, own, 0, e.size);
      e.param.rebindStorage(own);
    }
    for (const c of this.chunks) c.free();
    this.chunks = [];
    this.entries.clear();
    this.order.length = 0;
  }
}
