/**
 * Buffers recycled by byte size. Training shapes repeat every step, so after the first step every
 * allocation is a hit and the GPU allocator is never called in the loop.
 */
export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  liveBuffers = 0;
  liveBytes = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: GPUBufferUsageFlags,
  ) {}

  acquire(bytes: number): GPUBuffer {
    const size = roundUp(Math.max(bytes, 4), 16);
    const list = this.free.get(size);
    const buf = list?.pop() ?? this.device.createBuffer({ size, usage: this.usage });
    this.liveBuffers++;
    this.liveBytes += size;
    return buf;
  }

  release(buf: GPUBuffer): void {
    this.liveBuffers--;
    this.liveBytes -= buf.size;
    let list = this.free.get(buf.size);
    if (!list) this.free.set(buf.size, (list = []));
    list.push(buf);
  }

  /** Destroys every pooled (not live) buffer. */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
  }
}

export function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}
