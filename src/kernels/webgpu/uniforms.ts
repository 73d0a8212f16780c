import type { Uniform } from '../backend.js';

/**
 * All uniforms of one command batch live in one buffer: each dispatch appends its words at an
 * aligned offset, and the whole arena is uploaded with one writeBuffer just before the submit.
 * A write issued after a submit is ordered after it on the queue, so reusing the arena for the
 * next batch is safe.
 */
export class UniformArena {
  readonly buffer: GPUBuffer;
  private readonly host: ArrayBuffer;
  private readonly view: DataView;
  private used = 0;

  constructor(
    private readonly device: GPUDevice,
    readonly capacity: number,
    private readonly align: number,
  ) {
    this.buffer = device.createBuffer({ size: capacity, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.host = new ArrayBuffer(capacity);
    this.view = new DataView(this.host);
  }

  /** Room for `words` more words? */
  fits(words: number): boolean {
    return this.used + Math.max(16, words * 4) <= this.capacity;
  }

  /** Appends the values; returns the byte offset and size to bind. */
  push(values: readonly Uniform[]): { offset: number; size: number } {
    const offset = this.used;
    values.forEach(([type, v], i) => {
      const at = offset + i * 4;
      if (type === 'f32') this.view.setFloat32(at, v, true);
      else if (type === 'i32') this.view.setInt32(at, v, true);
      else this.view.setUint32(at, v, true);
    });
    const size = Math.max(16, Math.ceil((values.length * 4) / 16) * 16);
    this.used = Math.ceil((offset + size) / this.align) * this.align;
    return { offset, size };
  }

  /** Uploads what was pushed since the last upload and starts over. */
  upload(): void {
    if (this.used > 0) this.device.queue.writeBuffer(this.buffer, 0, this.host, 0, this.used);
    this.used = 0;
  }
}
