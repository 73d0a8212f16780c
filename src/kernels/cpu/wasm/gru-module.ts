/**
 * The WebAssembly SIMD GRU loops (gru.wat), instantiated once per thread on first use: each worker
 * evaluates this module anew, so each has its own instance and memory (no sharing, no locks).
 */
import bytes from './gru.wat';

/** Byte offsets (see gru.wat for each argument's layout). */
interface GruExports {
  memory: WebAssembly.Memory;
  forward(x: number, WT: number, UT: number, bi: number, br: number, H: number, G: number, S: number,
    T: number, F: number, u: number, sH: number, sG: number, flags: number): void;
  backward(x: number, Ud: number, Wd: number, G: number, H: number, dH: number, dHL: number, dG: number, dx: number,
    S: number, acc: number, T: number, F: number, u: number, sH: number, sG: number, flags: number): void;
}

const PAGE = 65536;

export class GruWasm {
  readonly fn: GruExports;
  /** Views of the whole memory; replaced when it grows (growing detaches the old buffer). */
  f32: Float32Array;
  f64: Float64Array;
  /** Blocks of four sequences run, per direction: lets tests see this path really ran. */
  readonly runs = { forward: 0, backward: 0 };

  constructor() {
    this.fn = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as GruExports;
    this.f32 = new Float32Array(this.fn.memory.buffer);
    this.f64 = new Float64Array(this.fn.memory.buffer);
  }

  /** Grows the memory to at least `size` bytes. */
  reserve(size: number): void {
    const have = this.fn.memory.buffer.byteLength;
    if (size <= have) return;
    this.fn.memory.grow(Math.ceil((size - have) / PAGE));
    this.f32 = new Float32Array(this.fn.memory.buffer);
    this.f64 = new Float64Array(this.fn.memory.buffer);
  }
}

let instance: GruWasm | null | undefined;

/** This thread's instance, or null where the engine lacks WebAssembly SIMD (the JS loops run). */
export function gruWasm(): GruWasm | null {
  if (instance === undefined) instance = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new GruWasm() : null;
  return instance;
}

/** Consecutive 16-byte-aligned regions of the given byte sizes: their offsets and the end. */
export function regions<K extends string>(sizes: Record<K, number>): { at: Record<K, number>; end: number } {
  const at = {} as Record<K, number>;
  let end = 0;
  for (const k in sizes) {
    at[k] = end;
    end += Math.ceil(sizes[k] / 16) * 16;
  }
  return { at, end };
}
